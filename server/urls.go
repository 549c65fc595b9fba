package server

import (
	"net/http"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/internal/grammar"
)

// repoRef is a repository name the server has checked, as the URL builder
// takes it (reference.Named). The server makes its references itself rather
// than through package reference, whose constructors match regular
// expressions against names and digests already checked.
type repoRef string

// Name returns the repository name.
func (r repoRef) Name() string { return string(r) }

// String returns the repository name.
func (r repoRef) String() string { return string(r) }

// canonicalRef is a repository name and a digest the server has checked,
// as the URL builder takes them (reference.Canonical).
type canonicalRef struct {
	name string
	d    digest.Digest
}

// Name returns the repository name.
func (r canonicalRef) Name() string { return r.name }

// String returns name@digest.
func (r canonicalRef) String() string { return r.name + "@" + r.d.String() }

// Digest returns the digest.
func (r canonicalRef) Digest() digest.Digest { return r.d }

// urlBuilder returns the builder of the Location and Link headers answering
// r. Forwarding headers count only from Options.TrustedProxies (see
// regapi.NewURLBuilderFromRequestWithOptions). A request whose own Host is
// not a well-formed host, or that has none (HTTP/1.0), gets relative URLs.
//
// Without trusted proxies the builder depends on nothing but the request's
// Host, whether it came over TLS, and the scheme of an absolute request
// target: the last builder made is kept for the next request that agrees
// on those three, which is every request of a client. A request whose Host
// and scheme are longer than maxKeptOrigin gets a builder of its own, so
// that the server never copies or keeps more than that of what a client
// sent.
func (s *Server) urlBuilder(r *http.Request) *regapi.URLBuilder {
	cacheable := len(s.opts.TrustedProxies) == 0 && len(r.Host)+len(r.URL.Scheme) <= maxKeptOrigin
	key := builderKey{host: r.Host, tls: r.TLS != nil, scheme: r.URL.Scheme}
	if cacheable {
		if last := s.lastBuilder.Load(); last != nil && last.key == key {
			return last.ub
		}
	}
	ub := regapi.NewURLBuilderFromRequestWithOptions(r, regapi.FromRequestOptions{
		Relative:          s.opts.RelativeURLs || !grammar.IsHost(r.Host),
		TrustedProxies:    s.opts.TrustedProxies,
		ForwardingHeaders: s.opts.ForwardingHeaders,
	})
	if cacheable {
		// Copies of the key's strings are kept, so that the cache holds on
		// to no request line.
		key.host, key.scheme = strings.Clone(key.host), strings.Clone(key.scheme)
		s.lastBuilder.Store(&cachedBuilder{key: key, ub: ub})
	}
	return ub
}

// maxKeptOrigin bounds the Host and scheme of a kept builder: a DNS name of
// 253 bytes with a port, or "https", fits.
const maxKeptOrigin = 300

// builderKey is what a builder made without trusted proxies depends on.
type builderKey struct {
	host   string
	tls    bool
	scheme string
}

// cachedBuilder is the last builder a server made, by what it was made
// from. A builder is only read once made.
type cachedBuilder struct {
	key builderKey
	ub  *regapi.URLBuilder
}
