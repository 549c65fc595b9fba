package forwarded

import (
	"strings"
	"testing"
)

// FuzzParseForwarded feeds arbitrary Forwarded header values to the parser.
// It must not panic; what it accepts must be well-formed: parameter names
// are lower-case tokens, and the returned remainder is a suffix of the input.
func FuzzParseForwarded(f *testing.F) {
	for _, seed := range []string{
		`for=192.0.2.43;proto=https;host=registry.example.com`,
		`For="[2001:db8:cafe::17]:4711";Proto=http, for=198.51.100.17`,
		`host="a\"b.example.com"`,
		`proto=https;;host=x`,
		`, host=x`,
		`host=x,`,
		`host="unterminated`,
		`host="esc\`,
		"host=\"\u00e9\"",
		`a=b;a=c`,
		`a="b";a="c"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		params, rest, err := ParseElement(header)
		if !strings.HasSuffix(header, rest) {
			t.Fatalf("remainder %q is not a suffix of %q", rest, header)
		}
		if err != nil {
			if params != nil {
				t.Fatalf("error %v returned with parameters %v", err, params)
			}
			return
		}
		for name, value := range params {
			if name == "" || name != strings.ToLower(name) || leadingToken(name) != name {
				t.Fatalf("parameter name %q of %q is not a lower-case token", name, header)
			}
			if !strings.Contains(header, value) && !strings.Contains(header, `"`) {
				t.Fatalf("value %q of %q appears nowhere in an unquoted header", value, header)
			}
		}
	})
}
