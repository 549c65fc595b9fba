package regapi

import (
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"github.com/regapi/regapi/internal/routeshape"
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
	for _, d := range routeTable() {
		route := router.NewRoute()
		if shape, ok := routeshape.Of(d.Template()); fast && ok {
			// The test runs before the route's path regexp: matchers run
			// in the order they are added.
			route.MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
				return shape.Admits(literal, req.URL.Path)
			})
		}
		route.Path(d.Path).Name(d.Name)
	}
	return root
}
