package compat

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"

	uperrcode "github.com/distribution/distribution/v3/registry/api/errcode"
	"github.com/regapi/regapi/errcode"
)

// ErrorItem describes one error value to build with either errcode
// package. Kind selects the constructor:
//
//	code       the ErrorCode whose value is Code
//	message    Code.WithMessage(Message)
//	detail     Code.WithDetail(Detail)
//	args       Code.WithArgs(Args...)
//	detailargs Code.WithDetail(Detail).WithArgs(Args...)
//	literal    Error{Code: Code, Message: Message, Detail: Detail}
//	errdetail  Code.WithDetail(errors.New(Text))
//	plain      errors.New(Text)
//	nil        a nil error
//
// Detail is decoded from JSON, so maps, lists, strings and numbers occur.
type ErrorItem struct {
	Kind    string          `json:"kind"`
	Code    string          `json:"code,omitempty"`
	Message string          `json:"message,omitempty"`
	Detail  json.RawMessage `json:"detail,omitempty"`
	Args    []any           `json:"args,omitempty"`
	Text    string          `json:"text,omitempty"`
}

// ErrorCase is one call of ServeJSON. Shape says what is passed: "errors"
// an Errors of Items, "single" the one item itself, "nilerrors" a nil
// Errors, "nil" a nil error.
type ErrorCase struct {
	Name  string      `json:"name"`
	Shape string      `json:"shape"`
	Items []ErrorItem `json:"items,omitempty"`
}

// ServeAnswer is what ServeJSON wrote, and the Error text of the value
// served.
type ServeAnswer struct {
	Status      int    `json:"status"`
	ContentType string `json:"content_type"`
	Body        string `json:"body"`
	ServeError  string `json:"serve_error,omitempty"`
	ErrorText   string `json:"error_text,omitempty"`
}

// DecodedEntry is one entry of a decoded Errors: its Go kind ("ErrorCode"
// or "Error"), the code's wire value as the ErrorCode's String reports it,
// the message, the detail re-encoded as JSON and the Error text.
type DecodedEntry struct {
	Kind    string          `json:"kind"`
	Code    string          `json:"code"`
	Message string          `json:"message,omitempty"`
	Detail  json.RawMessage `json:"detail,omitempty"`
	Text    string          `json:"text"`
}

// DecodeAnswer is what Errors.UnmarshalJSON made of a body, and the body
// the result encodes to.
type DecodeAnswer struct {
	Body      string         `json:"body"`
	Error     string         `json:"error,omitempty"`
	Entries   []DecodedEntry `json:"entries,omitempty"`
	Reencoded string         `json:"reencoded,omitempty"`
	Text      string         `json:"text,omitempty"`
}

// DescriptorAnswer is one registered descriptor, without its
// documentation text and integer code.
type DescriptorAnswer struct {
	Value   string `json:"value"`
	Message string `json:"message"`
	Status  int    `json:"status"`
}

// ErrorRecord is the recorded file of the errcode comparison.
type ErrorRecord struct {
	Source     string                        `json:"source"`
	Groups     map[string][]DescriptorAnswer `json:"groups"`
	Serve      []ServeRecord                 `json:"serve"`
	Decode     []DecodeAnswer                `json:"decode"`
	CodeErrors map[string]string             `json:"code_errors"`
}

// ServeRecord pairs an ErrorCase with distribution's answer.
type ServeRecord struct {
	Case   ErrorCase   `json:"case"`
	Answer ServeAnswer `json:"answer"`
}

// RegisteredValues lists the wire values of every code both packages
// register.
var RegisteredValues = []string{
	"UNKNOWN", "UNSUPPORTED", "UNAUTHORIZED", "DENIED", "UNAVAILABLE", "TOOMANYREQUESTS",
	"DIGEST_INVALID", "SIZE_INVALID", "RANGE_INVALID", "NAME_INVALID", "TAG_INVALID",
	"NAME_UNKNOWN", "MANIFEST_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNVERIFIED",
	"MANIFEST_BLOB_UNKNOWN", "BLOB_UNKNOWN", "BLOB_UPLOAD_UNKNOWN", "BLOB_UPLOAD_INVALID",
	"PAGINATION_NUMBER_INVALID",
}

