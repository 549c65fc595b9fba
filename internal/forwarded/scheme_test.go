package forwarded

import "testing"

func TestForwardedScheme(t *testing.T) {
	tests := []struct {
		proto, want string
		ok          bool
	}{
		{"http", "http", true},
		{"https", "https", true},
		{"HTTPS", "https", true},
		{"Http", "http", true},
		{"", "", false},
		{"ftp", "", false},
		{"javascript", "", false},
		{"https:", "", false},
		{"https://evil.example.com", "", false},
		{" https", "", false},
		{`"https"`, "", false},
	}
	for _, tt := range tests {
		got, ok := Scheme(tt.proto)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Scheme(%q) = %q, %v; want %q, %v", tt.proto, got, ok, tt.want, tt.ok)
		}
	}
}
