package registrytest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
)

// newWriter returns a writer for the bytes of a new blob: in a file of
// Options.BlobDir when it is set, in memory otherwise.
func (reg *Registry) newWriter() (blobWriter, error) {
	if reg.opts.BlobDir != "" {
		return newFileWriter(reg.space, reg.opts.BlobDir)
	}
	return newMemWriter(reg.space, reg.opts.MaxBlobSize), nil
}

// blobLimit returns how many more bytes a blob that holds used bytes may
// take, or -1 without a limit.
func (reg *Registry) blobLimit(used int64) int64 {
	if reg.opts.MaxBlobSize < 0 {
		return -1
	}
	return max(reg.opts.MaxBlobSize-used, 0)
}

// tooLarge is the answer to content over MaxBlobSize.
func (reg *Registry) tooLarge() error {
	return withStatus(http.StatusRequestEntityTooLarge,
		errcode.ErrorCodeSizeInvalid.WithMessage(fmt.Sprintf("content exceeds the limit of %d bytes", reg.opts.MaxBlobSize)))
}

// readError is the answer to a body readFrom could not take whole.
func (reg *Registry) readError(c *request, err error) error {
	switch {
	case errors.Is(err, errTooLarge):
		return reg.tooLarge()
	case errors.Is(err, errNoSpace):
		return reg.space.full()
	}
	return bodyFailure(c.w, err)
}

// startUpload opens an upload session (end-4a, end-4c, and mounts that
// found nothing to mount). With digest-algorithm and digest both given,
// the body is the whole blob, as in a monolithic upload.
func (reg *Registry) startUpload(c *request) error {
	algo := digest.SHA256
	if a, ok := c.query["digest-algorithm"]; ok {
		algo = digest.Algorithm(a[0])
		if !algo.Available() {
			return errcode.ErrorCodeDigestInvalid.WithMessage("unsupported digest algorithm").
				WithDetail(map[string]string{"digest-algorithm": truncate(a[0], 100)})
		}
		if _, ok := c.query["digest"]; ok {
			return reg.monolithicUpload(c)
		}
	}
	w, err := reg.newWriter()
	if err != nil {
		return err
	}
	now := reg.now()
	up, ok := reg.uploads.open(c.name, w, algo, now, reg.opts.UploadTTL, reg.opts.MaxUploads)
	if !ok {
		w.discard()
		c.w.Header().Set("Retry-After", "1")
		return errcode.ErrorCodeTooManyRequests.WithMessage("too many open upload sessions")
	}
	if reg.opts.ChunkMinLength > 0 {
		c.w.Header().Set("OCI-Chunk-Min-Length", strconv.FormatInt(reg.opts.ChunkMinLength, 10))
	}
	return reg.serveUploadState(c, up.id, 0, http.StatusAccepted)
}

// monolithicUpload stores the body of a POST with a digest (end-4b): the
// bytes are hashed as they arrive and kept only within the limits.
func (reg *Registry) monolithicUpload(c *request) error {
	dgst, err := parseDigest(c.query.Get("digest"))
	if err != nil {
		return err
	}
	limit := reg.blobLimit(0)
	if limit >= 0 && c.r.ContentLength > limit {
		return reg.tooLarge()
	}
	hasher := dgst.Algorithm().Hash()
	if reg.store.stored(dgst) {
		// The bytes are held already: they are checked, not kept, and
		// the push costs no more than a mount.
		if _, err := io.Copy(hasher, limitReader(reg.body(c, nil), limit)); err != nil {
			return reg.readError(c, err)
		}
		if hashDigest(dgst.Algorithm(), hasher) != dgst {
			return errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": dgst.String(), "reason": "the content has another digest"})
		}
		found, err := reg.store.mount(c.name, "", dgst)
		if err != nil {
			return err
		}
		if found {
			return reg.serveBlobCreated(c, dgst)
		}
		return errcode.ErrorCodeBlobUploadInvalid.WithMessage("the blob was deleted while it was pushed; push it again")
	}
	w, err := reg.newWriter()
	if err != nil {
		return err
	}
	if _, err := w.readFrom(io.TeeReader(reg.body(c, nil), hasher), limit, c.r.ContentLength); err != nil {
		w.discard()
		return reg.readError(c, err)
	}
	if hashDigest(dgst.Algorithm(), hasher) != dgst {
		w.discard()
		return errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": dgst.String(), "reason": "the content has another digest"})
	}
	data, held := w.finish()
	reg.store.linkNew(c.name, dgst, data, held)
	return reg.serveBlobCreated(c, dgst)
}