// ErrorCases returns the ServeJSON cases.
func ErrorCases() []ErrorCase {
	var cases []ErrorCase
	for _, v := range RegisteredValues {
		cases = append(cases,
			ErrorCase{Name: "code " + v, Shape: "single", Items: []ErrorItem{{Kind: "code", Code: v}}},
			ErrorCase{Name: "errors of code " + v, Shape: "errors", Items: []ErrorItem{{Kind: "code", Code: v}}},
			ErrorCase{Name: "message " + v, Shape: "single", Items: []ErrorItem{{Kind: "message", Code: v, Message: "custom <&> \u00e9 \"quoted\""}}},
			ErrorCase{Name: "detail " + v, Shape: "errors", Items: []ErrorItem{{Kind: "detail", Code: v, Detail: json.RawMessage(`{"name":"foo/bar","n":1}`)}}},
			ErrorCase{Name: "args " + v, Shape: "single", Items: []ErrorItem{{Kind: "args", Code: v, Args: []any{"x", 2.5}}}},
		)
	}
	more := []ErrorCase{
		{Name: "detail string", Shape: "single", Items: []ErrorItem{{Kind: "detail", Code: "BLOB_UNKNOWN", Detail: json.RawMessage(`"sha256:abc"`)}}},
		{Name: "detail list", Shape: "single", Items: []ErrorItem{{Kind: "detail", Code: "MANIFEST_BLOB_UNKNOWN", Detail: json.RawMessage(`[{"digest":"sha256:abc"},2,null,true]`)}}},
		{Name: "detail null", Shape: "single", Items: []ErrorItem{{Kind: "detail", Code: "DENIED", Detail: json.RawMessage(`null`)}}},
		{Name: "detail html", Shape: "single", Items: []ErrorItem{{Kind: "detail", Code: "DENIED", Detail: json.RawMessage(`{"why":"<script>&\u2028"}`)}}},
		{Name: "detail nested", Shape: "errors", Items: []ErrorItem{{Kind: "detail", Code: "UNAUTHORIZED", Detail: json.RawMessage(`{"access":[{"type":"repository","name":"foo","actions":["pull","push"]}]}`)}}},
		{Name: "error detail", Shape: "single", Items: []ErrorItem{{Kind: "errdetail", Code: "MANIFEST_INVALID", Text: "unexpected end of JSON input"}}},
		{Name: "error detail in errors", Shape: "errors", Items: []ErrorItem{{Kind: "errdetail", Code: "DIGEST_INVALID", Text: "digest mismatch"}, {Kind: "code", Code: "SIZE_INVALID"}}},
		{Name: "args then detail", Shape: "single", Items: []ErrorItem{{Kind: "detailargs", Code: "TOOMANYREQUESTS", Detail: json.RawMessage(`{"retry":30}`), Args: []any{"a"}}}},
		{Name: "args no verbs", Shape: "single", Items: []ErrorItem{{Kind: "args", Code: "UNKNOWN"}}},
		{Name: "args numbers", Shape: "errors", Items: []ErrorItem{{Kind: "args", Code: "NAME_INVALID", Args: []any{1.5, true, nil, "s"}}}},
		{Name: "literal empty message", Shape: "single", Items: []ErrorItem{{Kind: "literal", Code: "NAME_UNKNOWN"}}},
		{Name: "literal empty message detail", Shape: "errors", Items: []ErrorItem{{Kind: "literal", Code: "NAME_UNKNOWN", Detail: json.RawMessage(`{"name":"x"}`)}}},
		{Name: "literal message", Shape: "single", Items: []ErrorItem{{Kind: "literal", Code: "UNSUPPORTED", Message: "deletes are disabled"}}},
		{Name: "message empty", Shape: "single", Items: []ErrorItem{{Kind: "message", Code: "BLOB_UNKNOWN", Message: ""}}},
		{Name: "plain error", Shape: "single", Items: []ErrorItem{{Kind: "plain", Text: "disk full"}}},
		{Name: "plain error in errors", Shape: "errors", Items: []ErrorItem{{Kind: "plain", Text: "disk full"}}},
		{Name: "plain error first", Shape: "errors", Items: []ErrorItem{{Kind: "plain", Text: "boom"}, {Kind: "code", Code: "DENIED"}}},
		{Name: "mixed", Shape: "errors", Items: []ErrorItem{
			{Kind: "code", Code: "UNAUTHORIZED"},
			{Kind: "message", Code: "DENIED", Message: "no push to library"},
			{Kind: "detail", Code: "BLOB_UNKNOWN", Detail: json.RawMessage(`{"digest":"sha256:abc"}`)},
			{Kind: "plain", Text: "backend: timeout"},
			{Kind: "errdetail", Code: "UNAVAILABLE", Text: "maintenance"},
		}},
		{Name: "two codes", Shape: "errors", Items: []ErrorItem{{Kind: "code", Code: "TAG_INVALID"}, {Kind: "code", Code: "MANIFEST_INVALID"}}},
		{Name: "nil entry", Shape: "errors", Items: []ErrorItem{{Kind: "nil"}}},
		{Name: "nil entry after code", Shape: "errors", Items: []ErrorItem{{Kind: "code", Code: "NAME_INVALID"}, {Kind: "nil"}}},
		{Name: "empty errors", Shape: "errors", Items: []ErrorItem{}},
		{Name: "nil errors", Shape: "nilerrors"},
		{Name: "nil", Shape: "nil"},
	}
	return append(cases, more...)
}

