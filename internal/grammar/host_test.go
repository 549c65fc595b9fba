package grammar

import (
	"net/url"
	"strings"
	"testing"
)

// TestIsHost holds hosts a URL may carry and hostile or malformed ones.
func TestIsHost(t *testing.T) {
	tests := []struct {
		host string
		want bool
	}{
		{"registry.example.com", true},
		{"registry.example.com:5000", true},
		{"REGISTRY.Example.COM:443", true},
		{"localhost", true},
		{"localhost:1", true},
		{"localhost:65535", true},
		{"192.0.2.7", true},
		{"192.0.2.7:8080", true},
		{"[2001:db8::1]", true},
		{"[2001:db8::1]:5000", true},
		{"[::1]:443", true},
		{"xn--bcher-kva.example", true},
		{"a", true},

		{"", false},
		{`a"b.example.com`, false},
		{"a b.example.com", false},
		{"a\tb", false},
		{"a\x00b", false},
		{"evil.example.com/path", false},
		{"evil.example.com?q=1", false},
		{"evil.example.com#frag", false},
		{"user@evil.example.com", false},
		{"user:pass@evil.example.com", false},
		{"http://evil.example.com", false},
		{"example.com:", false},
		{"example.com:0", false},
		{"example.com:65536", false},
		{"example.com:+80", false},
		{"example.com:80:80", false},
		{"-bad.example.com", false},
		{"bad-.example.com", false},
		{"bad..example.com", false},
		{".example.com", false},
		{"example.com.", false},
		{"under_score.example.com", false},
		{"300.1.1.1", false},
		{"1.2.3", false},
		// Names ending in a number (the URL standard's rule) are IPv4
		// addresses in other notations, which resolvers accept.
		{"0x7f000001", false},
		{"0X7F000001", false},
		{"0x7f.0.0.0x1", false},
		{"0x7f.0.0.1", false},
		{"example.0x1", false},
		{"example.0x", false},
		{"2130706433", false},
		{"0177.0.0.1", false},
		{"127.0.0.01", false},
		{"0x7f000001:5000", false},
		// A hex-looking label that is no number, or not the last, is a
		// name.
		{"0x7f.example", true},
		{"example.0xg", true},
		{"example.x1", true},
		{"0xcafe.example.com", true},
		{"2001:db8::1", false},
		{"[2001:db8::1", false},
		{"[2001:db8::1]x", false},
		{"[fe80::1%25eth0]", false},
		{"[192.0.2.7]", false},
		{"exämple.com", false},
		{"example.com,other.example.com", false},
		{"example.com;proto=http", false},
		{string(make([]byte, 300)), false},
		{"a23456789012345678901234567890123456789012345678901234567890123.com", true},
		{"a234567890123456789012345678901234567890123456789012345678901234.com", false},
		{"localhost:00080", true}, // RFC 3986 ports are any digits,
		{"1.2.3.4:5", true},
	}
	for _, tt := range tests {
		if got := IsHost(tt.host); got != tt.want {
			t.Errorf("IsHost(%q) = %v, want %v", tt.host, got, tt.want)
		}
	}
}

func TestIsHostAsRequestHost(t *testing.T) {
	label63 := strings.Repeat("a", 63)
	tests := []struct {
		host string
		want bool
	}{
		{"registry.test", true},
		{"registry.test:5000", true},
		{"REG-1.example.COM", true},
		{"192.0.2.1:65535", true},
		{"[::1]", true},
		{"[2001:db8::1]:443", true},
		{label63 + ".example.com", true},
		{strings.Repeat(label63+".", 3) + strings.Repeat("b", 61), true}, // 253 characters
		{strings.Repeat(label63+".", 3) + strings.Repeat("b", 62), false},
		{label63 + "a.example.com", false},
		{"", false},
		{":5000", false},
		{"a.", false},
		{".a", false},
		{"a..b", false},
		{"-a", false},
		{"a-", false},
		{"a-.b", false},
		{"a_b", false},
		{"a%zz", false},
		{"a%2Fb", false},
		{"a b", false},
		{"!$&'()*+,;=~_", false},
		{"[", false},
		{"]", false},
		{"[::1", false},
		{"[::1%25zz]", false},
		{"[fe80::1%eth0]", false},
		{"[192.0.2.1]", false},
		{"[::1]x", false},
		{"[::1]:", false},
		{"x:99999", false},
		{"x:0", false},
		{"x:+80", false},
		{"x:0080", true},
		{"x:000080", false},
	}
	for _, tc := range tests {
		if got := IsHost(tc.host); got != tc.want {
			t.Errorf("IsHost(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

func TestSameHostPort(t *testing.T) {
	for _, tt := range []struct {
		a, b string
		want bool
	}{
		{"https://registry.example.com/v2/", "https://registry.example.com/other", true},
		{"https://Registry.Example.com:443/", "https://registry.example.com", true},
		{"http://registry.example.com", "http://registry.example.com:80", true},
		{"http://registry.example.com", "https://registry.example.com:80", true}, // the scheme is not compared
		{"http://registry.example.com", "https://registry.example.com", false},   // 80 and 443
		{"https://registry.example.com:5000", "https://registry.example.com", false},
		{"https://registry.example.com", "https://registry.example.com.evil.test", false},
		{"http://127.0.0.1:5000", "http://[::ffff:127.0.0.1]:5000", true},
		{"http://127.0.0.1:5000", "http://localhost:5000", false},
		{"http://[::1]:5000", "http://[0:0:0:0:0:0:0:1]:5000", true},
	} {
		a, _ := url.Parse(tt.a)
		b, _ := url.Parse(tt.b)
		if got := SameHostPort(a, b); got != tt.want {
			t.Errorf("SameHostPort(%s, %s) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}
