package registrytest

import (
	"errors"
	"io"
	"net/http"

	"github.com/regapi/regapi/errcode"
)

// body returns the reader of c's request body, calling progress (when not
// nil) after each read with the bytes it read. The deadline of
// Options.BodyTimeout is not its business: ServeHTTP gives every request
// body one (see countingBody), whoever reads it.
func (reg *Registry) body(c *request, progress func(n int)) io.Reader {
	if c.r.Body == nil {
		return http.NoBody
	}
	if progress == nil {
		return c.r.Body
	}
	return &progressReader{body: c.r.Body, progress: progress}
}

// progressReader reports every read to progress, so that an upload
// session knows when it last received a byte.
type progressReader struct {
	body     io.Reader
	progress func(n int)
}

func (b *progressReader) Read(p []byte) (int, error) {
	n, err := b.body.Read(p)
	if n > 0 {
		b.progress(n)
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
