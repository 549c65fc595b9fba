package errcode

import (
	"fmt"
	"net/http"
	"strings"
)

// HTTPError is an HTTP exchange that a server refused: the status it
// answered, its header, and the entries of its error envelope. A client
// returns one where a refusal is an error rather than a response (a token
// server that will not issue a token, for example), so that the caller can
// match it by code with errors.Is and still read the status and the header.
//
// HTTPError has value receivers: an HTTPError and a *HTTPError are both
// errors, and errors.As finds an HTTPError target either way it was returned.
type HTTPError struct {
	// StatusCode is the status of the response, such as 401.
	StatusCode int

	// Header is the header of the response. It may hold challenges
	// (WWW-Authenticate) and rate-limit hints (Retry-After).
	Header http.Header

	// Errors are the entries of the response's error envelope, or, where
	// the body had none, one entry that the status stands for.
	Errors Errors
}

var _ error = HTTPError{}

// Error renders the status and the entries, for example
// "401 Unauthorized: unauthorized: authentication required".
func (e HTTPError) Error() string {
	status := fmt.Sprintf("%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	status = strings.TrimSpace(status)
	if len(e.Errors) == 0 {
		return status
	}
	return status + ": " + strings.ReplaceAll(strings.TrimSpace(e.Errors.Error()), "\n", "; ")
}

// Unwrap returns the entries, so that errors.Is and errors.As look into
// them: errors.Is(err, ErrorCodeUnauthorized) holds for an HTTPError that
// carries an UNAUTHORIZED entry.
func (e HTTPError) Unwrap() []error {
	return e.Errors
}
