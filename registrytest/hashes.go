package registrytest

import (
	"crypto/sha256"
	"encoding"
	"encoding/hex"
	"hash"
	"strings"

	"github.com/opencontainers/go-digest"
)

// hashSet hashes the bytes of an upload as they arrive, with sha256 and
// the algorithm the client announced, so that closing the upload needs no
// second pass over its content. Its state can be saved before a chunk and
// restored when the chunk is refused.
type hashSet struct {
	n      int // how many of the arrays are used: one or two
	algs   [2]digest.Algorithm
	hashes [2]hash.Hash
}

// newHashSet hashes with sha256 and with also, when it is another
// available algorithm.
func newHashSet(also digest.Algorithm) *hashSet {
	h := &hashSet{}
	h.add(digest.SHA256)
	if also != digest.SHA256 && also.Available() {
		h.add(also)
	}
	return h
}

func (h *hashSet) add(a digest.Algorithm) {
	h.algs[h.n], h.hashes[h.n] = a, a.Hash()
	h.n++
}

// Write feeds p to every hash; it never fails.
func (h *hashSet) Write(p []byte) (int, error) {
	for _, x := range h.hashes[:h.n] {
		_, _ = x.Write(p)
	}
	return len(p), nil
}

// sum returns the digest of the bytes written with algorithm a, or false
// when the set does not hash with it.
func (h *hashSet) sum(a digest.Algorithm) (digest.Digest, bool) {
	for i, x := range h.algs[:h.n] {
		if x == a {
			return hashDigest(a, h.hashes[i]), true
		}
	}
	return "", false
}

// reset empties the hashes, as if no byte had been written.
func (h *hashSet) reset() {
	for _, x := range h.hashes[:h.n] {
		x.Reset()
	}
}

// save returns the state of the hashes, or nil when there are none or one
// cannot save it (the standard library's hashes all can).
func (h *hashSet) save() [][]byte {
	if h == nil {
		return nil
	}
	out := make([][]byte, h.n)
	for i, x := range h.hashes[:h.n] {
		m, ok := x.(encoding.BinaryMarshaler)
		if !ok {
			return nil
		}
		state, err := m.MarshalBinary()
		if err != nil {
			return nil
		}
		out[i] = state
	}
	return out
}

// restore puts back a state save returned. It reports false when it
// cannot, and the hashes are then unusable.
func (h *hashSet) restore(state [][]byte) bool {
	if state == nil || len(state) != h.n {
		return false
	}
	for i, x := range h.hashes[:h.n] {
		u, ok := x.(encoding.BinaryUnmarshaler)
		if !ok || u.UnmarshalBinary(state[i]) != nil {
			return false
		}
	}
	return true
}

// hashDigest returns the digest of what h hashed, as digest.NewDigest does,
// in two allocations where go-digest formats with fmt in six: every push
// makes three digests.
func hashDigest(a digest.Algorithm, h hash.Hash) digest.Digest {
	return formatDigest(a, h.Sum(nil))
}

// bytesDigest returns the digest of p with algorithm a, as a.FromBytes
// does; sha256, which nearly every manifest uses, hashes on the stack.
func bytesDigest(a digest.Algorithm, p []byte) digest.Digest {
	if a != digest.SHA256 {
		return a.FromBytes(p)
	}
	sum := sha256.Sum256(p)
	return formatDigest(a, sum[:])
}

// formatDigest writes "<algorithm>:<hex of sum>" in one allocation: the hex
// goes through a buffer on the stack (sha512's fits; a longer sum grows it
// on the heap).
func formatDigest(a digest.Algorithm, sum []byte) digest.Digest {
	var b strings.Builder
	b.Grow(len(a) + 1 + hex.EncodedLen(len(sum)))
	b.WriteString(string(a))
	b.WriteByte(':')
	var buf [2 * 64]byte
	b.Write(hex.AppendEncode(buf[:0], sum))
	return digest.Digest(b.String())
}
