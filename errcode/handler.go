package errcode

import (
	"encoding/json"
	"errors"
	"net/http"
)

// ServeJSON answers a request with err in the registry's error envelope. It
// sets Content-Type to application/json and the status to the HTTP status of
// the first entry's code, so that status and body always agree:
//
//   - an Errors list (also when wrapped) is served as it is, with the status
//     of its first entry (500 for an empty list);
//   - an ErrorCode, Error or *Error, also when wrapped with fmt.Errorf's %w,
//     keeps its code;
//   - any other error that is or wraps an ErrorCoder is encoded with the
//     code it returns;
//   - any other error is 500 UNKNOWN, with its text as the detail.
//
// Where an error was found through a wrap, the wrapping error's text becomes
// the entry's detail unless the entry has one. distribution's ServeJSON
// takes the status from the code but encodes every value that is not an
// ErrorCode or Error as UNKNOWN, and serves wrapped errors as 500.
func ServeJSON(w http.ResponseWriter, err error) error {
	w.Header().Set("Content-Type", "application/json")

	var list Errors
	if !errors.As(err, &list) {
		list = Errors{err}
	}
	status := http.StatusInternalServerError
	if len(list) > 0 && list[0] != nil {
		if e, ok := entryOf(list[0]); ok {
			status = e.Code.Descriptor().HTTPStatusCode
		}
	}
	w.WriteHeader(status)
	return json.NewEncoder(w).Encode(list)
}

// entryOf returns the envelope entry err is encoded as, and whether err
// carries a code of its own (is or wraps an ErrorCoder).
func entryOf(err error) (Error, bool) {
	coder, found := findCoder(err)
	if !found {
		return ErrorCodeUnknown.WithDetail(err), false
	}
	var e Error
	callers := false // coder is of a type this package does not define
	switch c := coder.(type) {
	case ErrorCode:
		e = c.WithDetail(nil)
	case Error:
		e = c
	case *Error:
		if c == nil {
			// Its Error method would dereference nil.
			return ErrorCodeUnknown.WithDetail(nil), false
		}
		e = *c
	default:
		// A caller's own type: its code, the code's message, and its
		// text as the detail.
		code := coder.ErrorCode()
		e = Error{Code: code, Message: code.Message()}
		callers = true
	}
	// errors.As looks at err itself first: the code was found through a
	// wrap exactly when err is not an ErrorCoder.
	_, direct := err.(ErrorCoder)
	if e.Detail == nil && (!direct || callers) {
		e.Detail = err.Error()
	}
	return e, true
}

// findCoder is errors.As(err, &coder) for an ErrorCoder, except that it does
// not look into an Errors list. Errors unwraps to its entries so that
// errors.Is and errors.As match decoded codes, but a list found inside an
// entry has always been served as UNKNOWN, as distribution serves it, and
// that stays so.
func findCoder(err error) (ErrorCoder, bool) {
	for err != nil {
		if coder, ok := err.(ErrorCoder); ok {
			return coder, true
		}
		if x, ok := err.(interface{ As(any) bool }); ok {
			var coder ErrorCoder
			if x.As(&coder) {
				return coder, true
			}
		}
		switch x := err.(type) {
		case Errors:
			return nil, false
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, inner := range x.Unwrap() {
				if coder, ok := findCoder(inner); ok {
					return coder, true
				}
			}
			return nil, false
		default:
			return nil, false
		}
	}
	return nil, false
}
