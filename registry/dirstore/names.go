package dirstore

import (
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"path/filepath"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/internal/grammar"
)

// Every name that becomes part of a path is checked here, whatever the
// server checked before: a repository name is path components of lower-case
// alphanumerics and separators, none of which can be "", ".", ".." or start
// with the "_" that marks the store's own directories; a tag is a word
// followed by words, dots and dashes; a digest of content is one of the
// algorithms the store verifies with an encoded part of lower-case hex of
// the algorithm's length. None of them can name a path outside the root.

// validRepository reports whether repo can name a repository directory.
func validRepository(repo string) bool {
	return grammar.IsRepository(repo)
}

// validTag reports whether tag can name a tag file.
func validTag(tag string) bool {
	return grammar.IsTag(tag)
}

// contentHash returns a new hash for the algorithm of dgst when dgst is a
// well-formed digest of an algorithm the store verifies, and nil otherwise.
func contentHash(dgst digest.Digest) hash.Hash {
	alg, enc, ok := strings.Cut(string(dgst), ":")
	if !ok {
		return nil
	}
	var h hash.Hash
	switch alg {
	case "sha256":
		h = sha256.New()
	case "sha384":
		h = sha512.New384()
	case "sha512":
		h = sha512.New()
	default:
		return nil
	}
	if len(enc) != 2*h.Size() || !isLowerHex(enc) {
		return nil
	}
	return h
}

// validContentDigest reports whether dgst is a digest the store verifies
// and can name a content file.
func validContentDigest(dgst digest.Digest) bool {
	alg, enc, ok := strings.Cut(string(dgst), ":")
	if !ok || !isLowerHex(enc) {
		return false
	}
	switch alg {
	case "sha256":
		return len(enc) == 64
	case "sha384":
		return len(enc) == 96
	case "sha512":
		return len(enc) == 128
	}
	return false
}

// maxSubjectEncoded bounds the encoded part of a subject digest, which
// becomes one file name.
const maxSubjectEncoded = 200

// validSubjectDigest reports whether dgst can name the directory of a
// subject's referrers. A subject need not be content the store holds, so
// any algorithm of the digest grammar is admitted; the grammar admits
// neither "/" nor a leading ".".
func validSubjectDigest(dgst digest.Digest) bool {
	s := string(dgst)
	colon := strings.IndexByte(s, ':')
	return grammar.IsDigest(s) && colon <= 64 && len(s)-colon-1 <= maxSubjectEncoded
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// splitDigest returns the algorithm and encoded part of a digest already
// checked.
func splitDigest(dgst digest.Digest) (alg, enc string) {
	alg, enc, _ = strings.Cut(string(dgst), ":")
	return alg, enc
}

// isUploadID reports whether id has the form of a session id the store
// makes: 32 lower-case hex digits.
func isUploadID(id string) bool {
	return len(id) == 32 && isLowerHex(id)
}

// repoDir returns the directory of a checked repository name.
func (s *Store) repoDir(repo string) string {
	return filepath.Join(s.repos, filepath.FromSlash(repo))
}

// contentPath returns the file of checked content digest dgst.
func (s *Store) contentPath(dgst digest.Digest) string {
	alg, enc := splitDigest(dgst)
	return filepath.Join(s.blobs, alg, enc)
}

// blobLinkPath returns the file whose existence says repo holds blob dgst.
func (s *Store) blobLinkPath(repo string, dgst digest.Digest) string {
	alg, enc := splitDigest(dgst)
	return filepath.Join(s.repoDir(repo), dirBlobs, alg, enc)
}

// manifestLinkPath returns the file holding the record of manifest dgst
// in repo.
func (s *Store) manifestLinkPath(repo string, dgst digest.Digest) string {
	alg, enc := splitDigest(dgst)
	return filepath.Join(s.repoDir(repo), dirManifests, alg, enc)
}

// tagPath returns the file holding the digest that tag names in repo.
func (s *Store) tagPath(repo, tag string) string {
	return filepath.Join(s.repoDir(repo), dirTags, tag)
}

// referrersDir returns the directory of the referrer entries of subject in
// repo.
func (s *Store) referrersDir(repo string, subject digest.Digest) string {
	alg, enc := splitDigest(subject)
	return filepath.Join(s.repoDir(repo), dirReferrers, alg, enc)
}

// referrerName returns the file name of referrer dgst's entry: its
// algorithm and encoded part joined by a dash, since a colon is not a
// portable file name character. Referrers are manifests, whose algorithms
// hold no dash, so the name reads back unambiguously.
func referrerName(dgst digest.Digest) string {
	alg, enc := splitDigest(dgst)
	return alg + "-" + enc
}

// referrerDigest reads back a name referrerName made.
func referrerDigest(name string) (digest.Digest, bool) {
	alg, enc, ok := strings.Cut(name, "-")
	d := digest.Digest(alg + ":" + enc)
	return d, ok && validContentDigest(d)
}

// journalPath returns the journal file of repo's manifest operations: the
// name with "/" spelled "+", a character repository names never hold.
func (s *Store) journalPath(repo string) string {
	return filepath.Join(s.journal, strings.ReplaceAll(repo, "/", "+"))
}
