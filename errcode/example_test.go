package errcode_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/regapi/regapi/errcode"
)

// A server answers with one or more errors in the registry's envelope; the
// status is that of the first error's code.
func ExampleServeJSON() {
	rec := httptest.NewRecorder()
	err := errcode.Errors{
		errcode.ErrorCodeManifestUnknown.WithDetail(map[string]string{"tag": "v9"}),
		errcode.ErrorCodeNameUnknown,
	}
	if err := errcode.ServeJSON(rec, err); err != nil {
		panic(err)
	}
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"))
	fmt.Print(rec.Body.String())
	// Output:
	// 404 application/json
	// {"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"tag":"v9"}},{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}
}

// A client decodes a registry's error body. Codes this package does not know,
// such as a registry's own TAG_IMMUTABLE, keep their wire value.
func ExampleErrors_UnmarshalJSON() {
	body := `{"errors":[
		{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"},
		{"code":"TAG_IMMUTABLE","message":"tag v1 is immutable"}]}`

	var errs errcode.Errors
	if err := json.Unmarshal([]byte(body), &errs); err != nil {
		panic(err)
	}
	fmt.Println(errors.Is(errs[0], errcode.ErrorCodeBlobUnknown))
	unknown := errs[1].(errcode.Error)
	fmt.Println(unknown.Code == errcode.ErrorCodeUnknown, unknown.Value())
	fmt.Println(unknown)

	again, _ := json.Marshal(errs)
	fmt.Println(string(again))
	// Output:
	// true
	// true TAG_IMMUTABLE
	// tag immutable (TAG_IMMUTABLE): tag v1 is immutable
	// {"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"},{"code":"TAG_IMMUTABLE","message":"tag v1 is immutable"}]}
}

// A package may register its own codes, in a group of its own.
func ExampleRegister() {
	code := errcode.Register("example.registry", errcode.ErrorDescriptor{
		Value:          "QUOTA_EXCEEDED",
		Message:        "storage quota exceeded",
		Description:    "The repository's storage quota would be exceeded by this push.",
		HTTPStatusCode: 507,
	})
	fmt.Println(code.String(), code.Descriptor().HTTPStatusCode, errcode.ParseErrorCode("QUOTA_EXCEEDED") == code)
	fmt.Println(code.WithArgs().Error())
	// Output:
	// QUOTA_EXCEEDED 507 true
	// quota exceeded: storage quota exceeded
}

// A client matches a decoded error body by code, also when the entry carries
// a message and a detail and the error is wrapped. A code the registry
// invented matches by its wire value, never as UNKNOWN.
func ExampleError_Is() {
	body := `{"errors":[
		{"code":"MANIFEST_UNKNOWN","message":"no tag v9","detail":{"tag":"v9"}},
		{"code":"TAG_IMMUTABLE","message":"tag v1 is immutable"}]}`

	var errs errcode.Errors
	if err := json.Unmarshal([]byte(body), &errs); err != nil {
		panic(err)
	}
	err := fmt.Errorf("pulling library/alpine:v9: %w", errs)

	fmt.Println(errors.Is(err, errcode.ErrorCodeManifestUnknown))
	fmt.Println(errors.Is(err, errcode.ErrorCodeBlobUnknown))
	fmt.Println(errors.Is(err, errcode.ErrorCodeUnknown))

	var first errcode.Error
	if errors.As(err, &first) {
		fmt.Println(first.Value(), first.Message, first.Detail)
	}
	// Output:
	// true
	// false
	// false
	// MANIFEST_UNKNOWN no tag v9 map[tag:v9]
}
