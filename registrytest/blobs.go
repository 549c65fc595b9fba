package registrytest

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
)

// serveBlob answers GET, HEAD and DELETE on /v2/<name>/blobs/<digest>.
func (reg *Registry) serveBlob(w http.ResponseWriter, r *http.Request, req *request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodDelete:
	default:
		serveMethodNotAllowed(w, r, "GET, HEAD, DELETE")
		return
	}
	dgst, err := parseDigest(req.match.Digest)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(err))
		return
	}
	if r.Method == http.MethodDelete {
		reg.deleteBlob(w, req, dgst)
		return
	}

	reg.mu.RLock()
	var data []byte
	found := false
	if rp := reg.repo(req.name, false); rp != nil {
		data, found = rp.blobs[dgst]
	}
	reg.mu.RUnlock()
	if !found {
		serveError(w, 0, errcode.ErrorCodeBlobUnknown.WithDetail(map[string]string{"digest": dgst.String()}))
		return
	}

	h := w.Header()
	h.Set("Docker-Content-Digest", dgst.String())
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Accept-Ranges", "bytes")
	h.Set("ETag", `"`+dgst.String()+`"`)
	h.Set("Cache-Control", "max-age=31536000")

	size := int64(len(data))
	if rangeHeader := r.Header.Get("Range"); rangeHeader != "" && r.Method == http.MethodGet {
		start, end, status := parseRange(rangeHeader, size)
		switch status {
		case http.StatusPartialContent:
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
			h.Set("Content-Length", strconv.FormatInt(end-start+1, 10))
			w.WriteHeader(http.StatusPartialContent)
			_, _ = w.Write(data[start : end+1])
			return
		case http.StatusRequestedRangeNotSatisfiable:
			h.Del("Accept-Ranges")
			h.Del("ETag")
			h.Del("Cache-Control")
			h.Del("Docker-Content-Digest")
			h.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			serveError(w, 0, errcode.ErrorCodeRangeInvalid.WithDetail(map[string]string{"range": truncate(rangeHeader, 100)}))
			return
		}
	}
	h.Set("Content-Length", strconv.FormatInt(size, 10))
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(data)
	}
}

// parseRange interprets a Range header against a blob of size bytes. It
// returns the inclusive byte range and 206 for one satisfiable range, 416
// for a range that cannot be satisfied, and 200 when the header is to be
// ignored (another unit, several ranges or a malformed value).
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
		if n > size {
			n = size
		}
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
		if end > size-1 {
			end = size - 1
		}
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

// deleteBlob unlinks a blob from a repository.
func (reg *Registry) deleteBlob(w http.ResponseWriter, req *request, dgst digest.Digest) {
	reg.mu.Lock()
	found := false
	if rp := reg.repo(req.name, false); rp != nil {
		var data []byte
		if data, found = rp.blobs[dgst]; found {
			delete(rp.blobs, dgst)
			reg.used -= int64(len(data))
			reg.dropIfEmpty(req.name)
		}
	}
	reg.mu.Unlock()
	if !found {
		serveError(w, 0, errcode.ErrorCodeBlobUnknown.WithDetail(map[string]string{"digest": dgst.String()}))
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
}

// blobURL builds the Location of a blob.
func blobURL(req *request, dgst digest.Digest) (string, error) {
	ref, err := reference.WithDigest(req.ref, dgst)
	if err != nil {
		return "", err
	}
	return req.urls().BuildBlobURL(ref)
}
