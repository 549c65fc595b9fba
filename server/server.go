package server

import (
	"net/http"
	"sync/atomic"

	"github.com/regapi/regapi/internal/manifest"
	"github.com/regapi/regapi/registry"

	// The digest algorithms the server accepts must be linked in for
	// go-digest to offer them.
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Server speaks the registry HTTP API over a store. It implements
// http.Handler; make one with New. It is safe for concurrent use and keeps
// no state of the protocol between requests: every upload session, blob,
// manifest and tag lives in the store.
type Server struct {
	store registry.Interface
	opts  Options
	rules manifest.Rules
	gate  *bodyGate // nil when large bodies are read without turns

	// warnings are the values of the Warning headers of each request
	// variant, rendered from Options.Warnings once.
	warnings map[variantKey][]string

	// The optional interfaces the store implements, nil for those it
	// does not.
	redirector registry.BlobRedirector
	locator    registry.BlobLocator
	reserver   registry.SpaceReserver

	// lastBuilder is the URL builder of the last request answered with a
	// Location or Link, for the next one from the same origin (see
	// urlBuilder). It is a cache: no answer depends on what it holds.
	lastBuilder atomic.Pointer[cachedBuilder]
}

// New returns a Server that speaks the registry API over store, configured
// by opts.
func New(store registry.Interface, opts Options) *Server {
	opts = opts.withDefaults()
	s := &Server{
		store: store,
		opts:  opts,
		rules: manifest.NewRules(opts.LenientManifests, opts.RequireManifestBlobs, opts.ManifestMediaTypes),
		gate:  newBodyGate(opts.MaxBodyReaders),
	}
	s.warnings = renderWarnings(opts.Warnings)
	s.redirector, _ = store.(registry.BlobRedirector)
	s.locator, _ = store.(registry.BlobLocator)
	s.reserver, _ = store.(registry.SpaceReserver)
	return s
}

// ServeHTTP answers a registry API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header()["Docker-Distribution-Api-Version"] = headerAPIVersion
	c := &request{w: w, r: r, s: s}
	// A request without a body keeps http.NoBody, so that handlers can
	// tell it has none.
	if r.Body != nil && r.Body != http.NoBody {
		c.body = requestBody{ReadCloser: r.Body, rw: w, timeout: s.opts.BodyTimeout, ctx: r.Context()}
		if s.gate.needsTurn(r.ContentLength) {
			c.body.turn.gate = s.gate
			defer c.body.turn.end()
		}
		r.Body = &c.body
	}
	s.route(c)
}
