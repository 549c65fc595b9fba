package conformance

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/internal/grammar"
)

// authTransport layers authentication on base for the registry at origin,
// and for nothing else. A request to origin (its scheme, host and port)
// goes through the auth package's transport, which answers Basic
// challenges with the credentials and Bearer challenges with a token
// fetched from the realm the challenge names, when that transport accepts
// the realm for the registry. Any other request (a redirect, an upload
// Location elsewhere) goes to base without an Authorization header,
// whatever challenge it meets. It is the one place where the suite
// authenticates.
func authTransport(base http.RoundTripper, origin *url.URL, user, pass string) http.RoundTripper {
	creds := func(_ context.Context, host string) (string, string, error) {
		// The guard below already keeps other origins away; the answer is
		// bound to the registry's host and port all the same, so that no
		// path through the auth transport reaches the password elsewhere.
		if !grammar.SameHostPort(&url.URL{Scheme: origin.Scheme, Host: host}, origin) {
			return "", "", nil
		}
		return user, pass, nil
	}
	return originGuard{origin: origin, authed: auth.NewTransport(base, creds), bare: base}
}

// originGuard sends the requests to the registry's origin through the
// authenticating transport, and every other request through the bare one
// without an Authorization header: credentials never leave the origin,
// neither those the auth transport adds nor any a request carries.
type originGuard struct {
	origin       *url.URL
	authed, bare http.RoundTripper
}

// RoundTrip sends req through the transport its origin calls for.
func (g originGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL != nil && sameOrigin(req.URL, g.origin) {
		return g.authed.RoundTrip(req)
	}
	if _, ok := req.Header["Authorization"]; ok {
		// A RoundTripper must not change the request it is given.
		req = req.Clone(req.Context())
		req.Header.Del("Authorization")
	}
	return g.bare.RoundTrip(req)
}

// sameOrigin reports whether u is on origin: the same scheme, host and
// port, however written (case, default port, IPv4-mapped addresses). An
// http URL is never on an https origin, even on the same host and port.
func sameOrigin(u, origin *url.URL) bool {
	return strings.EqualFold(u.Scheme, origin.Scheme) && grammar.SameHostPort(u, origin)
}
