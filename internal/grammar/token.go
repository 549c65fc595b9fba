package grammar

// IsTokenChar reports whether c may appear in an HTTP token (RFC 9110,
// section 5.6.2): letters, digits and !#$%&'*+-.^_`|~. Header field names,
// methods, authentication schemes and parameter names are tokens.
func IsTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	switch c {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// IsToken reports whether s is an HTTP token: one or more token
// characters.
func IsToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if !IsTokenChar(s[i]) {
			return false
		}
	}
	return s != ""
}
