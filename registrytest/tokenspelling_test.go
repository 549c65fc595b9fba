package registrytest

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
)

// TestTokenHasOneSpelling changes the last character of each part of a
// token to every other character that a lenient base64url decoder reads as
// the same bytes: the registry accepts the token as issued and refuses each
// respelling, so that anything keyed by the token string sees one string a
// token.
func TestTokenHasOneSpelling(t *testing.T) {
	reg := New(Options{Auth: Auth{Mode: AuthToken, Users: testUsers}})
	token, res := tokenFor(t, reg, basic("alice", "s3cret"), "repository:a:pull")
	if res.status != 200 {
		t.Fatalf("token: status %d", res.status)
	}
	if r := authCall(t, reg, "GET", "/v2/", "Bearer "+token, nil); r.status != 200 {
		t.Fatalf("the token as issued: status %d, want 200", r.status)
	}
	body, sig, ok := strings.Cut(token, ".")
	if !ok {
		t.Fatalf("token %q has no signature part", token)
	}
	tests := []struct {
		name    string
		part    string
		respell func(string) string
	}{
		{"payload", body, func(s string) string { return s + "." + sig }},
		{"signature", sig, func(s string) string { return body + "." + s }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := base64.RawURLEncoding.DecodeString(tt.part)
			if err != nil {
				t.Fatalf("part does not decode: %v", err)
			}
			respellings := 0
			for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
				other := tt.part[:len(tt.part)-1] + string(c)
				if other == tt.part {
					continue
				}
				if got, err := base64.RawURLEncoding.DecodeString(other); err != nil || !bytes.Equal(got, want) {
					continue
				}
				respellings++
				if r := authCall(t, reg, "GET", "/v2/", "Bearer "+tt.respell(other), nil); r.status != 401 {
					t.Errorf("last character %q for %q: status %d, want 401", c, tt.part[len(tt.part)-1:], r.status)
				}
			}
			// A part whose length is a multiple of four has no spare
			// bits; the registry's parts (32-byte signatures, JSON
			// payloads) have them, and the test must try some.
			if respellings == 0 && len(tt.part)%4 != 0 {
				t.Fatalf("no respelling of %q found: the test tried nothing", tt.part)
			}
		})
	}
}
