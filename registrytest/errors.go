package registrytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/regapi/regapi/errcode"
)

// The answers of the endpoints only a test registry has (redirected blob
// URLs) are written here; the server answers the API's.

// statusError is a failure answered with a status other than its code's.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus returns err to be answered with status.
func withStatus(status int, err error) error {
	return &statusError{status: status, err: err}
}

// serveError answers err through errcode.ServeJSON, with the status a
// statusError carries, if any, and a Content-Length, so that a HEAD
// request learns the length of the body it does not get.
func serveError(w http.ResponseWriter, r *http.Request, err error) {
	var se *statusError
	if errors.As(err, &se) {
		err = se.err
	}
	var body envelopeWriter
	body.header = w.Header()
	_ = errcode.ServeJSON(&body, err)
	status := body.status
	if se != nil {
		status = se.status
	}
	w.Header().Set("Content-Length", strconv.Itoa(body.buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body.buf.Bytes())
	}
}

// envelopeWriter collects what errcode.ServeJSON writes, its headers going
// to the real answer's.
type envelopeWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (e *envelopeWriter) Header() http.Header         { return e.header }
func (e *envelopeWriter) WriteHeader(status int)      { e.status = status }
func (e *envelopeWriter) Write(b []byte) (int, error) { return e.buf.Write(b) }

// truncate shortens what a client sent before it is echoed.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// writeJSON answers with v as JSON of the given media type, with a
// Content-Length.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, mediaType string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}
