package regapi

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"
)

// The names under which the routes are registered with a mux router, and the
// Route values of a PathMatch.
const (
	RouteNameBase            = "base"
	RouteNameManifest        = "manifest"
	RouteNameTags            = "tags"
	RouteNameBlob            = "blob"
	RouteNameBlobUpload      = "blob-upload"
	RouteNameBlobUploadChunk = "blob-upload-chunk"
	RouteNameCatalog         = "catalog"

	// RouteNameReferrers is the OCI referrers API (distribution-spec 1.1),
	// which distribution's router does not have.
	RouteNameReferrers = "referrers"
)

// Router returns a new gorilla/mux router with one named route per route
// descriptor and no handlers. A server attaches handlers with
// router.Get(RouteNameManifest).Handler(h); a client can use the routes to
// build URLs. Each call returns a new router, so handlers set by one caller
// never reach another.
//
// The router has StrictSlash set: a path that lacks or adds a final slash
// relative to its route is redirected with 301, as are paths that are not
// clean (such as those holding "//" or "/../"). Routes register no methods;
// handlers check the method themselves.
//
// The routes, their templates and regexps, and the answers are
// distribution's. Each route first runs a cheap test that refuses the paths
// its regexp cannot match, so that a request costs the regexp of the route
// it matches (which mux runs twice: to match, then to read the variables)
// instead of one regexp per route tried. MatchPath gives the same answers
// with no regexp at all.
func Router() *mux.Router {
	return RouterWithPrefix("")
}

// RouterWithPrefix is Router with every route under prefix, for a registry
// served below the root of its host, such as prefix "/registry" for routes
// like "/registry/v2/". A trailing slash on prefix is not significant.
func RouterWithPrefix(prefix string) *mux.Router {
	root := mux.NewRouter()
	router := root
	if prefix != "" {
		router = root.PathPrefix(prefix).Subrouter()
	}
	router.StrictSlash(true)

	// The filters need the prefix as a literal string. A prefix holding
	// template variables, or not starting with a slash (which mux refuses),
	// gets plain routes.
	fast := prefix == "" || prefix[0] == '/' && !strings.ContainsAny(prefix, "{}")
	literal := strings.TrimRight(prefix, "/")
	for _, r := range matchOrder {
		route := router.NewRoute()
		if fast {
			// The test runs before the route's path regexp: matchers run
			// in the order they are added.
			kind := r.kind
			route.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
				return filterPath(kind, literal, req.URL.Path)
			})
		}
		route.Path(routeDescriptorsByName[r.name].Path).Name(r.name)
	}
	return root
}

// filterPath reports whether the regexp of the route of the given kind,
// below the literal prefix, may match path: whether the path has the route's
// fixed words where its pattern has them, a name before them, and, for the
// routes that end in a variable, a valid value of it after them. Every path
// the route's regexp matches passes, and almost no path of another route
// does, since the routes differ in their words and final variables. The
// name itself is left to the regexp, which runs next and checks it anyway:
// checking a deep name here too would double the work on the route that
// matches (MatchPath's matchRoute is the full check). The path need not be
// clean: Router.Match may be called without ServeHTTP's cleaning.
//
// Each route runs this on every request that reaches it, so it scans the
// path forward for the route's word, which is quick, and never backward
// for the last slash, which is not.
func filterPath(kind int, prefix, path string) bool {
	p, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return false
	}
	body, _ := trimFinalSlash(p)
	if kind == kindBase {
		return body == "/v2"
	}
	rest, ok := strings.CutPrefix(body, "/v2/")
	if !ok {
		return false
	}
	switch kind {
	case kindCatalog:
		return rest == "_catalog"
	case kindTags:
		return endsAfterName(rest, "/tags/list")
	case kindBlobUpload:
		return endsAfterName(rest, "/blobs/uploads")
	}
	// The routes ending in a variable: name, word, then a last segment.
	// The word is the occurrence with no slash after it.
	word := lastSegmentWords[kind]
	if word == "" {
		return false
	}
	for from := 0; ; {
		i := strings.Index(rest[from:], word)
		if i < 0 {
			return false
		}
		i += from
		last := rest[i+len(word):]
		if strings.IndexByte(last, '/') < 0 {
			return i > 0 && lastSegmentValid(kind, last)
		}
		from = i + 1
	}
}

// lastSegmentWords holds, for each kind of route that ends in a variable,
// the word between the name and that variable.
var lastSegmentWords = [kindCount]string{
	kindManifest:        "/manifests/",
	kindBlob:            "/blobs/",
	kindBlobUploadChunk: "/blobs/uploads/",
	kindReferrers:       "/referrers/",
}

// lastSegmentValid reports whether last, the final segment of a path, is a
// value of the variable that ends the route of the given kind. Unlike the
// name, it is short and quick to check, and checking it keeps the regexp of
// a route from running on the paths of the next: the path that starts an
// upload ends in "/blobs/uploads", which has the shape of a blob path.
func lastSegmentValid(kind int, last string) bool {
	switch kind {
	case kindManifest:
		return isReference(last)
	case kindBlob, kindReferrers:
		return isDigest(last)
	case kindBlobUploadChunk:
		return isUploadUUID(last)
	}
	return false
}

// endsAfterName reports whether s is a non-empty name followed by word.
func endsAfterName(s, word string) bool {
	return len(s) > len(word) && strings.HasSuffix(s, word)
}
