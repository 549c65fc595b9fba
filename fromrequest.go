package regapi

import (
	"net/http"
	"net/netip"

	"github.com/regapi/regapi/internal/forwarded"
)

// ForwardingHeaders names the family of forwarding headers a server's
// trusted proxies write. Naming it keeps a header the proxies pass on
// untouched, which holds whatever the client wrote, from being read.
type ForwardingHeaders uint8

const (
	// ForwardedOrXForwarded, the zero value, reads the Forwarded header
	// (RFC 7239) when a request has one that is not blank, and
	// X-Forwarded-For, X-Forwarded-Proto and X-Forwarded-Host otherwise.
	// It suits proxies that write both families, or that remove the one
	// they do not write.
	ForwardedOrXForwarded ForwardingHeaders = iota
	// ForwardedOnly reads Forwarded and ignores X-Forwarded-*.
	ForwardedOnly
	// XForwardedOnly reads X-Forwarded-For, X-Forwarded-Proto and
	// X-Forwarded-Host, and ignores Forwarded.
	XForwardedOnly
)

// FromRequestOptions says how NewURLBuilderFromRequestWithOptions derives a
// root from a request.
type FromRequestOptions struct {
	// Relative makes the builder produce relative URLs, as the relative
	// argument of NewURLBuilderFromRequest does.
	Relative bool

	// TrustedProxies lists the networks of the proxies whose forwarding
	// headers are believed. A request whose peer address
	// (http.Request.RemoteAddr) lies outside all of them is answered with
	// its own scheme and host whatever headers it carries; one from inside
	// has the values of its forwarding headers believed as far as the
	// chain of proxies that appended them stays inside. With no prefixes,
	// forwarding headers are never believed.
	TrustedProxies []netip.Prefix

	// ForwardingHeaders names the headers the trusted proxies write. With
	// the zero value, proxies that write only X-Forwarded-* and pass a
	// client's Forwarded header on would have that header read instead:
	// name the family they write, so that the other one is ignored. A
	// value other than the constants believes no forwarding header.
	ForwardingHeaders ForwardingHeaders
}

// NewURLBuilderFromRequestWithOptions is NewURLBuilderFromRequest for servers
// that can be reached other than through their proxies, or behind proxies
// that pass on what clients wrote: forwarding headers count only as far as
// they were written by opts.TrustedProxies.
//
// Proxies append to forwarding headers, so they are read from the right,
// every field line of a header in order as one list. The right-most value
// was appended by the peer (r.RemoteAddr) and is believed when the peer is
// trusted. The value before it was appended by the proxy whose address the
// peer recorded (the for= of the peer's Forwarded element, or the right-most
// X-Forwarded-For entry), and is believed only if that address is trusted,
// and so on. The scheme and the host are each the left-most believed value
// that carries a well-formed one: http or https, and a DNS name or IP
// literal with an optional port. A value written by a party that is not
// trusted is never used. The walk stops, keeping what it believed, at a
// Forwarded element that does not parse, and where the address needed is
// missing or not an IP address (for=unknown, an obfuscated for=, no
// further X-Forwarded-For entry). X-Forwarded-Proto and X-Forwarded-Host
// are aligned with X-Forwarded-For from the right: the i-th entry from the
// right of each was appended by the same proxy, and a shorter list has no
// value for the proxies beyond its length.
//
// What is believed is only as good as the proxies: each trusted proxy must
// set or append every header it is trusted for, or a client can write the
// values the proxy leaves alone.
func NewURLBuilderFromRequestWithOptions(r *http.Request, opts FromRequestOptions) *URLBuilder {
	scheme, host := requestOrigin(r)
	if family, ok := opts.ForwardingHeaders.family(); ok && len(opts.TrustedProxies) > 0 {
		if peer, ok := forwarded.ParseAddr(r.RemoteAddr); ok {
			fscheme, fhost := forwarded.Origin(r.Header, peer, opts.TrustedProxies, family)
			if fscheme != "" {
				scheme = fscheme
			}
			if fhost != "" {
				host = fhost
			}
		}
	}
	return newURLBuilderFromRequest(r, opts.Relative, scheme, host)
}

// family returns the headers f names, and false for a value that is none
// of the constants.
func (f ForwardingHeaders) family() (forwarded.Family, bool) {
	switch f {
	case ForwardedOrXForwarded:
		return forwarded.Either, true
	case ForwardedOnly:
		return forwarded.OnlyForwarded, true
	case XForwardedOnly:
		return forwarded.OnlyXForwarded, true
	}
	return 0, false
}
