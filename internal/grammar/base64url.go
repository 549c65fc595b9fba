package grammar

import (
	"encoding/base64"
	"errors"
)

// errNotBase64URL is the error of DecodeBase64URL.
var errNotBase64URL = errors.New("not canonical unpadded base64url")

// canonicalBase64URL is unpadded base64url that refuses non-zero bits
// after the last whole byte, so that no two strings decode to the same
// bytes. It still skips CR and LF, which DecodeBase64URL refuses first.
var canonicalBase64URL = base64.RawURLEncoding.Strict()

// DecodeBase64URL decodes s, which must be the one spelling of its bytes in
// unpadded base64url (RFC 4648, section 5): only the characters A-Z, a-z,
// 0-9, '-' and '_', no padding, no line breaks, and zero bits after the
// last whole byte. Every part of a signed token is read with it, so that a
// token has exactly one accepted form and anything keyed on the token
// string sees the same key for the same token. The lenient decoders accept
// up to four final characters for the same bytes ("...I", "...J", "...K",
// "...L"), padding and line breaks.
func DecodeBase64URL(s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !IsAlnum(c) && c != '-' && c != '_' {
			return nil, errNotBase64URL
		}
	}
	b, err := canonicalBase64URL.DecodeString(s)
	if err != nil {
		return nil, errNotBase64URL
	}
	return b, nil
}
