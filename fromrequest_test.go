package regapi

import (
	"net/http"
	"net/netip"
	"net/url"
	"testing"
)

// TestFromRequestPeerTrust checks which peer addresses count as trusted
// proxies: a request from one has its Forwarded host believed.
func TestFromRequestPeerTrust(t *testing.T) {
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
		r := &http.Request{
			Method:     http.MethodGet,
			URL:        &url.URL{Path: "/v2/"},
			Host:       "internal:5000",
			RemoteAddr: tt.remote,
			Header:     http.Header{"Forwarded": {"host=registry.example.com"}},
		}
		got, err := NewURLBuilderFromRequestWithOptions(r, FromRequestOptions{TrustedProxies: tt.trusted}).BuildBaseURL()
		if err != nil {
			t.Fatal(err)
		}
		want := "http://internal:5000/v2/"
		if tt.want {
			want = "http://registry.example.com/v2/"
		}
		if got != want {
			t.Errorf("peer %q, trusted %v: got %q, want %q", tt.remote, tt.trusted, got, want)
		}
	}
}

func TestNewURLBuilderFromRequestWithOptions(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("10.0.0.0/8")}
	trusted := FromRequestOptions{TrustedProxies: proxies}
	const (
		proxy    = "10.0.0.1:41000"
		stranger = "198.51.100.1:41000"
		own      = "http://internal:5000/v2/"
	)
	tests := []struct {
		name   string
		remote string
		header http.Header
		opts   FromRequestOptions
		want   string
	}{
		{
			name:   "trusted proxy, Forwarded",
			remote: "192.0.2.10:41000",
			header: http.Header{"Forwarded": {`proto=https;host=registry.example.com`}},
			opts:   trusted,
			want:   "https://registry.example.com/v2/",
		},
		{
			name:   "trusted proxy, X-Forwarded",
			remote: "192.0.2.10:41000",
			header: http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"registry.example.com:8443"}},
			opts:   trusted,
			want:   "https://registry.example.com:8443/v2/",
		},
		{
			name:   "Forwarded: the client's element is not the proxy's",
			remote: proxy,
			header: http.Header{"Forwarded": {"host=evil.example;proto=https, for=203.0.113.9;host=registry.example.com;proto=https"}},
			opts:   trusted,
			want:   "https://registry.example.com/v2/",
		},
		{
			name:   "Forwarded: the client's element on a field line of its own",
			remote: proxy,
			header: http.Header{"Forwarded": {"host=evil.example;proto=https", "for=203.0.113.9;host=registry.example.com;proto=https"}},
			opts:   trusted,
			want:   "https://registry.example.com/v2/",
		},
		{
			name:   "X-Forwarded-Host: the client's host is not the proxy's",
			remote: proxy,
			header: http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Host": {"evil.example, registry.example.com"}},
			opts:   trusted,
			want:   "http://registry.example.com/v2/",
		},
		{
			name:   "two trusted proxies: the outer one saw the client's scheme",
			remote: proxy,
			header: http.Header{"X-Forwarded-For": {"203.0.113.9, 10.0.0.2"}, "X-Forwarded-Proto": {"https, http"}},
			opts:   trusted,
			want:   "https://internal:5000/v2/",
		},
		{
			name:   "two trusted proxies, Forwarded",
			remote: proxy,
			header: http.Header{"Forwarded": {`for=203.0.113.9;proto=https;host=registry.example.com, for="[::ffff:10.0.0.2]:80";proto=http;host=inner.example`}},
			opts:   trusted,
			want:   "https://registry.example.com/v2/",
		},
		{
			name:   "an untrusted proxy in the middle",
			remote: proxy,
			header: http.Header{"Forwarded": {"for=203.0.113.9;host=evil.example, for=198.51.100.7;host=registry.example.com, for=10.0.0.2;host=inner.example"}},
			opts:   trusted,
			want:   "http://registry.example.com/v2/",
		},
		{
			name:   "a malformed believed value drops only itself",
			remote: proxy,
			header: http.Header{"X-Forwarded-For": {"203.0.113.9, 10.0.0.2"}, "X-Forwarded-Proto": {"https, http"}, "X-Forwarded-Host": {"user@evil.example, registry.example.com"}},
			opts:   trusted,
			want:   "https://registry.example.com/v2/",
		},
		{
			name:   "untrusted peer",
			remote: stranger,
			header: http.Header{"Forwarded": {`proto=https;host=evil.example.com`}},
			opts:   trusted,
			want:   own,
		},
		{
			name:   "no trusted proxies",
			remote: "192.0.2.10:41000",
			header: http.Header{"X-Forwarded-Host": {"evil.example.com"}},
			opts:   FromRequestOptions{},
			want:   own,
		},
		{
			name:   "Forwarded preferred by default",
			remote: proxy,
			header: http.Header{"Forwarded": {"host=f.example"}, "X-Forwarded-Host": {"x.example"}},
			opts:   trusted,
			want:   "http://f.example/v2/",
		},
		{
			name:   "X-Forwarded-* only: a Forwarded header passed on is ignored",
			remote: proxy,
			header: http.Header{"Forwarded": {"host=evil.example"}, "X-Forwarded-For": {"203.0.113.9"}, "X-Forwarded-Host": {"registry.example.com"}},
			opts:   FromRequestOptions{TrustedProxies: proxies, ForwardingHeaders: XForwardedOnly},
			want:   "http://registry.example.com/v2/",
		},
		{
			name:   "Forwarded only: X-Forwarded-* passed on is ignored",
			remote: proxy,
			header: http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"evil.example"}},
			opts:   FromRequestOptions{TrustedProxies: proxies, ForwardingHeaders: ForwardedOnly},
			want:   own,
		},
		{
			name:   "Forwarded only: Forwarded read",
			remote: proxy,
			header: http.Header{"Forwarded": {"for=203.0.113.9;host=registry.example.com"}, "X-Forwarded-Host": {"x.example"}},
			opts:   FromRequestOptions{TrustedProxies: proxies, ForwardingHeaders: ForwardedOnly},
			want:   "http://registry.example.com/v2/",
		},
		{
			name:   "an unknown family believes nothing",
			remote: proxy,
			header: http.Header{"Forwarded": {"host=f.example"}, "X-Forwarded-Host": {"x.example"}},
			opts:   FromRequestOptions{TrustedProxies: proxies, ForwardingHeaders: 7},
			want:   own,
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

// TestNewURLBuilderFromRequestTrustsEveryPeer pins the behaviour kept from
// distribution: without options the first value of each header counts,
// whoever sent it.
func TestNewURLBuilderFromRequestTrustsEveryPeer(t *testing.T) {
	tests := []struct {
		header http.Header
		want   string
	}{
		{http.Header{"Forwarded": {"host=first.example;proto=https, for=203.0.113.9;host=registry.example.com"}}, "https://first.example/v2/"},
		{http.Header{"Forwarded": {"host=first.example", "host=registry.example.com"}}, "http://first.example/v2/"},
		{http.Header{"X-Forwarded-Host": {"first.example, registry.example.com"}}, "http://first.example/v2/"},
		{http.Header{"X-Forwarded-Proto": {"https, http"}}, "http://internal:5000/v2/"},
	}
	for _, tt := range tests {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: "/v2/"}, Host: "internal:5000", RemoteAddr: "198.51.100.1:41000", Header: tt.header}
		got, err := NewURLBuilderFromRequest(r, false).BuildBaseURL()
		if err != nil || got != tt.want {
			t.Errorf("%v: got %q, %v; want %q", tt.header, got, err, tt.want)
		}
	}
}
