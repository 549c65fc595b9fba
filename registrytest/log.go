package registrytest

import (
	"log"
	"net/http"
	"time"
)

// logRequests wraps h to write one line per request to logger: method,
// path with query, status, response body bytes and duration.
func logRequests(logger *log.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		lw := &loggingWriter{ResponseWriter: w}
		h.ServeHTTP(lw, r)
		if lw.status == 0 {
			lw.status = http.StatusOK
		}
		logger.Printf("%s %s %s %d %d %s", r.RemoteAddr, r.Method, r.URL.RequestURI(), lw.status, lw.bytes, time.Since(start).Round(time.Microsecond))
	})
}

// loggingWriter records the status and size of a response.
type loggingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (lw *loggingWriter) WriteHeader(status int) {
	if lw.status == 0 {
		lw.status = status
	}
	lw.ResponseWriter.WriteHeader(status)
}

// Unwrap lets http.ResponseController reach the connection, to set the
// deadlines of BodyTimeout.
func (lw *loggingWriter) Unwrap() http.ResponseWriter {
	return lw.ResponseWriter
}

func (lw *loggingWriter) Write(b []byte) (int, error) {
	if lw.status == 0 {
		lw.status = http.StatusOK
	}
	n, err := lw.ResponseWriter.Write(b)
	lw.bytes += int64(n)
	return n, err
}
