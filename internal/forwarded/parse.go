// Package forwarded reads the forwarding headers of a request, Forwarded
// (RFC 7239) and X-Forwarded-Proto/X-Forwarded-Host, and decides which of
// their values may become the scheme and host of the URLs a registry hands
// out.
package forwarded

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// FirstOrigin reads the Forwarded header (RFC 7239) as distribution reads
// it: only its first element, the parameters set by the proxy nearest the
// client. The walk of Origin reads every element with the same scanner.
//
// The grammar is RFC 7230's: parameters are token=token or token="quoted
// string" pairs separated by ';', elements are separated by ','. Unicode
// white space between items is skipped. Parameter names are
// case-insensitive. A parameter given again with a token value is an error;
// one given again with a quoted value replaces the earlier value. The parser
// accepts and refuses exactly what distribution's does, so that the same
// requests produce the same URLs.

// forwardedParam is one parameter of a Forwarded element as it was sent.
type forwardedParam struct {
	name   string // as sent, not lower-cased
	value  string // a token, or the inside of a quoted string, escapes kept
	quoted bool
	at     string // the input from the start of the value
}

// forwardedScanner reads the parameters of the first element of a Forwarded
// header one at a time, without allocating.
type forwardedScanner struct {
	header       string
	rest         string // the input not read yet
	expectPair   bool   // at the start of the element or after ';'
	elementStart bool   // nothing of the element read yet
}

func newForwardedScanner(header string) forwardedScanner {
	return forwardedScanner{header: header, rest: header, expectPair: true, elementStart: true}
}

// pos is the position of the unread input, for error texts.
func (s *forwardedScanner) pos() int {
	return len(s.header) - len(s.rest)
}

// next returns the next parameter of the element. At the end of the
// element it returns ok false and s.rest is the input after it (after its
// comma); on an error s.rest is the input where reading stopped.
func (s *forwardedScanner) next() (p forwardedParam, ok bool, err error) {
	for {
		s.rest = trimSpace(s.rest)
		if s.rest == "" {
			return p, false, nil
		}
		if s.expectPair {
			break
		}
		switch s.rest[0] {
		case ';':
			s.rest = s.rest[1:]
			s.expectPair = true
		case ',':
			s.rest = s.rest[1:]
			return p, false, nil
		default:
			return p, false, fmt.Errorf("expected ',' or ';', not %c at position %d", s.rest[0], s.pos())
		}
	}
	if s.elementStart && s.rest[0] == ',' {
		// An empty first element.
		s.rest = s.rest[1:]
		return p, false, nil
	}

	p.name = leadingToken(s.rest)
	if p.name == "" {
		return p, false, fmt.Errorf("failed to parse token at position %d", s.pos())
	}
	s.rest = trimSpace(s.rest[len(p.name):])
	if s.rest == "" {
		return p, false, fmt.Errorf("unexpected end of input")
	}
	if s.rest[0] != '=' {
		return p, false, fmt.Errorf("expected '=', not '%c' at position %d", s.rest[0], s.pos())
	}
	s.rest = trimSpace(s.rest[1:])
	if s.rest == "" {
		return p, false, fmt.Errorf("unexpected end of input")
	}
	p.at = s.rest
	if s.rest[0] == '"' {
		p.quoted = true
		if p.value, s.rest, err = quotedString(s.rest[1:]); err != nil {
			return p, false, fmt.Errorf("%s at position %d", err, s.pos())
		}
	} else {
		p.value = leadingToken(s.rest)
		if p.value == "" {
			return p, false, fmt.Errorf("failed to parse value at position %d", s.pos())
		}
		s.rest = s.rest[len(p.value):]
	}
	s.expectPair = false
	s.elementStart = false
	return p, true, nil
}

// text returns the value of p, with the escapes of a quoted string undone.
func (p forwardedParam) text() string {
	if !p.quoted || strings.IndexByte(p.value, '\\') < 0 {
		return p.value
	}
	var b strings.Builder
	b.Grow(len(p.value))
	for i := 0; i < len(p.value); i++ {
		if p.value[i] == '\\' {
			i++ // quotedString guarantees a character follows
		}
		b.WriteByte(p.value[i])
	}
	return b.String()
}

