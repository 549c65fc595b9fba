package server

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
	"github.com/regapi/regapi/internal/reply"
	"github.com/regapi/regapi/registry"
)

// blobLimit returns how many more bytes a blob that holds used bytes may
// take, or -1 without a limit.
func (s *Server) blobLimit(used int64) int64 {
	if s.opts.MaxBlobSize < 0 {
		return -1
	}
	return max(s.opts.MaxBlobSize-used, 0)
}

// tooLarge is the answer to content over MaxBlobSize.
func (s *Server) tooLarge() error {
	return reply.WithStatus(http.StatusRequestEntityTooLarge,
		errcode.ErrorCodeSizeInvalid.WithMessage(fmt.Sprintf("content exceeds the limit of %d bytes", s.opts.MaxBlobSize)))
}

// readError is the answer to a body that failed to be read whole:
// over the limit it was read with, or cut by the client.
func (s *Server) readError(c *request, failure error) error {
	if errors.Is(failure, errTooLarge) {
		return s.tooLarge()
	}
	return bodyFailure(c.w, failure)
}

// startUpload opens an upload session (end-4a, end-4c, and mounts that
// found nothing to mount). With digest-algorithm and digest both given,
// the body is the whole blob, as in a monolithic upload.
func (s *Server) startUpload(c *request) error {
	if a, ok := c.query["digest-algorithm"]; ok {
		algo := digest.Algorithm(a[0])
		if !known(algo) || !algo.Available() {
			return errcode.ErrorCodeDigestInvalid.WithMessage("unsupported digest algorithm").
				WithDetail(map[string]string{"digest-algorithm": reply.Truncate(a[0], 100)})
		}
		if _, ok := c.query["digest"]; ok {
			return s.monolithicUpload(c)
		}
	}
	w, err := s.store.PushBlobChunked(c.r.Context(), c.name)
	if err != nil {
		if errors.Is(err, errcode.ErrorCodeTooManyRequests) {
			// A limit of sessions, which a store may report as DENIED
			// too: 429, which clients retry, as the limit passes when
			// sessions end.
			c.w.Header().Set("Retry-After", "1")
			return errcode.ErrorCodeTooManyRequests.WithMessage("too many open upload sessions")
		}
		return err
	}
	id := w.ID()
	if err := w.Close(); err != nil {
		return err
	}
	if s.opts.ChunkMinLength > 0 {
		c.w.Header().Set("OCI-Chunk-Min-Length", strconv.FormatInt(s.opts.ChunkMinLength, 10))
	}
	return s.serveUploadState(c, id, 0, http.StatusAccepted)
}

// monolithicUpload has the store take the body of a POST with a digest
// (end-4b) as the whole blob, within MaxBlobSize.
func (s *Server) monolithicUpload(c *request) error {
	dgst, err := parseDigest(c.query.Get("digest"))
	if err != nil {
		return err
	}
	limit := s.blobLimit(0)
	if limit >= 0 && c.r.ContentLength > limit {
		return s.tooLarge()
	}
	src := c.source(limit)
	desc := registry.Descriptor{MediaType: "application/octet-stream", Digest: dgst, Size: -1}
	if c.r.ContentLength >= 0 {
		desc.Size = c.r.ContentLength
	}
	if _, err := s.store.PushBlob(c.r.Context(), c.name, desc, src); err != nil {
		if src.failure != nil {
			return s.readError(c, src.failure)
		}
		return err
	}
	return s.serveBlobCreated(c, dgst)
}

