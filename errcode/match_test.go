package errcode_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"testing"

	"github.com/regapi/regapi/errcode"
)

// Bodies as registries send them. A registered code with its default message
// and no detail decodes as a bare ErrorCode; every other entry as an Error.
const (
	bodyManifestUnknown       = `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`
	bodyManifestUnknownNoMsg  = `{"errors":[{"code":"MANIFEST_UNKNOWN"}]}`
	bodyManifestUnknownMsg    = `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no tag v9 in library/alpine"}]}`
	bodyManifestUnknownDetail = `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"tag":"v9"}}]}`
	bodyManifestUnknownBoth   = `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"no tag v9","detail":[{"tag":"v9"},2]}]}`
	bodyDeniedThenBlob        = `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"},{"code":"BLOB_UNKNOWN","message":"gone","detail":"sha256:abc"}]}`
	bodyBlobThenDenied        = `{"errors":[{"code":"BLOB_UNKNOWN","message":"gone","detail":"sha256:abc"},{"code":"DENIED","message":"requested access to the resource is denied"}]}`
	bodyTagImmutable          = `{"errors":[{"code":"TAG_IMMUTABLE","message":"tag v1 is immutable"}]}`
	bodyTagImmutableOther     = `{"errors":[{"code":"TAG_IMMUTABLE","message":"tags of this repository never move","detail":{"tag":"v2"}}]}`
	bodyQuotaReached          = `{"errors":[{"code":"QUOTA_REACHED","message":"tag v1 is immutable"}]}`
	bodyUnknown               = `{"errors":[{"code":"UNKNOWN","message":"unknown error"}]}`
	bodyUnknownDetail         = `{"errors":[{"code":"UNKNOWN","message":"backend failed","detail":{"op":"stat"}}]}`
)

func decodeErrors(t *testing.T, body string) errcode.Errors {
	t.Helper()
	var errs errcode.Errors
	if err := json.Unmarshal([]byte(body), &errs); err != nil {
		t.Fatalf("decoding %s: %v", body, err)
	}
	return errs
}

// decodedEntry returns the only entry of a decoded body, an Error, to serve
// as an errors.Is target the way a caller would get one: from another body.
func decodedEntry(t *testing.T, body string) errcode.Error {
	t.Helper()
	errs := decodeErrors(t, body)
	e, ok := errs[0].(errcode.Error)
	if len(errs) != 1 || !ok {
		t.Fatalf("%s decodes to %#v, want one Error", body, errs)
	}
	return e
}