// DecodeBodies returns the bodies of the Errors.UnmarshalJSON comparison.
func DecodeBodies() []string {
	var bodies []string
	for _, v := range RegisteredValues {
		msg := uperrcode.ParseErrorCode(v).Message()
		bodies = append(bodies,
			`{"errors":[{"code":"`+v+`","message":"`+msg+`"}]}`,
			`{"errors":[{"code":"`+v+`","message":"something else"}]}`,
			`{"errors":[{"code":"`+v+`","message":"`+msg+`","detail":{"k":"v"}}]}`,
		)
	}
	return append(bodies,
		`{"errors":[{"code":"BLOB_UNKNOWN"}]}`,
		`{"errors":[{"code":"BLOB_UNKNOWN","message":""}]}`,
		`{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":null}]}`,
		`{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":"sha256:abc"}]}`,
		`{"errors":[{"code":"BLOB_UNKNOWN","message":"x","detail":[1,"two",{"3":false}]}]}`,
		`{"errors":[{"code":"DENIED","message":"a","detail":12.5},{"code":"UNAUTHORIZED","message":"authentication required"}]}`,
		`{"errors":[{"code":"UNKNOWN","message":"unknown error"}]}`,
		`{"errors":[{"code":"UNKNOWN","message":"went wrong","detail":"disk full"}]}`,
		`{"errors":[{"code":"TAG_IMMUTABLE","message":"tag v1 is immutable"}]}`,
		`{"errors":[{"code":"TAG_IMMUTABLE","message":"tag v1 is immutable","detail":{"tag":"v1"}}]}`,
		`{"errors":[{"code":"TAG_IMMUTABLE","message":"unknown error"}]}`,
		`{"errors":[{"code":"TAG_IMMUTABLE","message":""}]}`,
		`{"errors":[{"code":"QUOTA_EXCEEDED","message":"storage quota exceeded"},{"code":"DENIED","message":"requested access to the resource is denied"}]}`,
		`{"errors":[{"code":"blob_unknown","message":"lower case"}]}`,
		`{"errors":[{"code":"","message":"empty code"}]}`,
		`{"errors":[{"code":null,"message":"null code"}]}`,
		`{"errors":[{"message":"no code"}]}`,
		`{"errors":[{"code":1003,"message":"numeric code"}]}`,
		`{"errors":[{"code":"NAME_UNKNOWN","message":"x","extra":"field"}]}`,
		`{"errors":[]}`,
		`{"errors":null}`,
		`{}`,
		`{"Errors":[{"Code":"NAME_UNKNOWN","Message":"case-insensitive keys"}]}`,
		`[]`,
		`null`,
		`{"errors":[{"code":"NAME_UNKNOWN",`,
		`{"errors":[{"code":"NAME_UNKNOWN","message":5}]}`,
		`{"errors":{"code":"NAME_UNKNOWN"}}`,
		"",
	)
}

