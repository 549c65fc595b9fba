package regapi

import (
	"net/http"
	"net/netip"
	"testing"
)

func TestFromTrustedProxy(t *testing.T) {
	lan := netip.MustParsePrefix("10.0.0.0/8")
	loop6 := netip.MustParsePrefix("::1/128")
	tests := []struct {
		remote  string
		trusted []netip.Prefix
		want    bool
	}{
		{"10.1.2.3:4567", []netip.Prefix{lan}, true},
		{"10.1.2.3", []netip.Prefix{lan}, true},
		{"[::ffff:10.1.2.3]:80", []netip.Prefix{lan}, true},
		{"11.1.2.3:4567", []netip.Prefix{lan}, false},
		{"[::1]:5000", []netip.Prefix{loop6}, true},
		{"[fe80::1%eth0]:5000", []netip.Prefix{netip.MustParsePrefix("fe80::/10")}, true},
		{"127.0.0.1:5000", []netip.Prefix{loop6}, false},
		{"10.1.2.3:4567", nil, false},
		{"", []netip.Prefix{lan}, false},
		{"not-an-address", []netip.Prefix{lan}, false},
		{"10.1.2.3:4567", []netip.Prefix{{}}, false},
	}
	for _, tt := range tests {
		if got := fromTrustedProxy(tt.remote, tt.trusted); got != tt.want {
			t.Errorf("fromTrustedProxy(%q, %v) = %v, want %v", tt.remote, tt.trusted, got, tt.want)
		}
	}
}

func TestNewURLBuilderFromRequestWithOptions(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	tests := []struct {
		name    string
		remote  string
		header  http.Header
		opts    FromRequestOptions
		want    string
		comment string
	}{
		{
			name:   "trusted proxy, Forwarded",
			remote: "192.0.2.10:41000",
			header: http.Header{"Forwarded": {`proto=https;host=registry.example.com`}},
			opts:   FromRequestOptions{TrustedProxies: proxies},
			want:   "https://registry.example.com/v2/",
		},
		{
			name:   "trusted proxy, X-Forwarded",
			remote: "192.0.2.10:41000",
			header: http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"registry.example.com:8443, inner"}},
			opts:   FromRequestOptions{TrustedProxies: proxies},
			want:   "https://registry.example.com:8443/v2/",
		},
		{
			name:   "untrusted peer",
			remote: "198.51.100.1:41000",
			header: http.Header{"Forwarded": {`proto=https;host=evil.example.com`}},
			opts:   FromRequestOptions{TrustedProxies: proxies},
			want:   "http://internal:5000/v2/",
		},
		{
			name:   "no trusted proxies",
			remote: "192.0.2.10:41000",
			header: http.Header{"X-Forwarded-Host": {"evil.example.com"}},
			opts:   FromRequestOptions{},
			want:   "http://internal:5000/v2/",
		},
		{
			name:   "relative",
			remote: "192.0.2.10:41000",
			header: http.Header{"X-Forwarded-Host": {"registry.example.com"}},
			opts:   FromRequestOptions{Relative: true, TrustedProxies: proxies},
			want:   "/v2/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.NewRequest(http.MethodGet, "http://internal:5000/v2/", nil)
			if err != nil {
				t.Fatal(err)
			}
			r.RemoteAddr = tt.remote
			r.Header = tt.header
			before := r.Header.Clone()
			got, err := NewURLBuilderFromRequestWithOptions(r, tt.opts).BuildBaseURL()
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if len(r.Header) != len(before) {
				t.Errorf("the request's headers were changed: %v", r.Header)
			}
		})
	}
}
