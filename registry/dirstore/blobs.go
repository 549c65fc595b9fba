package dirstore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// blobMediaType is the media type of every blob: a store keeps bytes.
const blobMediaType = "application/octet-stream"

// GetBlob returns the content of blob dgst in repo, read from its file.
// Errors: BLOB_UNKNOWN.
func (s *Store) GetBlob(ctx context.Context, repo string, dgst digest.Digest) (registry.BlobReader, error) {
	return s.GetBlobRange(ctx, repo, dgst, 0, -1)
}

// GetBlobRange returns bytes [start, end) of blob dgst in repo; an end
// that is negative or past the blob's size reads to its end.
// Errors: BLOB_UNKNOWN; RANGE_INVALID for a start past the blob's end.
func (s *Store) GetBlobRange(ctx context.Context, repo string, dgst digest.Digest, start, end int64) (registry.BlobReader, error) {
	if err := s.checkBlobLink(repo, dgst); err != nil {
		return nil, err
	}
	f, err := os.Open(s.contentPath(dgst))
	if err != nil {
		return nil, s.contentError(err, repo, dgst)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	size := fi.Size()
	if start < 0 || start > size {
		f.Close()
		return nil, codeError(errcode.ErrorCodeRangeInvalid, "range starts at %d of a blob of %d bytes", start, size)
	}
	if end < 0 || end > size {
		end = size
	}
	if end < start {
		end = start
	}
	r := &fileReader{f: f, desc: registry.Descriptor{MediaType: blobMediaType, Digest: dgst, Size: size}}
	if start == 0 && end == size {
		r.src = f
	} else {
		if _, err := f.Seek(start, io.SeekStart); err != nil {
			f.Close()
			return nil, err
		}
		r.src = &io.LimitedReader{R: f, N: end - start}
	}
	return r, nil
}

// ResolveBlob describes blob dgst in repo from its file's size.
// Errors: BLOB_UNKNOWN.
func (s *Store) ResolveBlob(ctx context.Context, repo string, dgst digest.Digest) (registry.Descriptor, error) {
	if err := s.checkBlobLink(repo, dgst); err != nil {
		return registry.Descriptor{}, err
	}
	fi, err := os.Stat(s.contentPath(dgst))
	if err != nil {
		return registry.Descriptor{}, s.contentError(err, repo, dgst)
	}
	return registry.Descriptor{MediaType: blobMediaType, Digest: dgst, Size: fi.Size()}, nil
}

// checkBlobLink returns BLOB_UNKNOWN unless repo links blob dgst.
func (s *Store) checkBlobLink(repo string, dgst digest.Digest) error {
	if !validRepository(repo) || !validContentDigest(dgst) {
		return codeError(errcode.ErrorCodeBlobUnknown, "%s", dgst)
	}
	ok, err := exists(s.blobLinkPath(repo, dgst))
	if err != nil {
		return err
	}
	if !ok {
		return codeError(errcode.ErrorCodeBlobUnknown, "%s", dgst)
	}
	return nil
}

// contentError turns the failure to open a linked blob's content into
// BLOB_UNKNOWN when the content is missing, which only a Collect run while
// the registry was open can cause.
func (s *Store) contentError(err error, repo string, dgst digest.Digest) error {
	if errors.Is(err, fs.ErrNotExist) {
		return codeError(errcode.ErrorCodeBlobUnknown, "%s: linked in %s but its content is missing", dgst, repo)
	}
	return err
}

// PushBlob writes r to a temporary file beside the blob's, verifying
// desc.Digest and, unless negative, desc.Size, then renames it into place
// and links it into repo.
// Errors: DIGEST_INVALID, SIZE_INVALID; NAME_INVALID for a name that is not
// a repository's.
func (s *Store) PushBlob(ctx context.Context, repo string, desc registry.Descriptor, r io.Reader) (registry.Descriptor, error) {
	if !validRepository(repo) {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeNameInvalid, "%q", repo)
	}
	h := contentHash(desc.Digest)
	if h == nil {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeDigestInvalid, "%q is not a digest the store verifies", desc.Digest)
	}
	target := s.contentPath(desc.Digest)
	f, err := createTemp(filepath.Dir(target))
	if err != nil {
		return registry.Descriptor{}, err
	}
	committed := false
	defer func() {
		if !committed {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	src := io.Reader(ctxReader{ctx, r})
	if desc.Size >= 0 {
		src = io.LimitReader(src, desc.Size+1)
	}
	n, err := io.Copy(io.MultiWriter(f, h), src)
	if err != nil {
		return registry.Descriptor{}, err
	}
	if desc.Size >= 0 && n != desc.Size {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeSizeInvalid, "content is not %d bytes", desc.Size)
	}
	if got := digest.NewDigest(digest.Algorithm(desc.Digest.Algorithm()), h); got != desc.Digest {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeDigestInvalid, "content is %s, not %s", got, desc.Digest)
	}
	if err := f.Close(); err != nil {
		return registry.Descriptor{}, err
	}
	committed = true
	if err := placeContent(f.Name(), target); err != nil {
		os.Remove(f.Name())
		return registry.Descriptor{}, err
	}
	if err := createEmpty(s.blobLinkPath(repo, desc.Digest)); err != nil {
		return registry.Descriptor{}, err
	}
	return registry.Descriptor{MediaType: blobMediaType, Digest: desc.Digest, Size: n}, nil
}

