package memstore

import (
	"context"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// blob returns blob dgst of repository repo, or nil.
func (s *Store) blob(repo string, dgst digest.Digest) (*blob, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.repos == nil {
		return nil, errClosed
	}
	b := s.linked(s.repos[repo], dgst)
	if b == nil {
		return nil, errBlobUnknown
	}
	return b, nil
}

// GetBlob returns the content of blob dgst in repo.
func (s *Store) GetBlob(ctx context.Context, repo string, dgst digest.Digest) (registry.BlobReader, error) {
	b, err := s.blob(repo, dgst)
	if err != nil {
		return nil, err
	}
	if b.file != "" {
		return openFile(b, 0, b.desc.Size)
	}
	return newReader(b.data.segs, 0, b.desc.Size, b.desc), nil
}

// GetBlobRange returns bytes [start, end) of blob dgst in repo, to its end
// when end is negative or past its size. A start past the blob's end, a
// negative start, and an end before start are refused with
// errcode.ErrorCodeRangeInvalid; a start at the blob's end reads nothing.
func (s *Store) GetBlobRange(ctx context.Context, repo string, dgst digest.Digest, start, end int64) (registry.BlobReader, error) {
	b, err := s.blob(repo, dgst)
	if err != nil {
		return nil, err
	}
	size := b.desc.Size
	if end < 0 || end > size {
		end = size
	}
	if start < 0 || start > size || end < start {
		return nil, fmt.Errorf("%w: bytes %d to %d of a blob of %d bytes", errcode.ErrorCodeRangeInvalid, start, end, size)
	}
	if b.file != "" {
		return openFile(b, start, end)
	}
	return newReader(b.data.segs, start, end, b.desc), nil
}

// ResolveBlob describes blob dgst in repo.
func (s *Store) ResolveBlob(ctx context.Context, repo string, dgst digest.Digest) (registry.Descriptor, error) {
	b, err := s.blob(repo, dgst)
	if err != nil {
		return registry.Descriptor{}, err
	}
	return b.desc, nil
}

// PushBlob stores what r yields as blob desc.Digest in repo, verifying it
// as it arrives. Content the store holds already, in any repository, is
// verified and linked, not kept again.
func (s *Store) PushBlob(ctx context.Context, repo string, desc registry.Descriptor, r io.Reader) (registry.Descriptor, error) {
	dgst := desc.Digest
	if !verifiable(dgst) {
		return registry.Descriptor{}, algorithmInvalid(dgst)
	}
	h := newHash(dgst)
	if s.space.max > 0 && desc.Size > s.space.max {
		return registry.Descriptor{}, s.space.full()
	}
	limit := desc.Size // -1: no limit
	if limit < 0 {
		limit = -1
	}
	s.mu.RLock()
	held := s.blobs[dgst]
	s.mu.RUnlock()
	if held != nil {
		// Verified, not kept: the push costs no more than a mount.
		n, err := io.Copy(h, limitReader(r, limit))
		if err != nil {
			return registry.Descriptor{}, readError(err)
		}
		if err := verify(h, dgst, desc.Size, n); err != nil {
			return registry.Descriptor{}, err
		}
		return s.linkHeld(repo, held)
	}
	var data chunks
	n, err := data.readFrom(&s.space, r, limit, desc.Size, func(p []byte) { _, _ = h.Write(p) })
	if err == nil {
		err = verify(h, dgst, desc.Size, n)
	}
	if err != nil {
		data.free(&s.space)
		if err == errFull {
			return registry.Descriptor{}, s.space.full()
		}
		return registry.Descriptor{}, readError(err)
	}
	data.trim(&s.space)
	return s.linkNew(repo, dgst, &data)
}

// verify checks content of n bytes hashed by h against dgst and, when it
// is not negative, size.
func verify(h hash.Hash, dgst digest.Digest, size, n int64) error {
	if size >= 0 && n != size {
		return fmt.Errorf("%w: %d bytes where %d were announced", errcode.ErrorCodeSizeInvalid, n, size)
	}
	if !matches(h, dgst) {
		return digestInvalid(dgst)
	}
	return nil
}

// readError is the error for content that could not be read whole.
func readError(err error) error {
	if err == errTooLong {
		return fmt.Errorf("%w: %v", errcode.ErrorCodeSizeInvalid, err)
	}
	if _, ok := err.(errcode.ErrorCoder); ok {
		return err
	}
	return fmt.Errorf("memstore: reading content: %w", err)
}

// linkNew links content data, verified as dgst, into repo. Where the store
// holds the digest already, the new content is dropped. data is the
// store's from then on.
func (s *Store) linkNew(repo string, dgst digest.Digest, data *chunks) (registry.Descriptor, error) {
	tmp := ""
	if s.opts.BlobDir != "" {
		var err error
		if tmp, err = s.writeTemp(data); err != nil {
			data.free(&s.space)
			return registry.Descriptor{}, err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos == nil {
		data.free(&s.space)
		if tmp != "" {
			_ = os.Remove(tmp)
		}
		return registry.Descriptor{}, errClosed
	}
	b := s.blobs[dgst]
	if b == nil {
		b = &blob{desc: registry.Descriptor{MediaType: blobMediaType, Digest: cloneDigest(dgst), Size: data.n}, data: *data}
		if tmp != "" {
			if err := s.moveToFile(b, tmp); err != nil {
				data.free(&s.space)
				return registry.Descriptor{}, err
			}
		}
		rp := s.repo(repo, true)
		s.blobs[b.desc.Digest] = b
		b.links++
		rp.blobs[b] = struct{}{}
		return b.desc, nil
	}
	// Held already: the new copy goes. What a new link counts comes out
	// of what the copy counted, which is at least the blob's size, so
	// that linking never fails for lack of space.
	if tmp != "" {
		_ = os.Remove(tmp)
	}
	rp := s.repo(repo, true)
	if _, ok := rp.blobs[b]; !ok {
		cost := s.linkCost(b)
		b.links++
		rp.blobs[b] = struct{}{}
		data.held -= cost
	}
	data.free(&s.space)
	return b.desc, nil
}

// linkHeld links blob b, which the store held when the caller looked,
// into repo. When b was deleted meanwhile it is stored again, if it still
// fits, rather than the push failing.
func (s *Store) linkHeld(repo string, b *blob) (registry.Descriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos == nil {
		return registry.Descriptor{}, errClosed
	}
	if cur := s.blobs[b.desc.Digest]; cur != nil {
		b = cur
	} else {
		if b.file != "" {
			// Its file went with its last link.
			return registry.Descriptor{}, errFileGone
		}
		if !s.space.reserve(b.data.held) {
			return registry.Descriptor{}, s.space.full()
		}
		s.blobs[b.desc.Digest] = b
	}
	rp := s.repo(repo, true)
	if _, ok := rp.blobs[b]; ok {
		return b.desc, nil
	}
	if !s.space.reserve(s.linkCost(b)) {
		if b.links == 0 {
			delete(s.blobs, b.desc.Digest)
			s.space.release(b.data.held)
		}
		s.dropIfEmpty(repo)
		return registry.Descriptor{}, s.space.full()
	}
	b.links++
	rp.blobs[b] = struct{}{}
	return b.desc, nil
}

// MountBlob links blob dgst of repository from into repository to.
// With Options.CountEachLink, a link that does not fit is refused with
// errcode.ErrorCodeDenied.
func (s *Store) MountBlob(ctx context.Context, from, to string, dgst digest.Digest) (registry.Descriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos == nil {
		return registry.Descriptor{}, errClosed
	}
	b := s.linked(s.repos[from], dgst)
	if b == nil {
		return registry.Descriptor{}, fmt.Errorf("%w: %.200s is not in %.300q", errcode.ErrorCodeBlobUnknown, dgst, from)
	}
	rp := s.repo(to, false)
	if rp != nil {
		if _, ok := rp.blobs[b]; ok {
			return b.desc, nil
		}
	}
	if !s.space.reserve(s.linkCost(b)) {
		return registry.Descriptor{}, s.space.full()
	}
	rp = s.repo(to, true)
	b.links++
	rp.blobs[b] = struct{}{}
	return b.desc, nil
}

// DeleteBlob unlinks blob dgst from repo; its content goes with its last
// link.
func (s *Store) DeleteBlob(ctx context.Context, repo string, dgst digest.Digest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos == nil {
		return errClosed
	}
	rp := s.repos[repo]
	b := s.linked(rp, dgst)
	if b == nil {
		return fmt.Errorf("%w: %.200s is not in %.300q", errcode.ErrorCodeBlobUnknown, dgst, repo)
	}
	s.unlink(rp, b)
	s.dropIfEmpty(repo)
	return nil
}

// limitReader reads r up to limit bytes (no limit when negative), then
// fails with errTooLong when r has more.
func limitReader(r io.Reader, limit int64) io.Reader {
	if limit < 0 {
		return r
	}
	return &limitedReader{r: r, left: limit}
}

type limitedReader struct {
	r    io.Reader
	left int64
}

func (l *limitedReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		if err := endOrMore(l.r); err != nil {
			return 0, err
		}
		return 0, io.EOF
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	return n, err
}
