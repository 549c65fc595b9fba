package registrytest

import (
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
)

// upload is an open blob upload session. Its fields are guarded by the
// Registry's mutex.
type upload struct {
	id      string
	name    string
	data    []byte
	touched time.Time // when the session last received bytes
}

// errTooLarge reports content over a configured limit.
var errTooLarge = errors.New("content exceeds the size limit")

// readBody reads at most limit bytes of r's body (no limit when negative),
// returning errTooLarge when there is more.
func readBody(r *http.Request, limit int64) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	if limit < 0 {
		return io.ReadAll(r.Body)
	}
	if r.ContentLength > limit {
		return nil, errTooLarge
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > limit {
		return nil, errTooLarge
	}
	return b, nil
}

// remaining returns how many more bytes a blob that already has used bytes
// may take, or -1 without a limit.
func (reg *Registry) remaining(used int64) int64 {
	if reg.opts.MaxBlobSize < 0 {
		return -1
	}
	if used >= reg.opts.MaxBlobSize {
		return 0
	}
	return reg.opts.MaxBlobSize - used
}

// serveBodyError answers a failure to read a request body.
func serveBodyError(w http.ResponseWriter, err error, limit int64) {
	if errors.Is(err, errTooLarge) {
		serveError(w, http.StatusRequestEntityTooLarge,
			errcode.ErrorCodeSizeInvalid.WithMessage(fmt.Sprintf("content exceeds the limit of %d bytes", limit)))
		return
	}
	serveError(w, 0, errcode.ErrorCodeBlobUploadInvalid.WithDetail(err))
}

// serveUploadStart answers POST /v2/<name>/blobs/uploads/: a session, a
// monolithic upload or a mount.
func (reg *Registry) serveUploadStart(w http.ResponseWriter, r *http.Request, req *request) {
	if r.Method != http.MethodPost {
		serveMethodNotAllowed(w, r, "POST")
		return
	}
	query := r.URL.Query()

	if mount := query.Get("mount"); mount != "" {
		dgst, err := parseDigest(mount)
		if err != nil {
			serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(err))
			return
		}
		from, hasFrom := query["from"]
		source := ""
		if hasFrom {
			source = from[0]
			if !validName(source) {
				serveError(w, 0, errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"from": truncate(source, 300)}))
				return
			}
		}
		if hasFrom || !reg.opts.DisableAnonymousMount {
			mounted, full := reg.mount(req.name, source, hasFrom, dgst)
			if full {
				reg.serveStorageFull(w)
				return
			}
			if mounted {
				reg.serveBlobCreated(w, req, dgst)
				return
			}
		}
		// Not mountable: fall through to a normal session.
	}

	if d := query.Get("digest"); d != "" || query.Has("digest") {
		reg.monolithicUpload(w, r, req, d)
		return
	}

	// The closing digest is verified with its own algorithm, so the one
	// announced here is only checked for support.
	if a := query.Get("digest-algorithm"); a != "" {
		if !digest.Algorithm(a).Available() {
			serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithMessage("unsupported digest algorithm").
				WithDetail(map[string]string{"digest-algorithm": truncate(a, 100)}))
			return
		}
	}

	now := reg.now()
	up := &upload{id: newID(), name: req.name, touched: now}
	reg.mu.Lock()
	reg.expireUploads(now)
	full := reg.opts.MaxUploads > 0 && len(reg.uploads) >= reg.opts.MaxUploads
	if !full {
		reg.uploads[up.id] = up
	}
	reg.mu.Unlock()
	if full {
		w.Header().Set("Retry-After", "1")
		serveError(w, 0, errcode.ErrorCodeTooManyRequests.WithMessage("too many open upload sessions"))
		return
	}
	if reg.opts.ChunkMinLength > 0 {
		w.Header().Set("OCI-Chunk-Min-Length", strconv.FormatInt(reg.opts.ChunkMinLength, 10))
	}
	reg.serveUploadStatus(w, req, up.id, 0, http.StatusAccepted)
}

