package memstore

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"hash"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
)

// hashOf returns a new hash of dgst's algorithm, or nil when the store does
// not verify that algorithm or dgst's encoding is not one of its sums:
// lower-case hex of the algorithm's length.
func hashOf(dgst digest.Digest) hash.Hash {
	var h hash.Hash
	var n int
	switch dgst.Algorithm() {
	case digest.SHA256:
		h, n = sha256.New(), 2*sha256.Size
	case digest.SHA384:
		h, n = sha512.New384(), 2*sha512.Size384
	case digest.SHA512:
		h, n = sha512.New(), 2*sha512.Size
	default:
		return nil
	}
	enc := dgst.Encoded()
	if len(enc) != n {
		return nil
	}
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil
		}
	}
	return h
}

// matches reports whether h's sum is the one dgst encodes; dgst has passed
// hashOf. It allocates nothing.
func matches(h hash.Hash, dgst digest.Digest) bool {
	var sum [sha512.Size]byte
	var enc [2 * sha512.Size]byte
	got := hex.AppendEncode(enc[:0], h.Sum(sum[:0]))
	return string(got) == dgst.Encoded()
}

// sumMatches reports whether the sha256 sum of p is the one dgst encodes,
// or, for another algorithm, whether p hashes to dgst.
func sumMatches(dgst digest.Digest, p []byte) bool {
	h := hashOf(dgst)
	if h == nil {
		return false
	}
	_, _ = h.Write(p)
	return matches(h, dgst)
}

// digestInvalid is the error for content that does not match dgst.
func digestInvalid(dgst digest.Digest) error {
	return fmt.Errorf("%w: the content does not match %.200s", errcode.ErrorCodeDigestInvalid, dgst)
}

// algorithmInvalid is the error for a digest the store does not verify.
func algorithmInvalid(dgst digest.Digest) error {
	return fmt.Errorf("%w: %.200s is not a sha256, sha384 or sha512 digest", errcode.ErrorCodeDigestInvalid, dgst)
}
