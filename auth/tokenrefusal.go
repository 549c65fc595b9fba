package auth

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/regapi/regapi/errcode"
)

// Bounds of what a token server's refusal may make the transport keep.
const (
	// maxRefusalBody is the most of a refusal's body read for its error
	// envelope. Token servers explain a refusal in a few hundred bytes; a
	// longer body is read no further and stands for nothing but its
	// status.
	maxRefusalBody = 16 << 10

	// maxRefusalEntries is the most envelope entries kept.
	maxRefusalEntries = 16
)

// tokenRefusal returns the error for a token server's answer other than
// 200: an errcode.HTTPError with resp's status and header and the entries
// of the body's error envelope, or the entry the status stands for when the
// body has none. secrets are the password and the encoded credentials the
// token request carried: an entry that shows one of them is cut down to its
// bare code, so that no error shows them, whatever the server echoes.
func tokenRefusal(resp *http.Response, secrets ...string) errcode.HTTPError {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxRefusalBody+1))
	var entries errcode.Errors
	if len(body) > maxRefusalBody || json.Unmarshal(body, &entries) != nil {
		entries = nil
	}
	if len(entries) > maxRefusalEntries {
		entries = entries[:maxRefusalEntries]
	}
	for i, e := range entries {
		entries[i] = withoutSecrets(e, secrets)
	}
	if len(entries) == 0 {
		entries = errcode.Errors{statusCode(resp.StatusCode)}
	}
	return errcode.HTTPError{StatusCode: resp.StatusCode, Header: resp.Header, Errors: entries}
}

// statusCode is the error code a refusal's status stands for when its body
// says nothing the transport can read.
func statusCode(status int) errcode.ErrorCode {
	switch status {
	case http.StatusUnauthorized:
		return errcode.ErrorCodeUnauthorized
	case http.StatusForbidden:
		return errcode.ErrorCodeDenied
	case http.StatusTooManyRequests:
		return errcode.ErrorCodeTooManyRequests
	}
	return errcode.ErrorCodeUnknown
}

// withoutSecrets returns e, or its bare code when its text, wire code,
// message or detail shows one of the non-empty secrets, in any letter case:
// the text shows an unregistered code in lower case with spaces for its
// underscores.
func withoutSecrets(e error, secrets []string) error {
	entry, ok := e.(errcode.Error)
	if !ok {
		return e // a bare ErrorCode: its text is the module's own
	}
	var detail string
	if entry.Detail != nil {
		detail = fmt.Sprint(entry.Detail)
	}
	shown := strings.ToLower(entry.Error() + "\n" + entry.Value() + "\n" + entry.Message + "\n" + detail)
	for _, s := range secrets {
		s = strings.ToLower(s)
		if s != "" && (strings.Contains(shown, s) || strings.Contains(shown, strings.ReplaceAll(s, "_", " "))) {
			return entry.Code
		}
	}
	return e
}
