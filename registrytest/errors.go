package registrytest

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/reply"
)

// The answers of the endpoints only a test registry has (redirected blob
// URLs) are written here; the server answers the API's.

// serveError answers err through errcode.ServeJSON, with the status a
// reply.StatusError carries, if any, and a Content-Length, so that a HEAD
// request learns the length of the body it does not get.
func serveError(w http.ResponseWriter, r *http.Request, err error) {
	var se *reply.StatusError
	if errors.As(err, &se) {
		err = se.Err
	}
	var body envelopeWriter
	body.header = w.Header()
	_ = errcode.ServeJSON(&body, err)
	status := body.status
	if se != nil {
		status = se.Status
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
