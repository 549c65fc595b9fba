package regapi

import (
	"slices"
	"sort"
	"strings"
	"sync"
)

// urlParts is what the URL builder writes for a route besides the root,
// the name and the final variable, read off the route's descriptor.
type urlParts struct {
	// word is the route's template after "/v2/{name}", or after "/v2/" for
	// a route without a name, up to its final variable: "/manifests/",
	// "/tags/list", "_catalog".
	word string

	// queryKeys are the names of the query parameters the descriptor's
	// requests list, sorted and without repeats, for queryPairs.
	queryKeys []string
}

// routeURLParts holds the parts of the URLs of the routes the builder
// writes past the base.
type routeURLParts struct {
	catalog, tags, manifest, blob, blobUpload, blobUploadChunk, referrers urlParts
}

// urlPartsOfRoutes reads the parts of every route off the table, on first
// use.
var urlPartsOfRoutes = sync.OnceValue(func() *routeURLParts {
	return &routeURLParts{
		catalog:         urlPartsOf(RouteNameCatalog),
		tags:            urlPartsOf(RouteNameTags),
		manifest:        urlPartsOf(RouteNameManifest),
		blob:            urlPartsOf(RouteNameBlob),
		blobUpload:      urlPartsOf(RouteNameBlobUpload),
		blobUploadChunk: urlPartsOf(RouteNameBlobUploadChunk),
		referrers:       urlPartsOf(RouteNameReferrers),
	}
})

// urlPartsOf reads the parts of the named route off its descriptor.
func urlPartsOf(route string) urlParts {
	d := routeByName(route)
	t := d.Template()
	word, named := strings.CutPrefix(t, "/v2/{name}")
	if !named {
		word = strings.TrimPrefix(t, "/v2/")
	}
	word, _, _ = strings.Cut(word, "{")

	var keys []string
	for _, m := range d.Methods {
		for _, r := range m.Requests {
			for _, q := range r.QueryParameters {
				keys = append(keys, q.Name)
			}
		}
	}
	sort.Strings(keys)
	return urlParts{word: word, queryKeys: slices.Compact(keys)}
}
