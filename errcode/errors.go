package errcode

import (
	"encoding/json"
	"fmt"
	"strings"
)

// ErrorCoder is implemented by every value that carries an ErrorCode: the
// ErrorCode itself, Error, and any caller-defined error that wants to be
// answered with a registered status.
type ErrorCoder interface {
	ErrorCode() ErrorCode
}

// ErrorCode identifies a registered error condition. Its integer value is an
// implementation detail that may differ between builds; on the wire a code is
// always its string Value, such as "BLOB_UNKNOWN".
type ErrorCode int

var _ error = ErrorCode(0)

// ErrorCode returns ec, so that an ErrorCode is an ErrorCoder.
func (ec ErrorCode) ErrorCode() ErrorCode {
	return ec
}

// Error renders the code's Value in lower case with spaces, for example
// "blob unknown". The descriptor's Message is not used because it may
// contain formatting verbs that only WithArgs fills in.
func (ec ErrorCode) Error() string {
	return codeText(ec.String())
}

// codeText is the human form of a wire code: MANIFEST_UNKNOWN becomes
// "manifest unknown".
func codeText(value string) string {
	return strings.ToLower(strings.ReplaceAll(value, "_", " "))
}

// Descriptor returns the registered descriptor of ec, or the descriptor of
// ErrorCodeUnknown when ec was never registered.
func (ec ErrorCode) Descriptor() ErrorDescriptor {
	if d, ok := loadRegistry().byCode[ec]; ok {
		return d
	}
	return loadRegistry().byCode[ErrorCodeUnknown]
}

// String returns the wire value of ec, such as "DIGEST_INVALID".
func (ec ErrorCode) String() string {
	return ec.Descriptor().Value
}

// Message returns the default human-readable message of ec.
func (ec ErrorCode) Message() string {
	return ec.Descriptor().Message
}

// MarshalText writes the wire value of ec.
func (ec ErrorCode) MarshalText() (text []byte, err error) {
	return []byte(ec.String()), nil
}

// UnmarshalText reads a wire value. A value that is not registered becomes
// ErrorCodeUnknown; Error keeps the original string for such codes.
func (ec *ErrorCode) UnmarshalText(text []byte) error {
	*ec = ParseErrorCode(string(text))
	return nil
}

// WithMessage returns an Error of code ec carrying message instead of the
// code's default message.
func (ec ErrorCode) WithMessage(message string) Error {
	return Error{Code: ec, Message: message}
}

// WithDetail returns an Error of code ec with its default message and the
// given detail, which is encoded as JSON in responses.
func (ec ErrorCode) WithDetail(detail any) Error {
	return Error{Code: ec, Message: ec.Message()}.WithDetail(detail)
}

// WithArgs returns an Error of code ec whose message is the code's default
// message formatted with args.
func (ec ErrorCode) WithArgs(args ...any) Error {
	return Error{Code: ec, Message: ec.Message()}.WithArgs(args...)
}

// Error is one entry of the registry's error envelope: a code, a message and
// an optional detail of any JSON-encodable value.
//
// When an Error is decoded from a body whose code is not registered in this
// process (registries define their own, such as "TAG_IMMUTABLE"), Code is
// ErrorCodeUnknown, as with distribution, but the original wire value is kept:
// it is what Value returns, what Error prints and what encoding writes back.
type Error struct {
	Code    ErrorCode `json:"code"`
	Message string    `json:"message"`
	Detail  any       `json:"detail,omitempty"`

	// unregistered holds the wire code of an error decoded with a code
	// that is not registered; empty otherwise.
	unregistered string
}

var _ error = Error{}

// ErrorCode returns the code of e.
func (e Error) ErrorCode() ErrorCode {
	return e.Code
}

// Value returns the wire code of e: the registered Value of e.Code, or the
// code string exactly as it was decoded when that code is not registered.
func (e Error) Value() string {
	if e.unregistered != "" {
		return e.unregistered
	}
	return e.Code.String()
}

// Error renders e as "<code in words>: <message>". For a decoded code that is
// not registered, the original wire code follows in parentheses, for example
// "tag immutable (TAG_IMMUTABLE): tag v1 is immutable".
func (e Error) Error() string {
	if e.unregistered != "" {
		return fmt.Sprintf("%s (%s): %s", codeText(e.unregistered), e.unregistered, e.Message)
	}
	return fmt.Sprintf("%s: %s", e.Code.Error(), e.Message)
}

// WithDetail returns a copy of e with its detail replaced.
func (e Error) WithDetail(detail any) Error {
	e.Detail = detail
	return e
}

// WithArgs returns a copy of e whose message is the default message of
// e.Code formatted with args. The detail is kept.
func (e Error) WithArgs(args ...any) Error {
	e.Message = fmt.Sprintf(e.Code.Message(), args...)
	return e
}

// errorWire is the JSON shape of one envelope entry. Code is kept raw so
// that a code that is not registered survives decoding.
type errorWire struct {
	Code    json.RawMessage `json:"code"`
	Message string          `json:"message"`
	Detail  any             `json:"detail,omitempty"`
}

// MarshalJSON writes e in the envelope entry form. The output is the same as
// encoding the exported fields, except that a preserved unregistered code is
// written as it arrived.
func (e Error) MarshalJSON() ([]byte, error) {
	code, err := json.Marshal(e.Value())
	if err != nil {
		return nil, err
	}
	return json.Marshal(errorWire{Code: code, Message: e.Message, Detail: e.Detail})
}

