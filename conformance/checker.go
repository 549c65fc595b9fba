package conformance

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"
)

// maxInspect bounds the bytes of a body kept for inspection: manifests,
// lists and error bodies fit (the specification asks registries to accept
// manifests of 4 MiB); blobs beyond it are hashed as they stream by.
const maxInspect = 4 << 20

// Checker holds request and response pairs to the contract the descriptors
// describe, for the checks a server runs in its own tests. The zero value
// applies SpecV1_1 and finds the API below any path prefix.
type Checker struct {
	// Spec is the version of the specification whose requirements apply
	// beyond the descriptors; empty means SpecV1_1.
	Spec SpecVersion

	// Prefix is the path in front of /v2/ where the registry is served,
	// such as "/registry". Empty means the API starts at the first "/v2/"
	// of the path, or at its start.
	Prefix string
}

// contract returns the contract the checker applies.
func (c Checker) contract() contract {
	ct := contract{spec: c.Spec}
	if p := strings.TrimSuffix(c.Prefix, "/"); p != "" {
		ct.prefix, ct.knownPrefix = p, true
	}
	return ct
}

// CheckResponse holds one response to the contract of its request with the
// zero Checker. See Checker.CheckResponse.
func CheckResponse(req *http.Request, resp *http.Response) []Violation {
	return Checker{}.CheckResponse(req, resp)
}

// CheckResponse holds resp to the contract the descriptors describe for
// req, the request it answers: a client's request or a server's
// (httptest.NewRequest and ResponseRecorder.Result), whose URL may lack
// scheme and host. Requests outside the API give no violations.
//
// It reads up to 4 MiB of resp.Body to check digests and error bodies, and
// leaves resp.Body reading the same bytes from the start, so the caller can
// still use the response. A longer body is not checked against its digest.
// The request body is read only through req.GetBody, to learn the digest of
// a pushed manifest.
func (c Checker) CheckResponse(req *http.Request, resp *http.Response) []Violation {
	if req == nil || req.URL == nil || resp == nil {
		return nil
	}
	o := &observation{
		method:    req.Method,
		url:       absoluteURL(req),
		reqHeader: nonNil(req.Header),
		status:    resp.StatusCode,
		header:    nonNil(resp.Header),
	}
	if resp.Body != nil && resp.Body != http.NoBody {
		kept, err := io.ReadAll(io.LimitReader(resp.Body, maxInspect+1))
		o.complete = err == nil && len(kept) <= maxInspect
		o.bodyLen = int64(len(kept))
		if o.complete {
			o.body = kept
		}
		resp.Body = &replayBody{Reader: io.MultiReader(bytes.NewReader(kept), resp.Body), closer: resp.Body}
	} else {
		o.complete = true
	}
	if req.GetBody != nil && req.Method == http.MethodPut {
		o.reqDigests = requestBodyDigests(req)
	}
	_, _, vs := c.contract().check(o)
	return vs
}

// replayBody reads the bytes CheckResponse read, then the rest of the
// original body, and closes the original.
type replayBody struct {
	io.Reader
	closer io.Closer
}

// Close closes the original body.
func (b *replayBody) Close() error {
	return b.closer.Close()
}

// requestBodyDigests returns the sha256 and sha512 digests of a manifest
// push's body, read again through GetBody, or nil.
func requestBodyDigests(req *http.Request) []digest.Digest {
	path := req.URL.Path
	if i := strings.Index(path, "/v2/"); i >= 0 {
		path = path[i:]
	}
	if m, ok := regapi.MatchPath(path); !ok || m.Route != regapi.RouteNameManifest {
		return nil
	}
	body, err := req.GetBody()
	if err != nil {
		return nil
	}
	defer body.Close()
	h := newBodyHasher(body)
	if _, err := io.Copy(io.Discard, io.LimitReader(h, maxInspect+1)); err != nil || !h.eof {
		return nil
	}
	return h.digests()
}

// absoluteURL returns the request's URL with a scheme and host, which a
// server's request lacks, so that Location and Link headers resolve.
func absoluteURL(req *http.Request) *url.URL {
	u := *req.URL
	if u.Scheme == "" {
		u.Scheme = "http"
		if req.TLS != nil {
			u.Scheme = "https"
		}
	}
	if u.Host == "" {
		u.Host = req.Host
	}
	if u.Host == "" {
		u.Host = "localhost"
	}
	return &u
}

// nonNil returns h, or an empty header for nil.
func nonNil(h http.Header) http.Header {
	if h == nil {
		return http.Header{}
	}
	return h
}
