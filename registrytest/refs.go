package registrytest

import (
	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
)

// repoRef is a repository name the registry has checked, as the URL
// builder takes it (reference.Named). The registry makes its references
// itself rather than through package reference, whose constructors match
// regular expressions against names and digests already checked.
type repoRef string

// Name returns the repository name.
func (r repoRef) Name() string { return string(r) }

// String returns the repository name.
func (r repoRef) String() string { return string(r) }

// canonicalRef is a repository name and a digest the registry has checked,
// as the URL builder takes them (reference.Canonical).
type canonicalRef struct {
	name string
	d    digest.Digest
}

// Name returns the repository name.
func (r canonicalRef) Name() string { return r.name }

// String returns name@digest.
func (r canonicalRef) String() string { return r.name + "@" + r.d.String() }

// Digest returns the digest.
func (r canonicalRef) Digest() digest.Digest { return r.d }

// encodedLength is the length of the hex encoding of each digest algorithm
// the registry computes.
var encodedLength = map[digest.Algorithm]int{digest.SHA256: 64, digest.SHA384: 96, digest.SHA512: 128}

// parseDigest parses a digest a client sent and checks that its algorithm
// is one the registry computes, as digest.Parse does, without its regular
// expressions: the grammar of a digest, then a known algorithm and an
// encoding of lower-case hex of the algorithm's length.
func parseDigest(s string) (digest.Digest, error) {
	bad := func(reason string) error {
		return errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": truncate(s, 200), "reason": reason})
	}
	if !grammar.IsDigest(s) {
		return "", bad("invalid checksum digest format")
	}
	d := digest.Digest(s)
	n, ok := encodedLength[d.Algorithm()]
	if !ok || !d.Algorithm().Available() {
		return "", bad("unsupported digest algorithm")
	}
	enc := d.Encoded()
	if len(enc) != n {
		return "", bad("invalid checksum digest length")
	}
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return "", bad("invalid checksum digest format")
		}
	}
	return d, nil
}
