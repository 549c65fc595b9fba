package conformance

import (
	"crypto/sha256"
	"crypto/sha512"
	"hash"
	"io"
	"net/http"

	"github.com/opencontainers/go-digest"
)

// Middleware wraps next with the zero Checker. See Checker.Middleware.
func Middleware(next http.Handler, report func(Violation)) http.Handler {
	return Checker{}.Middleware(next, report)
}

// Middleware returns a handler that serves every request with next and
// holds what next wrote to the contract of the request, calling report
// once per violation after next returns. It does not change what next
// sends: status, headers and bytes pass through as they are written. Of
// the body it keeps at most 4 MiB for inspection, and hashes the rest as
// it streams by; a manifest push's request body is hashed as next reads
// it. Since it sees what the handler writes, it reports a HEAD response
// with a body, which the HTTP server would drop.
//
// A nil report disables the checks.
func (c Checker) Middleware(next http.Handler, report func(Violation)) http.Handler {
	ct := c.contract()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if report == nil {
			next.ServeHTTP(w, r)
			return
		}
		o := &observation{method: r.Method, url: absoluteURL(r), reqHeader: r.Header.Clone()}
		var reqBody *bodyHasher
		if r.Method == http.MethodPut && r.Body != nil && r.Body != http.NoBody {
			reqBody = newBodyHasher(r.Body)
			r.Body = reqBody
		}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		rec.implicitHeader()
		o.status, o.header = rec.status, rec.header
		o.body, o.bodyLen = rec.kept, rec.n
		o.complete = rec.n <= maxInspect
		if rec.hash != nil {
			o.bodyDigest = digest.NewDigest(rec.alg, rec.hash)
		}
		if reqBody != nil && reqBody.eof {
			o.reqDigests = reqBody.digests()
		}
		if _, _, vs := ct.check(o); len(vs) > 0 {
			for _, v := range vs {
				report(v)
			}
		}
	})
}

// recorder passes a response through to the client and keeps what the
// checks need: the status, the headers when they were sent, the first
// bytes of the body and the digest of all of it.
type recorder struct {
	http.ResponseWriter
	wrote  bool
	status int
	header http.Header
	kept   []byte
	n      int64
	alg    digest.Algorithm
	hash   hash.Hash
}

// WriteHeader records the first final status and the headers sent with it.
func (r *recorder) WriteHeader(code int) {
	if !r.wrote && code >= 200 {
		r.snapshot(code)
	}
	r.ResponseWriter.WriteHeader(code)
}

// snapshot records the status and a copy of the headers as they are sent,
// and prepares the hash of the algorithm Docker-Content-Digest uses.
func (r *recorder) snapshot(code int) {
	r.wrote, r.status = true, code
	r.header = r.ResponseWriter.Header().Clone()
	if d, err := digest.Parse(r.header.Get("Docker-Content-Digest")); err == nil {
		r.alg, r.hash = d.Algorithm(), d.Algorithm().Hash()
	}
}

// implicitHeader records the 200 the server sends for a handler that wrote
// no status.
func (r *recorder) implicitHeader() {
	if !r.wrote {
		r.snapshot(http.StatusOK)
	}
}

// Write passes b on and records what was written.
func (r *recorder) Write(b []byte) (int, error) {
	r.implicitHeader()
	n, err := r.ResponseWriter.Write(b)
	written := b[:n]
	if room := maxInspect + 1 - len(r.kept); room > 0 {
		r.kept = append(r.kept, written[:min(room, len(written))]...)
	}
	if r.hash != nil {
		r.hash.Write(written)
	}
	r.n += int64(n)
	return n, err
}

// Flush passes a flush on when the underlying writer supports it.
func (r *recorder) Flush() {
	r.implicitHeader()
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter {
	return r.ResponseWriter
}

// bodyHasher hashes a body as it is read, with the algorithms manifests
// are addressed by.
type bodyHasher struct {
	io.ReadCloser
	sha256, sha512 hash.Hash
	eof            bool
}

func newBodyHasher(body io.ReadCloser) *bodyHasher {
	return &bodyHasher{ReadCloser: body, sha256: sha256.New(), sha512: sha512.New()}
}

// Read reads from the body and hashes what it read.
func (h *bodyHasher) Read(p []byte) (int, error) {
	n, err := h.ReadCloser.Read(p)
	h.sha256.Write(p[:n])
	h.sha512.Write(p[:n])
	if err == io.EOF {
		h.eof = true
	}
	return n, err
}

// digests returns the digests of the body read.
func (h *bodyHasher) digests() []digest.Digest {
	return []digest.Digest{digest.NewDigest(digest.SHA256, h.sha256), digest.NewDigest(digest.SHA512, h.sha512)}
}
