package errcode

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
)

// upBuildItem makes the error a recorded case item describes (see the kinds
// in benchmarks/compat.ErrorItem).
func upBuildItem(t *testing.T, item upItem) error {
	t.Helper()
	var detail any
	if len(item.Detail) > 0 {
		if err := json.Unmarshal(item.Detail, &detail); err != nil {
			t.Fatal(err)
		}
	}
	code := ParseErrorCode(item.Code)
	switch item.Kind {
	case "code":
		return code
	case "message":
		return code.WithMessage(item.Message)
	case "detail":
		return code.WithDetail(detail)
	case "args":
		return code.WithArgs(item.Args...)
	case "detailargs":
		return code.WithDetail(detail).WithArgs(item.Args...)
	case "literal":
		return Error{Code: code, Message: item.Message, Detail: detail}
	case "errdetail":
		return code.WithDetail(errors.New(item.Text))
	case "plain":
		return errors.New(item.Text)
	case "nil":
		return nil
	}
	t.Fatalf("recorded item kind %q unknown", item.Kind)
	return nil
}

// TestServeJSONMatchesRecordedUpstream serves every recorded case and
// compares status, Content-Type, body bytes and the Error text of the value
// served with distribution's.
func TestServeJSONMatchesRecordedUpstream(t *testing.T) {
	rec := upReadErrors(t)
	for _, c := range rec.Serve {
		items := make([]error, len(c.Case.Items))
		for i, it := range c.Case.Items {
			items[i] = upBuildItem(t, it)
		}
		var err error
		switch c.Case.Shape {
		case "single":
			err = items[0]
		case "errors":
			err = Errors(items)
		case "nilerrors":
			err = Errors(nil)
		case "nil":
		default:
			t.Fatalf("recorded shape %q unknown", c.Case.Shape)
		}
		w := httptest.NewRecorder()
		serveErr := ServeJSON(w, err)
		got := upServeAnswer{Status: w.Code, ContentType: w.Header().Get("Content-Type"), Body: w.Body.String()}
		if serveErr != nil {
			got.ServeError = serveErr.Error()
		}
		if err != nil {
			got.ErrorText = err.Error()
		}
		want := c.Answer
		if want.ErrorText == "panic" {
			// distribution's Errors.Error panics on a nil entry; this
			// package writes "<nil>" for it.
			want.ErrorText = "errors:\n"
			for _, item := range items {
				if item == nil {
					want.ErrorText += "<nil>\n"
				} else {
					want.ErrorText += item.Error() + "\n"
				}
			}
			if len(items) == 1 {
				want.ErrorText = "<nil>"
			}
		}
		if got != want {
			t.Errorf("%s:\n got      %+v\n upstream %+v", c.Case.Name, got, want)
		}
	}
}

