package forwarded

import (
	"net/http"
	"net/netip"
	"strings"

	"github.com/regapi/regapi/internal/grammar"
)

// Proxies append to forwarding headers: each one adds what it saw to the
// right of what it received (RFC 7239 section 4; nginx, HAProxy and Go's
// httputil.ReverseProxy do the same with X-Forwarded-For). The left-most
// values are therefore the ones the client wrote, and only a walk from the
// right, hop by hop, can tell which values trusted proxies wrote.
//
// The walk: all field lines of a header are one list, joined in order. The
// right-most value was appended by the peer, the party whose address the
// connection shows, and is believed when that address is trusted. The value
// to its left was appended by the party whose address the peer recorded
// (the for= of the peer's Forwarded element, or the right-most
// X-Forwarded-For entry), and is believed only when that address is
// trusted too; and so on leftwards. The walk stops at the first value it
// may not believe, and also, keeping what it believed so far, where it
// cannot tell who wrote what lies further left:
//
//   - a Forwarded element that does not parse, or that repeats one of the
//     parameters for, proto and host (which one would count is unclear);
//   - a Forwarded element without for=, including an empty list element,
//     or whose for= is not an IP address ("unknown", an obfuscated
//     "_name", anything else);
//   - an X-Forwarded-For list that has no entry left, or whose entry is
//     empty or not an IP address.
//
// Of the believed values, the left-most well-formed scheme and the
// left-most well-formed host are taken: they are the nearest to the client,
// so they name the URL the client used. A believed value that is malformed
// (a scheme other than http or https, a host grammar.IsHost refuses) is
// skipped on its own; the walk goes on.
//
// X-Forwarded-Proto and X-Forwarded-Host are lists of their own, aligned
// with X-Forwarded-For from the right: the i-th entry from the right of each
// list was appended by the same hop. A list shorter than the others has no
// value for the hops beyond its length (a proxy that sets X-Forwarded-Host
// rather than appending to it leaves one entry, which belongs to the nearest
// hop); entries of a list longer than the chain of trusted addresses are
// never reached. Empty entries keep their place, so that one missing value
// cannot shift the others onto the wrong hop: an empty proto or host carries
// no value, and an empty X-Forwarded-For entry stops the walk.
//
// The walk believes what trusted proxies wrote, and relies on each of them
// setting or appending every header it is trusted for: a header a trusted
// proxy passes on untouched holds what the client wrote.

// Family names the forwarding headers a walk reads.
type Family uint8

const (
	// Either reads Forwarded when the request has a Forwarded field that
	// is not blank, and X-Forwarded-* otherwise.
	Either Family = iota
	// OnlyForwarded reads Forwarded and ignores X-Forwarded-*.
	OnlyForwarded
	// OnlyXForwarded reads X-Forwarded-For, X-Forwarded-Proto and
	// X-Forwarded-Host, and ignores Forwarded.
	OnlyXForwarded
)

// Origin returns the scheme and host that the trusted proxies in front of
// a request forwarded, each empty when none did: the left-most well-formed
// value that the walk from peer, the request's peer address, believes. A
// peer outside trusted, an invalid peer, and a family not listed above
// believe nothing. Origin allocates only to undo escapes in quoted
// Forwarded values.
func Origin(h http.Header, peer netip.Addr, trusted []netip.Prefix, family Family) (scheme, host string) {
	if !isTrusted(peer, trusted) {
		return "", ""
	}
	// The names are written in canonical form, so indexing the map
	// finds what h.Values would, without canonicalizing them each time.
	switch family {
	case Either:
		if lines := h["Forwarded"]; hasContent(lines) {
			return forwardedChain(lines, trusted)
		}
		return xForwardedChain(h, trusted)
	case OnlyForwarded:
		return forwardedChain(h["Forwarded"], trusted)
	case OnlyXForwarded:
		return xForwardedChain(h, trusted)
	}
	return "", ""
}

// isTrusted reports whether addr, unmapped and without its zone, lies in
// one of the valid prefixes.
func isTrusted(addr netip.Addr, trusted []netip.Prefix) bool {
	if !addr.IsValid() {
		return false
	}
	addr = addr.WithZone("").Unmap()
	for _, p := range trusted {
		if p.IsValid() && p.Contains(addr) {
			return true
		}
	}
	return false
}

