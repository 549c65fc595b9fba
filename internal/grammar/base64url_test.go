package grammar

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// A token of the form "<claims>.<signature>", each part unpadded base64url,
// as a token server signs it.
const (
	tokenClaims    = "eyJpc3MiOiJyZWdpc3RyeXRlc3QiLCJzdWIiOiJhbGljZSJ9" // 36 bytes: no spare bits
	tokenSignature = "x5MDbg0jRAZ-u1mSl5N4Xq2Oe0TWQVcAjRq6jy0XEHI"      // 32 bytes: 2 spare bits
	tokenShort     = "YWI"                                              // 2 bytes: 2 spare bits
	tokenTiny      = "YQ"                                               // 1 byte: 4 spare bits
)

func TestDecodeBase64URLAcceptsCanonical(t *testing.T) {
	for _, s := range []string{"", tokenClaims, tokenSignature, tokenShort, tokenTiny, "_-8"} {
		want, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("%q: the lenient decoder refuses it: %v", s, err)
		}
		got, err := DecodeBase64URL(s)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("DecodeBase64URL(%q) = %x, %v; want %x", s, got, err, want)
		}
		if base64.RawURLEncoding.EncodeToString(got) != s {
			t.Errorf("%q is not the encoding of what it decodes to", s)
		}
	}
}

// Every other spelling of the same bytes is refused: a last character that
// differs only in the spare bits, padding, line breaks, and the characters
// of the standard alphabet.
func TestDecodeBase64URLRefusesOtherSpellings(t *testing.T) {
	var others []string
	// The last character of each part, changed to every character that
	// the lenient decoder reads as the same bytes.
	for _, s := range []string{tokenSignature, tokenShort, tokenTiny} {
		want, _ := base64.RawURLEncoding.DecodeString(s)
		const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
		n := 0
		for _, c := range alphabet {
			other := s[:len(s)-1] + string(c)
			if other == s {
				continue
			}
			if got, err := base64.RawURLEncoding.DecodeString(other); err == nil && bytes.Equal(got, want) {
				others = append(others, other)
				n++
			}
		}
		if n == 0 {
			t.Fatalf("%q: no other spelling found, the test tests nothing", s)
		}
	}
	others = append(others,
		tokenShort+"=",
		tokenTiny+"==",
		tokenClaims[:8]+"\n"+tokenClaims[8:],
		tokenClaims[:8]+"\r\n"+tokenClaims[8:],
		tokenClaims+"\n",
		"/+8", // the standard alphabet's spelling of "_-8"
		" "+tokenClaims,
		tokenClaims+".",
		"Y", // a lone final character holds no whole byte
	)
	for _, s := range others {
		if got, err := DecodeBase64URL(s); err == nil {
			t.Errorf("DecodeBase64URL(%q) = %x, want an error", s, got)
		}
	}
}