// mount links the blob dgst into repository name from repository source, or
// from any repository holding it when hasSource is false. It reports whether
// the blob was linked, and whether it was not for lack of storage.
func (reg *Registry) mount(name, source string, hasSource bool, dgst digest.Digest) (mounted, full bool) {
	reg.mu.Lock()
	defer reg.mu.Unlock()
	var data []byte
	found := false
	if hasSource {
		if rp := reg.repo(source, false); rp != nil {
			data, found = rp.blobs[dgst]
		}
	} else {
		for _, rp := range reg.repos {
			if data, found = rp.blobs[dgst]; found {
				break
			}
		}
	}
	if !found {
		return false, false
	}
	if !reg.addBlob(name, dgst, data) {
		return false, true
	}
	return true, false
}

// monolithicUpload stores the body of a POST with a digest query.
func (reg *Registry) monolithicUpload(w http.ResponseWriter, r *http.Request, req *request, d string) {
	dgst, err := parseDigest(d)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(err))
		return
	}
	body, err := readBody(r, reg.remaining(0))
	if err != nil {
		serveBodyError(w, err, reg.opts.MaxBlobSize)
		return
	}
	if dgst.Algorithm().FromBytes(body) != dgst {
		serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": dgst.String()}))
		return
	}
	reg.mu.Lock()
	ok := reg.addBlob(req.name, dgst, body)
	reg.mu.Unlock()
	if !ok {
		reg.serveStorageFull(w)
		return
	}
	reg.serveBlobCreated(w, req, dgst)
}

// serveBlobCreated answers 201 for a blob now present in the repository.
func (reg *Registry) serveBlobCreated(w http.ResponseWriter, req *request, dgst digest.Digest) {
	loc, err := blobURL(req, dgst)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeUnknown.WithDetail(err))
		return
	}
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Docker-Content-Digest", dgst.String())
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

// serveUploadStatus answers with the state of a session: its Location,
// Range and id, with the given status.
func (reg *Registry) serveUploadStatus(w http.ResponseWriter, req *request, id string, size int64, status int) {
	loc, err := req.urls().BuildBlobUploadChunkURL(req.ref, id)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeUnknown.WithDetail(err))
		return
	}
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Range", uploadRange(size))
	h.Set("Docker-Upload-UUID", id)
	h.Set("Content-Length", "0")
	w.WriteHeader(status)
}

// uploadRange renders the Range header of a session holding size bytes:
// "0-<last byte>", and "0-0" for an empty session, as distribution does.
func uploadRange(size int64) string {
	end := size - 1
	if end < 0 {
		end = 0
	}
	return "0-" + strconv.FormatInt(end, 10)
}

// dropUpload forgets an upload session and the bytes it holds. The caller
// holds reg.mu for writing.
func (reg *Registry) dropUpload(up *upload) {
	if reg.uploads[up.id] == up {
		delete(reg.uploads, up.id)
		reg.pending -= int64(len(up.data))
	}
}

// expireUploads forgets the sessions idle for longer than
// Options.UploadTTL. The caller holds reg.mu for writing.
func (reg *Registry) expireUploads(now time.Time) {
	if reg.opts.UploadTTL <= 0 {
		return
	}
	for _, up := range reg.uploads {
		if now.Sub(up.touched) > reg.opts.UploadTTL {
			reg.dropUpload(up)
		}
	}
}

// session returns the upload id of repository name and its size, or nil.
// The caller holds reg.mu.
func (reg *Registry) session(name, id string) *upload {
	up := reg.uploads[id]
	if up == nil || up.name != name {
		return nil
	}
	if reg.opts.UploadTTL > 0 && reg.now().Sub(up.touched) > reg.opts.UploadTTL {
		return nil
	}
	return up
}