// serveBlobCreated answers 201 for a blob now present in the repository.
func (s *Server) serveBlobCreated(c *request, dgst digest.Digest) error {
	loc, err := c.urls().BuildBlobURL(canonicalRef{c.name, dgst})
	if err != nil {
		return err
	}
	h := c.w.Header()
	vs := headerValues(loc, dgst.String())
	h["Location"], h["Docker-Content-Digest"] = vs[0], vs[1]
	h["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusCreated)
	return nil
}

// setUploadHeaders sets the Location, Range and id of a session holding
// size bytes.
func (s *Server) setUploadHeaders(c *request, id string, size int64) error {
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
func (s *Server) serveUploadState(c *request, id string, size int64, status int) error {
	if err := s.setUploadHeaders(c, id, size); err != nil {
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

// resume takes hold of the session the request addresses, at its end,
// after any request writing to it: of chunks sent at once for the same
// place, the first appends and the others then find that it no longer
// starts where the session ends.
func (s *Server) resume(c *request) (registry.BlobWriter, error) {
	return s.store.PushBlobChunkedResume(c.r.Context(), c.name, c.match.UUID, -1)
}

// uploadStatus answers GET and HEAD on a session (end-13).
func (s *Server) uploadStatus(c *request) error {
	w, err := s.resume(c)
	if err != nil {
		return err
	}
	id, size := w.ID(), w.Size()
	if err := w.Close(); err != nil {
		return err
	}
	return s.serveUploadState(c, id, size, http.StatusNoContent)
}

// cancelUpload ends a session (end-14).
func (s *Server) cancelUpload(c *request) error {
	w, err := s.resume(c)
	if err != nil {
		return err
	}
	if err := w.Cancel(); err != nil {
		_ = w.Close()
		return err
	}
	c.w.Header()["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusNoContent)
	return nil
}

// patchUpload appends a chunk to a session (end-5).
func (s *Server) patchUpload(c *request) error {
	w, err := s.resume(c)
	if err != nil {
		return err
	}
	if err := s.appendChunk(c, w); err != nil {
		_ = w.Close()
		return err
	}
	id, size := w.ID(), w.Size()
	if err := w.Close(); err != nil {
		return err
	}
	return s.serveUploadState(c, id, size, http.StatusAccepted)
}

// closeUpload completes a session (end-6), with an optional last chunk,
// and has the store commit the blob, which it verifies against the
// digest. A close that fails leaves the session as it was before the
// request, where the store can take a chunk back.
func (s *Server) closeUpload(c *request) error {
	d, has := c.query["digest"]
	if !has || d[0] == "" {
		w, err := s.resume(c)
		if err != nil {
			return err
		}
		_ = w.Close()
		return errcode.ErrorCodeDigestInvalid.WithMessage("the digest query parameter is required to close an upload")
	}
	dgst, err := parseDigest(d[0])
	if err != nil {
		return err
	}
	w, err := s.resume(c)
	if err != nil {
		return err
	}
	if err := s.appendChunk(c, w); err != nil {
		_ = w.Close()
		return err
	}
	if _, err := w.Commit(dgst); err != nil {
		s.rollback(c, w)
		_ = w.Close()
		return err
	}
	return s.serveBlobCreated(c, dgst)
}

// rollback takes back what the request wrote to a session, where the
// store can.
func (s *Server) rollback(c *request, w registry.BlobWriter) {
	rb, ok := w.(registry.RollbackBlobWriter)
	if !ok {
		return
	}
	if err := rb.Rollback(); err != nil {
		s.opts.ErrorLog.Printf("registry server: %s %s: rolling back a refused chunk: %v", c.r.Method, reply.Truncate(c.r.URL.Path, 300), err)
	}
}

// rangeInvalid is the answer to a chunk that does not continue a session
// holding size bytes, telling the client where the session stands.
func (s *Server) rangeInvalid(c *request, id string, size int64, detail string) error {
	if err := s.setUploadHeaders(c, id, size); err != nil {
		return err
	}
	return reply.WithStatus(http.StatusRequestedRangeNotSatisfiable, errcode.ErrorCodeRangeInvalid.WithDetail(map[string]string{
		"Content-Range": reply.Truncate(c.r.Header.Get("Content-Range"), 100), "expected start": strconv.FormatInt(size, 10), "reason": detail}))
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

// appendChunk writes the request body to a session the caller holds. A
// chunk that is refused (out of order, longer or shorter than its
// Content-Range, over a limit, refused by the store) is taken back where
// the store can (registry.RollbackBlobWriter). A body cut by the client (it
// went away, or stalled for BodyTimeout) leaves what arrived in the
// session, whose Range says so: the client can resume from there.
func (s *Server) appendChunk(c *request, w registry.BlobWriter) error {
	size := w.Size()
	want := int64(-1) // the chunk's length, when Content-Range gives it
	if cr := c.r.Header.Get("Content-Range"); cr != "" {
		start, end, ok := chunkRange(cr)
		if !ok {
			return s.rangeInvalid(c, w.ID(), size, "malformed Content-Range")
		}
		if start != size {
			return s.rangeInvalid(c, w.ID(), size, "the chunk does not start where the session ends")
		}
		want = end - start + 1
		if limit := s.blobLimit(size); limit >= 0 && want > limit {
			return s.tooLarge()
		}
		if c.r.ContentLength >= 0 && c.r.ContentLength != want {
			return errcode.ErrorCodeSizeInvalid.WithDetail(map[string]string{
				"Content-Range": reply.Truncate(cr, 100), "Content-Length": strconv.FormatInt(c.r.ContentLength, 10)})
		}
	}
	// No body: ServeHTTP leaves a request without one its http.NoBody.
	if c.r.ContentLength == 0 || c.r.Body == nil || c.r.Body == http.NoBody {
		if want > 0 {
			return errcode.ErrorCodeSizeInvalid.WithDetail(map[string]int64{"expected": want, "received": 0})
		}
		return nil
	}
	limit := s.blobLimit(size)
	if want >= 0 {
		limit = want
	}
	if limit >= 0 && c.r.ContentLength > limit {
		return s.tooLarge()
	}
	if g, ok := w.(registry.GrowBlobWriter); ok {
		// Content-Length is within limit here; the store takes memory
		// only as bytes arrive, so a longer one than the body costs
		// nothing past what the store would take anyway.
		g.Grow(c.r.ContentLength)
	}
	src := c.source(limit)
	n, err := io.Copy(w, src)
	switch {
	case errors.Is(src.failure, errTooLarge) && want >= 0:
		s.rollback(c, w)
		return errcode.ErrorCodeSizeInvalid.WithDetail(map[string]any{"expected": want, "received": "more"})
	case errors.Is(src.failure, errTooLarge):
		s.rollback(c, w)
		return s.tooLarge()
	case src.failure != nil:
		// Cut by the client: what arrived stays.
		return bodyFailure(c.w, src.failure)
	case err != nil:
		// Refused by the store (full, say).
		s.rollback(c, w)
		return err
	case want >= 0 && n != want:
		s.rollback(c, w)
		return errcode.ErrorCodeSizeInvalid.WithDetail(map[string]int64{"expected": want, "received": n})
	}
	return nil
}
