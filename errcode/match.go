package errcode

// Is reports whether target is an Error without a detail whose Value is
// the wire value of ec, so that an entry decoded as a bare code matches an
// Error target of its code whatever the target's message. Two ErrorCode
// values match only when they are equal, which errors.Is checks itself.
func (ec ErrorCode) Is(target error) bool {
	t, ok := target.(Error)
	return ok && t.Detail == nil && ec.String() == t.Value()
}

// As fills target, when it is an *Error, with ec and ec's default message,
// the Error that the envelope entry of a bare code stands for. With it,
// errors.As(err, &e) for an Error e finds the first entry of a decoded
// Errors whether that entry was decoded as an Error or as a bare ErrorCode.
func (ec ErrorCode) As(target any) bool {
	e, ok := target.(*Error)
	if !ok || e == nil {
		return false
	}
	*e = Error{Code: ec, Message: ec.Message()}
	return true
}

// Is reports whether target names the wire code of e, whatever the messages
// and e's detail: target is an ErrorCode of the same wire value, or an Error
// without a detail whose Value is e's. A decoded code that is not registered
// here, such as TAG_IMMUTABLE, matches an Error whose Value is TAG_IMMUTABLE
// (one decoded elsewhere, for example), and not ErrorCodeUnknown, although
// its Code field is ErrorCodeUnknown; a decoded UNKNOWN matches
// ErrorCodeUnknown.
//
// A target with a detail is not matched here: errors.Is compares it with ==
// first, which panics when both details are maps, so give errors.Is the
// code, or an Error without a detail. As with Error's other methods, a nil
// *Error makes Is panic.
func (e Error) Is(target error) bool {
	switch t := target.(type) {
	case ErrorCode:
		return e.Value() == t.String()
	case Error:
		return t.Detail == nil && e.Value() == t.Value()
	}
	return false
}

// Unwrap returns the entries of the list, so that errors.Is and errors.As
// look into them: errors.Is(errs, ErrorCodeManifestUnknown) holds when an
// entry is, or wraps, a MANIFEST_UNKNOWN code or Error.
func (errs Errors) Unwrap() []error {
	return errs
}
