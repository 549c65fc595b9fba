package conformance

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
)

// handlerTransport serves requests with a handler in process, handing it
// each request as an HTTP server would: a URL of path and query, Host,
// RequestURI, a peer address, and Content-Length among the headers.
type handlerTransport struct {
	h http.Handler
}

// RoundTrip serves req with the handler. A handler that panics gives an
// error, as a server would close the connection.
func (t handlerTransport) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	sreq := req.Clone(req.Context())
	sreq.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	sreq.RequestURI = req.URL.RequestURI()
	sreq.Host = req.URL.Host
	sreq.RemoteAddr = "192.0.2.1:49152"
	sreq.Proto, sreq.ProtoMajor, sreq.ProtoMinor = "HTTP/1.1", 1, 1
	if sreq.Body == nil {
		sreq.Body = http.NoBody
	}
	switch {
	case req.ContentLength > 0:
		sreq.Header.Set("Content-Length", strconv.FormatInt(req.ContentLength, 10))
	case req.ContentLength == 0 && (req.Method == http.MethodPost || req.Method == http.MethodPut || req.Method == http.MethodPatch):
		sreq.Header.Set("Content-Length", "0")
	}
	rec := httptest.NewRecorder()
	defer func() {
		if p := recover(); p != nil {
			resp, err = nil, fmt.Errorf("the handler panicked: %v", p)
		}
	}()
	t.h.ServeHTTP(rec, sreq)
	resp = rec.Result()
	resp.Request = req
	if req.Method == http.MethodHead {
		dropHeadBody(resp, rec)
	}
	return resp, nil
}

// serverBuffer is how much of a body net/http's server holds before it
// sends the header: a handler that writes no more and does not flush gets
// a Content-Length computed for it.
const serverBuffer = 2048

// dropHeadBody does to the answer of a HEAD request what net/http's server
// does: it sends none of the body the handler wrote, and sends its length
// as Content-Length when the handler set none and the server held the
// whole body before sending the header.
func dropHeadBody(resp *http.Response, rec *httptest.ResponseRecorder) {
	n := rec.Body.Len()
	h := resp.Header
	if n > 0 && n <= serverBuffer && !rec.Flushed && bodyAllowed(resp.StatusCode) &&
		h.Get("Content-Length") == "" && h.Get("Transfer-Encoding") == "" && len(resp.Trailer) == 0 {
		h.Set("Content-Length", strconv.Itoa(n))
		resp.ContentLength = int64(n)
	}
	resp.Body = http.NoBody
}

// bodyAllowed reports whether a response of status may have a body.
func bodyAllowed(status int) bool {
	return status >= 200 && status != http.StatusNoContent && status != http.StatusNotModified
}