// UnmarshalJSON reads one envelope entry. A registered code sets Code; any
// other string sets Code to ErrorCodeUnknown and is kept for Value, Error and
// re-encoding.
func (e *Error) UnmarshalJSON(data []byte) error {
	var wire errorWire
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	var decoded Error
	if len(wire.Code) > 0 {
		var value string
		if err := json.Unmarshal(wire.Code, &value); err != nil {
			// Not a string: decode into the ErrorCode type so the caller
			// gets the same kind of error, or the same zero value for null.
			if err := json.Unmarshal(wire.Code, &decoded.Code); err != nil {
				return err
			}
		} else {
			decoded.Code = ParseErrorCode(value)
			decoded.unregistered = unregisteredCode(wire.Code)
		}
	}
	decoded.Message = wire.Message
	decoded.Detail = wire.Detail
	*e = decoded
	return nil
}

// ErrorDescriptor documents one error code: its wire value, default message,
// documentation and the HTTP status it is answered with.
type ErrorDescriptor struct {
	// Code is the ErrorCode assigned when the descriptor was registered.
	Code ErrorCode

	// Value is the unique wire identifier, upper case with underscores,
	// such as "MANIFEST_INVALID".
	Value string

	// Message is the short default message sent in error responses.
	Message string

	// Description explains the condition for documentation.
	Description string

	// HTTPStatusCode is the status a server answers this error with.
	HTTPStatusCode int
}

// ParseErrorCode returns the registered code whose wire value is value, or
// ErrorCodeUnknown when there is none.
func ParseErrorCode(value string) ErrorCode {
	if d, ok := loadRegistry().byValue[value]; ok {
		return d.Code
	}
	return ErrorCodeUnknown
}

// Errors is the error envelope: a list of errors that encodes as
// {"errors":[...]}. Entries may be ErrorCode, Error or any other error, which
// is encoded as UNKNOWN with the error's text as detail.
type Errors []error

var _ error = Errors{}

// Error renders the list: "<nil>" when empty, the single error's text for
// one, and "errors:" followed by one line per error otherwise.
func (errs Errors) Error() string {
	switch len(errs) {
	case 0:
		return "<nil>"
	case 1:
		return errorText(errs[0])
	default:
		var b strings.Builder
		b.WriteString("errors:\n")
		for _, err := range errs {
			b.WriteString(errorText(err))
			b.WriteByte('\n')
		}
		return b.String()
	}
}

// errorText is err.Error() that tolerates a nil entry.
func errorText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// Len returns the number of errors in the list.
func (errs Errors) Len() int {
	return len(errs)
}

// envelope is the JSON document of an error response.
type envelope struct {
	Errors []Error `json:"errors,omitempty"`
}

// MarshalJSON encodes the list as the envelope. Every entry becomes an Error,
// as ServeJSON describes: ErrorCode, Error and *Error keep their code, also
// when wrapped, a caller's ErrorCoder is written with the code it returns,
// and any other error is UNKNOWN with its text as the detail. An entry
// without a message gets its code's default message, and a detail that is
// itself an error is written as its text, because encoding/json would
// otherwise write most errors as {}.
func (errs Errors) MarshalJSON() ([]byte, error) {
	var env envelope
	for _, entry := range errs {
		e, _ := entryOf(entry)
		if e.Message == "" {
			e.Message = e.Code.Message()
		}
		if detail, ok := e.Detail.(error); ok {
			e.Detail = detail.Error()
		}
		env.Errors = append(env.Errors, e)
	}
	return json.Marshal(env)
}

// UnmarshalJSON decodes an envelope. An entry with no detail whose message
// is empty or the code's default message becomes a bare ErrorCode; every
// other entry, and every entry with an unregistered code, becomes an Error.
func (errs *Errors) UnmarshalJSON(data []byte) error {
	// The first pass decodes into a type shaped and named like Error
	// without its JSON methods, so that a body that does not decode is
	// refused with the same error, word for word, as distribution's.
	type Error struct {
		Code    ErrorCode `json:"code"`
		Message string    `json:"message"`
		Detail  any       `json:"detail,omitempty"`
	}
	var env struct {
		Errors []Error
	}
	if err := json.Unmarshal(data, &env); err != nil {
		return err
	}
	// A second pass reads the wire codes, to keep those not registered.
	// Only an entry decoded as UNKNOWN (or without a code) can have had
	// one, so bodies of registered codes are read once.
	var codes struct {
		Errors []struct {
			Code json.RawMessage `json:"code"`
		}
	}
	for _, e := range env.Errors {
		if e.Code == ErrorCodeUnknown || e.Code == 0 {
			if err := json.Unmarshal(data, &codes); err != nil || len(codes.Errors) != len(env.Errors) {
				codes.Errors = nil
			}
			break
		}
	}

	var decoded Errors
	for i, e := range env.Errors {
		var unregistered string
		if codes.Errors != nil {
			unregistered = unregisteredCode(codes.Errors[i].Code)
		}
		if unregistered == "" && e.Detail == nil && (e.Message == "" || e.Message == e.Code.Message()) {
			decoded = append(decoded, e.Code)
			continue
		}
		decoded = append(decoded, errcodeError(e.Code, e.Message, e.Detail, unregistered))
	}
	*errs = decoded
	return nil
}

// unregisteredCode returns the wire code in raw, a JSON value, when it is a
// non-empty string that is not registered; otherwise "".
func unregisteredCode(raw json.RawMessage) string {
	var value string
	if len(raw) == 0 || json.Unmarshal(raw, &value) != nil || value == "" {
		return ""
	}
	if _, ok := loadRegistry().byValue[value]; ok {
		return ""
	}
	return value
}

// errcodeError builds an Error for Errors.UnmarshalJSON, where a local type
// shadows the name Error.
func errcodeError(code ErrorCode, message string, detail any, unregistered string) Error {
	return Error{Code: code, Message: message, Detail: detail, unregistered: unregistered}
}
