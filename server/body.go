package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/reply"
)

// requestBody is what every request body is read through: it gives the
// client Options.BodyTimeout to send each next byte, so that no endpoint,
// whoever reads its body (the server or the store), waits for ever on a
// client that stalls, and takes turns at the server's bodyGate. A body
// never read gets no deadline.
type requestBody struct {
	io.ReadCloser
	rw http.ResponseWriter // whose connection the deadline is set on

	// timeout is Options.BodyTimeout; it is cleared (no deadline) once
	// the connection refuses a deadline: the handler was called without a
	// net/http connection.
	timeout time.Duration

	// turn is the body's place at the server's bodyGate; its gate is nil
	// for a body read without turns. ctx is the request's, which ends the
	// wait for a turn.
	turn turn
	ctx  context.Context

	// set is when the deadline was last moved: it moves again only once
	// an eighth of the timeout has passed, so that a body read in many
	// small reads does not set a deadline for each. The deadline is that
	// eighth further away than the timeout, so that a client is never cut
	// before it sent nothing for the whole timeout.
	set time.Time
}

func (b *requestBody) Read(p []byte) (int, error) {
	// The turn comes first, so that the deadline below is moved after a
	// long wait for it: the client is not to blame for that wait.
	if b.turn.gate != nil {
		if err := b.turn.beforeRead(b.ctx); err != nil {
			return 0, err
		}
	}
	if b.timeout > 0 {
		if now := time.Now(); now.Sub(b.set) > b.timeout/8 {
			b.set = now
			rc := http.NewResponseController(b.rw)
			if err := rc.SetReadDeadline(now.Add(b.timeout + b.timeout/8)); err != nil {
				b.timeout = 0
			}
		}
	}
	n, err := b.ReadCloser.Read(p)
	if b.turn.gate != nil {
		b.turn.afterRead(err)
	}
	if err != nil && err != io.EOF && errors.Is(err, os.ErrDeadlineExceeded) {
		err = errBodyTimeout
	}
	return n, err
}

// errBodyTimeout reports a client that sent nothing for BodyTimeout.
var errBodyTimeout = errors.New("the request body sent nothing for longer than the server waits")

// errTooLarge reports a body longer than the limit it is read with.
var errTooLarge = errors.New("content exceeds the size limit")

// bodySource is a request body as one handler reads it, or hands it to the
// store: at most limit bytes (no limit when negative), failing with
// errTooLarge when the body has more. It remembers the first failure it
// returned, so that when the store gives up on a read error, whatever it
// makes of it, the server answers the cause: the client's.
type bodySource struct {
	r       io.Reader
	left    int64 // bytes still allowed, or negative for no limit
	n       int64 // bytes read
	failure error // the first error other than io.EOF returned
}

// source returns the request's body read with limit.
func (c *request) source(limit int64) *bodySource {
	var r io.Reader = http.NoBody
	if c.r.Body != nil {
		r = c.r.Body
	}
	return &bodySource{r: r, left: limit}
}

func (b *bodySource) Read(p []byte) (int, error) {
	if b.failure != nil {
		return 0, b.failure
	}
	if b.left == 0 {
		if err := endOrMore(b.r); err != nil {
			b.failure = err
			return 0, err
		}
		return 0, io.EOF
	}
	if b.left > 0 && int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if b.left > 0 {
		b.left -= int64(n)
	}
	if err != nil && err != io.EOF {
		b.failure = err
	}
	return n, err
}

// endOrMore reads one byte past a limit: it returns nil at the end of r,
// errTooLarge when r has more, and the read's error otherwise.
func endOrMore(r io.Reader) error {
	var probe [1]byte
	k, err := io.ReadFull(r, probe[:])
	switch {
	case k > 0:
		return errTooLarge
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return nil
	}
	return err
}

// bodyFailure is the answer to a body that could not be read to its end
// for a reason of the client's: 408 when it stalled, with the connection
// closed, since the rest of the body will not be read; a client that went
// away gets the answer the descriptors give a broken upload, which it will
// most likely never read.
func bodyFailure(w http.ResponseWriter, err error) error {
	if errors.Is(err, errBodyTimeout) {
		w.Header().Set("Connection", "close")
		return reply.WithStatus(http.StatusRequestTimeout, errcode.ErrorCodeUnknown.WithMessage(errBodyTimeout.Error()))
	}
	return errcode.ErrorCodeBlobUploadInvalid.WithDetail("reading the request body: " + err.Error())
}
