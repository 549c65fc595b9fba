package errcode

import (
	"encoding/json"
	"net/http"
)

// ServeJSON answers a request with err in the registry's error envelope. It
// sets Content-Type to application/json and the status to the HTTP status of
// the first error's code (500 when the list is empty or the first entry has
// no code). A single ErrorCoder or plain error is wrapped in an envelope.
func ServeJSON(w http.ResponseWriter, err error) error {
	w.Header().Set("Content-Type", "application/json")

	status := 0
	switch e := err.(type) {
	case Errors:
		if len(e) > 0 {
			if coder, ok := e[0].(ErrorCoder); ok {
				status = coder.ErrorCode().Descriptor().HTTPStatusCode
			}
		}
	case ErrorCoder:
		status = e.ErrorCode().Descriptor().HTTPStatusCode
		err = Errors{err}
	default:
		err = Errors{err}
	}
	if status == 0 {
		status = http.StatusInternalServerError
	}

	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(err)
}
