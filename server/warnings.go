package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/regapi/regapi"
)

// Warning is a Warning header a server adds to answers, as registries
// announce deprecations.
type Warning struct {
	// Target chooses the requests: a route name (regapi.RouteNameBlob,
	// ...), an OCI endpoint ID ("end-3"; "end-7" stands for end-7a and
	// end-7b) or "*" for every request that matched a route.
	Target string

	// Text is the warning, sent as 299 - "Text". All the warnings of an
	// answer together stay within 4096 bytes: those that do not fit are
	// left out.
	Text string
}

// maxWarnings is the most bytes the Warning headers of one answer take, as
// the specification bounds them.
const maxWarnings = 4096

// variantKey names a request variant by what chooses its Warning headers.
type variantKey struct{ route, endpoint string }

// renderWarnings returns the values of the Warning headers that warnings
// choose for each request variant of the descriptors. Options never change
// after New, so the headers are rendered once there, and a request only
// looks its variant up.
func renderWarnings(warnings []Warning) map[variantKey][]string {
	if len(warnings) == 0 {
		return nil
	}
	values := make([]string, len(warnings))
	for i, w := range warnings {
		values[i] = `299 - ` + quoteText(w.Text)
	}
	var variants []variantKey
	for _, rd := range regapi.Descriptors() {
		for _, md := range rd.Methods {
			for _, req := range md.Requests {
				if v := (variantKey{rd.Name, req.EndpointID}); !slices.Contains(variants, v) {
					variants = append(variants, v)
				}
			}
		}
	}
	out := map[variantKey][]string{}
	for _, v := range variants {
		var vs []string
		total := 0
		for i, w := range warnings {
			if w.Target == "" || w.Target != "*" && w.Target != v.route && !endpointMatches(w.Target, v.endpoint) {
				continue
			}
			if total+len(values[i]) > maxWarnings {
				continue
			}
			total += len(values[i])
			vs = append(vs, values[i])
		}
		if len(vs) > 0 {
			// Clipped, so that anything appending to an answer's Warning
			// header copies rather than writes into the slice all answers
			// share.
			out[v] = slices.Clip(vs)
		}
	}
	return out
}

// endpointMatches reports whether an endpoint ID a warning names chooses
// a variant's: the same, or the variant's with a letter after it ("end-7"
// chooses end-7a and end-7b).
func endpointMatches(id, variant string) bool {
	if variant == id {
		return true
	}
	rest, ok := strings.CutPrefix(variant, id)
	return ok && len(rest) == 1 && rest[0] >= 'a' && rest[0] <= 'z'
}

// addWarnings adds the Warning headers Options.Warnings chooses for a
// request.
func (s *Server) addWarnings(h http.Header, rm regapi.RequestMatch) {
	if len(s.warnings) == 0 {
		return
	}
	if vs := s.warnings[variantKey{rm.Route, rm.EndpointID}]; vs != nil {
		h["Warning"] = vs
	}
}

// quoteText writes s as an HTTP quoted-string: quotes and backslashes are
// escaped, and bytes a header may not carry (controls, and bytes beyond
// ASCII, which clients read differently) become "?".
func quoteText(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' && c != '\t' || c >= 0x7f:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
