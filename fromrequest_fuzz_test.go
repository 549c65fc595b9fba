package regapi

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"

	"github.com/regapi/regapi/internal/grammar"
)

// FuzzFromRequestHeaders sends hostile forwarding headers from a trusted
// proxy. Whatever they hold, the URL built must be an http or https URL
// whose host is the request's own or a well-formed forwarded one, with the
// request's path prefix, and nothing of the headers may leak elsewhere; the
// relative URL is the prefix and the base path alone.
func FuzzFromRequestHeaders(f *testing.F) {
	f.Add(`for=192.0.2.7;proto=https;host="registry.example.com:8443"`, "", "")
	f.Add(`host="a\"b.example.com"`, "", "")
	f.Add("", "javascript", "evil.example.com/path?x#y")
	f.Add("", "https", "user@evil.example.com")
	f.Add("", "HTTPS", " [2001:db8::1]:5000 , inner")
	f.Add(`proto=https;host=evil.example.com:0`, "", "")
	f.Fuzz(func(t *testing.T, forwarded, xproto, xhost string) {
		r := &http.Request{
			Method:     http.MethodGet,
			URL:        &url.URL{Path: "/mirror/v2/app/blobs/uploads/"},
			Host:       "internal.example.com:5000",
			RemoteAddr: "192.0.2.1:40000",
			Header:     http.Header{},
		}
		if forwarded != "" {
			r.Header.Set("Forwarded", forwarded)
		}
		if xproto != "" {
			r.Header.Set("X-Forwarded-Proto", xproto)
		}
		if xhost != "" {
			r.Header.Set("X-Forwarded-Host", xhost)
		}
		ub := NewURLBuilderFromRequestWithOptions(r, FromRequestOptions{
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		})
		got, err := ub.BuildBaseURL()
		if err != nil {
			t.Fatalf("BuildBaseURL: %v", err)
		}
		u, err := url.Parse(got)
		if err != nil {
			t.Fatalf("built URL %q does not parse: %v", got, err)
		}
		if u.Scheme != "http" && u.Scheme != "https" {
			t.Fatalf("scheme of %q is not http or https", got)
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Path != "/mirror/v2/" {
			t.Fatalf("built URL %q has more than scheme, host and the request's prefix", got)
		}
		if u.Host != r.Host && !grammar.IsHost(u.Host) {
			t.Fatalf("host of %q is neither the request's nor well-formed", got)
		}
		if got != u.Scheme+"://"+u.Host+"/mirror/v2/" || strings.ContainsAny(u.Host, "\"' \t\\") {
			t.Fatalf("built URL %q is not written plainly", got)
		}
		rel, err := NewURLBuilderFromRequestWithOptions(r, FromRequestOptions{
			Relative:       true,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")},
		}).BuildBaseURL()
		if err != nil || rel != "/mirror/v2/" {
			t.Fatalf("relative base URL %q, %v; want the request's prefix, /mirror/v2/", rel, err)
		}
	})
}
