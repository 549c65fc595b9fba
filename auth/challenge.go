package auth

import (
	"net/http"
	"sort"
	"strings"

	"github.com/regapi/regapi/internal/grammar"
)

// Challenge is one authentication challenge of a WWW-Authenticate header:
// a scheme with either a token68 or parameters.
type Challenge struct {
	// Scheme is the authentication scheme: "Basic" and "Bearer" in that
	// case whatever case the server sent, other schemes as sent.
	Scheme string

	// Token68 is the token68 form of the challenge's data, as in
	// "Newauth abc==", or empty. A challenge has a token68 or parameters,
	// never both.
	Token68 string

	// Params holds the parameters by lower-case name: "realm", "service",
	// "scope", "error" and so on.
	Params map[string]string
}

// The limits ParseChallenges puts on a response, so that a forged header
// cannot make a client hold or scan more than a registry could need.
const (
	// maxChallenges is the most challenges ParseChallenges returns; the
	// rest of the header is not read.
	maxChallenges = 16

	// maxParams is the most parameters a challenge may have: a challenge
	// with more is dropped.
	maxParams = 32
)

// ParseChallenges reads the challenges of every WWW-Authenticate field of
// h, in order. A field may hold several challenges separated by commas
// (RFC 7235), and the field may repeat.
//
// The grammar is RFC 7235's, with the leniencies registries need: scheme
// and parameter names are compared without regard to case (so "BASIC"
// gives Scheme "Basic"), a quoted value may escape any byte with a
// backslash ("he\"\l\lo" is he"llo), and an unquoted value runs to the next
// comma, space or tab, so that realm=https://x/y and service=gcr.io are
// read whole although neither is an RFC token. A scheme without data, as in
// a bare "Basic", is a challenge without parameters.
//
// A challenge with a parameter that does not parse (an unclosed quote, a
// missing comma, an unquoted value holding a quote or a control character,
// or an empty unquoted value) is dropped whole rather than returned with
// what precedes the fault, so that a realm or scope is never returned cut
// short; the challenges after it in the field are still returned when a
// comma outside quotes delimits them. A parameter given twice keeps its
// first value. A quoted empty value, scope="", is the same as no
// parameter: it carries nothing, and Challenge.String never writes one.
// Parameters outside any challenge are ignored.
//
// At most 16 challenges are returned, and a challenge with more than 32
// parameters is dropped: no registry sends so many, and a response cannot
// make the parser hold more.
func ParseChallenges(h http.Header) []Challenge {
	var out []Challenge
	for _, field := range h.Values("WWW-Authenticate") {
		out = parseChallengeField(field, out)
		if len(out) >= maxChallenges {
			return out[:maxChallenges]
		}
	}
	return out
}

// challengeParser reads the challenges of one field value.
type challengeParser struct {
	s   string
	pos int
}

// parseChallengeField appends the challenges of one WWW-Authenticate field
// value to out.
func parseChallengeField(field string, out []Challenge) []Challenge {
	p := &challengeParser{s: field}
	var cur *Challenge // the challenge whose parameters are being read
	broken := false    // cur is being dropped
	finish := func() {
		if cur != nil && !broken {
			out = append(out, *cur)
		}
		cur, broken = nil, false
	}
	for {
		p.skipSeparators()
		if p.pos == len(p.s) || len(out) >= maxChallenges {
			break
		}
		if p.atParam() {
			// A parameter of the current challenge, or of none.
			name, value, ok := p.param()
			switch {
			case !ok:
				broken = true
				p.skipElement()
			case cur == nil || broken || cur.Token68 != "":
				// Nothing to attach it to: no challenge, one being
				// dropped, or one whose data is a token68.
			case len(cur.Params) >= maxParams:
				broken = true
			default:
				if _, seen := cur.Params[name]; !seen {
					cur.Params[name] = value
				}
			}
			if !ok || p.endOfElement() {
				continue
			}
			broken = true // a value followed by something other than a comma
			p.skipElement()
			continue
		}
		// A new challenge starts here.
		finish()
		scheme := p.token()
		if scheme == "" {
			// Neither a parameter nor a scheme: skip to the next comma.
			p.skipElement()
			continue
		}
		cur = &Challenge{Scheme: canonicalScheme(scheme), Params: map[string]string{}}
		if p.skipSpaces() == 0 || p.endOfElement() {
			// A scheme alone, or followed by a comma.
			if !p.endOfElement() {
				broken = true
				p.skipElement()
			}
			continue
		}
		if t68, ok := p.token68(); ok {
			cur.Token68 = t68
			if !p.endOfElement() {
				broken = true
				p.skipElement()
			}
			continue
		}
		if !p.atParam() {
			broken = true
			p.skipElement()
		}
		// The loop reads the first parameter.
	}
	finish()
	for i := range out {
		// Empty values were stored to keep later repeats out; drop them.
		for k, v := range out[i].Params {
			if v == "" {
				delete(out[i].Params, k)
			}
		}
	}
	return out
}

