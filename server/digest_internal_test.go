package server

import (
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestParseDigestAgreesWithGoDigest compares parseDigest with digest.Parse,
// which it replaces, on digests of every algorithm and near misses.
func TestParseDigestAgreesWithGoDigest(t *testing.T) {
	hex64 := strings.Repeat("ab", 32)
	for _, s := range []string{
		"sha256:" + hex64, "sha384:" + strings.Repeat("0", 96), "sha512:" + strings.Repeat("f", 128),
		"sha256:" + hex64[:63], "sha256:" + hex64 + "0", "sha256:" + strings.ToUpper(hex64), "sha256:" + hex64[:62] + "g0",
		"sha512:" + hex64, "md5:" + hex64[:32], "sha256+b64:YWJj", "sha256:", ":" + hex64, "sha256", "", "SHA256:" + hex64,
		"sha256:" + hex64 + "\n", " sha256:" + hex64, "sha256-x:" + hex64,
	} {
		checkParseDigest(t, s)
	}
}

func FuzzParseDigest(f *testing.F) {
	f.Add("sha256:" + strings.Repeat("ab", 32))
	f.Add("sha512:00")
	f.Fuzz(checkParseDigest)
}

func checkParseDigest(t *testing.T, s string) {
	got, err := parseDigest(s)
	want, wantErr := digest.Parse(s)
	if (err == nil) != (wantErr == nil) || err == nil && got != want {
		t.Errorf("parseDigest(%q) = %q, %v; digest.Parse gives %q, %v", s, got, err, want, wantErr)
	}
}
