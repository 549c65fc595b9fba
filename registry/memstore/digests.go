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

// verifiable reports whether the store verifies content against dgst: a
// sha256, sha384 or sha512 digest whose encoding is lower-case hex of the
// algorithm's length.
func verifiable(dgst digest.Digest) bool {
	var n int
	switch dgst.Algorithm() {
	case digest.SHA256:
		n = 2 * sha256.Size
	case digest.SHA384:
		n = 2 * sha512.Size384
	case digest.SHA512:
		n = 2 * sha512.Size
	default:
		return false
	}
	enc := dgst.Encoded()
	if len(enc) != n {
		return false
	}
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// newHash returns a hash of the algorithm of dgst, which is verifiable.
func newHash(dgst digest.Digest) hash.Hash {
	switch dgst.Algorithm() {
	case digest.SHA384:
		return sha512.New384()
	case digest.SHA512:
		return sha512.New()
	}
	return sha256.New()
}

// matches reports whether h's sum is the one dgst encodes. It allocates
// nothing.
func matches(h hash.Hash, dgst digest.Digest) bool {
	var sum [sha512.Size]byte
	return sumIs(h.Sum(sum[:0]), dgst)
}

// sumIs reports whether sum is the one dgst encodes.
func sumIs(sum []byte, dgst digest.Digest) bool {
	var enc [2 * sha512.Size]byte
	return string(hex.AppendEncode(enc[:0], sum)) == dgst.Encoded()
}

// contentMatches reports whether p hashes to dgst, which is verifiable;
// sha256, which nearly every manifest uses, hashes on the stack.
func contentMatches(dgst digest.Digest, p []byte) bool {
	if dgst.Algorithm() == digest.SHA256 {
		sum := sha256.Sum256(p)
		return sumIs(sum[:], dgst)
	}
	h := newHash(dgst)
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
