// Package regapi is the container registry HTTP API as Go data: the Docker
// Registry HTTP API V2 and its successor, the OCI Distribution Specification.
//
// The package has four parts, all derived from one table of route
// descriptors (APIDescriptor):
//
//   - Routing. Router and RouterWithPrefix return gorilla/mux routers with one
//     named route per API endpoint (RouteNameBase, RouteNameManifest, ...),
//     for servers to attach handlers to.
//   - URL building. URLBuilder builds every endpoint's URL below a root, for
//     clients and for the Location headers of servers.
//   - Errors. The errcode subpackage defines the error codes and the JSON
//     envelope registries answer errors with; this package re-exports the
//     registry codes under their historical names.
//   - Description. APIDescriptor documents every route, method, request
//     variant, parameter, header, status and error code, citing the OCI
//     specification's endpoint IDs (end-1 to end-14).
//
// # Compatibility
//
// The exported API, route names, path variables, redirects, URLs and error
// bodies are those of the registry/api/v2 and registry/api/errcode packages of
// github.com/distribution/distribution (v2.8 and v3), so code written against
// them works after changing its import paths. The README lists the few
// deliberate differences, such as the referrers route, which distribution
// lacks, and a fresh router from every Router call.
//
// # Names with slashes
//
// A repository name may contain slashes ("library/alpine",
// "registry.example.com:5000/team/app"), so the variables of a path are found
// by the route's pattern, not by splitting on slashes. Where two readings are
// possible, the first route in descriptor order wins: "/v2/a/manifests/tags/list"
// lists the tags of repository "a/manifests".
package regapi
