package server

import (
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/reply"
)

// serveBlob answers GET and HEAD on a blob (end-2). HEAD asks the store
// only to resolve the blob; GET reads it through GetBlob, or GetBlobRange
// for a single byte range, unless the store redirects it.
func (s *Server) serveBlob(c *request) error {
	dgst, err := parseDigest(c.match.Digest)
	if err != nil {
		return err
	}
	ctx := c.r.Context()
	if c.head() {
		desc, err := s.store.ResolveBlob(ctx, c.name, dgst)
		if err != nil {
			return err
		}
		setBlobHeaders(c.w.Header(), dgst, desc.Size)
		c.w.WriteHeader(http.StatusOK)
		return nil
	}
	if s.redirector != nil {
		u, err := s.redirector.BlobURL(ctx, c.name, dgst)
		if err != nil {
			return err
		}
		if u != "" {
			h := c.w.Header()
			vs := headerValues(u, dgst.String())
			h["Location"], h["Docker-Content-Digest"] = vs[0], vs[1]
			h["Content-Length"] = headerZero
			c.w.WriteHeader(http.StatusTemporaryRedirect)
			return nil
		}
	}
	if rangeHeader := c.r.Header.Get("Range"); rangeHeader != "" {
		if br, ok := parseByteRange(rangeHeader); ok {
			return s.serveBlobRange(c, dgst, br, rangeHeader)
		}
	}
	rd, err := s.store.GetBlob(ctx, c.name, dgst)
	if err != nil {
		return err
	}
	defer rd.Close()
	size := rd.Descriptor().Size
	setBlobHeaders(c.w.Header(), dgst, size)
	c.w.WriteHeader(http.StatusOK)
	s.copyContent(c, rd, size)
	return nil
}

// setBlobHeaders sets the headers of a whole blob's answer.
func setBlobHeaders(h http.Header, dgst digest.Digest, size int64) {
	etag, length := etagAndLength(dgst, size)
	vs := headerValues(dgst.String(), etag, length)
	h["Docker-Content-Digest"], h["Etag"], h["Content-Length"] = vs[0], vs[1], vs[2]
	h["Content-Type"] = headerOctetStream
	h["Accept-Ranges"] = headerBytes
	h["Cache-Control"] = headerImmutable
}

// copyContent sends the n bytes of content the store reads. A reader
// that writes itself (io.WriterTo, as stores' readers do) does, so that a
// store sends its segments as they are or its files through sendfile. Once
// the status is sent nothing can be answered any more: a store that fails
// midway, or gives less than it described, is logged (unless the client
// went away, which ends the request's context), and the client sees the
// body end short of its Content-Length.
func (s *Server) copyContent(c *request, rd io.Reader, n int64) {
	cw := &c.content
	*cw = contentWriter{w: c.w}
	var err error
	if wt, ok := rd.(io.WriterTo); ok {
		_, err = wt.WriteTo(cw)
	} else {
		_, err = io.Copy(cw, io.LimitReader(rd, n))
	}
	if err == nil && cw.n < n {
		err = io.ErrUnexpectedEOF
	}
	if err != nil && c.r.Context().Err() == nil {
		s.opts.ErrorLog.Printf("registry server: %s %s: sending content: %v", c.r.Method, reply.Truncate(c.r.URL.Path, 300), err)
	}
}

// contentWriter counts what is written to an answer, and passes ReadFrom
// on to the connection, which sends files with sendfile.
type contentWriter struct {
	w http.ResponseWriter
	n int64
}

func (cw *contentWriter) Write(p []byte) (int, error) {
	n, err := cw.w.Write(p)
	cw.n += int64(n)
	return n, err
}

func (cw *contentWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	var err error
	if rf, ok := cw.w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(r)
	} else {
		n, err = io.Copy(writerOnly{cw.w}, r)
	}
	cw.n += n
	return n, err
}

// writerOnly hides every method but Write, so that io.Copy does not loop
// back into contentWriter.ReadFrom.
type writerOnly struct{ io.Writer }

// byteRange is a single range of a Range header: first-last with last -1
// for "to the end", or the suffix of the last suffix bytes.
type byteRange struct {
	first, last int64
	suffix      int64 // for "-n"; first and last are then unused
	isSuffix    bool
}

// parseByteRange reads a Range header of one byte range; false for a
// header to ignore (another unit, several ranges, a malformed value), as
// RFC 9110 lets a server do.
func parseByteRange(header string) (byteRange, bool) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return byteRange{}, false
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return byteRange{}, false
	}
	if first == "" {
		n, err := parseUint(last)
		if err != nil {
			return byteRange{}, false
		}
		return byteRange{suffix: n, isSuffix: true}, true
	}
	start, err := parseUint(first)
	if err != nil {
		return byteRange{}, false
	}
	end := int64(-1)
	if last != "" {
		if end, err = parseUint(last); err != nil {
			return byteRange{}, false
		}
	}
	return byteRange{first: start, last: end}, true
}

// serveBlobRange answers a GET of one byte range with 206, or 416 with the
// blob's size for a range it cannot satisfy.
func (s *Server) serveBlobRange(c *request, dgst digest.Digest, br byteRange, header string) error {
	ctx := c.r.Context()
	unsatisfiable := func(size int64) error {
		c.w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(size, 10))
		return reply.WithStatus(http.StatusRequestedRangeNotSatisfiable,
			errcode.ErrorCodeRangeInvalid.WithDetail(map[string]string{"range": reply.Truncate(header, 100)}))
	}
	start, end := br.first, br.last // end inclusive, -1 for the blob's end
	if br.isSuffix || (end >= 0 && end < start) {
		desc, err := s.store.ResolveBlob(ctx, c.name, dgst)
		if err != nil {
			return err
		}
		if !br.isSuffix || br.suffix == 0 || desc.Size == 0 {
			return unsatisfiable(desc.Size)
		}
		start, end = desc.Size-min(br.suffix, desc.Size), desc.Size-1
	}
	stop := int64(-1)
	if end >= 0 && end < 1<<62 {
		stop = end + 1
	}
	rd, err := s.store.GetBlobRange(ctx, c.name, dgst, start, stop)
	if isCode(err, errcode.ErrorCodeRangeInvalid) {
		desc, rerr := s.store.ResolveBlob(ctx, c.name, dgst)
		if rerr != nil {
			return rerr
		}
		return unsatisfiable(desc.Size)
	}
	if err != nil {
		return err
	}
	defer rd.Close()
	size := rd.Descriptor().Size
	if start >= size {
		return unsatisfiable(size)
	}
	if end < 0 || end > size-1 {
		end = size - 1
	}
	n := end - start + 1
	h := c.w.Header()
	vs := headerValues(dgst.String(), "bytes "+strconv.FormatInt(start, 10)+"-"+strconv.FormatInt(end, 10)+"/"+strconv.FormatInt(size, 10), strconv.FormatInt(n, 10))
	h["Docker-Content-Digest"], h["Content-Range"], h["Content-Length"] = vs[0], vs[1], vs[2]
	h["Content-Type"] = headerOctetStream
	c.w.WriteHeader(http.StatusPartialContent)
	s.copyContent(c, rd, n)
	return nil
}

// deleteBlob unlinks a blob from a repository (end-10).
func (s *Server) deleteBlob(c *request) error {
	dgst, err := parseDigest(c.match.Digest)
	if err != nil {
		return err
	}
	if err := s.store.DeleteBlob(c.r.Context(), c.name, dgst); err != nil {
		return err
	}
	c.w.Header()["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusAccepted)
	return nil
}

// parseUint parses a non-negative decimal number of digits only.
func parseUint(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(s, 10, 64)
}