// mountBlob links a blob from another repository (end-11), or opens a
// session when there is nothing to mount. Without from, the blob is looked
// for only in the repositories the request may pull.
func (reg *Registry) mountBlob(c *request) error {
	dgst, err := parseDigest(c.query.Get("mount"))
	if err != nil {
		return err
	}
	from, hasFrom := c.query["from"]
	source := ""
	if hasFrom {
		source = from[0]
		if !grammar.IsRepository(source) {
			return errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"from": truncate(source, 300)})
		}
	}
	if hasFrom || !reg.opts.DisableAnonymousMount {
		var found bool
		if hasFrom {
			// Authentication checked pull on from already.
			found, err = reg.store.mount(c.name, source, dgst)
		} else if sources, all := reg.mountSources(c); all {
			found, err = reg.store.mount(c.name, "", dgst)
		} else {
			found, err = reg.store.mountFirst(c.name, sources, dgst)
		}
		if err != nil {
			return err
		}
		if found {
			return reg.serveBlobCreated(c, dgst)
		}
	}
	return reg.startUpload(c)
}

// serveBlobCreated answers 201 for a blob now present in the repository.
func (reg *Registry) serveBlobCreated(c *request, dgst digest.Digest) error {
	loc, err := c.urls().BuildBlobURL(canonicalRef{c.name, dgst})
	if err != nil {
		return err
	}
	// Set under canonical keys directly: these answers are most of a
	// push, and Header.Set would check each key's case again.
	h := c.w.Header()
	vs := headerValues(loc, dgst.String())
	h["Location"], h["Docker-Content-Digest"] = vs[0], vs[1]
	h["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusCreated)
	return nil
}

// setUploadHeaders sets the Location, Range and id of a session holding
// size bytes.
func (reg *Registry) setUploadHeaders(c *request, id string, size int64) error {
	loc, err := c.urls().BuildBlobUploadChunkURL(repoRef(c.name), id)
	if err != nil {
		return err
	}
	h := c.w.Header()
	vs := headerValues(loc, uploadRange(size), id)
	h["Location"], h["Range"], h["Docker-Upload-Uuid"] = vs[0], vs[1], vs[2]
	return nil
}

// serveUploadState answers with the state of a session, with status.
func (reg *Registry) serveUploadState(c *request, id string, size int64, status int) error {
	if err := reg.setUploadHeaders(c, id, size); err != nil {
		return err
	}
	c.w.Header()["Content-Length"] = headerZero
	c.w.WriteHeader(status)
	return nil
}

// uploadRange renders the Range header of a session holding size bytes:
// "0-<last byte>", and "0-0" for an empty session, as distribution does.
func uploadRange(size int64) string {
	return "0-" + strconv.FormatInt(max(size-1, 0), 10)
}

// uploadUnknown is the answer for a session that is not open.
func uploadUnknown(id string) error {
	return errcode.ErrorCodeBlobUploadUnknown.WithDetail(map[string]string{"uuid": truncate(id, 100)})
}

// uploadStatus answers GET and HEAD on a session (end-13).
func (reg *Registry) uploadStatus(c *request) error {
	id := c.match.UUID
	up := reg.uploads.find(c.name, id, reg.now(), reg.opts.UploadTTL)
	if up == nil {
		return uploadUnknown(id)
	}
	return reg.serveUploadState(c, id, up.size.Load(), http.StatusNoContent)
}

// cancelUpload ends a session (end-14).
func (reg *Registry) cancelUpload(c *request) error {
	id := c.match.UUID
	if !reg.uploads.cancel(c.name, id, reg.now(), reg.opts.UploadTTL) {
		return uploadUnknown(id)
	}
	c.w.Header()["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// rangeInvalid is the answer to a chunk that does not continue a session
// holding size bytes, telling the client where the session stands.
func (reg *Registry) rangeInvalid(c *request, id string, size int64, detail string) error {
	if err := reg.setUploadHeaders(c, id, size); err != nil {
		return err
	}
	return withStatus(http.StatusRequestedRangeNotSatisfiable, errcode.ErrorCodeRangeInvalid.WithDetail(map[string]string{
		"Content-Range": truncate(c.r.Header.Get("Content-Range"), 100), "expected start": strconv.FormatInt(size, 10), "reason": detail}))
}

// chunkRange parses a chunk's Content-Range, "<start>-<end>" with both ends
// inclusive.
func chunkRange(s string) (start, end int64, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found || a == "" || b == "" || strings.Trim(a+b, "0123456789") != "" {
		return 0, 0, false
	}
	start, err1 := strconv.ParseInt(a, 10, 64)
	end, err2 := strconv.ParseInt(b, 10, 64)
	if err1 != nil || err2 != nil || end < start || end-start == math.MaxInt64 {
		return 0, 0, false
	}
	return start, end, true
}

// patchUpload appends a chunk to a session (end-5).
func (reg *Registry) patchUpload(c *request) error {
	up, err := reg.claim(c)
	if err != nil {
		return err
	}
	if err := reg.appendChunk(c, up, up.mark()); err != nil {
		if !reg.uploads.release(up, reg.now()) {
			return uploadUnknown(up.id)
		}
		return err
	}
	size := up.size.Load()
	if !reg.uploads.release(up, reg.now()) {
		return uploadUnknown(up.id)
	}
	return reg.serveUploadState(c, up.id, size, http.StatusAccepted)
}

// claim takes hold of the session a PATCH or PUT addresses, after any
// request writing to it: of chunks sent at once for the same place, the
// first appends and the others then find that it no longer starts where
// the session ends.
func (reg *Registry) claim(c *request) (*upload, error) {
	up := reg.uploads.claim(c.name, c.match.UUID, reg.now(), reg.opts.UploadTTL)
	if up == nil {
		return nil, uploadUnknown(c.match.UUID)
	}
	return up, nil
}

// appendChunk reads the request body into a session the caller holds. A
// chunk that is refused (out of order, longer or shorter than its
// Content-Range, over a limit) leaves the session as it was. A body cut by
// the client (it went away, or stalled for BodyTimeout) leaves what arrived
// in the session, whose Range says so: the client can resume from there.
func (reg *Registry) appendChunk(c *request, up *upload, m mark) error {
	size := m.size
	want := int64(-1) // the chunk's length, when Content-Range gives it
	if cr := c.r.Header.Get("Content-Range"); cr != "" {
		start, end, ok := chunkRange(cr)
		if !ok {
			return reg.rangeInvalid(c, up.id, size, "malformed Content-Range")
		}
		if start != size {
			return reg.rangeInvalid(c, up.id, size, "the chunk does not start where the session ends")
		}
		want = end - start + 1
		if limit := reg.blobLimit(size); limit >= 0 && want > limit {
			return reg.tooLarge()
		}
		if c.r.ContentLength >= 0 && c.r.ContentLength != want {
			return errcode.ErrorCodeSizeInvalid.WithDetail(map[string]string{
				"Content-Range": truncate(cr, 100), "Content-Length": strconv.FormatInt(c.r.ContentLength, 10)})
		}
	}
	// No body: ServeHTTP leaves a request without one its http.NoBody.
	if c.r.ContentLength == 0 || c.r.Body == nil || c.r.Body == http.NoBody {
		if want > 0 {
			return errcode.ErrorCodeSizeInvalid.WithDetail(map[string]int64{"expected": want, "received": 0})
		}
		return nil
	}
	limit, hint := reg.blobLimit(size), c.r.ContentLength
	if want >= 0 {
		limit, hint = want, want
	}

	var body io.Reader = reg.body(c, func(n int) {
		up.size.Add(int64(n))
		up.lastByte.Store(reg.now().UnixNano())
	})
	if up.hashes != nil {
		body = io.TeeReader(body, up.hashes)
	}
	n, err := up.w.readFrom(body, limit, hint)
	undo := func() { up.undo(m) }
	switch {
	case errors.Is(err, errTooLarge) && want >= 0:
		undo()
		return errcode.ErrorCodeSizeInvalid.WithDetail(map[string]any{"expected": want, "received": "more"})
	case errors.Is(err, errTooLarge), errors.Is(err, errNoSpace):
		undo()
		return reg.readError(c, err)
	case err != nil:
		// Cut by the client: what arrived stays.
		return bodyFailure(c.w, err)
	case want >= 0 && n != want:
		undo()
		return errcode.ErrorCodeSizeInvalid.WithDetail(map[string]int64{"expected": want, "received": n})
	}
	return nil
}

// closeUpload completes a session (end-6), with an optional last chunk,
// and stores the blob when its content matches the digest. A close that
// fails leaves the session as it was before the request.
func (reg *Registry) closeUpload(c *request) error {
	d, has := c.query["digest"]
	if !has || d[0] == "" {
		if reg.uploads.find(c.name, c.match.UUID, reg.now(), reg.opts.UploadTTL) == nil {
			return uploadUnknown(c.match.UUID)
		}
		return errcode.ErrorCodeDigestInvalid.WithMessage("the digest query parameter is required to close an upload")
	}
	dgst, err := parseDigest(d[0])
	if err != nil {
		return err
	}
	up, err := reg.claim(c)
	if err != nil {
		return err
	}
	before := up.mark()
	if err := reg.appendChunk(c, up, before); err != nil {
		if !reg.uploads.release(up, reg.now()) {
			return uploadUnknown(up.id)
		}
		return err
	}
	if got := up.sum(dgst.Algorithm()); got != dgst {
		up.undo(before)
		if !reg.uploads.release(up, reg.now()) {
			return uploadUnknown(up.id)
		}
		return errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": dgst.String(), "reason": "the content has another digest"})
	}
	if !reg.uploads.close(up) {
		return uploadUnknown(up.id)
	}
	data, held := up.w.finish()
	reg.store.linkNew(c.name, dgst, data, held)
	return reg.serveBlobCreated(c, dgst)
}

// mark is where a session stands, so that what a request adds can be
// undone.
type mark struct {
	size   int64
	hashes [][]byte // the state of the hashes; none needed for an empty session
}

// mark returns where the session stands. The request holding it calls it.
func (up *upload) mark() mark {
	m := mark{size: up.size.Load()}
	if m.size > 0 {
		m.hashes = up.hashes.save()
	}
	return m
}

// undo takes the session back to m.
func (up *upload) undo(m mark) {
	up.w.truncate(m.size)
	up.size.Store(m.size)
	switch {
	case up.hashes == nil:
	case m.size == 0:
		up.hashes.reset()
	case !up.hashes.restore(m.hashes):
		up.hashes = nil // sum hashes the bytes again
	}
}

// sum returns the digest of the session's bytes with algorithm a: from the
// running hashes when they cover it, else by reading the bytes again.
func (up *upload) sum(a digest.Algorithm) digest.Digest {
	if up.hashes != nil {
		if d, ok := up.hashes.sum(a); ok {
			return d
		}
	}
	h := a.Hash()
	if err := up.w.writeTo(h); err != nil {
		return ""
	}
	return hashDigest(a, h)
}

// limitReader reads r up to limit bytes (no limit when negative), and
// fails with errTooLarge when r has more.
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
