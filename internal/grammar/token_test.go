package grammar

import "testing"

func TestIsToken(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want bool
	}{
		{"GET", true},
		{"Bearer", true},
		{"x-custom_name.v1", true},
		{"!#$%&'*+-.^_`|~09azAZ", true},
		{"", false},
		{"a b", false},
		{"a\tb", false},
		{"a:b", false},
		{`a"b`, false},
		{"a(b)", false},
		{"a,b", false},
		{"a;b", false},
		{"a=b", false},
		{"a/b", false},
		{"a@b", false},
		{"a[b]", false},
		{"a{b}", false},
		{"a\x7f", false},
		{"a\x00", false},
		{"caf\xc3\xa9", false},
	} {
		if got := IsToken(tt.s); got != tt.want {
			t.Errorf("IsToken(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

// TestIsTokenCharAgainstTheSeparators checks every byte: a token character
// is a visible ASCII character that is not one of the separators.
func TestIsTokenCharAgainstTheSeparators(t *testing.T) {
	const separators = "\"(),/:;<=>?@[\\]{}"
	for c := 0; c < 256; c++ {
		want := c > ' ' && c < 0x7f
		for i := 0; i < len(separators); i++ {
			if byte(c) == separators[i] {
				want = false
			}
		}
		if got := IsTokenChar(byte(c)); got != want {
			t.Errorf("IsTokenChar(%q) = %v, want %v", rune(c), got, want)
		}
	}
}
