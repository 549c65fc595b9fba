package registrytest

import (
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestDigestsAsGoDigest holds the registry's digest formatting to
// go-digest's, whose strings clients compare byte for byte.
func TestDigestsAsGoDigest(t *testing.T) {
	inputs := [][]byte{nil, []byte("a"), make([]byte, 4096), []byte(`{"schemaVersion":2}`)}
	for _, alg := range []digest.Algorithm{digest.SHA256, digest.SHA384, digest.SHA512} {
		for _, in := range inputs {
			want := alg.FromBytes(in)
			if got := bytesDigest(alg, in); got != want {
				t.Errorf("bytesDigest(%s, %d bytes) = %s, want %s", alg, len(in), got, want)
			}
			h := alg.Hash()
			h.Write(in)
			if got := hashDigest(alg, h); got != want {
				t.Errorf("hashDigest(%s, %d bytes) = %s, want %s", alg, len(in), got, want)
			}
		}
	}
}

// TestFormatDigestLongSum covers a sum longer than any algorithm go-digest
// knows, for which formatDigest's buffer grows.
func TestFormatDigestLongSum(t *testing.T) {
	sum := make([]byte, 100)
	sum[0], sum[99] = 0xab, 0xcd
	got := string(formatDigest("x", sum))
	if len(got) != 2+200 || got[:4] != "x:ab" || got[len(got)-2:] != "cd" {
		t.Errorf("formatDigest = %q", got)
	}
}