func TestErrorsIs(t *testing.T) {
	decoded := func(body string) errcode.Errors { return decodeErrors(t, body) }
	refused := func(status int, body string) errcode.HTTPError {
		return errcode.HTTPError{StatusCode: status, Errors: decoded(body)}
	}
	viaClient := func(err error) error {
		return &url.Error{Op: "Get", URL: "https://127.0.0.1/v2/", Err: err}
	}
	tagImmutable := decodedEntry(t, bodyTagImmutableOther).WithDetail(nil)
	quotaReached := decodedEntry(t, bodyQuotaReached)

	tests := []struct {
		name   string
		err    error
		target error
		want   bool
	}{
		// Decoded, registered codes, with and without message and detail.
		{"decoded bare code", decoded(bodyManifestUnknown), errcode.ErrorCodeManifestUnknown, true},
		{"decoded without message", decoded(bodyManifestUnknownNoMsg), errcode.ErrorCodeManifestUnknown, true},
		{"decoded with message", decoded(bodyManifestUnknownMsg), errcode.ErrorCodeManifestUnknown, true},
		{"decoded with detail", decoded(bodyManifestUnknownDetail), errcode.ErrorCodeManifestUnknown, true},
		{"decoded with message and detail", decoded(bodyManifestUnknownBoth), errcode.ErrorCodeManifestUnknown, true},
		{"decoded entry itself", decoded(bodyManifestUnknownDetail)[0], errcode.ErrorCodeManifestUnknown, true},
		{"another code", decoded(bodyManifestUnknownDetail), errcode.ErrorCodeBlobUnknown, false},
		{"another code, bare", decoded(bodyManifestUnknown), errcode.ErrorCodeBlobUnknown, false},
		{"another code, entry itself", decoded(bodyManifestUnknownBoth)[0], errcode.ErrorCodeNameUnknown, false},
		{"second entry", decoded(bodyDeniedThenBlob), errcode.ErrorCodeBlobUnknown, true},
		{"first entry", decoded(bodyDeniedThenBlob), errcode.ErrorCodeDenied, true},
		{"in no entry", decoded(bodyDeniedThenBlob), errcode.ErrorCodeUnauthorized, false},

		// Error targets without a detail match by Value, whatever the messages.
		{"Error target, other message", decoded(bodyManifestUnknownBoth), errcode.ErrorCodeManifestUnknown.WithMessage("something else"), true},
		{"Error target, bare entry", decoded(bodyManifestUnknown), errcode.ErrorCodeManifestUnknown.WithMessage("something else"), true},
		{"Error target from WithArgs", decoded(bodyManifestUnknownDetail), errcode.ErrorCodeManifestUnknown.WithArgs(), true},
		{"Error target of another code", decoded(bodyManifestUnknownDetail), errcode.ErrorCodeBlobUnknown.WithMessage("manifest unknown"), false},
		{"Error target of another code, bare entry", decoded(bodyManifestUnknown), errcode.Error{Code: errcode.ErrorCodeBlobUnknown}, false},
		{"Error target with a detail matches only by ==", decoded(bodyManifestUnknownDetail), errcode.ErrorCodeManifestUnknown.WithDetail("v9"), false},

		// Codes the registry invented keep their wire value.
		{"unregistered is not UNKNOWN", decoded(bodyTagImmutable), errcode.ErrorCodeUnknown, false},
		{"unregistered entry is not UNKNOWN", decoded(bodyTagImmutable)[0], errcode.ErrorCodeUnknown, false},
		{"unregistered is not an UNKNOWN Error", decoded(bodyTagImmutable), errcode.Error{Code: errcode.ErrorCodeUnknown}, false},
		{"unregistered matches its value decoded elsewhere", decoded(bodyTagImmutable), tagImmutable, true},
		{"unregistered with detail matches its value", decoded(bodyTagImmutableOther), decodedEntry(t, bodyTagImmutable), true},
		{"unregistered is not another unregistered", decoded(bodyTagImmutable), quotaReached, false},
		{"registered is not an unregistered", decoded(bodyManifestUnknown), tagImmutable, false},
		{"registered Error is not an unregistered", decoded(bodyManifestUnknownDetail), tagImmutable, false},
		{"UNKNOWN decoded is UNKNOWN", decoded(bodyUnknown), errcode.ErrorCodeUnknown, true},
		{"UNKNOWN with detail is UNKNOWN", decoded(bodyUnknownDetail), errcode.ErrorCodeUnknown, true},
		{"UNKNOWN is an UNKNOWN Error", decoded(bodyUnknownDetail), errcode.ErrorCodeUnknown.WithMessage("x"), true},
		{"UNKNOWN is not an unregistered", decoded(bodyUnknown), tagImmutable, false},

		// Wrapped, joined, carried by HTTPError and by the client's *url.Error.
		{"wrapped", fmt.Errorf("fetching v9: %w", decoded(bodyManifestUnknownDetail)), errcode.ErrorCodeManifestUnknown, true},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", decoded(bodyManifestUnknownMsg))), errcode.ErrorCodeManifestUnknown, true},
		{"wrapped, another code", fmt.Errorf("fetching v9: %w", decoded(bodyManifestUnknownDetail)), errcode.ErrorCodeBlobUnknown, false},
		{"wrapped entry", fmt.Errorf("push: %w", decoded(bodyTagImmutable)[0]), tagImmutable, true},
		{"wrapped unregistered is not UNKNOWN", fmt.Errorf("push: %w", decoded(bodyTagImmutable)), errcode.ErrorCodeUnknown, false},
		{"joined", errors.Join(errors.New("first"), decoded(bodyManifestUnknownDetail)), errcode.ErrorCodeManifestUnknown, true},
		{"joined lists", errors.Join(decoded(bodyDeniedThenBlob), decoded(bodyTagImmutable)), tagImmutable, true},
		{"joined, another code", errors.Join(errors.New("first"), decoded(bodyManifestUnknownDetail)), errcode.ErrorCodeBlobUnknown, false},
		{"HTTPError", refused(404, bodyManifestUnknownDetail), errcode.ErrorCodeManifestUnknown, true},
		{"HTTPError, second entry", refused(403, bodyDeniedThenBlob), errcode.ErrorCodeBlobUnknown, true},
		{"HTTPError, another code", refused(404, bodyManifestUnknownDetail), errcode.ErrorCodeBlobUnknown, false},
		{"pointer to HTTPError", &errcode.HTTPError{StatusCode: 401, Errors: errcode.Errors{errcode.ErrorCodeUnauthorized}}, errcode.ErrorCodeUnauthorized, true},
		{"HTTPError wrapped", fmt.Errorf("token: %w", refused(404, bodyManifestUnknownBoth)), errcode.ErrorCodeManifestUnknown, true},
		{"HTTPError joined", errors.Join(errors.New("x"), refused(500, bodyUnknownDetail)), errcode.ErrorCodeUnknown, true},
		{"HTTPError in url.Error", viaClient(refused(404, bodyManifestUnknownDetail)), errcode.ErrorCodeManifestUnknown, true},
		{"HTTPError in url.Error, another code", viaClient(refused(404, bodyManifestUnknownDetail)), errcode.ErrorCodeUnauthorized, false},
		{"unregistered in url.Error", viaClient(refused(409, bodyTagImmutable)), tagImmutable, true},
		{"unregistered in url.Error is not UNKNOWN", viaClient(refused(409, bodyTagImmutable)), errcode.ErrorCodeUnknown, false},
		{"empty HTTPError", errcode.HTTPError{StatusCode: 502}, errcode.ErrorCodeUnknown, false},

		// Constructed errors match the same way.
		{"constructed with detail", errcode.ErrorCodeManifestUnknown.WithDetail(map[string]any{"tag": "v9"}), errcode.ErrorCodeManifestUnknown, true},
		{"constructed with args", errcode.ErrorCodeNameInvalid.WithArgs("x"), errcode.ErrorCodeNameInvalid, true},
		{"constructed list", errcode.Errors{errcode.ErrorCodeDenied, errcode.ErrorCodeSizeInvalid.WithMessage("short")}, errcode.ErrorCodeSizeInvalid, true},
		{"constructed list, another code", errcode.Errors{errcode.ErrorCodeDenied, errcode.ErrorCodeSizeInvalid.WithMessage("short")}, errcode.ErrorCodeDigestInvalid, false},
		{"list with a nil entry", errcode.Errors{nil, errcode.ErrorCodeDenied}, errcode.ErrorCodeDenied, true},
		{"list inside a list", errcode.Errors{errcode.Errors{errcode.ErrorCodeDenied}}, errcode.ErrorCodeDenied, true},
		{"wrapped pointer", fmt.Errorf("x: %w", &errcode.Error{Code: errcode.ErrorCodeDenied, Detail: "y"}), errcode.ErrorCodeDenied, true},
		{"bare code, Error target", errcode.ErrorCodeDenied, errcode.ErrorCodeDenied.WithMessage("no"), true},
		{"bare code, Error target of another code", errcode.ErrorCodeDenied, errcode.ErrorCodeUnauthorized.WithMessage("no"), false},
		{"bare code, another code", errcode.ErrorCodeDenied, errcode.ErrorCodeUnauthorized, false},
		{"text does not matter", errors.New("manifest unknown"), errcode.ErrorCodeManifestUnknown, false},
		{"text of an entry does not matter", errcode.Errors{errors.New("denied")}, errcode.ErrorCodeDenied, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errors.Is(tt.err, tt.target); got != tt.want {
				t.Errorf("errors.Is(%q, %q) = %v, want %v", tt.err, tt.target, got, tt.want)
			}
		})
	}
}

