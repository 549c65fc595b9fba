package server_test

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/server"
)

// TestLocationThroughProxies checks the origin of Location headers: the
// request's own, unless forwarding headers come from a trusted proxy, and
// a path with RelativeURLs or a Host that is not a host.
func TestLocationThroughProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}
	forwarded := http.Header{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"registry.example"}}
	tests := []struct {
		name   string
		opts   server.Options
		peer   string
		host   string
		header http.Header
		want   string // the Location's origin
	}{
		{"no proxy trusted", server.Options{}, "10.1.2.3:4000", "internal:5000", forwarded, "http://internal:5000"},
		{"trusted proxy", server.Options{TrustedProxies: trusted}, "10.1.2.3:4000", "internal:5000", forwarded, "https://registry.example"},
		{"peer outside the trusted networks", server.Options{TrustedProxies: trusted}, "192.0.2.1:4000", "internal:5000", forwarded, "http://internal:5000"},
		{"X-Forwarded-* when only Forwarded is trusted", server.Options{TrustedProxies: trusted, ForwardingHeaders: regapi.ForwardedOnly}, "10.1.2.3:4000", "internal:5000", forwarded, "http://internal:5000"},
		{"relative", server.Options{RelativeURLs: true}, "10.1.2.3:4000", "internal:5000", nil, ""},
		{"malformed Host", server.Options{}, "10.1.2.3:4000", "bad host!", nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := server.New(newFakeStore(), tt.opts)
			req := httptest.NewRequest(http.MethodPost, "/v2/r/blobs/uploads/", nil)
			req.RemoteAddr, req.Host = tt.peer, tt.host
			for k, vs := range tt.header {
				req.Header[k] = vs
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusAccepted {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			loc := rec.Header().Get("Location")
			want := tt.want + "/v2/r/blobs/uploads/" + rec.Header().Get("Docker-Upload-UUID")
			if loc != want {
				t.Errorf("Location %q, want %q", loc, want)
			}
		})
	}
}