// serveUpload answers GET, PATCH, PUT and DELETE on an upload session.
func (reg *Registry) serveUpload(w http.ResponseWriter, r *http.Request, req *request) {
	id := req.match.UUID
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		reg.mu.RLock()
		up := reg.session(req.name, id)
		var size int64
		if up != nil {
			size = int64(len(up.data))
		}
		reg.mu.RUnlock()
		if up == nil {
			serveUploadUnknown(w, id)
			return
		}
		reg.serveUploadStatus(w, req, id, size, http.StatusNoContent)
	case http.MethodDelete:
		reg.mu.Lock()
		up := reg.session(req.name, id)
		if up != nil {
			reg.dropUpload(up)
		}
		reg.mu.Unlock()
		if up == nil {
			serveUploadUnknown(w, id)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodPatch:
		reg.patchUpload(w, r, req, id)
	case http.MethodPut:
		reg.putUpload(w, r, req, id)
	default:
		serveMethodNotAllowed(w, r, "GET, HEAD, PATCH, PUT, DELETE")
	}
}

func serveUploadUnknown(w http.ResponseWriter, id string) {
	serveError(w, 0, errcode.ErrorCodeBlobUploadUnknown.WithDetail(map[string]string{"uuid": truncate(id, 100)}))
}

// contentRangeRegexp is the form the specification gives a chunk's
// Content-Range.
var contentRangeRegexp = regexp.MustCompile(`^([0-9]+)-([0-9]+)$`)

// chunk is the part of a PATCH or closing PUT request that adds bytes.
type chunk struct {
	offset int64 // the session size the request was checked against
	data   []byte
}

// readChunk checks the Content-Range of r against the session and reads the
// body. It answers the error itself and returns ok false on failure.
func (reg *Registry) readChunk(w http.ResponseWriter, r *http.Request, req *request, id string) (c chunk, ok bool) {
	reg.mu.RLock()
	up := reg.session(req.name, id)
	var size int64
	if up != nil {
		size = int64(len(up.data))
	}
	reg.mu.RUnlock()
	if up == nil {
		serveUploadUnknown(w, id)
		return c, false
	}
	c.offset = size

	want := int64(-1)
	if cr := r.Header.Get("Content-Range"); cr != "" {
		m := contentRangeRegexp.FindStringSubmatch(cr)
		var start, end int64
		var err1, err2 error
		if m != nil {
			start, err1 = strconv.ParseInt(m[1], 10, 64)
			end, err2 = strconv.ParseInt(m[2], 10, 64)
		}
		if m == nil || err1 != nil || err2 != nil || end < start {
			reg.serveRangeInvalid(w, req, id, size, cr)
			return c, false
		}
		if start != size || end-start == math.MaxInt64 {
			reg.serveRangeInvalid(w, req, id, size, cr)
			return c, false
		}
		// A chunk announced over the limit is refused before its body is
		// read.
		if limit := reg.remaining(size); limit >= 0 && end-start >= limit {
			serveBodyError(w, errTooLarge, reg.opts.MaxBlobSize)
			return c, false
		}
		want = end - start + 1
		if r.ContentLength >= 0 && r.Header.Get("Content-Length") != "" && r.ContentLength != want {
			serveError(w, 0, errcode.ErrorCodeSizeInvalid.WithDetail(map[string]string{
				"Content-Range": cr, "Content-Length": strconv.FormatInt(r.ContentLength, 10)}))
			return c, false
		}
	}

	limit := reg.remaining(size)
	data, err := readBody(r, limit)
	if err != nil {
		serveBodyError(w, err, reg.opts.MaxBlobSize)
		return c, false
	}
	if want >= 0 && int64(len(data)) != want {
		serveError(w, 0, errcode.ErrorCodeSizeInvalid.WithDetail(map[string]int64{"expected": want, "received": int64(len(data))}))
		return c, false
	}
	c.data = data
	return c, true
}

// serveRangeInvalid answers a chunk that does not continue the session,
// telling the client where the session stands.
func (reg *Registry) serveRangeInvalid(w http.ResponseWriter, req *request, id string, size int64, contentRange string) {
	if loc, err := req.urls().BuildBlobUploadChunkURL(req.ref, id); err == nil {
		w.Header().Set("Location", loc)
	}
	w.Header().Set("Range", uploadRange(size))
	w.Header().Set("Docker-Upload-UUID", id)
	serveError(w, 0, errcode.ErrorCodeRangeInvalid.WithDetail(map[string]string{
		"Content-Range": truncate(contentRange, 100), "expected start": strconv.FormatInt(size, 10)}))
}

