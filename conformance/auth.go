package conformance

import (
	"context"
	"net/http"

	"github.com/regapi/regapi/auth"
)

// credentials returns the user name and password for a host.
type credentials func(ctx context.Context, host string) (user, pass string, err error)

// authTransport layers authentication on base: the auth package's
// transport, which answers Basic challenges with the credentials and
// Bearer challenges with a token fetched for the scope the request needs,
// and never sends credentials to a host other than the registry's and its
// token realm's. It is the one place where the suite authenticates.
func authTransport(base http.RoundTripper, creds credentials) http.RoundTripper {
	return auth.NewTransport(base, creds)
}
