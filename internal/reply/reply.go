// Package reply holds what package server and package registrytest both
// need to write an answer: an error answered with a status other than its
// code's, JSON bodies that a HEAD request does not get, and the cutting of
// client text before it is echoed.
package reply

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// StatusError is a failure answered with a status other than its code's:
// the specification answers some conditions (413, 414, 416, a path no route
// has) with a status no code carries.
type StatusError struct {
	Status int
	Err    error
}

func (e *StatusError) Error() string { return e.Err.Error() }
func (e *StatusError) Unwrap() error { return e.Err }

// WithStatus returns err to be answered with status.
func WithStatus(status int, err error) error {
	return &StatusError{Status: status, Err: err}
}

// JSON answers r with status and v encoded as JSON of the given media type,
// with a Content-Length, the body left out for a HEAD request.
func JSON(w http.ResponseWriter, r *http.Request, status int, mediaType string, v any) error {
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

// Truncate shortens s, which a client sent, to n bytes before it is echoed
// in an answer or a log line.
func Truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
