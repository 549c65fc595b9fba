package registrytest

import (
	"encoding"
	"hash"

	"github.com/opencontainers/go-digest"
)

// hashSet hashes the bytes of an upload as they arrive, with sha256 and
// the algorithm the client announced, so that closing the upload needs no
// second pass over its content. Its state can be saved before a chunk and
// restored when the chunk is refused.
type hashSet struct {
	algs   []digest.Algorithm
	hashes []hash.Hash
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
	h.algs = append(h.algs, a)
	h.hashes = append(h.hashes, a.Hash())
}

// Write feeds p to every hash; it never fails.
func (h *hashSet) Write(p []byte) (int, error) {
	for _, x := range h.hashes {
		_, _ = x.Write(p)
	}
	return len(p), nil
}

// sum returns the digest of the bytes written with algorithm a, or false
// when the set does not hash with it.
func (h *hashSet) sum(a digest.Algorithm) (digest.Digest, bool) {
	for i, x := range h.algs {
		if x == a {
			return digest.NewDigest(a, h.hashes[i]), true
		}
	}
	return "", false
}

// reset empties the hashes, as if no byte had been written.
func (h *hashSet) reset() {
	for _, x := range h.hashes {
		x.Reset()
	}
}

// save returns the state of the hashes, or nil when there are none or one
// cannot save it (the standard library's hashes all can).
func (h *hashSet) save() [][]byte {
	if h == nil {
		return nil
	}
	out := make([][]byte, len(h.hashes))
	for i, x := range h.hashes {
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
	if state == nil || len(state) != len(h.hashes) {
		return false
	}
	for i, x := range h.hashes {
		u, ok := x.(encoding.BinaryUnmarshaler)
		if !ok || u.UnmarshalBinary(state[i]) != nil {
			return false
		}
	}
	return true
}
