package registry

import (
	"context"
	"iter"

	"github.com/opencontainers/go-digest"
)

// BlobRedirector is implemented by a store that can give a URL from which a
// client reads a blob directly, such as a signed object-storage URL. The
// server then answers a blob GET with 307 to that URL instead of the
// content.
type BlobRedirector interface {
	// BlobURL returns a URL for blob dgst in repo, or "" with a nil error
	// when the server should serve this blob itself.
	// Errors: BLOB_UNKNOWN.
	BlobURL(ctx context.Context, repo string, dgst digest.Digest) (string, error)
}

// BlobLocator is implemented by a store that can name the repositories
// holding a blob. The server uses it to serve a mount without a from
// parameter: it tries, in turn, the repositories the request may pull, and
// starts an ordinary upload (202) when none holds the blob. Without a
// BlobLocator such a mount always starts an upload.
type BlobLocator interface {
	// BlobRepositories lists the repositories that link blob dgst, in
	// lexical order. A blob that no repository links lists nothing.
	BlobRepositories(ctx context.Context, dgst digest.Digest) iter.Seq2[string, error]
}

// RollbackBlobWriter is a BlobWriter that can take back what it wrote. The
// server calls Rollback when it refuses a chunk (out of order, longer or
// shorter than its Content-Range, over a limit, of the wrong digest), so
// that the session is left as it was; a chunk the client cut (it went away or
// stalled) is kept as far as it arrived, without Rollback. Without this
// interface a refused chunk leaves in the session what was written of it.
type RollbackBlobWriter interface {
	BlobWriter

	// Rollback returns the session to the size, content and hash state it
	// had when this writer was obtained. The writer stays usable.
	Rollback() error
}

// SpaceReserver is implemented by a store that bounds what it holds (memory
// or disk). The server reserves through it the bodies it buffers before
// handing them to the store, manifests above all, so that the store's limit
// bounds everything held, bodies being read included.
type SpaceReserver interface {
	// Reserve counts n bytes against the store's limit until release is
	// called; release may be called more than once.
	// Errors: DENIED when n bytes do not fit.
	Reserve(ctx context.Context, n int64) (release func(), err error)
}

// GrowBlobWriter is a BlobWriter that can be told how many bytes are about
// to be written to it, so that it lays out its storage for them at once:
// the server calls Grow with a chunk's Content-Length before copying the
// chunk. The size is a hint from the client, bounded by the server's blob
// size limit but not checked against what arrives: the writer must not
// count it against a storage limit beyond what it would count for bytes
// that do arrive, and must give back, by Close or Commit, what the hint
// made it set aside and no byte filled.
type GrowBlobWriter interface {
	BlobWriter

	// Grow says that about n more bytes are to be written next. It is
	// only a hint: more or fewer may follow, and n <= 0 means unknown.
	Grow(n int64)
}
