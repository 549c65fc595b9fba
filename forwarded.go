package regapi

import (
	"fmt"
	"strings"
	"unicode"
)

// parseForwardedHeader reads the first element of a Forwarded header
// (RFC 7239): the parameters set by the proxy nearest the client. It returns
// them with lower-cased names, and the input that follows the element.
//
// The grammar is RFC 7230's: parameters are token=token or token="quoted
// string" pairs separated by ';', elements are separated by ','. White space
// between items is skipped. A repeated parameter with a token value is an
// error. The parser accepts and refuses exactly what distribution's does, so
// that the same requests produce the same URLs.
func parseForwardedHeader(header string) (map[string]string, string, error) {
	params := map[string]string{}
	rest := header
	pos := func() int { return len(header) - len(rest) }

	expectPair := true   // at the start of the element or after ';'
	elementStart := true // nothing of the element read yet
	for {
		rest = trimSpace(rest)
		if rest == "" {
			return params, rest, nil
		}
		if !expectPair {
			switch rest[0] {
			case ';':
				rest = rest[1:]
				expectPair = true
				continue
			case ',':
				return params, rest[1:], nil
			default:
				return nil, rest, fmt.Errorf("expected ',' or ';', not %c at position %d", rest[0], pos())
			}
		}
		if elementStart && rest[0] == ',' {
			// An empty first element.
			return params, rest[1:], nil
		}

		name := leadingToken(rest)
		if name == "" {
			return nil, rest, fmt.Errorf("failed to parse token at position %d", pos())
		}
		rest = trimSpace(rest[len(name):])
		// Lower-case only after slicing: ToLower may change the length of
		// bytes that are not valid UTF-8.
		name = strings.ToLower(name)
		if rest == "" {
			return nil, rest, fmt.Errorf("unexpected end of input")
		}
		if rest[0] != '=' {
			return nil, rest, fmt.Errorf("expected '=', not '%c' at position %d", rest[0], pos())
		}
		rest = trimSpace(rest[1:])
		if rest == "" {
			return nil, rest, fmt.Errorf("unexpected end of input")
		}

		if rest[0] == '"' {
			value, after, err := quotedString(rest[1:])
			if err != nil {
				return nil, after, fmt.Errorf("%s at position %d", err, len(header)-len(after))
			}
			params[name] = value
			rest = after
		} else {
			value := leadingToken(rest)
			if value == "" {
				return nil, rest, fmt.Errorf("failed to parse value at position %d", pos())
			}
			if _, dup := params[name]; dup {
				return nil, rest, fmt.Errorf("duplicate parameter %q at position %d", name, pos())
			}
			params[name] = value
			rest = rest[len(value):]
		}
		expectPair = false
		elementStart = false
	}
}

// trimSpace drops leading Unicode white space.
func trimSpace(s string) string {
	return strings.TrimLeftFunc(s, unicode.IsSpace)
}

// leadingToken returns the longest prefix of s made of RFC 7230 token
// characters: anything but ASCII controls, white space and the separators
// "(),/:;<=>?@[\]{}. Bytes beyond ASCII count as token characters.
func leadingToken(s string) string {
	for i := 0; i < len(s); i++ {
		if !isTokenByte(s[i]) {
			return s[:i]
		}
	}
	return s
}

func isTokenByte(c byte) bool {
	if c < 0x21 || c == 0x7f {
		return false // controls and space
	}
	return !strings.ContainsRune(`"(),/:;<=>?@[\]{}`, rune(c))
}

// quotedString reads a quoted string whose opening quote is already
// consumed. It returns the unescaped value and the input after the closing
// quote. A backslash escapes one printable ASCII character, space or tab.
func quotedString(s string) (string, string, error) {
	var b strings.Builder
	for {
		i := strings.IndexAny(s, `\"`)
		if i < 0 {
			return "", "", fmt.Errorf("unterminated quoted string")
		}
		b.WriteString(s[:i])
		if s[i] == '"' {
			return b.String(), s[i+1:], nil
		}
		s = s[i+1:]
		if s == "" || !isEscapable(s[0]) {
			if s == "" {
				return "", s, fmt.Errorf("unterminated quoted string")
			}
			return "", s, fmt.Errorf("invalid escape sequence")
		}
		b.WriteByte(s[0])
		s = s[1:]
	}
}

// isEscapable reports whether c may follow a backslash in a quoted string.
func isEscapable(c byte) bool {
	return c == ' ' || c == '\t' || (c >= '!' && c <= '~')
}