// hasContent reports whether one of the field lines has more than white
// space in it.
func hasContent(lines []string) bool {
	for _, v := range lines {
		if trimOWS(v) != "" {
			return true
		}
	}
	return false
}

// forwardedChain walks the Forwarded elements of lines. The elements are
// read from the left, as quoted strings can only be told apart that way,
// while the walk goes from the right: an element is believed when every
// element to its right parses and names a trusted for=. So the scheme and
// host found so far are the left-most of a run of elements that may still
// be believed, and an element that breaks the chain starts the run again.
func forwardedChain(lines []string, trusted []netip.Prefix) (scheme, host string) {
	var e chainElement
	for _, line := range lines {
		for rest, more := line, true; more; {
			var text string
			text, rest, more = cutElement(rest)
			if !parseChainElement(text, &e) {
				// Nothing at or left of this element can be attributed.
				scheme, host = "", ""
				continue
			}
			if (scheme != "" || host != "") && !e.forTrusted(trusted) {
				// The values to the left were written by a party
				// not trusted, or not known. (With none found, the
				// address need not be read.)
				scheme, host = "", ""
			}
			if scheme == "" && e.proto.set {
				scheme, _ = Scheme(e.proto.text())
			}
			if host == "" && e.host.set {
				if v := e.host.text(); grammar.IsHost(v) {
					host = v
				}
			}
		}
	}
	return scheme, host
}

// cutElement splits a Forwarded list at its first comma outside a quoted
// string, and reports whether there was one. Inside a quoted string a
// backslash escapes the next byte. It splits any input, well-formed or not;
// an element cut from a malformed list fails to parse on its own.
func cutElement(s string) (elem, rest string, more bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		if !listSpecial[s[i]] {
			continue // most bytes: skipped with one look-up
		}
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case c == ',' && !quoted:
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// listSpecial marks the bytes cutElement looks at.
var listSpecial = [256]bool{'"': true, ',': true, '\\': true}

// chainValue is a parameter value of a Forwarded element, as sent.
type chainValue struct {
	value  string // a token, or the inside of a quoted string
	quoted bool
	set    bool
}

// text returns the value with the escapes of a quoted string undone.
func (v chainValue) text() string {
	return forwardedParam{value: v.value, quoted: v.quoted}.text()
}

// chainElement holds the parameters of a Forwarded element that the walk
// reads.
type chainElement struct {
	forNode, proto, host chainValue
}

// parseChainElement parses one Forwarded element, cut by cutElement, into
// e. It refuses an element the scanner refuses, and one that gives for,
// proto or host twice: RFC 7239 allows each parameter once, and which of
// two values a proxy meant cannot be known.
func parseChainElement(text string, e *chainElement) bool {
	*e = chainElement{}
	s := newForwardedScanner(text)
	for {
		p, more, err := s.next()
		if err != nil {
			return false
		}
		if !more {
			// cutElement leaves no comma outside quotes, so the
			// scanner ends the element only at the end of text.
			return s.rest == ""
		}
		var v *chainValue
		switch {
		case paramIs(p.name, "for"):
			v = &e.forNode
		case paramIs(p.name, "proto"):
			v = &e.proto
		case paramIs(p.name, "host"):
			v = &e.host
		default:
			continue
		}
		if v.set {
			return false
		}
		*v = chainValue{value: p.value, quoted: p.quoted, set: true}
	}
}

// paramIs reports whether the parameter name is want, an ASCII lower-case
// name, in any case. Equal lengths keep non-ASCII runes that fold to ASCII
// letters (the long s, the Kelvin sign) from matching.
func paramIs(name, want string) bool {
	return len(name) == len(want) && strings.EqualFold(name, want)
}

// forTrusted reports whether the element's for= names a trusted address.
func (e *chainElement) forTrusted(trusted []netip.Prefix) bool {
	if !e.forNode.set {
		return false
	}
	addr, ok := ParseAddr(e.forNode.text())
	return ok && isTrusted(addr, trusted)
}

// xForwardedChain walks X-Forwarded-For from the right, reading
// X-Forwarded-Proto and X-Forwarded-Host from the right in step.
func xForwardedChain(h http.Header, trusted []netip.Prefix) (scheme, host string) {
	fors := listFromRight{lines: h["X-Forwarded-For"]}
	protos := listFromRight{lines: h["X-Forwarded-Proto"]}
	hosts := listFromRight{lines: h["X-Forwarded-Host"]}
	for {
		// The hop at hand is believed: its values, when it has
		// well-formed ones, are further left than any taken so far.
		if v, ok := protos.next(); ok {
			if s, valid := Scheme(v); valid {
				scheme = s
			}
		}
		if v, ok := hosts.next(); ok && grammar.IsHost(v) {
			host = v
		}
		if protos.done() && hosts.done() {
			return scheme, host // no hop further left has a value
		}
		// The hop to the left is believed if this one recorded a
		// trusted address for it.
		v, ok := fors.next()
		if !ok {
			return scheme, host
		}
		if addr, ok := ParseAddr(v); !ok || !isTrusted(addr, trusted) {
			return scheme, host
		}
	}
}

// listFromRight yields the comma-separated entries of a header's field
// lines from the right-most, with optional white space trimmed. An empty
// field line is one empty entry, as it is in the joined list.
type listFromRight struct {
	lines  []string // the field lines not yet started
	line   string   // what is left of the line being read
	inLine bool
}

// done reports whether every entry has been read.
func (l *listFromRight) done() bool {
	return !l.inLine && len(l.lines) == 0
}

func (l *listFromRight) next() (string, bool) {
	if !l.inLine {
		if len(l.lines) == 0 {
			return "", false
		}
		l.line, l.lines = l.lines[len(l.lines)-1], l.lines[:len(l.lines)-1]
		l.inLine = true
	}
	entry := l.line
	if i := strings.LastIndexByte(l.line, ','); i >= 0 {
		entry, l.line = l.line[i+1:], l.line[:i]
	} else {
		l.inLine = false
	}
	return trimOWS(entry), true
}

// trimOWS drops the spaces and tabs HTTP allows around list entries.
func trimOWS(s string) string {
	for s != "" && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for s != "" && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t') {
		s = s[:len(s)-1]
	}
	return s
}

