package regapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// This file holds what the OpenAPI and Markdown generators share: reading
// mux path templates and naming request variants.

// docTemplateVar is one variable of a mux path template and the pattern its
// value must match (unanchored, as mux writes it).
type docTemplateVar struct {
	name    string
	pattern string
}

// docDefaultVarPattern is the pattern gorilla/mux gives a variable written
// without one, such as "{name}".
const docDefaultVarPattern = `[^/]+`

// docParseTemplate splits a mux path template into its plain form, with the
// patterns removed ("/v2/{name}/tags/list"), and its variables. Braces inside
// patterns, such as the quantifier of "[\w][\w.-]{0,127}", are counted so that
// they do not end the variable.
func docParseTemplate(tpl string) (string, []docTemplateVar, error) {
	var b strings.Builder
	var vars []docTemplateVar
	rest := tpl
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			if strings.IndexByte(rest, '}') >= 0 {
				return "", nil, fmt.Errorf("path template %q: unbalanced braces", tpl)
			}
			b.WriteString(rest)
			return b.String(), vars, nil
		}
		if strings.IndexByte(rest[:open], '}') >= 0 {
			return "", nil, fmt.Errorf("path template %q: unbalanced braces", tpl)
		}
		end := docClosingBrace(rest, open)
		if end < 0 {
			return "", nil, fmt.Errorf("path template %q: unbalanced braces", tpl)
		}
		name, pattern, hasPattern := strings.Cut(rest[open+1:end], ":")
		if name == "" {
			return "", nil, fmt.Errorf("path template %q: variable without a name", tpl)
		}
		if !hasPattern {
			pattern = docDefaultVarPattern
		}
		for _, v := range vars {
			if v.name == name {
				return "", nil, fmt.Errorf("path template %q: variable %q appears twice", tpl, name)
			}
		}
		vars = append(vars, docTemplateVar{name: name, pattern: pattern})
		b.WriteString(rest[:open])
		b.WriteString("{" + name + "}")
		rest = rest[end+1:]
	}
}

// docClosingBrace returns the index of the brace that closes the one at open,
// or -1 when it is never closed.
func docClosingBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}

// docAnchorPattern makes an unanchored Go pattern match whole values only, as a
// JSON Schema pattern must say it (JSON Schema patterns search, they do not
// match whole strings).
func docAnchorPattern(p string) string {
	if strings.HasPrefix(p, "^") && strings.HasSuffix(p, "$") {
		return p
	}
	return "^(?:" + p + ")$"
}

// docPatternAllowsSlash reports whether a path variable's pattern can match a
// slash, which makes the variable span several path segments.
func docPatternAllowsSlash(pattern string) bool {
	return strings.Contains(pattern, "/")
}

// docVariantLabel names request variant i (0-based) of a method: its Name, or
// "variant N" when it has none.
func docVariantLabel(r RequestDescriptor, i int) string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("variant %d", i+1)
}

// docEndpointIDs returns the distinct OCI endpoint IDs of a method's request
// variants, in the order the variants list them.
func docEndpointIDs(m MethodDescriptor) []string {
	var ids []string
	for _, r := range m.Requests {
		if r.EndpointID == "" || docContains(ids, r.EndpointID) {
			continue
		}
		ids = append(ids, r.EndpointID)
	}
	return ids
}

func docContains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// docMethods lists the methods an OpenAPI path item can hold, in the order
// the documents present them.
var docMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions, http.MethodTrace,
}

// docCheckRoutes reports the first problem that keeps routes from being
// documented: a route without a name or path, an unknown or repeated
// method, or a malformed template.
func docCheckRoutes(routes []RouteDescriptor) error {
	if len(routes) == 0 {
		return errors.New("no routes to describe")
	}
	names := make(map[string]bool, len(routes))
	for _, rd := range routes {
		if rd.Name == "" {
			return fmt.Errorf("route with path %q has no name", rd.Path)
		}
		if names[rd.Name] {
			return fmt.Errorf("route %q is described twice", rd.Name)
		}
		names[rd.Name] = true
		if !strings.HasPrefix(rd.Path, "/") {
			return fmt.Errorf("route %q: path %q does not start with a slash", rd.Name, rd.Path)
		}
		if _, _, err := docParseTemplate(rd.Path); err != nil {
			return fmt.Errorf("route %q: %w", rd.Name, err)
		}
		seen := make(map[string]bool, len(rd.Methods))
		for _, md := range rd.Methods {
			if !docContains(docMethods, md.Method) {
				return fmt.Errorf("route %q: unsupported method %q", rd.Name, md.Method)
			}
			if seen[md.Method] {
				return fmt.Errorf("route %q: method %s is described twice", rd.Name, md.Method)
			}
			seen[md.Method] = true
		}
	}
	return nil
}

// docStatusText is the reason phrase of an HTTP status, or "Status N" for one
// net/http does not name.
func docStatusText(code int) string {
	if t := http.StatusText(code); t != "" {
		return t
	}
	return fmt.Sprintf("Status %d", code)
}
