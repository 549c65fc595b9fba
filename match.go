package regapi

import (
	"strings"
	"sync"

	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/routeshape"
)

// PathMatch is the route a request path addresses and the values of the
// route's path variables. A field is empty when the route has no such
// variable. The values are substrings of the path given to MatchPath.
type PathMatch struct {
	// Route is the name of the route, one of the RouteName constants.
	Route string

	// Name is the repository name, for every route but base and catalog.
	Name string

	// Reference is the tag or digest of the manifest route.
	Reference string

	// Digest is the digest of the blob and referrers routes.
	Digest string

	// UUID is the upload id of the blob-upload-chunk route.
	UUID string
}

// Vars returns the path variables of m as the map mux.Vars gives a handler
// behind the router returned by Router: one key per variable of the route
// ("name", "reference", "digest", "uuid"), and an empty map for the base
// and catalog routes. Each call returns a new map.
func (m PathMatch) Vars() map[string]string {
	switch m.Route {
	case RouteNameTags, RouteNameBlobUpload:
		return map[string]string{"name": m.Name}
	case RouteNameManifest:
		return map[string]string{"name": m.Name, "reference": m.Reference}
	case RouteNameBlob, RouteNameReferrers:
		return map[string]string{"name": m.Name, "digest": m.Digest}
	case RouteNameBlobUploadChunk:
		return map[string]string{"name": m.Name, "uuid": m.UUID}
	}
	return map[string]string{}
}

// MatchPath reports which route the router returned by Router serves path
// with, and the route's variables, without a regular expression or an
// allocation. It answers false exactly where that router answers something
// other than a route's handler: 404 for a path no route matches, and 301 for
// a path that is not clean (holding "//", "." or ".." segments, or not
// starting with "/") or that lacks or adds a final slash relative to the
// first route matching it.
//
// The path is the decoded request path, r.URL.Path, as the router matches
// it; a percent-encoded slash therefore counts as a slash.
//
// A registry served below a prefix (RouterWithPrefix with a literal prefix,
// one without template variables) strips the prefix, without its final
// slash, from the path first: with prefix "/registry",
// "/registry/v2/foo/tags/list" is matched as "/v2/foo/tags/list". A path that
// does not continue the prefix with "/" matches nothing. The redirects of
// such a router lead to the prefix followed by the path the redirect would
// lead to here: a server that wants them sends them itself, for instance by
// handing requests MatchPath refuses to the router.
func MatchPath(path string) (PathMatch, bool) {
	if !isCleanPath(path) {
		return PathMatch{}, false
	}
	body, slash := routeshape.TrimFinalSlash(path)
	m, i, ok := matchBody(body)
	// The first route that matches answers; it redirects when the final
	// slash differs from its template's.
	if !ok || slash != matchOrder()[i].endSlash {
		return PathMatch{}, false
	}
	return m, true
}

// isCleanPath reports whether the router leaves path alone: it starts with
// "/" and has no empty segment (but a final one) and no "." or ".."
// segment, so that cleaning it would not change it.
func isCleanPath(path string) bool {
	if path == "" || path[0] != '/' {
		return false
	}
	for i := 0; i < len(path); i++ {
		if path[i] != '/' {
			continue
		}
		seg := path[i+1:] // the segment after this slash, and the rest
		switch {
		case seg == "":
			return true // a final slash is kept
		case seg[0] == '/':
			return false
		case seg[0] == '.':
			if len(seg) == 1 || seg[1] == '/' || seg[1] == '.' && (len(seg) == 2 || seg[2] == '/') {
				return false
			}
		}
	}
	return true
}

// routeMatcher is one route as MatchPath tries it.
type routeMatcher struct {
	name     string
	shape    routeshape.Shape
	endSlash bool // the template ends with "/"
}

// matchOrder lists the routes in the order the router tries them, which is
// the order of the route table, each with the shape of its template. It is
// built on first use.
var matchOrder = sync.OnceValue(func() []routeMatcher {
	routes := routeTable()
	out := make([]routeMatcher, 0, len(routes))
	for _, d := range routes {
		shape, ok := routeshape.Of(d.Template())
		if !ok {
			panic("regapi: no shape for the template of route " + d.Name)
		}
		out = append(out, routeMatcher{name: d.Name, shape: shape, endSlash: strings.HasSuffix(d.Path, "/")})
	}
	return out
})

// matchBody finds the first route, in the order the router tries them,
// whose pattern matches body, a path without its final slash. Every route
// pattern ends with an optional slash, so this is the first route matching
// the whole path.
//
// The routes with a repository name end in a fixed word or in a variable
// holding no slash, so the name is whatever precedes the literal part: the
// split is never a choice, and the regexp's preferences among alternatives
// cannot change the values.
func matchBody(body string) (PathMatch, int, bool) {
	p := routeshape.Split(body)
	order := matchOrder()
	for i := range order {
		r := &order[i]
		name, value, ok := r.shape.Fit(&p)
		if !ok || r.shape.Named && !grammar.IsName(name) {
			continue
		}
		m := PathMatch{Route: r.name, Name: name}
		switch r.shape.Variable {
		case routeshape.ReferenceVariable:
			m.Reference = value
		case routeshape.DigestVariable:
			m.Digest = value
		case routeshape.UUIDVariable:
			m.UUID = value
		}
		return m, i, true
	}
	return PathMatch{}, -1, false
}