// ParseAddr reads the address of a node as the for= parameter of
// Forwarded (RFC 7239 section 6), an X-Forwarded-For entry or
// http.Request.RemoteAddr writes it: an IPv4 address, or an IPv6 address in
// brackets or bare, with an optional port (digits, or an obfuscated
// "_name"); a port after a bare IPv6 address cannot be told from the
// address and is not read. The address is returned without its zone and,
// when IPv4-mapped, as the IPv4 address, so that it compares with prefixes
// as the peer it names. Anything else ("unknown", an obfuscated node name,
// a host name) is refused.
func ParseAddr(s string) (netip.Addr, bool) {
	var addr netip.Addr
	var ok bool
	switch colon := strings.IndexByte(s, ':'); {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return netip.Addr{}, false
		}
		if rest := s[end+1:]; rest != "" && (rest[0] != ':' || !isNodePort(rest[1:])) {
			return netip.Addr{}, false
		}
		addr, ok = parseIP(s[1:end])
		ok = ok && addr.Is6()
	case colon >= 0 && strings.IndexByte(s[colon+1:], ':') < 0:
		// One colon: an IPv4 address and a port.
		if !isNodePort(s[colon+1:]) {
			return netip.Addr{}, false
		}
		addr, ok = parseIP(s[:colon])
		ok = ok && addr.Is4()
	default:
		addr, ok = parseIP(s)
	}
	if !ok {
		return netip.Addr{}, false
	}
	return addr.WithZone("").Unmap(), true
}

// parseIP parses an IP address. Values that cannot be one, such as
// "unknown" and "_hidden", are refused before netip is asked, whose error
// would be allocated on every request carrying them.
func parseIP(s string) (netip.Addr, bool) {
	if s == "" || !(isHexDigit(s[0]) || s[0] == ':') {
		return netip.Addr{}, false
	}
	addr, err := netip.ParseAddr(s)
	return addr, err == nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isNodePort reports whether p is a node-port of RFC 7239: one to five
// digits, or "_" and letters, digits, ".", "_" and "-".
func isNodePort(p string) bool {
	if p == "" {
		return false
	}
	if p[0] == '_' {
		if len(p) == 1 {
			return false
		}
		for i := 1; i < len(p); i++ {
			if c := p[i]; !grammar.IsAlnum(c) && c != '.' && c != '_' && c != '-' {
				return false
			}
		}
		return true
	}
	return len(p) <= 5 && grammar.IsDigits(p)
}