// placeContent renames the verified file tmp to target, or removes it when
// target is already there: content files never change once in place. On
// failure tmp is left where it was.
func placeContent(tmp, target string) error {
	if ok, err := exists(target); err == nil && ok {
		return os.Remove(tmp)
	}
	return os.Rename(tmp, target)
}

// MountBlob links blob dgst of repository from into repository to.
// Errors: BLOB_UNKNOWN when from does not hold it; NAME_INVALID for a name
// that is not a repository's.
func (s *Store) MountBlob(ctx context.Context, from, to string, dgst digest.Digest) (registry.Descriptor, error) {
	if !validRepository(to) {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeNameInvalid, "%q", to)
	}
	desc, err := s.ResolveBlob(ctx, from, dgst)
	if err != nil {
		return registry.Descriptor{}, err
	}
	if err := createEmpty(s.blobLinkPath(to, dgst)); err != nil {
		return registry.Descriptor{}, err
	}
	return desc, nil
}

// DeleteBlob removes repo's link to blob dgst. The content stays until
// Collect finds no repository linking it.
// Errors: BLOB_UNKNOWN.
func (s *Store) DeleteBlob(ctx context.Context, repo string, dgst digest.Digest) error {
	if !validRepository(repo) || !validContentDigest(dgst) {
		return codeError(errcode.ErrorCodeBlobUnknown, "%s", dgst)
	}
	err := os.Remove(s.blobLinkPath(repo, dgst))
	if errors.Is(err, fs.ErrNotExist) {
		return codeError(errcode.ErrorCodeBlobUnknown, "%s", dgst)
	}
	return err
}

// fileReader is content read from its file.
type fileReader struct {
	f    *os.File
	src  io.Reader // f, or a LimitedReader over it for a range
	desc registry.Descriptor
}

func (r *fileReader) Read(p []byte) (int, error)      { return r.src.Read(p) }
func (r *fileReader) Close() error                    { return r.f.Close() }
func (r *fileReader) Descriptor() registry.Descriptor { return r.desc }

// WriteTo copies the content to w. A destination that reads from a reader
// itself (an HTTP response, a network connection) is handed the file, or
// the limited reader over it, so that it can use sendfile(2).
func (r *fileReader) WriteTo(w io.Writer) (int64, error) {
	if rf, ok := w.(io.ReaderFrom); ok {
		return rf.ReadFrom(r.src)
	}
	return io.Copy(w, r.src)
}

// ctxReader fails reads once its context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
