// Package grammar holds the grammar of the registry API's names and values
// that the root package and its satellites share: one recogniser for each
// path variable (repository name, tag, digest, upload id), the OCI
// repository grammar the test registry enforces, the host check every
// URL authority goes through, and the one accepted spelling of the
// base64url parts of a signed token.
package grammar

import "strings"

// Hand-written recognisers for the patterns of the route variables. Each
// reports whether its whole argument matches the pattern, exactly as the
// anchored regular expression would: the patterns hold only ASCII, so a byte
// outside them (including any byte of a multi-byte or invalid UTF-8
// sequence) is a mismatch, as it is for the regexp engine. The tests compare
// them with the regular expressions of distribution/reference and go-digest.

// isLowerAlnum reports whether c is in [a-z0-9].
func isLowerAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9'
}

// IsAlnum reports whether c is in [a-zA-Z0-9].
func IsAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// isWord reports whether c is in \w, which is ASCII-only in Go: [0-9A-Za-z_].
func isWord(c byte) bool {
	return IsAlnum(c) || c == '_'
}

// IsDigits reports whether s is [0-9]+.
func IsDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// IsPathComponent reports whether s is one component of a repository path:
// [a-z0-9]+ runs joined by one of the separators ".", "_", "__" or a run of
// dashes.
func IsPathComponent(s string) bool {
	if s == "" || !isLowerAlnum(s[0]) {
		return false
	}
	for i := 1; i < len(s); {
		switch s[i] {
		case '.':
			i++
		case '_':
			i++
			if i < len(s) && s[i] == '_' {
				i++
			}
		case '-':
			for i < len(s) && s[i] == '-' {
				i++
			}
		default:
			if !isLowerAlnum(s[i]) {
				return false
			}
			i++
			continue
		}
		// A separator must be followed by an alphanumeric.
		if i == len(s) || !isLowerAlnum(s[i]) {
			return false
		}
		i++
	}
	return true
}

// isDomainLabel reports whether s is one dot-free label of a domain name:
// alphanumerics and dashes, starting and ending with an alphanumeric.
func isDomainLabel(s string) bool {
	if s == "" || !IsAlnum(s[0]) || !IsAlnum(s[len(s)-1]) {
		return false
	}
	for i := 1; i < len(s)-1; i++ {
		if !IsAlnum(s[i]) && s[i] != '-' {
			return false
		}
	}
	return true
}

// isDomainName reports whether s is labels joined by single dots.
func isDomainName(s string) bool {
	for {
		i := strings.IndexByte(s, '.')
		if i < 0 {
			return isDomainLabel(s)
		}
		if !isDomainLabel(s[:i]) {
			return false
		}
		s = s[i+1:]
	}
}

// IsDomainAndPort reports whether s is the domain part of a repository name
// as distribution/reference reads it: a domain name, or an IPv6 address in
// brackets, optionally followed by ":" and a port number.
func IsDomainAndPort(s string) bool {
	var rest string
	if s != "" && s[0] == '[' {
		end := strings.IndexByte(s, ']')
		if end < 2 { // no "]", or "[]"
			return false
		}
		for i := 1; i < end; i++ {
			c := s[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F' || c == ':') {
				return false
			}
		}
		rest = s[end+1:]
	} else {
		host := s
		if i := strings.IndexByte(s, ':'); i >= 0 {
			host, rest = s[:i], s[i:]
		}
		if !isDomainName(host) {
			return false
		}
	}
	return rest == "" || rest[0] == ':' && IsDigits(rest[1:])
}

// IsName reports whether s matches reference.NameRegexp in full: path
// components separated by slashes, optionally led by a domain with a port.
func IsName(s string) bool {
	first, rest, more := strings.Cut(s, "/")
	if !IsPathComponent(first) {
		if !more || !IsDomainAndPort(first) {
			return false
		}
	}
	for more {
		first, rest, more = strings.Cut(rest, "/")
		if !IsPathComponent(first) {
			return false
		}
	}
	return true
}

// IsRemoteName reports whether s is path components separated by slashes,
// the part of a repository name after its domain.
func IsRemoteName(s string) bool {
	for {
		first, rest, more := strings.Cut(s, "/")
		if !IsPathComponent(first) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

// IsTag reports whether s matches reference.TagRegexp in full:
// [\w][\w.-]{0,127}.
func IsTag(s string) bool {
	if s == "" || len(s) > 128 || !isWord(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isWord(c) && c != '.' && c != '-' {
			return false
		}
	}
	return true
}

// IsDigest reports whether s matches go-digest's DigestRegexp in full: an
// algorithm of [a-z0-9]+ runs joined by single [.+_-], a colon, and an
// encoded part of [a-zA-Z0-9=_-]+.
func IsDigest(s string) bool {
	colon := strings.IndexByte(s, ':')
	if colon < 1 || colon == len(s)-1 {
		return false
	}
	alg, enc := s[:colon], s[colon+1:]
	if !isLowerAlnum(alg[0]) || !isLowerAlnum(alg[len(alg)-1]) {
		return false
	}
	for i := 1; i < len(alg)-1; i++ {
		if c := alg[i]; !isLowerAlnum(c) {
			if c != '.' && c != '+' && c != '_' && c != '-' || !isLowerAlnum(alg[i+1]) {
				return false
			}
		}
	}
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !IsAlnum(c) && c != '=' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// IsReference reports whether s is a manifest reference: a tag or a digest.
func IsReference(s string) bool {
	return IsTag(s) || IsDigest(s)
}

// IsUploadUUID reports whether s matches the upload id pattern
// [a-zA-Z0-9-_.=]+.
func IsUploadUUID(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !IsAlnum(c) && c != '-' && c != '_' && c != '.' && c != '=' {
			return false
		}
	}
	return true
}

// Cut is strings.Cut for a single byte, any byte: string(sep) would
// encode one of 0x80 or above as two. Where the separator is ASCII,
// strings.Cut does the same.
func Cut(s string, sep byte) (before, after string, found bool) {
	if i := strings.IndexByte(s, sep); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}
