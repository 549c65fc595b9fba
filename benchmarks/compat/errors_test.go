package compat

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	uperrcode "github.com/distribution/distribution/v3/registry/api/errcode"
	"github.com/regapi/regapi/errcode"
)

func TestServeJSONMatchesUpstream(t *testing.T) {
	cases := ErrorCases()
	for _, c := range cases {
		want := ServeUpstream(c)
		got := ServeOurs(c)
		if want.ErrorText == "panic" {
			// distribution's Errors.Error calls Error on a nil entry;
			// ours prints "<nil>" instead of panicking.
			if got.ErrorText == "panic" {
				t.Errorf("%s: our Error() panics", c.Name)
			}
			got.ErrorText = want.ErrorText
		}
		if got != want {
			t.Errorf("%s:\n ours     %+v\n upstream %+v", c.Name, got, want)
		}
	}
	t.Logf("%d ServeJSON cases", len(cases))
}

// unregisteredCodes returns the code strings of body's entries that
// distribution does not register, by entry index.
func unregisteredCodes(t *testing.T, body string) map[int]string {
	var env struct {
		Errors []struct {
			Code any `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &env) != nil {
		return nil
	}
	out := map[int]string{}
	for i, e := range env.Errors {
		s, ok := e.Code.(string)
		if !ok || s == "" {
			continue
		}
		if uperrcode.ParseErrorCode(s) == uperrcode.ErrorCodeUnknown && s != "UNKNOWN" {
			out[i] = s
		}
	}
	return out
}

func TestErrorsDecodingMatchesUpstream(t *testing.T) {
	var preserved int
	for _, body := range DecodeBodies() {
		want := DecodeUpstream(body)
		got := DecodeOurs(body)
		unknown := unregisteredCodes(t, body)
		if got.Error != "" || want.Error != "" {
			// Whether a body is refused; the texts are compared by
			// TestErrorsDecodingErrorTextsMatchUpstream.
			if (got.Error == "") != (want.Error == "") {
				t.Errorf("%s: error %q, upstream %q", body, got.Error, want.Error)
			}
			continue
		}
		if len(unknown) == 0 {
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\n ours     %+v\n upstream %+v", body, got, want)
			}
			continue
		}
		// The deliberate difference: distribution turns an unregistered
		// code into UNKNOWN; ours keeps it in an Error.
		if got.Error != "" || want.Error != "" || len(got.Entries) != len(want.Entries) {
			t.Errorf("%s:\n ours     %+v\n upstream %+v", body, got, want)
			continue
		}
		var reenc []json.RawMessage
		var upEnv struct{ Errors []map[string]json.RawMessage }
		if err := json.Unmarshal([]byte(want.Reencoded), &upEnv); err != nil {
			t.Fatal(err)
		}
		for i, w := range want.Entries {
			g := got.Entries[i]
			entry := upEnv.Errors[i]
			code, ok := unknown[i]
			if !ok {
				if !reflect.DeepEqual(g, w) {
					t.Errorf("%s entry %d: ours %+v, upstream %+v", body, i, g, w)
				}
			} else {
				preserved++
				if w.Code != "UNKNOWN" {
					t.Errorf("%s entry %d: upstream code %q, expected UNKNOWN", body, i, w.Code)
				}
				words := strings.ToLower(strings.ReplaceAll(code, "_", " "))
				wantText := words + " (" + code + "): " + w.Message
				if w.Kind == "ErrorCode" {
					// distribution dropped the message; the body's is kept.
					var env struct{ Errors []struct{ Message string } }
					_ = json.Unmarshal([]byte(body), &env)
					wantText = words + " (" + code + "): " + env.Errors[i].Message
				}
				if g.Kind != "Error" || g.Code != code || g.Text != wantText || string(g.Detail) != string(w.Detail) {
					t.Errorf("%s entry %d: ours %+v, want an Error keeping %q with text %q", body, i, g, code, wantText)
				}
				entry["code"], _ = json.Marshal(code)
			}
			out, _ := json.Marshal(entry)
			reenc = append(reenc, out)
		}
		wantReenc, _ := json.Marshal(map[string][]json.RawMessage{"errors": reenc})
		if !jsonEqual(got.Reencoded, string(wantReenc)) {
			t.Errorf("%s: re-encoded as %s, want %s", body, got.Reencoded, wantReenc)
		}
	}
	if preserved < 5 {
		t.Errorf("only %d unregistered codes exercised", preserved)
	}
}

// TestErrorsDecodingErrorTextsMatchUpstream compares the error texts of
// bodies that do not decode.
func TestErrorsDecodingErrorTextsMatchUpstream(t *testing.T) {
	for _, body := range DecodeBodies() {
		want, got := DecodeUpstream(body), DecodeOurs(body)
		if want.Error != "" && got.Error != want.Error {
			t.Errorf("%s:\n ours     %s\n upstream %s", body, got.Error, want.Error)
		}
	}
}

// jsonEqual compares two JSON documents by value.
func jsonEqual(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

func TestRegisteredCodesMatchUpstream(t *testing.T) {
	if got, want := OurGroups(), UpstreamGroups(); !reflect.DeepEqual(got, want) {
		t.Errorf("groups:\n ours     %+v\n upstream %+v", got, want)
	}
	for _, v := range RegisteredValues {
		up, ours := uperrcode.ParseErrorCode(v), errcode.ParseErrorCode(v)
		if up.String() != v || ours.String() != v || up.Error() != ours.Error() || up.Message() != ours.Message() {
			t.Errorf("%s: ours %q %q, upstream %q %q", v, ours.Error(), ours.Message(), up.Error(), up.Message())
		}
		if int(up) != int(ours) {
			t.Errorf("%s: integer code ours %d, upstream %d", v, int(ours), int(up))
		}
	}
}
