package conformance

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// challenging is a transport for every host: it asks a request without
// Authorization for Basic credentials and records the Authorization of
// the others by origin.
type challenging struct {
	mu   sync.Mutex
	seen map[string][]string
}

func (c *challenging) RoundTrip(req *http.Request) (*http.Response, error) {
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("")), Request: req}
	v := req.Header.Get("Authorization")
	if v == "" {
		resp.StatusCode = http.StatusUnauthorized
		resp.Header.Set("WWW-Authenticate", `Basic realm="any"`)
		return resp, nil
	}
	c.mu.Lock()
	c.seen[req.URL.Scheme+"://"+req.URL.Host] = append(c.seen[req.URL.Scheme+"://"+req.URL.Host], v)
	c.mu.Unlock()
	return resp, nil
}

// TestAuthTransportKeepsCredentialsOnTheOrigin sends requests to the
// registry's origin and to others that differ in scheme, host or port,
// each of which challenges: only the origin receives the credentials, and
// an Authorization a request carries is dropped on its way elsewhere.
func TestAuthTransportKeepsCredentialsOnTheOrigin(t *testing.T) {
	origin, _ := url.Parse("https://reg.test")
	tests := []struct {
		url    string
		header string // an Authorization the request carries
		want   bool   // the base sees an Authorization
	}{
		{url: "https://reg.test/v2/", want: true},
		{url: "https://REG.test:443/v2/", want: true},
		{url: "http://reg.test/v2/"},
		{url: "http://reg.test:443/v2/"},
		{url: "https://reg.test:444/v2/"},
		{url: "https://other.test/v2/"},
		{url: "https://reg.test.other.test/v2/"},
		{url: "http://reg.test/v2/", header: "Basic YWxpY2U6c2VjcmV0"},
		{url: "https://other.test/v2/", header: "Bearer kept-at-home"},
	}
	for _, tt := range tests {
		t.Run(tt.url+" "+tt.header, func(t *testing.T) {
			base := &challenging{seen: map[string][]string{}}
			rt := authTransport(base, origin, "alice", "secret")
			req, err := http.NewRequest(http.MethodGet, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			resp, err := rt.RoundTrip(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			u, _ := url.Parse(tt.url)
			got := base.seen[u.Scheme+"://"+u.Host]
			if (len(got) > 0) != tt.want {
				t.Errorf("the base saw Authorization %q; want one: %v", got, tt.want)
			}
			if tt.want && resp.StatusCode != http.StatusOK {
				t.Errorf("status %d on the origin, want 200 after the challenge", resp.StatusCode)
			}
			if tt.header != "" && req.Header.Get("Authorization") != tt.header {
				t.Errorf("the caller's request lost its header")
			}
		})
	}
}
