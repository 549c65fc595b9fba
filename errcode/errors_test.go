package errcode

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// The shapes of testdata/upstream/errors.json, written by
// benchmarks/cmd/record-upstream from distribution's errcode package.

type upDescriptor struct {
	Value   string `json:"value"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

type upItem struct {
	Kind    string          `json:"kind"`
	Code    string          `json:"code,omitempty"`
	Message string          `json:"message,omitempty"`
	Detail  json.RawMessage `json:"detail,omitempty"`
	Args    []any           `json:"args,omitempty"`
	Text    string          `json:"text,omitempty"`
}

type upServeCase struct {
	Case struct {
		Name  string   `json:"name"`
		Shape string   `json:"shape"`
		Items []upItem `json:"items,omitempty"`
	} `json:"case"`
	Answer upServeAnswer `json:"answer"`
}

type upServeAnswer struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
	ServeError  string `json:"serve_error,omitempty"`
	ErrorText   string `json:"error_text,omitempty"`
}

type upEntry struct {
	Kind    string          `json:"kind"`
	Code    string          `json:"code"`
	Message string          `json:"message,omitempty"`
	Detail  json.RawMessage `json:"detail,omitempty"`
	Text    string          `json:"text"`
}

type upDecode struct {
	Body      string    `json:"body"`
	Error     string    `json:"error,omitempty"`
	Entries   []upEntry `json:"entries,omitempty"`
	Reencoded string    `json:"reencoded,omitempty"`
	Text      string    `json:"text,omitempty"`
}

type upErrorRecord struct {
	Groups     map[string][]upDescriptor `json:"groups"`
	CodeErrors map[string]string         `json:"code_errors"`
	Serve      []upServeCase             `json:"serve"`
	Decode     []upDecode                `json:"decode"`
}

func upReadErrors(t *testing.T) upErrorRecord {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "upstream", "errors.json"))
	if err != nil {
		t.Fatalf("reading the recording of distribution's answers: %v", err)
	}
	var rec upErrorRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Serve) < 50 || len(rec.Decode) < 50 {
		t.Fatalf("recording holds %d serve and %d decode cases", len(rec.Serve), len(rec.Decode))
	}
	return rec
}

// upGroups are the groups distribution registers; tests may register
// codes in other groups.
var upGroups = []string{"errcode", "registry.api.v2"}

func TestRegisteredCodesMatchRecordedUpstream(t *testing.T) {
	rec := upReadErrors(t)
	if len(rec.Groups) != len(upGroups) {
		t.Fatalf("recorded groups %v", rec.Groups)
	}
	names := GetGroupNames()
	for _, g := range upGroups {
		var got []upDescriptor
		for _, d := range GetErrorCodeGroup(g) {
			got = append(got, upDescriptor{Value: d.Value, Message: d.Message, Status: d.HTTPStatusCode})
			if d.Description == "" {
				t.Errorf("%s has no description", d.Value)
			}
			if ParseErrorCode(d.Value) != d.Code || d.Code.Descriptor().Value != d.Value {
				t.Errorf("%s: code %d does not map back", d.Value, d.Code)
			}
		}
		if !reflect.DeepEqual(got, rec.Groups[g]) {
			t.Errorf("group %s:\n got      %+v\n upstream %+v", g, got, rec.Groups[g])
		}
		found := false
		for _, n := range names {
			found = found || n == g
		}
		if !found {
			t.Errorf("GetGroupNames() = %v lacks %q", names, g)
		}
	}
	if len(rec.CodeErrors) != 20 {
		t.Errorf("recording has %d codes", len(rec.CodeErrors))
	}
	for value, text := range rec.CodeErrors {
		if got := ParseErrorCode(value).Error(); got != text {
			t.Errorf("%s.Error() = %q, upstream %q", value, got, text)
		}
	}
}

// upDecodeOurs decodes body and describes the result in the recording's
// terms. For an Error the code is its Value, which is the code string
// itself when it is not registered.
func upDecodeOurs(body string) (upDecode, Errors) {
	var errs Errors
	ans := upDecode{Body: body}
	if err := json.Unmarshal([]byte(body), &errs); err != nil {
		ans.Error = err.Error()
		return ans, nil
	}
	for _, e := range errs {
		switch e := e.(type) {
		case ErrorCode:
			ans.Entries = append(ans.Entries, upEntry{Kind: "ErrorCode", Code: e.String(), Text: e.Error()})
		case Error:
			entry := upEntry{Kind: "Error", Code: e.Value(), Message: e.Message, Text: e.Error()}
			if e.Detail != nil {
				entry.Detail, _ = json.Marshal(e.Detail)
			}
			ans.Entries = append(ans.Entries, entry)
		default:
			ans.Entries = append(ans.Entries, upEntry{Kind: fmt.Sprintf("%T", e)})
		}
	}
	out, err := json.Marshal(errs)
	if err != nil {
		ans.Error = "re-encoding: " + err.Error()
		return ans, errs
	}
	ans.Reencoded = string(out)
	if len(errs) > 0 {
		ans.Text = errs.Error()
	}
	return ans, errs
}

// upBodyCodes returns the code strings of body's entries by index.
func upBodyCodes(body string) []any {
	var env struct {
		Errors []struct {
			Code    any    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal([]byte(body), &env) != nil {
		return nil
	}
	codes := make([]any, len(env.Errors))
	for i, e := range env.Errors {
		codes[i] = e.Code
	}
	return codes
}

func upJSONEqual(a, b string) bool {
	var va, vb any
	if json.Unmarshal([]byte(a), &va) != nil || json.Unmarshal([]byte(b), &vb) != nil {
		return false
	}
	return reflect.DeepEqual(va, vb)
}

// TestDecodingMatchesRecordedUpstream decodes every recorded body. Bodies
// of registered codes must decode exactly as in distribution: the same
// entries, the same texts, the same bytes when encoded again. A code that
// is not registered is where this package differs on purpose: distribution
// turns it into UNKNOWN; here the Error keeps it, prints it and encodes it
// back.
func TestDecodingMatchesRecordedUpstream(t *testing.T) {
	rec := upReadErrors(t)
	var preserved int
	for _, want := range rec.Decode {
		got, _ := upDecodeOurs(want.Body)
		if want.Error != "" || got.Error != "" {
			// The wording of encoding/json's errors varies with the Go
			// version and the decoding path; whether the body is refused
			// must not.
			if (got.Error == "") != (want.Error == "") {
				t.Errorf("%s: error %q, upstream %q", want.Body, got.Error, want.Error)
			}
			continue
		}
		codes := upBodyCodes(want.Body)
		unregistered := map[int]string{}
		for i, c := range codes {
			if s, ok := c.(string); ok && s != "" && s != "UNKNOWN" && want.Entries[i].Code == "UNKNOWN" {
				unregistered[i] = s
			}
		}
		if len(unregistered) == 0 {
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s:\n got      %+v\n upstream %+v", want.Body, got, want)
			}
			continue
		}
		if len(got.Entries) != len(want.Entries) {
			t.Errorf("%s: %d entries, upstream %d", want.Body, len(got.Entries), len(want.Entries))
			continue
		}
		var upEnv struct{ Errors []map[string]json.RawMessage }
		if err := json.Unmarshal([]byte(want.Reencoded), &upEnv); err != nil {
			t.Fatal(err)
		}
		var messages struct{ Errors []struct{ Message string } }
		_ = json.Unmarshal([]byte(want.Body), &messages)
		for i, w := range want.Entries {
			code, ok := unregistered[i]
			if !ok {
				if !reflect.DeepEqual(got.Entries[i], w) {
					t.Errorf("%s entry %d: got %+v, upstream %+v", want.Body, i, got.Entries[i], w)
				}
				continue
			}
			preserved++
			msg := messages.Errors[i].Message
			words := strings.ToLower(strings.ReplaceAll(code, "_", " "))
			wantEntry := upEntry{Kind: "Error", Code: code, Message: msg, Detail: w.Detail,
				Text: words + " (" + code + "): " + msg}
			if !reflect.DeepEqual(got.Entries[i], wantEntry) {
				t.Errorf("%s entry %d: got %+v, want %+v", want.Body, i, got.Entries[i], wantEntry)
			}
			upEnv.Errors[i]["code"], _ = json.Marshal(code)
		}
		wantReenc, _ := json.Marshal(map[string]any{"errors": upEnv.Errors})
		if !upJSONEqual(got.Reencoded, string(wantReenc)) {
			t.Errorf("%s: encoded again as %s, want %s", want.Body, got.Reencoded, wantReenc)
		}
	}
	if preserved < 5 {
		t.Errorf("only %d unregistered codes in the recording", preserved)
	}
}

func TestUnregisteredCodeIsKept(t *testing.T) {
	body := `{"errors":[{"code":"TAG_IMMUTABLE","message":"tag v1 is immutable","detail":{"tag":"v1"}},{"code":"DENIED","message":"requested access to the resource is denied"}]}`
	var errs Errors
	if err := json.Unmarshal([]byte(body), &errs); err != nil {
		t.Fatal(err)
	}
	if len(errs) != 2 {
		t.Fatalf("decoded %d errors", len(errs))
	}
	e, ok := errs[0].(Error)
	if !ok {
		t.Fatalf("entry 0 is %T, want Error", errs[0])
	}
	if e.Value() != "TAG_IMMUTABLE" || e.Code != ErrorCodeUnknown || e.ErrorCode() != ErrorCodeUnknown {
		t.Errorf("Value %q, Code %v", e.Value(), e.Code)
	}
	if got, want := e.Error(), "tag immutable (TAG_IMMUTABLE): tag v1 is immutable"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if !reflect.DeepEqual(e.Detail, map[string]any{"tag": "v1"}) {
		t.Errorf("detail %#v", e.Detail)
	}
	if errs[1] != ErrorCodeDenied {
		t.Errorf("entry 1 = %#v, want ErrorCodeDenied", errs[1])
	}
	out, err := json.Marshal(errs)
	if err != nil || string(out) != body {
		t.Errorf("encoded again as %s (%v), want %s", out, err, body)
	}
	one, err := json.Marshal(e)
	if err != nil || string(one) != `{"code":"TAG_IMMUTABLE","message":"tag v1 is immutable","detail":{"tag":"v1"}}` {
		t.Errorf("Error encodes as %s (%v)", one, err)
	}
	// Copies carry the code; a fresh Error of the same Code does not.
	if d := e.WithDetail("x"); d.Value() != "TAG_IMMUTABLE" {
		t.Errorf("WithDetail lost the code: %q", d.Value())
	}
	if fresh := (Error{Code: e.Code, Message: e.Message}); fresh.Value() != "UNKNOWN" {
		t.Errorf("fresh Error has Value %q", fresh.Value())
	}
	// ErrorCode alone cannot hold the string: it parses to UNKNOWN.
	var ec ErrorCode
	if err := json.Unmarshal([]byte(`"TAG_IMMUTABLE"`), &ec); err != nil || ec != ErrorCodeUnknown {
		t.Errorf("ErrorCode decoded %v, %v", ec, err)
	}
	if ParseErrorCode("TAG_IMMUTABLE") != ErrorCodeUnknown {
		t.Error("ParseErrorCode of an unregistered value is not UNKNOWN")
	}
}

func TestErrorTexts(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{ErrorCodeBlobUnknown, "blob unknown"},
		{ErrorCodeManifestBlobUnknown.WithDetail("x"), "manifest blob unknown: blob unknown to registry"},
		{ErrorCodeDenied.WithMessage("no"), "denied: no"},
		{ErrorCodeUnknown.WithArgs("x"), "unknown: unknown error%!(EXTRA string=x)"},
		{Errors{}, "<nil>"},
		{Errors{ErrorCodeDenied}, "denied"},
		{Errors{ErrorCodeDenied, errors.New("plain")}, "errors:\ndenied\nplain\n"},
		// distribution's Errors.Error panics on a nil entry; here it reads
		// "<nil>".
		{Errors{ErrorCodeDenied, nil}, "errors:\ndenied\n<nil>\n"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("%#v: Error() = %q, want %q", tt.err, got, tt.want)
		}
	}
}

// upRuns numbers the runs of the registering tests, so that -count=N
// registers fresh values each time.
var upRuns atomic.Int32

func TestRegister(t *testing.T) {
	run := upRuns.Add(1)
	group := fmt.Sprintf("regapi.test.register.%d", run)
	valueA, valueB := fmt.Sprintf("TEST_REGISTER_A%d", run), fmt.Sprintf("TEST_REGISTER_B%d", run)
	b := Register(group, ErrorDescriptor{Value: valueB, Message: "b happened", Description: "B.", HTTPStatusCode: http.StatusConflict})
	a := Register(group, ErrorDescriptor{Value: valueA, Message: "a is %s", Description: "A.", HTTPStatusCode: http.StatusTeapot})
	if a == b || a == ErrorCodeUnknown || b == ErrorCodeUnknown {
		t.Fatalf("codes %d and %d", a, b)
	}
	if ParseErrorCode(valueA) != a || a.String() != valueA || a.Message() != "a is %s" {
		t.Errorf("lookups of a: %v %q %q", ParseErrorCode(valueA), a.String(), a.Message())
	}
	if d := a.Descriptor(); d.Code != a || d.HTTPStatusCode != http.StatusTeapot || d.Description != "A." {
		t.Errorf("descriptor %+v", d)
	}
	if got, want := a.WithArgs("late").Error(), strings.ToLower(strings.ReplaceAll(valueA, "_", " "))+": a is late"; got != want {
		t.Errorf("WithArgs: %q", got)
	}
	var values []string
	for _, d := range GetErrorCodeGroup(group) {
		values = append(values, d.Value)
	}
	if !reflect.DeepEqual(values, []string{valueA, valueB}) {
		t.Errorf("group holds %v, want sorted by value", values)
	}
	// The returned slice is the caller's: sorting or changing it does not
	// change the next answer.
	g := GetErrorCodeGroup(group)
	g[0].Value = "CHANGED"
	if GetErrorCodeGroup(group)[0].Value != valueA {
		t.Error("GetErrorCodeGroup returned shared storage")
	}
	all := GetErrorAllDescriptors()
	var seen int
	for i, d := range all {
		if i > 0 && all[i-1].Value > d.Value {
			t.Errorf("GetErrorAllDescriptors not sorted at %q", d.Value)
		}
		if d.Value == valueA || d.Value == valueB || d.Value == "BLOB_UNKNOWN" {
			seen++
		}
	}
	if seen != 3 {
		t.Errorf("GetErrorAllDescriptors lacks registered codes (%d of 3)", seen)
	}
	// A registered code is served with its status and decoded as itself.
	var errs Errors
	if err := json.Unmarshal([]byte(`{"errors":[{"code":"`+valueB+`","message":"b happened"}]}`), &errs); err != nil || len(errs) != 1 || errs[0] != b {
		t.Errorf("decoded %#v, %v", errs, err)
	}

	for _, dup := range []string{valueA, "BLOB_UNKNOWN"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("registering %s again did not panic", dup)
				}
			}()
			Register("other", ErrorDescriptor{Value: dup})
		}()
	}
	if ParseErrorCode(valueA) != a {
		t.Error("a failed registration changed the table")
	}
}

// TestRegisterConcurrentWithLookups registers codes while other goroutines
// look codes up, serve and decode errors; run with -race it finds
// unsynchronised access to the table.
func TestRegisterConcurrentWithLookups(t *testing.T) {
	const writers, perWriter, readers = 4, 25, 4
	run := upRuns.Add(1)
	group := fmt.Sprintf("regapi.test.concurrent.%d", run)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < readers; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				if ParseErrorCode("BLOB_UNKNOWN") != ErrorCodeBlobUnknown || ErrorCodeDenied.Descriptor().HTTPStatusCode != http.StatusForbidden {
					t.Error("lookup failed during registration")
					return
				}
				_ = GetErrorCodeGroup(group)
				_ = GetGroupNames()
				_ = GetErrorAllDescriptors()
				var errs Errors
				if err := json.Unmarshal([]byte(`{"errors":[{"code":"DENIED","message":"x"}]}`), &errs); err != nil {
					t.Error(err)
					return
				}
				if _, err := json.Marshal(Errors{ErrorCodeNameUnknown, errors.New("x")}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	codes := make(chan ErrorCode, writers*perWriter)
	var writersWG sync.WaitGroup
	for w := 0; w < writers; w++ {
		writersWG.Add(1)
		go func(w int) {
			defer writersWG.Done()
			for i := 0; i < perWriter; i++ {
				codes <- Register(group, ErrorDescriptor{
					Value:          fmt.Sprintf("TEST_CONCURRENT_%d_%d_%d", run, w, i),
					Message:        "concurrent",
					HTTPStatusCode: http.StatusBadRequest,
				})
			}
		}(w)
	}
	writersWG.Wait()
	close(stop)
	wg.Wait()
	close(codes)
	seen := map[ErrorCode]bool{}
	for c := range codes {
		if seen[c] {
			t.Errorf("code %d handed out twice", c)
		}
		seen[c] = true
	}
	if n := len(GetErrorCodeGroup(group)); n != writers*perWriter {
		t.Errorf("group holds %d codes, want %d", n, writers*perWriter)
	}
	for w := 0; w < writers; w++ {
		for i := 0; i < perWriter; i++ {
			v := fmt.Sprintf("TEST_CONCURRENT_%d_%d_%d", run, w, i)
			if ParseErrorCode(v).String() != v {
				t.Errorf("%s not found after registration", v)
			}
		}
	}
}
