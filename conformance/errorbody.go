package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/regapi/regapi"
)

// codeRegexp is the form the specification gives an error code.
var codeRegexp = regexp.MustCompile(`^[A-Z_]+$`)

// errorBodyProblems checks the body of a 4xx response. The specification
// lets it be in any format, but a JSON body must be the error envelope; its
// codes must be among those the descriptors list for the status, when they
// list any. The specification says nothing of 5xx bodies, which come from
// the registry's failures or from proxies: they are not checked, so that an
// honest failure breaks no contract.
func errorBodyProblems(o *observation, resps []regapi.ResponseDescriptor) []string {
	if o.status < 400 || o.status >= 500 || o.method == http.MethodHead || !o.complete {
		return nil
	}
	body := bytes.TrimSpace(o.body)
	if len(body) == 0 {
		return nil
	}
	mt, _, _ := mime.ParseMediaType(o.header.Get("Content-Type"))
	declared := mt == "application/json" || strings.HasSuffix(mt, "+json")
	if !declared && body[0] != '{' {
		return nil
	}
	raw, ok, err := envelopeMember(body)
	if err != nil {
		if declared {
			return []string{fmt.Sprintf("the body is declared %s but is not a JSON object: %v", mt, err)}
		}
		return nil
	}
	if !ok {
		if declared {
			return []string{`the JSON body has no "errors" member`}
		}
		return nil
	}
	entries, err := envelopeEntries(raw, maxCheckedErrors)
	if err != nil {
		return []string{fmt.Sprintf(`"errors" is not an array of objects: %v`, err)}
	}
	allowed := codesOf(resps)
	var out []string
	for i, e := range entries {
		var code string
		if err := json.Unmarshal(e.code, &code); err != nil || !codeRegexp.MatchString(code) {
			out = append(out, fmt.Sprintf("errors[%d].code is %s, not a string of capital letters and underscores", i, truncate(string(e.code), 60)))
			continue
		}
		if e.hasMessage {
			var msg string
			if err := json.Unmarshal(e.message, &msg); err != nil {
				out = append(out, fmt.Sprintf("errors[%d].message is not a string", i))
			}
		}
		if len(allowed) > 0 && !slices.Contains(allowed, code) {
			out = append(out, fmt.Sprintf("error code %s is not one the descriptors list for %d", code, o.status))
		}
	}
	return out
}

// maxCheckedErrors bounds the entries of an error envelope the checks
// decode: an envelope may hold millions of small entries in a few
// megabytes, each far larger decoded. Those past it are not checked.
const maxCheckedErrors = 100

// envelopeMember returns the "errors" member of the JSON object body, and
// whether it has one. It walks the object member by member and keeps none
// but that one, so that an object of millions of members costs no more
// than its bytes.
func envelopeMember(body []byte) (json.RawMessage, bool, error) {
	if !json.Valid(body) {
		return nil, false, json.Unmarshal(body, new(json.RawMessage)) // the syntax error
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := expectDelim(dec, '{'); err != nil {
		return nil, false, err
	}
	var raw json.RawMessage
	found := false
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false, err
		}
		if tok == "errors" {
			raw, found = nil, true
			if err := dec.Decode(&raw); err != nil {
				return nil, false, err
			}
			continue
		}
		if err := skipValue(dec); err != nil {
			return nil, false, err
		}
	}
	return raw, found, nil
}

// envelopeEntry is what the checks read of an entry of an error
// envelope: its code and message as sent.
type envelopeEntry struct {
	code, message json.RawMessage
	hasMessage    bool
}

// envelopeEntries reads the first max entries of raw, the "errors" member
// of an error envelope, one at a time and member by member, keeping only
// code and message; null is no entries.
func envelopeEntries(raw []byte, max int) ([]envelopeEntry, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("found %v", tok)
	}
	var out []envelopeEntry
	for len(out) < max && dec.More() {
		e, err := readEnvelopeEntry(dec)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// readEnvelopeEntry reads one entry of an error envelope: an object, or
// null for an entry without members.
func readEnvelopeEntry(dec *json.Decoder) (envelopeEntry, error) {
	var e envelopeEntry
	tok, err := dec.Token()
	if err != nil || tok == nil {
		return e, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return e, fmt.Errorf("an entry is %v, not an object", tok)
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return e, err
		}
		switch key {
		case "code":
			e.code = nil
			err = dec.Decode(&e.code)
		case "message":
			e.message, e.hasMessage = nil, true
			err = dec.Decode(&e.message)
		default:
			err = skipValue(dec)
		}
		if err != nil {
			return e, err
		}
	}
	_, err = dec.Token() // the closing brace
	return e, err
}

// codesOf returns the wire codes the responses list.
func codesOf(resps []regapi.ResponseDescriptor) []string {
	var out []string
	for _, r := range resps {
		for _, c := range r.ErrorCodes {
			if v := c.String(); !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

// allowedCodes renders the codes the responses of a status list.
func allowedCodes(resps []regapi.ResponseDescriptor, status int) string {
	codes := codesOf(resps)
	if len(codes) == 0 {
		return fmt.Sprintf("any code with %d", status)
	}
	return fmt.Sprintf("%d carries %s", status, strings.Join(codes, ", "))
}
