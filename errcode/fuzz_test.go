package errcode

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"testing"
)

// FuzzDecodeErrors feeds arbitrary bodies to the envelope decoder, as a
// client does with whatever a registry answers. Decoding must not panic; a
// body that decodes must re-encode, and the re-encoded form must be stable
// and keep every entry's wire code and message, registered or not. Every
// decoded entry matches its own code with errors.Is.
func FuzzDecodeErrors(f *testing.F) {
	for _, seed := range []string{
		`{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}`,
		`{"errors":[{"code":"TAG_IMMUTABLE","message":"tag is immutable","detail":{"tag":"v1"}}]}`,
		`{"errors":[{"code":"DIGEST_INVALID","message":"x","detail":"sha256:00"},{"code":"","message":""}]}`,
		`{"errors":[]}`,
		`{}`,
		`{"errors":[{"code":7}]}`,
		`{"errors":[{"code":null,"detail":null}]}`,
		`{"Errors":[{"Code":"DENIED","MESSAGE":"no"}]}`,
		`[]`,
		`null`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var first Errors
		if err := json.Unmarshal(body, &first); err != nil {
			return
		}
		encoded, err := json.Marshal(first)
		if err != nil {
			t.Fatalf("decoded %q but cannot re-encode: %v", body, err)
		}
		var second Errors
		if err := json.Unmarshal(encoded, &second); err != nil {
			t.Fatalf("re-encoded form %q does not decode: %v", encoded, err)
		}
		if len(second) != len(first) {
			t.Fatalf("round trip changed the number of errors: %d, then %d", len(first), len(second))
		}
		for i := range first {
			if a, b := wireCode(first[i]), wireCode(second[i]); a != b {
				t.Errorf("entry %d: code %q became %q", i, a, b)
			}
		}
		again, err := json.Marshal(second)
		if err != nil || !bytes.Equal(again, encoded) {
			t.Fatalf("encoding is not stable: %q then %q (%v)", encoded, again, err)
		}
		// Every entry matches its own code, and errors.As finds the first.
		for i, entry := range first {
			target := entry
			if e, ok := entry.(Error); ok {
				target = e.WithDetail(nil)
			}
			if !errors.Is(first, target) {
				t.Errorf("entry %d (%s) does not match its own code", i, wireCode(entry))
			}
		}
		var found Error
		if errors.As(first, &found) != (len(first) > 0) || len(first) > 0 && found.Value() != wireCode(first[0]) {
			t.Errorf("errors.As found %q in %d entries", found.Value(), len(first))
		}
		// Serving the decoded errors must give a valid envelope too.
		rec := httptest.NewRecorder()
		if err := ServeJSON(rec, first); err != nil {
			t.Fatalf("ServeJSON: %v", err)
		}
		if !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("ServeJSON wrote invalid JSON %q", rec.Body.Bytes())
		}
	})
}

// wireCode is the code an entry is encoded with.
func wireCode(err error) string {
	switch e := err.(type) {
	case Error:
		return e.Value()
	case ErrorCode:
		return e.String()
	}
	return "?"
}