// rawDetail decodes a JSON detail; an absent one is nil.
func rawDetail(raw json.RawMessage) any {
	if len(raw) == 0 {
		return nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		panic("compat: bad detail in case: " + err.Error())
	}
	return v
}

// UpstreamItem builds item with distribution's errcode package.
func UpstreamItem(item ErrorItem) error {
	code := uperrcode.ParseErrorCode(item.Code)
	switch item.Kind {
	case "code":
		return code
	case "message":
		return code.WithMessage(item.Message)
	case "detail":
		return code.WithDetail(rawDetail(item.Detail))
	case "args":
		return code.WithArgs(item.Args...)
	case "detailargs":
		return code.WithDetail(rawDetail(item.Detail)).WithArgs(item.Args...)
	case "literal":
		return uperrcode.Error{Code: code, Message: item.Message, Detail: rawDetail(item.Detail)}
	case "errdetail":
		return code.WithDetail(errors.New(item.Text))
	case "plain":
		return errors.New(item.Text)
	}
	return nil
}

// OurItem builds item with this module's errcode package.
func OurItem(item ErrorItem) error {
	code := errcode.ParseErrorCode(item.Code)
	switch item.Kind {
	case "code":
		return code
	case "message":
		return code.WithMessage(item.Message)
	case "detail":
		return code.WithDetail(rawDetail(item.Detail))
	case "args":
		return code.WithArgs(item.Args...)
	case "detailargs":
		return code.WithDetail(rawDetail(item.Detail)).WithArgs(item.Args...)
	case "literal":
		return errcode.Error{Code: code, Message: item.Message, Detail: rawDetail(item.Detail)}
	case "errdetail":
		return code.WithDetail(errors.New(item.Text))
	case "plain":
		return errors.New(item.Text)
	}
	return nil
}

// shape wraps the built items as c.Shape says; errs converts a list to the
// package's Errors type.
func shape(c ErrorCase, build func(ErrorItem) error, errs func([]error) error) error {
	items := make([]error, len(c.Items))
	for i, it := range c.Items {
		items[i] = build(it)
	}
	switch c.Shape {
	case "single":
		return items[0]
	case "errors":
		return errs(items)
	case "nilerrors":
		return errs(nil)
	}
	return nil
}

// ServeUpstream runs distribution's ServeJSON on c.
func ServeUpstream(c ErrorCase) ServeAnswer {
	err := shape(c, UpstreamItem, func(l []error) error { return uperrcode.Errors(l) })
	return serve(err, uperrcode.ServeJSON)
}

// ServeOurs runs this module's ServeJSON on c.
func ServeOurs(c ErrorCase) ServeAnswer {
	err := shape(c, OurItem, func(l []error) error { return errcode.Errors(l) })
	return serve(err, errcode.ServeJSON)
}

