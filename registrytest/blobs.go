package registrytest

import (
	"fmt"

	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
)

// serveBlob answers GET and HEAD on a blob (end-2), whole or, for a GET
// with a single byte range, in part. The content is written without any
// lock held.
func (reg *Registry) serveBlob(c *request) error {
	dgst, err := parseDigest(c.match.Digest)
	if err != nil {
		return err
	}
	data := reg.store.blob(c.name, dgst)
	if data == nil {
		return errcode.ErrorCodeBlobUnknown.WithDetail(map[string]string{"digest": dgst.String()})
	}
	if reg.opts.BlobRedirect && !c.head() {
		return reg.redirectBlob(c, dgst)
	}
	return writeBlob(c, dgst, data)
}

// writeBlob answers a GET or HEAD of blob content: whole, or, for a GET
// with a single byte range, in part.
func writeBlob(c *request, dgst digest.Digest, data content) error {
	size := data.size()
	h := c.w.Header()
	if rangeHeader := c.r.Header.Get("Range"); rangeHeader != "" && !c.head() {
		start, end, status := parseRange(rangeHeader, size)
		switch status {
		case http.StatusPartialContent:
			h.Set("Docker-Content-Digest", dgst.String())
			h["Content-Type"] = headerOctetStream
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
			h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
			c.w.WriteHeader(http.StatusPartialContent)
			_, _ = data.writeRange(c.w, start, end-start+1)
			return nil
		case http.StatusRequestedRangeNotSatisfiable:
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			return withStatus(http.StatusRequestedRangeNotSatisfiable,
				errcode.ErrorCodeRangeInvalid.WithDetail(map[string]string{"range": truncate(rangeHeader, 100)}))
		}
	}
	h.Set("Docker-Content-Digest", dgst.String())
	h["Content-Type"] = headerOctetStream
	h["Accept-Ranges"] = headerBytes
	h.Set("ETag", `"`+dgst.String()+`"`)
	h["Cache-Control"] = headerImmutable
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	c.w.WriteHeader(http.StatusOK)
	if !c.head() {
		_, _ = data.writeRange(c.w, 0, size)
	}
	return nil
}

// parseRange interprets a Range header against a blob of size bytes. It
// returns the inclusive byte range and 206 for one satisfiable range, 416
// for a range that cannot be satisfied, and 200 when the header is to be
// ignored (another unit, several ranges or a malformed value), as RFC 9110
// lets a server do.
func parseRange(header string, size int64) (start, end int64, status int) {
	spec, ok := strings.CutPrefix(strings.TrimSpace(header), "bytes=")
	if !ok || strings.Contains(spec, ",") {
		return 0, 0, http.StatusOK
	}
	first, last, ok := strings.Cut(strings.TrimSpace(spec), "-")
	if !ok {
		return 0, 0, http.StatusOK
	}
	if first == "" {
		// A suffix range: the last n bytes.
		n, err := parseUint(last)
		if err != nil {
			return 0, 0, http.StatusOK
		}
		if n == 0 || size == 0 {
			return 0, 0, http.StatusRequestedRangeNotSatisfiable
		}
		n = min(n, size)
		return size - n, size - 1, http.StatusPartialContent
	}
	start, err := parseUint(first)
	if err != nil {
		return 0, 0, http.StatusOK
	}
	end = size - 1
	if last != "" {
		end, err = parseUint(last)
		if err != nil {
			return 0, 0, http.StatusOK
		}
		if end < start {
			return 0, 0, http.StatusRequestedRangeNotSatisfiable
		}
		end = min(end, size-1)
	}
	if start >= size {
		return 0, 0, http.StatusRequestedRangeNotSatisfiable
	}
	return start, end, http.StatusPartialContent
}

// parseUint parses a non-negative decimal number of digits only.
func parseUint(s string) (int64, error) {
	if s == "" || strings.TrimLeft(s, "0123456789") != "" {
		return 0, fmt.Errorf("not a number: %q", s)
	}
	return strconv.ParseInt(s, 10, 64)
}

// deleteBlob unlinks a blob from a repository (end-10). Manifests that
// reference it are kept, as distribution keeps them.
func (reg *Registry) deleteBlob(c *request) error {
	dgst, err := parseDigest(c.match.Digest)
	if err != nil {
		return err
	}
	if !reg.store.unlinkBlob(c.name, dgst) {
		return errcode.ErrorCodeBlobUnknown.WithDetail(map[string]string{"digest": dgst.String()})
	}
	c.w.Header()["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusAccepted)
	return nil
}
