package regapi

import (
	"net/http"
	"net/netip"
)

// FromRequestOptions says how NewURLBuilderFromRequestWithOptions derives a
// root from a request.
type FromRequestOptions struct {
	// Relative makes the builder produce relative URLs, as the relative
	// argument of NewURLBuilderFromRequest does.
	Relative bool

	// TrustedProxies lists the networks of the proxies whose forwarding
	// headers (Forwarded, X-Forwarded-Proto, X-Forwarded-Host) are believed.
	// A request whose peer address (http.Request.RemoteAddr) lies outside
	// all of them is answered with its own scheme and host whatever headers
	// it carries. With no prefixes, forwarding headers are never believed.
	TrustedProxies []netip.Prefix
}

// NewURLBuilderFromRequestWithOptions is NewURLBuilderFromRequest for servers
// that can be reached other than through their proxies: forwarding headers
// are used only when the request comes from one of opts.TrustedProxies, and
// even then only when their values are a well-formed scheme and host.
func NewURLBuilderFromRequestWithOptions(r *http.Request, opts FromRequestOptions) *URLBuilder {
	return newURLBuilderFromRequest(r, opts.Relative, fromTrustedProxy(r.RemoteAddr, opts.TrustedProxies))
}

// fromTrustedProxy reports whether the peer address remoteAddr ("ip:port",
// or a bare IP) lies in one of the trusted prefixes. An address that does
// not parse is not trusted.
func fromTrustedProxy(remoteAddr string, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	addr, err := netip.ParseAddr(remoteAddr)
	if err != nil {
		ap, err := netip.ParseAddrPort(remoteAddr)
		if err != nil {
			return false
		}
		addr = ap.Addr()
	}
	addr = addr.WithZone("").Unmap()
	for _, p := range trusted {
		if p.IsValid() && p.Contains(addr) {
			return true
		}
	}
	return false
}
