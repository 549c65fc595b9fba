package regapi

import "github.com/gorilla/mux"

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
	for _, d := range routeDescriptors {
		router.Path(d.Path).Name(d.Name)
	}
	return root
}
