package forwarded

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// upForwarded is one recorded answer of distribution's Forwarded header
// parser.
type upForwarded struct {
	Header string            `json:"header"`
	Params map[string]string `json:"params,omitempty"`
	Rest   string            `json:"rest"`
	Error  string            `json:"error,omitempty"`
}

// TestParseForwardedMatchesRecordedUpstream replays the recorded headers:
// the parameters, the unparsed rest, and whether the value is refused must
// all be distribution's. (The wording of error texts is not compared: they
// never leave the package.)
func TestParseForwardedMatchesRecordedUpstream(t *testing.T) {
	var rec struct {
		Answers []upForwarded `json:"answers"`
	}
	data, err := os.ReadFile(filepath.Join("testdata", "upstream", "forwarded.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rec); err != nil {
		t.Fatal(err)
	}
	if len(rec.Answers) < 50 {
		t.Fatalf("only %d recorded headers", len(rec.Answers))
	}
	var refused int
	for _, want := range rec.Answers {
		params, rest, err := ParseElement(want.Header)
		if len(params) == 0 {
			params = nil // the recording omits empty maps
		}
		if (err != nil) != (want.Error != "") || rest != want.Rest || !reflect.DeepEqual(params, want.Params) {
			t.Errorf("%q:\n got      %v %q (%v)\n upstream %v %q (%s)", want.Header, params, rest, err, want.Params, want.Rest, want.Error)
		}
		if err != nil {
			refused++
		}
	}
	if refused == 0 || refused == len(rec.Answers) {
		t.Errorf("%d of %d recorded headers refused", refused, len(rec.Answers))
	}
}

func TestParseForwardedTable(t *testing.T) {
	tests := []struct {
		header  string
		params  map[string]string
		rest    string
		wantErr bool
	}{
		{"", map[string]string{}, "", false},
		{"proto=https;host=r.example.com", map[string]string{"proto": "https", "host": "r.example.com"}, "", false},
		// Names are case-insensitive and returned in lower case; values
		// are kept as sent.
		{"Proto=HTTPS;HOST=R.Example.com", map[string]string{"proto": "HTTPS", "host": "R.Example.com"}, "", false},
		// Only the first element is read; the rest is returned from just
		// after its comma.
		{"for=192.0.2.43;proto=https, for=198.51.100.17;proto=http", map[string]string{"for": "192.0.2.43", "proto": "https"}, " for=198.51.100.17;proto=http", false},
		{", proto=https", map[string]string{}, " proto=https", false},
		// Quoted strings may hold separators and escaped quotes.
		{`host="[2001:db8::1]:5000"`, map[string]string{"host": "[2001:db8::1]:5000"}, "", false},
		{`host="a\"b,c;d"`, map[string]string{"host": `a"b,c;d`}, "", false},
		{`host="a\\b"`, map[string]string{"host": `a\b`}, "", false},
		{`host=""`, map[string]string{"host": ""}, "", false},
		// White space around separators is skipped.
		{"  proto = https ;  host = x  ", map[string]string{"proto": "https", "host": "x"}, "", false},
		{"proto=https;", map[string]string{"proto": "https"}, "", false},
		// A token value may not repeat a parameter; a quoted one replaces
		// it.
		{"proto=http;proto=https", nil, "", true},
		{`proto=http;proto="https"`, map[string]string{"proto": "https"}, "", false},
		// Malformed values.
		{"proto", nil, "", true},
		{"proto=", nil, "", true},
		{"=https", nil, "", true},
		{";proto=https", nil, "", true},
		{"proto=https;;host=x", nil, "", true},
		{"proto=https host=x", nil, "", true},
		{`host="unterminated`, nil, "", true},
		{`host="a\`, nil, "", true},
		{"host=a/b", nil, "", true},
		{"host=[::1]", nil, "", true},
	}
	for _, tt := range tests {
		params, rest, err := ParseElement(tt.header)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: error %v, want error %v", tt.header, err, tt.wantErr)
			continue
		}
		if err != nil {
			if params != nil {
				t.Errorf("%q: parameters %v returned with error", tt.header, params)
			}
			continue
		}
		if !reflect.DeepEqual(params, tt.params) || rest != tt.rest {
			t.Errorf("%q: got %v %q, want %v %q", tt.header, params, rest, tt.params, tt.rest)
		}
	}
}

// TestForwardedProtoHost checks forwardedProtoHost against reading the two
// parameters out of ParseElement's map, and the cases where a
// character's case or class decides.
func TestForwardedProtoHost(t *testing.T) {
	tests := []struct {
		header, proto, host string
		ok                  bool
	}{
		{"proto=https;host=h", "https", "h", true},
		{"PROTO=https;Host=h", "https", "h", true},
		// distribution's token pattern leaves the backslash out of its
		// list of separators, so it belongs to tokens.
		{`host=a\b`, "", `a\b`, true},
		{`host="a\\b\"c"`, "", `a\b"c`, true},
		// Only ASCII letters lower-case to "host": U+017F (long s) folds
		// to s but does not lower-case to it.
		{"host=a;hoſt=b", "", "a", true},
		// U+212A (Kelvin) lower-cases to k: "Key" and "key" are one name.
		{"\u212aey=1;key=2;host=h", "", "", false},
		{"host=a;host=b", "", "", false},
		{`host=a;host="b"`, "", "b", true},
		{`host="a";host=b`, "", "", false},
		{"proto=https, host=second", "https", "", true},
		{"proto", "", "", false},
		{"", "", "", true},
	}
	for _, tt := range tests {
		proto, host, ok := forwardedProtoHost(tt.header)
		if proto != tt.proto || host != tt.host || ok != tt.ok {
			t.Errorf("%q: got %q %q %v, want %q %q %v", tt.header, proto, host, ok, tt.proto, tt.host, tt.ok)
		}
		checkForwardedProtoHost(t, tt.header)
	}
}

func checkForwardedProtoHost(t *testing.T, header string) {
	t.Helper()
	params, _, err := ParseElement(header)
	proto, host, ok := forwardedProtoHost(header)
	if ok != (err == nil) || proto != params["proto"] || host != params["host"] {
		t.Errorf("%q: forwardedProtoHost %q %q %v; ParseElement %v %v", header, proto, host, ok, params, err)
	}
}

func FuzzForwardedProtoHost(f *testing.F) {
	for _, s := range []string{"proto=https;host=h", `host="a\"b"`, "K=1;k=2", "a=1;A=2", ", x", "host=a;host=\"b\""} {
		f.Add(s)
	}
	f.Fuzz(checkForwardedProtoHost)
}