// canonicalScheme returns "Basic" or "Bearer" for those schemes in any
// case, and other schemes unchanged.
func canonicalScheme(s string) string {
	switch {
	case strings.EqualFold(s, "Basic"):
		return "Basic"
	case strings.EqualFold(s, "Bearer"):
		return "Bearer"
	}
	return s
}

// isToken68Char reports whether c may appear in a token68 before its
// padding.
func isToken68Char(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-._~+/", c) >= 0
}

// skipSpaces skips spaces and tabs and reports how many it skipped.
func (p *challengeParser) skipSpaces() int {
	start := p.pos
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t') {
		p.pos++
	}
	return p.pos - start
}

// skipSeparators skips white space and commas: empty list elements.
func (p *challengeParser) skipSeparators() {
	for p.pos < len(p.s) && (p.s[p.pos] == ' ' || p.s[p.pos] == '\t' || p.s[p.pos] == ',') {
		p.pos++
	}
}

// endOfElement skips white space and reports whether the element ends
// there, at a comma or at the end of the field. The comma is left for
// skipSeparators.
func (p *challengeParser) endOfElement() bool {
	p.skipSpaces()
	return p.pos == len(p.s) || p.s[p.pos] == ','
}

// skipElement skips to the next comma outside a quoted string, or to the
// end of the field.
func (p *challengeParser) skipElement() {
	for p.pos < len(p.s) {
		switch p.s[p.pos] {
		case ',':
			return
		case '"':
			p.pos++
			for p.pos < len(p.s) && p.s[p.pos] != '"' {
				if p.s[p.pos] == '\\' {
					p.pos++
				}
				p.pos++
			}
		}
		p.pos++
	}
	p.pos = len(p.s)
}

// token reads an RFC 7230 token, or returns "" leaving the position.
func (p *challengeParser) token() string {
	start := p.pos
	for p.pos < len(p.s) && grammar.IsTokenChar(p.s[p.pos]) {
		p.pos++
	}
	return p.s[start:p.pos]
}

// atParam reports, without moving, whether a parameter starts here: a
// token followed by optional white space and "=".
func (p *challengeParser) atParam() bool {
	i := p.pos
	for i < len(p.s) && grammar.IsTokenChar(p.s[i]) {
		i++
	}
	if i == p.pos {
		return false
	}
	for i < len(p.s) && (p.s[i] == ' ' || p.s[i] == '\t') {
		i++
	}
	return i < len(p.s) && p.s[i] == '='
}

// token68 reads a token68 when the rest of the element is one: its
// characters, its padding, then the end of the element, which must not be
// followed by a parameter. Otherwise it leaves the position and reports
// false, as for "realm=x", a parameter.
func (p *challengeParser) token68() (string, bool) {
	i := p.pos
	for i < len(p.s) && isToken68Char(p.s[i]) {
		i++
	}
	if i == p.pos {
		return "", false
	}
	for i < len(p.s) && p.s[i] == '=' {
		i++
	}
	end := i
	for i < len(p.s) && (p.s[i] == ' ' || p.s[i] == '\t') {
		i++
	}
	if i < len(p.s) && p.s[i] != ',' {
		return "", false
	}
	// A parameter in the next element means the challenge has
	// parameters: "realm=,service=x" is an empty realm, not the token68
	// "realm=".
	next := challengeParser{s: p.s, pos: i}
	next.skipSeparators()
	if next.atParam() {
		return "", false
	}
	t := p.s[p.pos:end]
	p.pos = end
	return t, true
}

// param reads name BWS "=" BWS value, where atParam reported a parameter.
// The name is lower-cased. It reports false when the value does not parse.
func (p *challengeParser) param() (name, value string, ok bool) {
	name = strings.ToLower(p.token())
	p.skipSpaces()
	p.pos++ // "="
	p.skipSpaces()
	if p.pos < len(p.s) && p.s[p.pos] == '"' {
		open := p.pos
		if value, ok = p.quoted(); !ok {
			p.pos = open // skipElement then steps over the whole string
		}
		return name, value, ok
	}
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == ',' || c == ' ' || c == '\t' {
			break
		}
		if c == '"' || c < 0x20 || c == 0x7f {
			return name, "", false
		}
		p.pos++
	}
	if p.pos == start {
		return name, "", false
	}
	return name, p.s[start:p.pos], true
}

