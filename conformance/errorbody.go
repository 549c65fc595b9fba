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
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		if declared {
			return []string{fmt.Sprintf("the body is declared %s but is not a JSON object: %v", mt, err)}
		}
		return nil
	}
	raw, ok := top["errors"]
	if !ok {
		if declared {
			return []string{`the JSON body has no "errors" member`}
		}
		return nil
	}
	var entries []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return []string{fmt.Sprintf(`"errors" is not an array of objects: %v`, err)}
	}
	allowed := codesOf(resps)
	var out []string
	for i, e := range entries {
		var code string
		if err := json.Unmarshal(e["code"], &code); err != nil || !codeRegexp.MatchString(code) {
			out = append(out, fmt.Sprintf("errors[%d].code is %s, not a string of capital letters and underscores", i, truncate(string(e["code"]), 60)))
			continue
		}
		if m, ok := e["message"]; ok {
			var msg string
			if err := json.Unmarshal(m, &msg); err != nil {
				out = append(out, fmt.Sprintf("errors[%d].message is not a string", i))
			}
		}
		if len(allowed) > 0 && !slices.Contains(allowed, code) {
			out = append(out, fmt.Sprintf("error code %s is not one the descriptors list for %d", code, o.status))
		}
	}
	return out
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
