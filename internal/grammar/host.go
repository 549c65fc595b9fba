package grammar

import (
	"net/netip"
	"net/url"
	"strconv"
	"strings"
)

// IsHost reports whether host may be the authority of a registry URL: a DNS
// hostname or an IPv4 address, or an IPv6 address in brackets without a
// zone, optionally followed by ":" and a port from 1 to 65535. User info,
// paths, queries, fragments, quotes, spaces, control characters and
// anything else are refused. Every host the module writes into a URL, from
// a forwarding header or a request's Host, passes this one check.
func IsHost(host string) bool {
	if host == "" || len(host) > 261 { // 253 for the name, 6 for ":65535", 2 for brackets
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
		if !IsHostname(name) {
			return false
		}
	}
	if port != "" {
		return IsPort(port[1:])
	}
	return true
}

// IsPort reports whether p is a decimal port number from 1 to 65535.
func IsPort(p string) bool {
	if p == "" || len(p) > 5 || !IsDigits(p) {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n >= 1 && n <= 65535
}

// IsHostname reports whether name is an IPv4 address or a hostname of
// RFC 1123: dot-separated labels of letters, digits and inner hyphens, each
// at most 63 characters, 253 in all. A name whose last label is a number,
// decimal or hexadecimal with 0x as the URL standard reads it, must be an
// IPv4 address in dotted decimal, so "300.1.1.1", "0x7f000001" and
// "0x7f.0.0.0x1" are refused: the resolver and URL parsers take the last
// two for 127.0.0.1, which a check of the name would not see.
func IsHostname(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	last := name
	for rest := name; ; {
		label, after, more := strings.Cut(rest, ".")
		if !isHostLabel(label) {
			return false
		}
		if !more {
			last = label
			break
		}
		rest = after
	}
	if IsDigits(last) || isHexNumber(last) {
		addr, err := netip.ParseAddr(name)
		return err == nil && addr.Is4()
	}
	return true
}

// isHexNumber reports whether label is "0x" or "0X" followed by hex digits
// or nothing, a number in the URL standard's IPv4 parser.
func isHexNumber(label string) bool {
	if len(label) < 2 || label[0] != '0' || label[1] != 'x' && label[1] != 'X' {
		return false
	}
	for i := 2; i < len(label); i++ {
		if c := label[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

func isHostLabel(label string) bool {
	if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
		return false
	}
	for i := 0; i < len(label); i++ {
		if c := label[i]; !IsAlnum(c) && c != '-' {
			return false
		}
	}
	return true
}

// SameHostPort reports whether a and b name the same host and port, the
// default port of their schemes standing in for an absent one. Host names
// compare without regard to case, and an IPv4 address equals its IPv6
// mapped form. The scheme itself is not compared.
func SameHostPort(a, b *url.URL) bool {
	if PortOf(a.Port(), a.Scheme) != PortOf(b.Port(), b.Scheme) {
		return false
	}
	ha, hb := a.Hostname(), b.Hostname()
	ia, errA := netip.ParseAddr(ha)
	ib, errB := netip.ParseAddr(hb)
	if errA == nil && errB == nil {
		return ia.Unmap() == ib.Unmap()
	}
	return errA != nil && errB != nil && strings.EqualFold(ha, hb)
}

// PortOf returns port, or the default port of scheme when it is empty.
func PortOf(port, scheme string) string {
	if port != "" {
		return port
	}
	if strings.EqualFold(scheme, "http") {
		return "80"
	}
	return "443"
}
