package server

import (
	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/manifest"
	"github.com/regapi/regapi/internal/reply"
)

// parseDigest parses a digest a client sent and checks that its algorithm
// is one the server computes (sha256, sha384, sha512), without regular
// expressions; DIGEST_INVALID with the reason otherwise.
func parseDigest(s string) (digest.Digest, error) {
	if manifest.ValidDigest(s) {
		return digest.Digest(s), nil
	}
	reason := "invalid checksum digest format"
	if grammar.IsDigest(s) {
		d := digest.Digest(s)
		switch {
		case !d.Algorithm().Available() || !known(d.Algorithm()):
			reason = "unsupported digest algorithm"
		case len(d.Encoded()) != d.Algorithm().Size()*2:
			reason = "invalid checksum digest length"
		}
	}
	return "", errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": reply.Truncate(s, 200), "reason": reason})
}

// known reports whether a is one of the algorithms the server computes.
func known(a digest.Algorithm) bool {
	return a == digest.SHA256 || a == digest.SHA384 || a == digest.SHA512
}