func TestErrorsAs(t *testing.T) {
	decoded := func(body string) errcode.Errors { return decodeErrors(t, body) }
	refused := func(status int, body string) errcode.HTTPError {
		return errcode.HTTPError{StatusCode: status, Errors: decoded(body)}
	}
	tests := []struct {
		name string
		err  error
		ok   bool
		// The Error found, when ok.
		value   string
		code    errcode.ErrorCode
		message string
		detail  any
	}{
		{"decoded bare code", decoded(bodyManifestUnknown), true,
			"MANIFEST_UNKNOWN", errcode.ErrorCodeManifestUnknown, "manifest unknown", nil},
		{"decoded without message", decoded(bodyManifestUnknownNoMsg), true,
			"MANIFEST_UNKNOWN", errcode.ErrorCodeManifestUnknown, "manifest unknown", nil},
		{"decoded with message", decoded(bodyManifestUnknownMsg), true,
			"MANIFEST_UNKNOWN", errcode.ErrorCodeManifestUnknown, "no tag v9 in library/alpine", nil},
		{"decoded with detail", decoded(bodyManifestUnknownDetail), true,
			"MANIFEST_UNKNOWN", errcode.ErrorCodeManifestUnknown, "manifest unknown", map[string]any{"tag": "v9"}},
		{"first entry bare", decoded(bodyDeniedThenBlob), true,
			"DENIED", errcode.ErrorCodeDenied, "requested access to the resource is denied", nil},
		{"first entry an Error", decoded(bodyBlobThenDenied), true,
			"BLOB_UNKNOWN", errcode.ErrorCodeBlobUnknown, "gone", "sha256:abc"},
		{"unregistered", decoded(bodyTagImmutable), true,
			"TAG_IMMUTABLE", errcode.ErrorCodeUnknown, "tag v1 is immutable", nil},
		{"UNKNOWN", decoded(bodyUnknown), true,
			"UNKNOWN", errcode.ErrorCodeUnknown, "unknown error", nil},
		{"wrapped", fmt.Errorf("resolve: %w", decoded(bodyDeniedThenBlob)), true,
			"DENIED", errcode.ErrorCodeDenied, "requested access to the resource is denied", nil},
		{"joined", errors.Join(errors.New("first"), decoded(bodyBlobThenDenied), decoded(bodyUnknown)), true,
			"BLOB_UNKNOWN", errcode.ErrorCodeBlobUnknown, "gone", "sha256:abc"},
		{"HTTPError", refused(403, bodyDeniedThenBlob), true,
			"DENIED", errcode.ErrorCodeDenied, "requested access to the resource is denied", nil},
		{"HTTPError in url.Error", &url.Error{Op: "Get", URL: "https://127.0.0.1/v2/", Err: refused(409, bodyTagImmutable)}, true,
			"TAG_IMMUTABLE", errcode.ErrorCodeUnknown, "tag v1 is immutable", nil},
		{"bare code", errcode.ErrorCodeTooManyRequests, true,
			"TOOMANYREQUESTS", errcode.ErrorCodeTooManyRequests, "too many requests", nil},
		{"wrapped bare code", fmt.Errorf("x: %w", errcode.ErrorCodeSizeInvalid), true,
			"SIZE_INVALID", errcode.ErrorCodeSizeInvalid, "provided length did not match content length", nil},
		{"entry after a plain error", errcode.Errors{errors.New("disk full"), errcode.ErrorCodeNameUnknown}, true,
			"NAME_UNKNOWN", errcode.ErrorCodeNameUnknown, "repository name not known to registry", nil},
		{"plain error", errors.New("manifest unknown"), false, "", 0, "", nil},
		{"empty list", errcode.Errors{}, false, "", 0, "", nil},
		{"empty HTTPError", errcode.HTTPError{StatusCode: 502}, false, "", 0, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var e errcode.Error
			ok := errors.As(tt.err, &e)
			if ok != tt.ok {
				t.Fatalf("errors.As(%q) = %v, want %v", tt.err, ok, tt.ok)
			}
			if !ok {
				return
			}
			if e.Value() != tt.value || e.Code != tt.code || e.Message != tt.message || !reflect.DeepEqual(e.Detail, tt.detail) {
				t.Errorf("found %s %v %q %#v, want %s %v %q %#v",
					e.Value(), e.Code, e.Message, e.Detail, tt.value, tt.code, tt.message, tt.detail)
			}
		})
	}
}

// An ErrorCode fills only an *Error; other targets are left alone.
func TestErrorCodeAsOtherTargets(t *testing.T) {
	var code errcode.ErrorCode
	if errcode.ErrorCodeDenied.As(&code) || code != 0 {
		t.Errorf("As filled an *ErrorCode: %v", code)
	}
	var ptr *errcode.Error
	if errcode.ErrorCodeDenied.As(&ptr) || ptr != nil {
		t.Errorf("As filled an **Error: %v", ptr)
	}
	if errcode.ErrorCodeDenied.As((*errcode.Error)(nil)) {
		t.Error("As reported filling a nil *Error")
	}
	var list errcode.Errors
	if errors.As(errcode.ErrorCodeDenied, &list) {
		t.Errorf("errors.As found a list in a bare code: %v", list)
	}
}