// patchUpload appends a chunk to a session.
func (reg *Registry) patchUpload(w http.ResponseWriter, r *http.Request, req *request, id string) {
	c, ok := reg.readChunk(w, r, req, id)
	if !ok {
		return
	}
	reg.mu.Lock()
	up := reg.session(req.name, id)
	var size int64
	conflict, full := false, false
	if up != nil {
		size = int64(len(up.data))
		switch {
		case size != c.offset:
			// Another request added bytes while this one was reading.
			conflict = true
		case !reg.fits(int64(len(c.data))):
			full = true
		case reg.uploads[id] != up:
			// Expired while fits made room.
			up = nil
		default:
			up.data = append(up.data, c.data...)
			up.touched = reg.now()
			reg.pending += int64(len(c.data))
			size = int64(len(up.data))
		}
	}
	reg.mu.Unlock()
	switch {
	case up == nil:
		serveUploadUnknown(w, id)
	case conflict:
		reg.serveRangeInvalid(w, req, id, size, r.Header.Get("Content-Range"))
	case full:
		reg.serveStorageFull(w)
	default:
		reg.serveUploadStatus(w, req, id, size, http.StatusAccepted)
	}
}

// putUpload closes a session, with an optional last chunk.
func (reg *Registry) putUpload(w http.ResponseWriter, r *http.Request, req *request, id string) {
	d := r.URL.Query().Get("digest")
	if d == "" {
		reg.mu.RLock()
		up := reg.session(req.name, id)
		reg.mu.RUnlock()
		if up == nil {
			serveUploadUnknown(w, id)
			return
		}
		serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithMessage("the digest query parameter is required to close an upload"))
		return
	}
	dgst, err := parseDigest(d)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(err))
		return
	}
	c, ok := reg.readChunk(w, r, req, id)
	if !ok {
		return
	}

	// Hash outside the lock: the bytes a session holds never change, only
	// grow, so the prefix read here stays valid.
	reg.mu.RLock()
	up := reg.session(req.name, id)
	var prefix []byte
	if up != nil {
		prefix = up.data
	}
	reg.mu.RUnlock()
	if up == nil {
		serveUploadUnknown(w, id)
		return
	}
	if int64(len(prefix)) != c.offset {
		reg.serveRangeInvalid(w, req, id, int64(len(prefix)), r.Header.Get("Content-Range"))
		return
	}
	hasher := dgst.Algorithm().Hash()
	_, _ = hasher.Write(prefix)
	_, _ = hasher.Write(c.data)
	if digest.NewDigest(dgst.Algorithm(), hasher) != dgst {
		serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": dgst.String()}))
		return
	}

	reg.mu.Lock()
	up = reg.session(req.name, id)
	if up == nil {
		// Closed or cancelled by another request meanwhile.
		reg.mu.Unlock()
		serveUploadUnknown(w, id)
		return
	}
	if size := int64(len(up.data)); size != c.offset {
		// A chunk arrived meanwhile: the digest was checked against
		// other content.
		reg.mu.Unlock()
		reg.serveRangeInvalid(w, req, id, size, r.Header.Get("Content-Range"))
		return
	}
	content := slices.Clip(up.data)
	if len(c.data) > 0 {
		content = append(content, c.data...)
	}
	// The session's bytes become the blob's: the session is dropped first,
	// so that they are not counted twice, and restored if the blob does not
	// fit.
	reg.dropUpload(up)
	if !reg.addBlob(req.name, dgst, content) {
		reg.uploads[id] = up
		reg.pending += int64(len(up.data))
		reg.mu.Unlock()
		reg.serveStorageFull(w)
		return
	}
	reg.mu.Unlock()
	reg.serveBlobCreated(w, req, dgst)
}

// validTag reports whether tag is a valid tag.
func validTag(tag string) bool {
	return tagRegexp.MatchString(tag)
}

// tagRegexp is the tag grammar, anchored.
var tagRegexp = regexp.MustCompile(`^` + reference.TagRegexp.String() + `$`)
