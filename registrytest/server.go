package registrytest

import (
	"net/http/httptest"
)

// Server is a Registry listening on a loopback port, for tests. It embeds
// the httptest.Server serving the registry, so URL, Client and Close work as
// they do there.
type Server struct {
	*httptest.Server

	// Registry is the handler the server runs.
	Registry *Registry

	// Host is the host and port of URL, as used in image references such
	// as Host + "/library/alpine:latest".
	Host string
}

// NewServer starts a Registry configured by opts on a loopback port over
// plain HTTP. The caller must call Close when done.
func NewServer(opts Options) *Server {
	reg := New(opts)
	ts := httptest.NewServer(reg)
	return &Server{Server: ts, Registry: reg, Host: ts.Listener.Addr().String()}
}
