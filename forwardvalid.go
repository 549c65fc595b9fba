package regapi

import (
	"net/http"
	"net/netip"
	"strconv"
	"strings"
)

// forwardedOrigin returns the scheme and host that the forwarding headers of
// a request name, either of which may be empty, and whether they may be used.
// A Forwarded header (RFC 7239) is read first, its first element's proto and
// host; without one, X-Forwarded-Proto and the first host of
// X-Forwarded-Host. When a named value is malformed, ok is false: a request
// that carries a hostile value gets none of its forwarded values believed.
func forwardedOrigin(h http.Header) (scheme, host string, ok bool) {
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
		if scheme, ok = forwardedScheme(scheme); !ok {
			return "", "", false
		}
	}
	if host != "" && !validForwardedHost(host) {
		return "", "", false
	}
	return scheme, host, true
}

// forwardedScheme returns the scheme a forwarding header names, lower-cased,
// and whether it is one a registry URL may carry: http or https. Any other
// value (another scheme, quotes, spaces, a whole URL) is refused.
func forwardedScheme(proto string) (string, bool) {
	switch {
	case strings.EqualFold(proto, "https"):
		return "https", true
	case strings.EqualFold(proto, "http"):
		return "http", true
	}
	return "", false
}

// validForwardedHost reports whether host, taken from a forwarding header,
// may become the authority of a URL: a DNS hostname or an IP literal (IPv6
// in brackets, without zone), optionally followed by a port from 1 to 65535.
// User info, paths, queries, fragments, quotes, spaces, control characters
// and anything else are refused.
func validForwardedHost(host string) bool {
	if host == "" || len(host) > 261 { // 253 for the name, 6 for ":65535", 2 spare for brackets
		return false
	}
	name, port := host, ""
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return false
		}
		name, port = host[1:end], host[end+1:]
		if port != "" && port[0] != ':' {
			return false
		}
		addr, err := netip.ParseAddr(name)
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return false
		}
	} else {
		if i := strings.LastIndexByte(host, ':'); i >= 0 {
			name, port = host[:i], host[i:]
		}
		if !validHostname(name) {
			return false
		}
	}
	if port != "" {
		return validPort(port[1:])
	}
	return true
}

// validPort reports whether p is a decimal port number from 1 to 65535.
func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// validHostname reports whether name is an IPv4 address or a hostname of
// RFC 1123: dot-separated labels of letters, digits and inner hyphens, each
// at most 63 characters, 253 in all. A name whose last label is numeric must
// be a valid IPv4 address, so "300.1.1.1" is refused.
func validHostname(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	last := name
	for rest := name; ; {
		label, after, more := strings.Cut(rest, ".")
		if !validLabel(label) {
			return false
		}
		if !more {
			last = label
			break
		}
		rest = after
	}
	if allDigits(last) {
		addr, err := netip.ParseAddr(name)
		return err == nil && addr.Is4()
	}
	return true
}

func validLabel(label string) bool {
	if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
		return false
	}
	for i := 0; i < len(label); i++ {
		c := label[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
