package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/reply"
)

// answer is how an error is answered: the status, header fields to add,
// and the entries of the error envelope.
type answer struct {
	status  int
	header  http.Header
	entries errcode.Errors

	// uncoded is set when an error carried no errcode code: it is answered
	// UNKNOWN without its text, and logged.
	uncoded bool
}

// answerOf decides how err is answered. Every entry is the errcode entry
// the error carries, found with errors.As, with that entry's own message
// and detail: the text of what wraps it (a store's file path, say) never
// reaches the client, unlike errcode.ServeJSON, which puts it in the
// detail. An error without a code is 500 UNKNOWN with neither text nor
// detail. An errcode.HTTPError (an authorization refusal, say) gives its
// status, header and entries; a reply.StatusError its status.
func answerOf(err error) answer {
	var a answer
	var se *reply.StatusError
	if errors.As(err, &se) {
		a.status, err = se.Status, se.Err
	}
	var list errcode.Errors
	var he errcode.HTTPError
	var phe *errcode.HTTPError
	switch {
	case errors.As(err, &he):
		a.status, a.header, list = he.StatusCode, he.Header, he.Errors
	case errors.As(err, &phe) && phe != nil:
		a.status, a.header, list = phe.StatusCode, phe.Header, phe.Errors
	case errors.As(err, &list):
	default:
		list = errcode.Errors{err}
	}
	a.entries = make(errcode.Errors, 0, max(len(list), 1))
	for _, e := range list {
		entry, ok := entryOf(e)
		if !ok {
			a.uncoded = true
		}
		a.entries = append(a.entries, entry)
	}
	if len(a.entries) == 0 {
		a.entries = append(a.entries, errcode.ErrorCodeUnknown.WithDetail(nil))
	}
	if a.status == 0 {
		a.status = a.entries[0].(errcode.Error).Code.Descriptor().HTTPStatusCode
	}
	return a
}

// entryOf returns the envelope entry an error carries, and false, with an
// UNKNOWN entry of no detail, for one that carries no code.
func entryOf(err error) (errcode.Error, bool) {
	var coder errcode.ErrorCoder
	if err == nil || !errors.As(err, &coder) {
		return errcode.ErrorCodeUnknown.WithDetail(nil), false
	}
	switch c := coder.(type) {
	case errcode.ErrorCode:
		return c.WithDetail(nil), true
	case errcode.Error:
		return c, true
	case *errcode.Error:
		if c == nil {
			return errcode.ErrorCodeUnknown.WithDetail(nil), false
		}
		return *c, true
	}
	// A type of the store's own: its code and the code's message, without
	// its text, which is the store's.
	code := coder.ErrorCode()
	return errcode.Error{Code: code, Message: code.Message()}, true
}

// serveError answers err (see answerOf), logging an error without a code
// for the operator, unless it is the request's own end: a client that went
// away.
func (s *Server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	a := answerOf(err)
	if a.uncoded && !(r.Context().Err() != nil && errors.Is(err, context.Canceled)) {
		s.opts.ErrorLog.Printf("registry server: %s %s: %v", r.Method, reply.Truncate(r.URL.Path, 300), err)
	}
	writeError(w, r, a)
}

// writeError writes an answer: its header fields, the envelope as JSON with
// a Content-Length, so that a HEAD request learns the length of the body
// it does not get.
func writeError(w http.ResponseWriter, r *http.Request, a answer) {
	h := w.Header()
	for k, vs := range a.header {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	body, err := json.Marshal(a.entries)
	if err != nil {
		// A detail that does not encode: the code alone, then.
		codes := make(errcode.Errors, len(a.entries))
		for i, e := range a.entries {
			codes[i] = e.(errcode.Error).Code
		}
		body, _ = json.Marshal(codes)
	}
	body = append(body, '\n')
	h["Content-Type"] = headerJSON
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(a.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// isCode reports whether err carries code: it is or wraps an
// errcode.ErrorCoder of that code, as a store returns a code bare, as an
// errcode.Error with a detail, or wrapped with text of its own.
func isCode(err error, code errcode.ErrorCode) bool {
	var coder errcode.ErrorCoder
	return errors.As(err, &coder) && coder.ErrorCode() == code
}
