package registry

import (
	"io"

	"github.com/opencontainers/go-digest"
)

// BlobReader is content being read: a blob, a range of a blob, or a
// manifest. The caller closes it.
type BlobReader interface {
	io.ReadCloser

	// Descriptor describes the whole content: for a range, Size is the
	// size of the whole blob, not of the range. For a manifest,
	// MediaType is the manifest's own.
	Descriptor() Descriptor
}

// BlobWriter writes an upload session: a blob pushed in chunks, possibly
// over several requests, each of which obtains a writer of its own through
// PushBlobChunked or PushBlobChunkedResume.
//
// Every method runs under the context the writer was obtained with. A writer
// is used by one goroutine at a time, and a store lets one writer at a time
// hold a session.
type BlobWriter interface {
	// Write appends to the session. A store with a limit refuses what
	// would pass it with errcode.ErrorCodeDenied, keeping what was
	// written before.
	io.Writer

	// Close ends this writer and keeps the session, with everything
	// written, for PushBlobChunkedResume. Close after Commit or Cancel
	// does nothing and returns nil.
	io.Closer

	// ID identifies the session; it matches the upload route's pattern
	// [a-zA-Z0-9-_.=]+ and cannot be guessed.
	ID() string

	// Size returns the number of bytes in the session.
	Size() int64

	// Commit stores the session's content as the blob dgst in the
	// session's repository and ends the session. The store verifies the
	// content: errcode.ErrorCodeDigestInvalid when it does not match dgst,
	// or when dgst's algorithm is none of sha256, sha384 and sha512; the
	// session is then kept as it was and the writer stays usable.
	Commit(dgst digest.Digest) (Descriptor, error)

	// Cancel ends the session and drops its content.
	Cancel() error
}
