package conformance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/opencontainers/go-digest"
)

// maxKeep bounds the bytes of a response body the suite keeps: the largest
// blob it pushes, the chunked layer (a file of two and a half chunks of at
// most maxChunk, in a tar archive whose headers take a few kilobytes), so
// that every blob it pulls back is compared whole. Longer bodies are hashed
// as they stream by.
const maxKeep = 2*maxChunk + maxChunk/2 + 64<<10

// maxRedirects bounds the redirects followed for one request.
const maxRedirects = 5

// client sends the suite's requests and hands every response from the
// registry's host to observe, before the step that sent it looks at it.
type client struct {
	base    *url.URL // scheme, host and the path prefix, without a final slash
	http    *http.Client
	timeout time.Duration // for each request and its answer; none when not positive
	observe func(*response)
}

// request is one request of a step.
type request struct {
	method string
	url    string // absolute
	header http.Header
	body   []byte
	// follow makes the client follow redirects, as for downloads.
	follow bool
}

// response is a response as the suite keeps it.
type response struct {
	method    string
	url       *url.URL
	reqHeader http.Header
	reqBody   []byte

	status   int
	header   http.Header
	body     []byte
	complete bool
	bodyLen  int64
	// bodyDigest is the digest of the whole body in the algorithm of
	// Docker-Content-Digest, when the response had a well-formed one.
	bodyDigest digest.Digest
}

// do sends rq, following redirects when rq asks for it.
func (c *client) do(ctx context.Context, rq request) (*response, error) {
	u, err := url.Parse(rq.url)
	if err != nil {
		return nil, err
	}
	for hop := 0; ; hop++ {
		resp, err := c.once(ctx, rq, u)
		if err != nil || !rq.follow || hop == maxRedirects || !isRedirect(resp.status) {
			return resp, err
		}
		next, err := resolveLocation(u, resp.header.Get("Location"))
		if err != nil {
			return resp, nil
		}
		u = next
	}
}

// isRedirect reports whether status sends the client elsewhere.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// once sends one request to u and reads its response, within the
// client's timeout.
func (c *client) once(ctx context.Context, rq request, u *url.URL) (*response, error) {
	if c.timeout <= 0 {
		return c.roundTrip(ctx, rq, u)
	}
	reqCtx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	resp, err := c.roundTrip(reqCtx, rq, u)
	if err != nil && ctx.Err() == nil && errors.Is(reqCtx.Err(), context.DeadlineExceeded) {
		return nil, fmt.Errorf("%s %s: no complete answer within %v", rq.method, u.Redacted(), c.timeout)
	}
	return resp, err
}

// roundTrip sends one request to u and reads its response.
func (c *client) roundTrip(ctx context.Context, rq request, u *url.URL) (*response, error) {
	var body io.Reader = http.NoBody
	if rq.body != nil {
		body = bytes.NewReader(rq.body)
	}
	var head *headWatch
	if rq.method == http.MethodHead {
		head = &headWatch{}
		ctx = head.trace(ctx)
	}
	req, err := http.NewRequestWithContext(ctx, rq.method, u.String(), body)
	if err != nil {
		return nil, err
	}
	for k, vs := range rq.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	hr, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", rq.method, u.Redacted(), err)
	}
	defer hr.Body.Close()
	resp := &response{
		method: rq.method, url: u, reqHeader: req.Header, reqBody: rq.body,
		status: hr.StatusCode, header: hr.Header,
	}
	var h hash.Hash
	var alg digest.Algorithm
	if d, err := digest.Parse(hr.Header.Get("Docker-Content-Digest")); err == nil {
		alg, h = d.Algorithm(), d.Algorithm().Hash()
	}
	kept, err := readKept(hr.Body, hr.ContentLength)
	if err != nil {
		return nil, fmt.Errorf("%s %s: reading the body: %w", rq.method, u.Redacted(), err)
	}
	resp.bodyLen = int64(len(kept))
	resp.complete = len(kept) <= maxKeep
	if h != nil {
		h.Write(kept)
	}
	if !resp.complete {
		kept = kept[:maxKeep]
		n, err := io.Copy(writerOrDiscard(h), hr.Body)
		if err != nil {
			return nil, fmt.Errorf("%s %s: reading the body: %w", rq.method, u.Redacted(), err)
		}
		resp.bodyLen += n
	}
	resp.body = kept
	if head != nil {
		// Bytes after a HEAD response's header, held back by the
		// connection, count as the body the server sent.
		resp.bodyLen += head.bodyLen()
	}
	if h != nil {
		resp.bodyDigest = digest.NewDigest(alg, h)
	}
	if c.onRegistry(u) && c.observe != nil {
		c.observe(resp)
	}
	return resp, nil
}

// readKept reads up to maxKeep+1 bytes of body. A Content-Length within
// that sizes the buffer at once (and one byte more, to see the end without
// growing it), so that a long body is not copied through ever larger
// buffers as io.ReadAll would; a body longer than it says is still read
// to the bound.
func readKept(body io.Reader, contentLength int64) ([]byte, error) {
	const limit = maxKeep + 1
	size := 512
	if contentLength >= 0 && contentLength < limit {
		size = int(contentLength) + 1
	}
	buf := make([]byte, 0, size)
	for len(buf) < limit {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := body.Read(buf[len(buf):min(cap(buf), limit)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// onRegistry reports whether u is on the registry's origin: its scheme,
// host and port, however written. The contract holds only there; a
// redirect may lead to storage the specification does not govern.
func (c *client) onRegistry(u *url.URL) bool {
	return sameOrigin(u, c.base)
}

// writerOrDiscard returns h, or io.Discard for nil.
func writerOrDiscard(h hash.Hash) io.Writer {
	if h == nil {
		return io.Discard
	}
	return h
}

// observation returns the response as the contract checks take it.
func (r *response) observation() *observation {
	o := &observation{
		method: r.method, url: r.url, reqHeader: r.reqHeader,
		status: r.status, header: r.header,
		body: r.body, complete: r.complete, bodyLen: r.bodyLen, bodyDigest: r.bodyDigest,
	}
	// Only a manifest push's digests are compared, and a manifest is no
	// longer than the bodies the checks inspect: the blobs and chunks the
	// suite PUTs, of up to 80 MiB, are not hashed twice more.
	if r.method == http.MethodPut && r.reqBody != nil && len(r.reqBody) <= maxInspect {
		o.reqDigests = []digest.Digest{
			digest.NewDigest(digest.SHA256, hashOf(sha256.New(), r.reqBody)),
			digest.NewDigest(digest.SHA512, hashOf(sha512.New(), r.reqBody)),
		}
	}
	return o
}

// hashOf returns h after writing b to it.
func hashOf(h hash.Hash, b []byte) hash.Hash {
	h.Write(b)
	return h
}

// exchange returns the response as a report shows it.
func (r *response) exchange() *Exchange {
	return &Exchange{
		Method:        r.method,
		URL:           r.url.Redacted(),
		RequestHeader: redacted(r.reqHeader),
		Status:        r.status,
		Header:        r.header.Clone(),
		Body:          truncate(string(r.body), 1024),
	}
}

// redacted returns a copy of h without credentials.
func redacted(h http.Header) http.Header {
	out := h.Clone()
	if out.Get("Authorization") != "" {
		out.Set("Authorization", "[redacted]")
	}
	return out
}
