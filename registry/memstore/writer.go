package memstore

import (
	"context"
	"encoding"
	"fmt"
	"io"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// writer holds an upload session for one PushBlobChunked or
// PushBlobChunkedResume call. It implements registry.RollbackBlobWriter
// and registry.GrowBlobWriter.
//
// Writes go to memory and never wait, so only Commit consults the
// context the writer was obtained with.
type writer struct {
	s   *Store
	ctx context.Context
	ses *session
	// done is set once the writer let go of the session; size is then
	// the session's size when it did, as another writer may hold it.
	done bool
	size int64
	// expect is the size announced by Grow for what is written next:
	// segments are then taken of that size (up to maxSegment) rather
	// than growing from minSegment, so that a pull writes few of them.
	expect int64

	// Where the session stood when the writer took it, for Rollback.
	markSize int64
	markHash []byte
	// markBuf holds markHash without an allocation: a sha256 state is
	// some 108 bytes.
	markBuf [128]byte
}

// appendBinary is encoding.BinaryAppender, which hashes of the standard
// library implement from Go 1.24, named here for Go 1.23.
type appendBinary interface {
	AppendBinary(b []byte) ([]byte, error)
}

func (s *Store) newWriter(ctx context.Context, ses *session) *writer {
	w := &writer{s: s, ctx: ctx, ses: ses, markSize: ses.data.n}
	if w.markSize > 0 {
		// The standard library's hashes save their state; a failure
		// leaves markHash nil, and Rollback then reports it.
		if a, ok := ses.sha.(appendBinary); ok {
			w.markHash, _ = a.AppendBinary(w.markBuf[:0])
		} else if m, ok := ses.sha.(encoding.BinaryMarshaler); ok {
			w.markHash, _ = m.MarshalBinary()
		}
	}
	return w
}

func (w *writer) ended() error { return uploadUnknown(w.ses.id) }

// Write appends p to the session, all of it or, refused with
// errcode.ErrorCodeDenied when it does not fit in Options.MaxStorage,
// none of it.
func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, w.ended()
	}
	if err := w.ses.data.appendBytes(&w.s.space, p); err != nil {
		return 0, w.s.space.full()
	}
	_, _ = w.ses.sha.Write(p)
	w.expect = max(w.expect-int64(len(p)), 0)
	return len(p), nil
}

// ReadFrom appends what r yields until its end, reading into the session's
// memory directly. Past Options.MaxStorage it stops with
// errcode.ErrorCodeDenied; what was read before an error stays.
func (w *writer) ReadFrom(r io.Reader) (int64, error) {
	if w.done {
		return 0, w.ended()
	}
	sha := w.ses.sha
	n, err := w.ses.data.readFrom(&w.s.space, r, -1, w.expect, func(p []byte) { _, _ = sha.Write(p) })
	w.expect = max(w.expect-n, 0)
	if err == errFull {
		err = w.s.space.full()
	}
	return n, err
}

// Grow takes n as the size of what is written next: ReadFrom then takes
// memory in segments of that size, up to 1 MiB each, instead of segments
// growing from 4 KiB. Memory is still taken only as bytes arrive, a
// segment at a time and within Options.MaxStorage, so a size larger than
// what follows sets aside at most one segment, which Close and Commit
// give back.
func (w *writer) Grow(n int64) {
	if !w.done {
		w.expect = max(n, 0)
	}
}

// Close lets go of the session, which stays open for
// PushBlobChunkedResume.
func (w *writer) Close() error {
	if w.done {
		return nil
	}
	// A session is idle from its last byte: a writer that added none (a
	// client asking where the session stands, a refused chunk taken back)
	// leaves its time as it was.
	now := int64(-1)
	if w.ses.data.n != w.markSize {
		now = w.s.now().UnixNano()
	}
	if w.expect > 0 {
		// Fewer bytes came than announced: the room left in the last
		// segment is given back rather than held by an idle session.
		w.ses.data.trim(&w.s.space)
	}
	w.finish()
	w.s.sessions.letGo(w.ses, now, &w.s.space)
	return nil
}

// ID returns the session's id.
func (w *writer) ID() string { return w.ses.id }

// Size returns the number of bytes in the session.
func (w *writer) Size() int64 {
	if w.done {
		return w.size
	}
	return w.ses.data.n
}

// finish marks the writer done, keeping the session's size for Size.
func (w *writer) finish() {
	w.done, w.size = true, w.ses.data.n
}

// Commit stores the session's content as blob dgst. A sha256 digest is
// checked against the hash kept as the bytes arrived; sha384 and sha512
// hash the content then.
func (w *writer) Commit(dgst digest.Digest) (registry.Descriptor, error) {
	if w.done {
		return registry.Descriptor{}, w.ended()
	}
	if err := w.ctx.Err(); err != nil {
		return registry.Descriptor{}, err
	}
	if !verifiable(dgst) {
		return registry.Descriptor{}, algorithmInvalid(dgst)
	}
	ses := w.ses
	h := ses.sha
	if dgst.Algorithm() != digest.SHA256 {
		// Rare enough not to hash every session twice as it arrives.
		h = newHash(dgst)
		_ = ses.data.writeTo(h)
	}
	if !matches(h, dgst) {
		return registry.Descriptor{}, digestInvalid(dgst)
	}
	w.finish()
	if !w.s.sessions.end(ses, &w.s.space) {
		return registry.Descriptor{}, w.ended()
	}
	data := ses.data
	ses.data = chunks{}
	data.trim(&w.s.space)
	return w.s.linkNew(ses.repo, dgst, &data)
}

// Cancel ends the session and gives its memory back.
func (w *writer) Cancel() error {
	if w.done {
		return w.ended()
	}
	w.finish()
	if w.s.sessions.end(w.ses, &w.s.space) {
		w.ses.data.free(&w.s.space)
	}
	return nil
}

// Rollback returns the session to where it stood when the writer took it:
// its size, its bytes and its hash.
func (w *writer) Rollback() error {
	if w.done {
		return w.ended()
	}
	ses := w.ses
	if w.markSize == 0 {
		ses.data.truncate(&w.s.space, 0)
		ses.sha.Reset()
		return nil
	}
	u, ok := ses.sha.(encoding.BinaryUnmarshaler)
	if !ok || w.markHash == nil {
		return fmt.Errorf("memstore: the session's hash state was not saved")
	}
	if err := u.UnmarshalBinary(w.markHash); err != nil {
		return fmt.Errorf("memstore: restoring the session's hash: %w", err)
	}
	ses.data.truncate(&w.s.space, w.markSize)
	return nil
}

// Reserve counts n bytes against Options.MaxStorage until release is
// called, refusing them with errcode.ErrorCodeDenied when they do not fit.
func (s *Store) Reserve(ctx context.Context, n int64) (release func(), err error) {
	if !s.space.reserve(n) {
		return nil, fmt.Errorf("%w: %d bytes do not fit in the store's limit of %d", errcode.ErrorCodeDenied, n, s.space.max)
	}
	if n <= 0 {
		return func() {}, nil
	}
	s.reserved.Add(n)
	var once onceFlag
	return func() {
		if once.first() {
			s.reserved.Add(-n)
			s.space.release(n)
		}
	}, nil
}