// ParseElement reads the first element of a Forwarded header. It
// returns its parameters with lower-cased names, and the input that follows
// the element.
func ParseElement(header string) (map[string]string, string, error) {
	params := map[string]string{}
	s := newForwardedScanner(header)
	for {
		p, ok, err := s.next()
		if err != nil {
			return nil, s.rest, err
		}
		if !ok {
			return params, s.rest, nil
		}
		name := strings.ToLower(p.name)
		if !p.quoted {
			if _, dup := params[name]; dup {
				return nil, p.at, fmt.Errorf("duplicate parameter %q at position %d", name, len(header)-len(p.at))
			}
		}
		params[name] = p.text()
	}
}

// forwardedProtoHost returns the proto and host parameters of the first
// element of a Forwarded header (empty when absent), and false when
// ParseElement refuses the header. It does what reading those two
// out of ParseElement's map does, without the map.
func forwardedProtoHost(header string) (proto, host string, ok bool) {
	var seenBuf [16]string
	seen := seenBuf[:0] // the names met so far, as sent
	s := newForwardedScanner(header)
	for {
		p, more, err := s.next()
		if err != nil {
			return "", "", false
		}
		if !more {
			return proto, host, true
		}
		known := false
		for _, name := range seen {
			if lowerEqual(name, p.name) {
				known = true
				break
			}
		}
		if known && !p.quoted {
			return "", "", false // a repeated parameter with a token value
		}
		if !known {
			if len(seen) == len(seenBuf) {
				// Many parameters: comparing each with all would cost
				// more than the map does.
				params, _, err := ParseElement(header)
				return params["proto"], params["host"], err == nil
			}
			seen = append(seen, p.name)
		}
		// Only ASCII letters lower-case to the letters of "proto" and
		// "host", so an ASCII comparison is strings.ToLower's.
		switch {
		case strings.EqualFold(p.name, "proto") && len(p.name) == len("proto"):
			proto = p.text()
		case strings.EqualFold(p.name, "host") && len(p.name) == len("host"):
			host = p.text()
		}
	}
}

// lowerEqual reports whether strings.ToLower(a) == strings.ToLower(b),
// comparing rune by rune: ToLower maps each rune on its own, and each byte
// of invalid UTF-8 to U+FFFD, as ranging over a string does.
func lowerEqual(a, b string) bool {
	for a != "" && b != "" {
		ra, na := utf8.DecodeRuneInString(a)
		rb, nb := utf8.DecodeRuneInString(b)
		if ra != rb && unicode.ToLower(ra) != unicode.ToLower(rb) {
			return false
		}
		a, b = a[na:], b[nb:]
	}
	return a == "" && b == ""
}

// trimSpace drops leading Unicode white space.
func trimSpace(s string) string {
	if s != "" && s[0] > ' ' && s[0] < utf8.RuneSelf {
		return s // the common case: no white space at all
	}
	return strings.TrimLeftFunc(s, unicode.IsSpace)
}

// leadingToken returns the longest prefix of s made of RFC 7230 token
// characters: anything but ASCII controls, white space and the separators
// "(),/:;<=>?@[]{}. A backslash counts as a token character, as it does in
// distribution's parser; so do bytes beyond ASCII.
func leadingToken(s string) string {
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return s[:i]
		}
	}
	return s
}

func isTokenByte(c byte) bool {
	switch c {
	case '"', '(', ')', ',', '/', ':', ';', '<', '=', '>', '?', '@', '[', ']', '{', '}':
		return false
	}
	return c > ' ' && c != 0x7f // not a control or space
}

// quotedString reads a quoted string whose opening quote is already
// consumed. It returns what lies between the quotes, escapes kept, and the
// input after the closing quote. A backslash escapes one printable ASCII
// character, space or tab. On an error the input returned is where reading
// stopped.
func quotedString(s string) (string, string, error) {
	i := 0
	for {
		j := strings.IndexAny(s[i:], `\"`)
		if j < 0 {
			return "", "", fmt.Errorf("unterminated quoted string")
		}
		i += j
		if s[i] == '"' {
			return s[:i], s[i+1:], nil
		}
		i++ // the backslash
		if i == len(s) {
			return "", "", fmt.Errorf("unterminated quoted string")
		}
		if !isEscapable(s[i]) {
			return "", s[i:], fmt.Errorf("invalid escape sequence")
		}
		i++
	}
}

// isEscapable reports whether c may follow a backslash in a quoted string.
func isEscapable(c byte) bool {
	return c == ' ' || c == '\t' || (c >= '!' && c <= '~')
}