// quoted reads a quoted string at the position, undoing its escapes: a
// backslash makes the next byte literal, whatever it is. A control
// character other than tab, an unclosed quote or a final backslash fails.
func (p *challengeParser) quoted() (string, bool) {
	p.pos++ // the opening quote
	start := p.pos
	// Without escapes the value is a substring of the field.
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '"' {
			v := p.s[start:p.pos]
			p.pos++
			return v, true
		}
		if c == '\\' {
			break
		}
		if c < 0x20 && c != '\t' || c == 0x7f {
			return "", false
		}
		p.pos++
	}
	var b strings.Builder
	b.WriteString(p.s[start:p.pos])
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		switch {
		case c == '"':
			p.pos++
			return b.String(), true
		case c == '\\':
			p.pos++
			if p.pos == len(p.s) {
				return "", false
			}
			c = p.s[p.pos]
			if c < 0x20 && c != '\t' || c == 0x7f {
				return "", false
			}
		case c < 0x20 && c != '\t' || c == 0x7f:
			return "", false
		}
		b.WriteByte(c)
		p.pos++
	}
	return "", false
}

// Realm returns the realm parameter: for Bearer, the URL of the token
// server.
func (c Challenge) Realm() string { return c.Params["realm"] }

// Service returns the service parameter, which a client passes on to the
// token server; empty when the challenge has none.
func (c Challenge) Service() string { return c.Params["service"] }

// ErrorParam returns the error parameter of a Bearer challenge, such as
// "invalid_token" or "insufficient_scope", or "" when the challenge has
// none. It is not named Error so that a Challenge is not an error: one
// returned as an error by mistake would not compile, and package fmt
// prints a Challenge with String, in its header form.
func (c Challenge) ErrorParam() string { return c.Params["error"] }

// Scopes returns the resource scopes of the scope parameter, a
// space-separated list. An entry that does not parse is left out and the
// others are returned: a client can ask a token server only for scopes it
// can read, and the rest of the list is still of use. A server that wants
// the malformed entries reads Params["scope"].
//
// A list of more than 1000 entries gives nil: it is refused whole, as a
// token server refuses a request for that many scopes, rather than cut to
// an arbitrary part that the token could not cover anyway. A client then
// asks for the scopes it knows it needs.
func (c Challenge) Scopes() []Scope {
	fields, ok := splitScopes(c.Params["scope"], maxTokenScopes)
	if !ok {
		return nil
	}
	var out []Scope
	for _, f := range fields {
		if s, err := ParseScope(f); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// leadingParams are the parameters String writes first, in this order;
// the others follow sorted by name.
var leadingParams = []string{"realm", "service", "scope", "error", "error_description"}

// String writes the challenge in the form every client parses: the scheme,
// a space, then the parameters as name="value" joined by commas without
// spaces, realm, service, scope, error and error_description first and the
// rest sorted by name, or the token68 when there is one. Names are written
// in lower case. Parameters with an empty value are left out, as are those
// whose name is not an RFC 7230 token or whose value holds a control
// character other than tab, which no quoted string can carry.
//
// It writes one challenge. A server sends each challenge in a
// WWW-Authenticate field of its own (Header.Add), because most clients read
// only one challenge per field, and some only the first field.
func (c Challenge) String() string {
	var b strings.Builder
	b.WriteString(c.Scheme)
	if c.Token68 != "" {
		b.WriteByte(' ')
		b.WriteString(c.Token68)
		return b.String()
	}
	names := make([]string, 0, len(c.Params))
	for k := range c.Params {
		names = append(names, k)
	}
	rank := func(name string) int {
		for i, l := range leadingParams {
			if name == l {
				return i
			}
		}
		return len(leadingParams)
	}
	sort.Slice(names, func(i, j int) bool {
		li, lj := strings.ToLower(names[i]), strings.ToLower(names[j])
		if ri, rj := rank(li), rank(lj); ri != rj {
			return ri < rj
		}
		if li != lj {
			return li < lj
		}
		return names[i] < names[j]
	})
	written := make(map[string]bool, len(names))
	first := true
	for _, k := range names {
		v := c.Params[k]
		name := strings.ToLower(k)
		if v == "" || name == "" || written[name] || !grammar.IsToken(name) || !isQuotable(v) {
			continue
		}
		written[name] = true
		if first {
			b.WriteByte(' ')
			first = false
		} else {
			b.WriteByte(',')
		}
		b.WriteString(name)
		b.WriteString(`="`)
		for i := 0; i < len(v); i++ {
			if v[i] == '"' || v[i] == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(v[i])
		}
		b.WriteByte('"')
	}
	return b.String()
}

// isQuotable reports whether a quoted string can carry s: no control
// character but tab.
func isQuotable(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
