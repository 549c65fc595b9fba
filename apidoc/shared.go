package apidoc

import (
	"errors"
	"fmt"
	"github.com/regapi/regapi"
	"github.com/regapi/regapi/internal/pathtemplate"
	"net/http"
	"strings"
)

// This file holds what the OpenAPI and Markdown generators share: reading
// mux path templates and naming request variants.

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
func docVariantLabel(r regapi.RequestDescriptor, i int) string {
	if r.Name != "" {
		return r.Name
	}
	return fmt.Sprintf("variant %d", i+1)
}

// docEndpointIDs returns the distinct OCI endpoint IDs of a method's request
// variants, in the order the variants list them.
func docEndpointIDs(m regapi.MethodDescriptor) []string {
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
func docCheckRoutes(routes []regapi.RouteDescriptor) error {
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
		if _, _, err := pathtemplate.Parse(rd.Path); err != nil {
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

// docScopeSentence says what access a request variant needs, from its
// Scopes: the token scopes as code spans, or that any authenticated client
// may send it. placeholder, when not nil, rewrites each scope, as Markdown
// writes "{name}" as "<name>".
func docScopeSentence(scopes []string, placeholder func(string) string) string {
	if len(scopes) == 0 {
		return "Access: any authenticated client; a token needs no scope."
	}
	parts := make([]string, len(scopes))
	for i, sc := range scopes {
		if placeholder != nil {
			sc = placeholder(sc)
		}
		parts[i] = "`" + sc + "`"
	}
	if len(parts) == 1 {
		return "Token scope: " + parts[0] + "."
	}
	return "Token scopes: " + strings.Join(parts, ", ") + "."
}