func TestServeJSONTable(t *testing.T) {
	decoded := func(body string) error {
		var errs Errors
		if err := json.Unmarshal([]byte(body), &errs); err != nil {
			t.Fatal(err)
		}
		return errs
	}
	tests := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"code", ErrorCodeUnauthorized, http.StatusUnauthorized,
			`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`},
		{"detail error becomes its text", ErrorCodeManifestInvalid.WithDetail(errors.New("bad json")), http.StatusBadRequest,
			`{"errors":[{"code":"MANIFEST_INVALID","message":"manifest invalid","detail":"bad json"}]}`},
		{"status of the first error", Errors{ErrorCodeNameUnknown, ErrorCodeDenied}, http.StatusNotFound,
			`{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"},{"code":"DENIED","message":"requested access to the resource is denied"}]}`},
		{"plain error is UNKNOWN with its text", errors.New("disk full"), http.StatusInternalServerError,
			`{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":"disk full"}]}`},
		{"empty list", Errors{}, http.StatusInternalServerError, `{}`},
		{"nil", nil, http.StatusInternalServerError, `{"errors":[{"code":"UNKNOWN","message":"unknown error"}]}`},
		{"too many requests", ErrorCodeTooManyRequests, http.StatusTooManyRequests,
			`{"errors":[{"code":"TOOMANYREQUESTS","message":"too many requests"}]}`},
		// A decoded unregistered code is served back as it came, with the
		// status of UNKNOWN.
		{"unregistered code relayed", decoded(`{"errors":[{"code":"TAG_IMMUTABLE","message":"tag is immutable"}]}`), http.StatusInternalServerError,
			`{"errors":[{"code":"TAG_IMMUTABLE","message":"tag is immutable"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := ServeJSON(w, tt.err); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status || w.Header().Get("Content-Type") != "application/json" || w.Body.String() != tt.body+"\n" {
				t.Errorf("got %d %q %q, want %d application/json %q", w.Code, w.Header().Get("Content-Type"), w.Body.String(), tt.status, tt.body+"\n")
			}
		})
	}
}

// tagImmutable is a caller's own error type that carries a registered code.
type tagImmutable struct{ tag string }

func (e tagImmutable) Error() string        { return "tag " + e.tag + " is immutable" }
func (e tagImmutable) ErrorCode() ErrorCode { return ErrorCodeDenied }

// TestServeJSONStatusAgreesWithBody serves errors of every shape a caller can
// hand over and checks that the status is the one of the code in the body,
// and what the body says.
func TestServeJSONStatusAgreesWithBody(t *testing.T) {
	blobErr := ErrorCodeBlobUnknown.WithDetail(map[string]any{"digest": "sha256:x"})
	tests := []struct {
		name   string
		err    error
		status int
		code   string
		detail any // nil: no detail in the body
	}{
		{"pointer to Error", &Error{Code: ErrorCodeBlobUnknown}, 404, "BLOB_UNKNOWN", nil},
		{"nil pointer to Error", (*Error)(nil), 500, "UNKNOWN", nil},
		{"wrapped nil pointer to Error", fmt.Errorf("x: %w", (*Error)(nil)), 500, "UNKNOWN", nil},
		{"wrapped Error", fmt.Errorf("fetching layer: %w", blobErr), 404, "BLOB_UNKNOWN", map[string]any{"digest": "sha256:x"}},
		{"wrapped Error without detail", fmt.Errorf("fetching layer: %w", ErrorCodeBlobUnknown.WithMessage("gone")), 404, "BLOB_UNKNOWN", "fetching layer: blob unknown: gone"},
		{"wrapped ErrorCode", fmt.Errorf("resolving: %w", ErrorCodeManifestUnknown), 404, "MANIFEST_UNKNOWN", "resolving: manifest unknown"},
		{"wrapped pointer", fmt.Errorf("x: %w", &Error{Code: ErrorCodeNameInvalid, Message: "bad"}), 400, "NAME_INVALID", "x: name invalid: bad"},
		{"caller's coder", tagImmutable{"v1"}, 403, "DENIED", "tag v1 is immutable"},
		{"wrapped caller's coder", fmt.Errorf("push: %w", tagImmutable{"v1"}), 403, "DENIED", "push: tag v1 is immutable"},
		{"twice wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", ErrorCodeTooManyRequests)), 429, "TOOMANYREQUESTS", "a: b: toomanyrequests"},
		{"plain error", errors.New("disk full"), 500, "UNKNOWN", "disk full"},
		{"list with a pointer first", Errors{&Error{Code: ErrorCodeDigestInvalid}, ErrorCodeSizeInvalid}, 400, "DIGEST_INVALID", nil},
		{"list with a wrapped code first", Errors{fmt.Errorf("w: %w", ErrorCodeBlobUploadUnknown)}, 404, "BLOB_UPLOAD_UNKNOWN", "w: blob upload unknown"},
		{"wrapped list", fmt.Errorf("ctx: %w", Errors{ErrorCodeManifestInvalid}), 400, "MANIFEST_INVALID", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := ServeJSON(w, tt.err); err != nil {
				t.Fatal(err)
			}
			var body struct {
				Errors []struct {
					Code    string `json:"code"`
					Message string `json:"message"`
					Detail  any    `json:"detail"`
				} `json:"errors"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil || len(body.Errors) == 0 {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			first := body.Errors[0]
			if w.Code != tt.status || first.Code != tt.code {
				t.Errorf("status %d code %s, want %d %s", w.Code, first.Code, tt.status, tt.code)
			}
			if desc := ParseErrorCode(first.Code).Descriptor(); desc.HTTPStatusCode != w.Code {
				t.Errorf("status %d, but the body's code %s stands for %d", w.Code, first.Code, desc.HTTPStatusCode)
			}
			if !reflect.DeepEqual(first.Detail, tt.detail) {
				t.Errorf("detail %#v, want %#v", first.Detail, tt.detail)
			}
			if first.Message == "" {
				t.Error("no message")
			}
		})
	}
}

// TestServeJSONNestedListIsUnknown checks that a list found inside an entry
// is served as UNKNOWN, as distribution serves every entry that is neither
// an ErrorCode nor an Error, although errors.Is and errors.As look into such
// lists.
func TestServeJSONNestedListIsUnknown(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"list in a list", Errors{Errors{ErrorCodeManifestUnknown}}, http.StatusInternalServerError,
			`{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":"manifest unknown"}]}`},
		{"wrapped list in a list", Errors{fmt.Errorf("w: %w", Errors{ErrorCodeBlobUnknown})}, http.StatusInternalServerError,
			`{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":"w: blob unknown"}]}`},
		{"joined list in a list", Errors{errors.Join(errors.New("a"), Errors{ErrorCodeDenied})}, http.StatusInternalServerError,
			`{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":"a\ndenied"}]}`},
		{"list as second entry", Errors{ErrorCodeDenied, Errors{ErrorCodeManifestUnknown}}, http.StatusForbidden,
			`{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"},{"code":"UNKNOWN","message":"unknown error","detail":"manifest unknown"}]}`},
		{"list in an HTTPError entry", Errors{HTTPError{StatusCode: 404, Errors: Errors{Errors{ErrorCodeNameUnknown}}}}, http.StatusInternalServerError,
			`{"errors":[{"code":"UNKNOWN","message":"unknown error","detail":"404 Not Found: name unknown"}]}`},
		// An HTTPError's own entries are found, as for any multiple wrap.
		{"HTTPError", HTTPError{StatusCode: 401, Errors: Errors{ErrorCodeUnauthorized}}, http.StatusUnauthorized,
			`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required","detail":"401 Unauthorized: unauthorized"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := ServeJSON(w, tt.err); err != nil {
				t.Fatal(err)
			}
			if w.Code != tt.status || w.Body.String() != tt.body+"\n" {
				t.Errorf("got %d %s, want %d %s", w.Code, w.Body, tt.status, tt.body)
			}
		})
	}
}
