package registrytest

import (
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/regapi/regapi/errcode"
)

// bodyReader reads a request body for a handler: it gives the client
// Options.BodyTimeout to send each next byte, and reports every read to
// progress, so that an upload session knows when it last received a byte.
type bodyReader struct {
	body     io.Reader
	rc       *http.ResponseController
	timeout  time.Duration
	progress func(n int)
	// deadlines is cleared once the connection refuses a deadline: the
	// handler was called without a net/http connection.
	deadlines bool
	// set is when the deadline was last moved: it moves again only once
	// an eighth of the timeout has passed, so that a body read in many
	// small reads does not set a deadline for each. The deadline is that
	// eighth further away than the timeout, so that a client is never cut
	// before it sent nothing for the whole timeout (but may be up to an
	// eighth later).
	set time.Time
}

// body returns the reader of c's request body, calling progress (when not
// nil) after each read with the bytes it read.
func (reg *Registry) body(c *request, progress func(n int)) *bodyReader {
	b := &bodyReader{body: c.r.Body, progress: progress, timeout: reg.opts.BodyTimeout}
	if b.body == nil {
		b.body = http.NoBody
	}
	if b.timeout > 0 {
		b.rc = http.NewResponseController(c.w)
		b.deadlines = true
	}
	return b
}

func (b *bodyReader) Read(p []byte) (int, error) {
	if b.deadlines {
		if now := time.Now(); now.Sub(b.set) > b.timeout/8 {
			b.set = now
			if err := b.rc.SetReadDeadline(now.Add(b.timeout + b.timeout/8)); err != nil {
				b.deadlines = false
			}
		}
	}
	n, err := b.body.Read(p)
	if n > 0 && b.progress != nil {
		b.progress(n)
	}
	if err != nil && err != io.EOF && errors.Is(err, os.ErrDeadlineExceeded) {
		err = errBodyTimeout
	}
	return n, err
}

// errBodyTimeout reports a client that sent nothing for BodyTimeout.
var errBodyTimeout = errors.New("the request body sent nothing for longer than the registry waits")

// bodyFailure is the answer to a body that could not be read to its end
// for a reason of the client's: 408 when it stalled, with the connection
// closed, since the rest of the body will not be read; a client that went
// away gets the answer the descriptors give a broken upload, which it will
// most likely never read.
func bodyFailure(w http.ResponseWriter, err error) error {
	if errors.Is(err, errBodyTimeout) {
		w.Header().Set("Connection", "close")
		return withStatus(http.StatusRequestTimeout, errcode.ErrorCodeUnknown.WithMessage(errBodyTimeout.Error()))
	}
	return errcode.ErrorCodeBlobUploadInvalid.WithDetail("reading the request body: " + err.Error())
}

// limitBodyTime gives a request whose body is read whole elsewhere (a
// token request, a list of faults) BodyTimeout to send all of it, so that
// a client sending it slowly cannot hold its connection for ever. A
// handler called without a net/http connection reads without a deadline.
func (reg *Registry) limitBodyTime(w http.ResponseWriter) {
	if reg.opts.BodyTimeout > 0 {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(reg.opts.BodyTimeout))
	}
}
