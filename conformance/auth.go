package conformance

import (
	"context"
	"net/http"
	"strings"
	"sync"
)

// credentials returns the user name and password for a host.
type credentials func(ctx context.Context, host string) (user, pass string, err error)

// authTransport layers authentication on base. It is the one place where
// the suite authenticates: the auth package's transport, which also
// answers Bearer token challenges, takes the same two arguments
// (auth.NewTransport(base, creds)) and replaces basicTransport here.
func authTransport(base http.RoundTripper, creds credentials) http.RoundTripper {
	return &basicTransport{base: base, creds: creds, hosts: map[string]bool{}}
}

// basicTransport answers a 401 whose challenge asks for Basic
// authentication by sending the request again with credentials, and from
// then on sends them to that host from the start. It never sends them to a
// host that did not ask, so a redirect to storage elsewhere gets none.
type basicTransport struct {
	base  http.RoundTripper
	creds credentials

	mu    sync.Mutex
	hosts map[string]bool // hosts that asked for Basic
}

// RoundTrip sends req, with credentials when its host wants them.
func (t *basicTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	host := req.URL.Host
	t.mu.Lock()
	known := t.hosts[host]
	t.mu.Unlock()
	if known {
		if r, ok := t.withCredentials(req); ok {
			return t.base.RoundTrip(r)
		}
	}
	resp, err := t.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || known || !asksForBasic(resp.Header) {
		return resp, err
	}
	if req.Body != nil && req.Body != http.NoBody && req.GetBody == nil {
		return resp, nil // the body cannot be sent again
	}
	retry, ok := t.withCredentials(req)
	if !ok {
		return resp, nil
	}
	resp.Body.Close()
	t.mu.Lock()
	t.hosts[host] = true
	t.mu.Unlock()
	return t.base.RoundTrip(retry)
}

// withCredentials returns a copy of req carrying Basic credentials, with a
// fresh body, or false when there are none to send.
func (t *basicTransport) withCredentials(req *http.Request) (*http.Request, bool) {
	if t.creds == nil {
		return nil, false
	}
	user, pass, err := t.creds(req.Context(), req.URL.Host)
	if err != nil || user == "" && pass == "" {
		return nil, false
	}
	r := req.Clone(req.Context())
	if req.GetBody != nil {
		body, err := req.GetBody()
		if err != nil {
			return nil, false
		}
		r.Body = body
	}
	r.SetBasicAuth(user, pass)
	return r, true
}

// asksForBasic reports whether a challenge offers the Basic scheme.
func asksForBasic(h http.Header) bool {
	for _, v := range h.Values("WWW-Authenticate") {
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if strings.EqualFold(scheme, "basic") {
			return true
		}
	}
	return false
}
