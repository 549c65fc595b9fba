package regapi

import (
	"slices"
	"sort"
)

// The query parameter names the descriptors list for each route that takes
// a query, sorted, for queryPairs.
var (
	catalogQueryKeys         = descriptorQueryKeys(RouteNameCatalog)
	tagsQueryKeys            = descriptorQueryKeys(RouteNameTags)
	blobUploadQueryKeys      = descriptorQueryKeys(RouteNameBlobUpload)
	blobUploadChunkQueryKeys = descriptorQueryKeys(RouteNameBlobUploadChunk)
	referrersQueryKeys       = descriptorQueryKeys(RouteNameReferrers)
)

// descriptorQueryKeys returns the names of the query parameters of every
// request of the named route, sorted and without repeats.
func descriptorQueryKeys(route string) []string {
	var keys []string
	for _, m := range routeDescriptorsByName[route].Methods {
		for _, r := range m.Requests {
			for _, q := range r.QueryParameters {
				keys = append(keys, q.Name)
			}
		}
	}
	sort.Strings(keys)
	return slices.Compact(keys)
}
