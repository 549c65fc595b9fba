package forwarded

import (
	"net/http"
	"strings"

	"github.com/regapi/regapi/internal/grammar"
)

// FirstOrigin returns the scheme and host that the forwarding headers of
// a request name, either of which may be empty, and whether they may be used.
// A Forwarded header (RFC 7239) is read first, its first element's proto and
// host; without one, X-Forwarded-Proto and the first host of
// X-Forwarded-Host. When a named value is malformed, ok is false: a request
// that carries a hostile value gets none of its forwarded values believed.
func FirstOrigin(h http.Header) (scheme, host string, ok bool) {
	if forwarded := h.Get("Forwarded"); forwarded != "" {
		proto, fhost, parsed := forwardedProtoHost(forwarded)
		if !parsed {
			return "", "", false
		}
		scheme, host = proto, fhost
	} else {
		scheme = h.Get("X-Forwarded-Proto")
		if fhost := h.Get("X-Forwarded-Host"); fhost != "" {
			// Each proxy appends the host it was asked for; the first is
			// the one the client used.
			first, _, _ := strings.Cut(fhost, ",")
			host = strings.TrimSpace(first)
		}
	}
	if scheme != "" {
		if scheme, ok = Scheme(scheme); !ok {
			return "", "", false
		}
	}
	if host != "" && !grammar.IsHost(host) {
		return "", "", false
	}
	return scheme, host, true
}

// Scheme returns the scheme a forwarding header names, lower-cased,
// and whether it is one a registry URL may carry: http or https. Any other
// value (another scheme, quotes, spaces, a whole URL) is refused.
func Scheme(proto string) (string, bool) {
	switch {
	case strings.EqualFold(proto, "https"):
		return "https", true
	case strings.EqualFold(proto, "http"):
		return "http", true
	}
	return "", false
}
