package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
)

// repeatedNameByTokens is repeatedName written the slow way, with the
// decoder's tokens, as the reference the fast scan is compared with.
func repeatedNameByTokens(body []byte) (string, bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var walk func() (string, bool)
	walk = func() (string, bool) {
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		switch tok {
		case json.Delim('{'):
			seen := map[string]bool{}
			for dec.More() {
				t, _ := dec.Token()
				name, _ := t.(string)
				if seen[name] {
					return name, true
				}
				seen[name] = true
				if n, ok := walk(); ok {
					return n, true
				}
			}
			_, _ = dec.Token()
		case json.Delim('['):
			for dec.More() {
				if n, ok := walk(); ok {
					return n, true
				}
			}
			_, _ = dec.Token()
		}
		return "", false
	}
	return walk()
}

func TestRepeatedName(t *testing.T) {
	for _, tt := range []struct {
		body string
		name string
	}{
		{`{}`, ""},
		{`{"a":1,"b":2}`, ""},
		{`{"a":1,"a":2}`, "a"},
		{`{"a":"x","b":{"a":1}}`, ""},
		{`{"a":{"b":1,"b":2}}`, "b"},
		{`{"a":[{"b":1},{"b":2}]}`, ""},
		{`{"a":[{"b":1,"c":[1,{"d":1,"d":1}]}]}`, "d"},
		{`{"a":1,"\u0061":2}`, "a"},
		{`{"a\"b":1,"a\"b":2}`, "a\"b"},
		{`{"k":"a\"","a\"":1}`, ""},
		{`[{"a":1},{"a":1}]`, ""},
		{`{"x":"{\"a\":1,\"a\":2}"}`, ""},
	} {
		name, ok := repeatedName([]byte(tt.body))
		if name != tt.name || ok != (tt.name != "") {
			t.Errorf("repeatedName(%s) = %q, %v; want %q", tt.body, name, ok, tt.name)
		}
	}
}

func FuzzRepeatedName(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":[{"b":1},{"b":2}]}`, `{"\u0061":1,"a":1}`, `[1,"a",{"c":null}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		if !json.Valid(body) {
			return
		}
		name, ok := repeatedName(body)
		want, wantOK := repeatedNameByTokens(body)
		if ok != wantOK || name != want {
			t.Fatalf("repeatedName(%q) = %q, %v; the decoder finds %q, %v", body, name, ok, want, wantOK)
		}
	})
}

// TestRepeatedNameManyNames checks that an object of many names, as a
// forged manifest can hold, is scanned in linear time: 200,000 names take
// well under the minutes a quadratic scan would.
func TestRepeatedNameManyNames(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("{")
	for i := 0; i < 200000; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"k%d":0`, i)
	}
	b.WriteString(`,"k7":1}`)
	name, ok := repeatedName(b.Bytes())
	if !ok || name != "k7" {
		t.Fatalf("repeatedName = %q, %v; want k7", name, ok)
	}
}