func serve(err error, serveJSON func(http.ResponseWriter, error) error) ServeAnswer {
	rec := httptest.NewRecorder()
	serr := serveJSON(rec, err)
	ans := ServeAnswer{
		Status:      rec.Code,
		ContentType: rec.Header().Get("Content-Type"),
		Body:        rec.Body.String(),
		ServeError:  ErrorText(serr),
	}
	if err != nil {
		ans.ErrorText = safeErrorText(err)
	}
	return ans
}

// safeErrorText is err.Error(), or a note when Error panics (as
// distribution's Errors.Error does for a nil entry).
func safeErrorText(err error) (text string) {
	defer func() {
		if recover() != nil {
			text = "panic"
		}
	}()
	return err.Error()
}

// DecodeUpstream decodes body with distribution's Errors.
func DecodeUpstream(body string) DecodeAnswer {
	var errs uperrcode.Errors
	ans := DecodeAnswer{Body: body}
	if err := json.Unmarshal([]byte(body), &errs); err != nil {
		ans.Error = err.Error()
		return ans
	}
	for _, e := range errs {
		switch e := e.(type) {
		case uperrcode.ErrorCode:
			ans.Entries = append(ans.Entries, DecodedEntry{Kind: "ErrorCode", Code: e.String(), Text: e.Error()})
		case uperrcode.Error:
			ans.Entries = append(ans.Entries, DecodedEntry{Kind: "Error", Code: e.Code.String(), Message: e.Message, Detail: encodeDetail(e.Detail), Text: e.Error()})
		}
	}
	return finishDecode(ans, errs, len(errs))
}

// DecodeOurs decodes body with this module's Errors. For an Error, Code is
// its Value, which differs from the ErrorCode's String only for codes that
// are not registered.
func DecodeOurs(body string) DecodeAnswer {
	var errs errcode.Errors
	ans := DecodeAnswer{Body: body}
	if err := json.Unmarshal([]byte(body), &errs); err != nil {
		ans.Error = err.Error()
		return ans
	}
	for _, e := range errs {
		switch e := e.(type) {
		case errcode.ErrorCode:
			ans.Entries = append(ans.Entries, DecodedEntry{Kind: "ErrorCode", Code: e.String(), Text: e.Error()})
		case errcode.Error:
			ans.Entries = append(ans.Entries, DecodedEntry{Kind: "Error", Code: e.Value(), Message: e.Message, Detail: encodeDetail(e.Detail), Text: e.Error()})
		}
	}
	return finishDecode(ans, errs, len(errs))
}

func finishDecode(ans DecodeAnswer, errs json.Marshaler, n int) DecodeAnswer {
	out, err := errs.MarshalJSON()
	if err != nil {
		ans.Error = "re-encoding: " + err.Error()
		return ans
	}
	ans.Reencoded = string(out)
	if e, ok := errs.(error); ok && n > 0 {
		ans.Text = e.Error()
	}
	return ans
}

func encodeDetail(d any) json.RawMessage {
	if d == nil {
		return nil
	}
	out, err := json.Marshal(d)
	if err != nil {
		return json.RawMessage(`"unencodable"`)
	}
	return out
}

// UpstreamGroups returns distribution's registered descriptors by group.
func UpstreamGroups() map[string][]DescriptorAnswer {
	groups := map[string][]DescriptorAnswer{}
	for _, g := range uperrcode.GetGroupNames() {
		for _, d := range uperrcode.GetErrorCodeGroup(g) {
			groups[g] = append(groups[g], DescriptorAnswer{Value: d.Value, Message: d.Message, Status: d.HTTPStatusCode})
		}
	}
	return groups
}

// OurGroups returns this module's registered descriptors by group.
func OurGroups() map[string][]DescriptorAnswer {
	groups := map[string][]DescriptorAnswer{}
	for _, g := range errcode.GetGroupNames() {
		for _, d := range errcode.GetErrorCodeGroup(g) {
			groups[g] = append(groups[g], DescriptorAnswer{Value: d.Value, Message: d.Message, Status: d.HTTPStatusCode})
		}
	}
	return groups
}
