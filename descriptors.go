package regapi

import (
	"regexp"
	"sync"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/pathtemplate"
)

// APIDescriptor describes the whole registry HTTP API: every route, method,
// request variant and response. It is the only part of the table built at
// package initialisation, and a table of its own: changing it does not
// change how this package routes, matches or builds URLs, nor what
// Descriptors returns.
var APIDescriptor = struct {
	// RouteDescriptors lists the routes in the order the router tries them.
	RouteDescriptors []RouteDescriptor
}{
	RouteDescriptors: newRouteTable(),
}

// Descriptors returns a new copy of the route table, the same as
// APIDescriptor.RouteDescriptors before any change, for programs that derive
// something from the table (documents, checks) and must not see what
// another part of the program did to APIDescriptor. The caller may change
// the copy.
func Descriptors() []RouteDescriptor {
	return newRouteTable()
}

// routeTable is the table the package routes, matches and builds URLs by,
// built on first use rather than at initialisation, so that a program pays
// for the parts it uses. Nothing outside the package sees it.
var routeTable = sync.OnceValue(newRouteTable)

// RouteDescriptor describes one route of the API.
type RouteDescriptor struct {
	// Name identifies the route; it is one of the RouteName constants and
	// the name under which the mux router registers it.
	Name string

	// Path is the gorilla/mux path template, with each variable carrying
	// its pattern, for example "/v2/{name:...}/tags/list".
	Path string

	// Entity names, in a few words, what the route addresses.
	Entity string

	// Description explains what the route is for.
	Description string

	// Methods lists the HTTP methods the route answers.
	Methods []MethodDescriptor
}

// MethodDescriptor describes one HTTP method of a route.
type MethodDescriptor struct {
	// Method is the HTTP method, such as GET or PUT.
	Method string

	// Description explains what the method does on the route. It may use
	// Markdown.
	Description string

	// Requests lists the distinct ways of using the method, one per use
	// case, each with its own parameters and responses.
	Requests []RequestDescriptor
}

// RequestDescriptor describes one use of a method: the headers, parameters
// and body it sends and the responses it may get.
type RequestDescriptor struct {
	// Name is a short title for this use of the method.
	Name string

	// Description explains the use case.
	Description string

	// Headers lists the request headers of this use.
	Headers []ParameterDescriptor

	// PathParameters lists the variables of the route's path.
	PathParameters []ParameterDescriptor

	// QueryParameters lists the query parameters of this use.
	QueryParameters []ParameterDescriptor

	// Body describes the request body, if any.
	Body BodyDescriptor

	// Successes lists the responses that mean the request succeeded.
	Successes []ResponseDescriptor

	// Failures lists the responses that mean it did not.
	Failures []ResponseDescriptor

	// Scopes lists the access the request needs, as resource scopes of the
	// registry token protocol with the request's own values in braces:
	// "repository:{name}:pull", "repository:{from}:pull" (the source of a
	// mount), "registry:catalog:*". An empty list means any authenticated
	// client, as for the API's base. The auth package reads them, and the
	// documents list them per operation.
	Scopes []string

	// EndpointID is the identifier the OCI distribution specification gives
	// this use of the API in its endpoint table ("end-1" to "end-14", with
	// letters for variants, such as "end-4b"), or empty for uses the
	// specification does not list, such as the catalog.
	EndpointID string

	// Fields lists the fields of the request body worth describing, such
	// as those of a form.
	Fields []ParameterDescriptor
}

// ResponseDescriptor describes one response: its status, headers and body.
type ResponseDescriptor struct {
	// Name is a short title for the response.
	Name string

	// Description explains when the response is sent.
	Description string

	// StatusCode is the HTTP status of the response.
	StatusCode int

	// Headers lists the response headers.
	Headers []ParameterDescriptor

	// Fields lists fields of the response body worth describing.
	Fields []ParameterDescriptor

	// ErrorCodes lists the error codes the response body may carry.
	ErrorCodes []errcode.ErrorCode

	// Body describes the response body, if any.
	Body BodyDescriptor
}

// BodyDescriptor describes a request or response body: its media type and
// an illustration of its content.
type BodyDescriptor struct {
	// ContentType is the media type of the body.
	ContentType string

	// Format shows the shape of the body, usually as annotated JSON.
	Format string
}

// ParameterDescriptor describes a header, path variable or query parameter.
type ParameterDescriptor struct {
	// Name is the header, variable or parameter name.
	Name string

	// Type names the kind of value, such as "string" or "integer".
	Type string

	// Description explains the parameter.
	Description string

	// Required reports whether the parameter must be present.
	Required bool

	// Format shows the accepted form of the value, as a pattern or an
	// annotated placeholder.
	Format string

	// Regexp, when set, validates the value: it matches whole values only.
	// Path variables leave it nil, because the route's Path holds their
	// patterns and the router applies them; Format shows the pattern.
	Regexp *regexp.Regexp

	// Examples lists valid values.
	Examples []string

	// Repeatable reports whether the parameter may be given more than once,
	// as the tag query parameter of a manifest push by digest may.
	Repeatable bool
}

// The media types of the bodies the API exchanges.
const (
	mediaTypeJSON          = "application/json"
	mediaTypeOctetStream   = "application/octet-stream"
	mediaTypeImageManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeImageIndex    = "application/vnd.oci.image.index.v1+json"
)

// The shapes of the JSON bodies, as annotated JSON.
const (
	errorsBodyFormat = `{
    "errors": [
        {
            "code": "<error code>",
            "message": "<error message>",
            "detail": <any JSON value, optional>
        },
        ...
    ]
}`

	manifestBodyFormat = `{
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "artifactType": "<media type of the artifact, optional>",
    "config": {
        "mediaType": "<media type of the config>",
        "digest": "<digest>",
        "size": <size in bytes>
    },
    "layers": [
        {
            "mediaType": "<media type of the layer>",
            "digest": "<digest>",
            "size": <size in bytes>
        },
        ...
    ],
    "subject": {
        "mediaType": "<media type of the subject manifest>",
        "digest": "<digest>",
        "size": <size in bytes>
    },
    "annotations": {
        "<key>": "<value>",
        ...
    }
}`

	referrersBodyFormat = `{
    "schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.index.v1+json",
    "manifests": [
        {
            "mediaType": "<media type of the referring manifest>",
            "digest": "<digest>",
            "size": <size in bytes>,
            "artifactType": "<artifact type>",
            "annotations": {
                "<key>": "<value>",
                ...
            }
        },
        ...
    ]
}`

	tagsBodyFormat = `{
    "name": "<name>",
    "tags": [
        "<tag>",
        ...
    ]
}`

	catalogBodyFormat = `{
    "repositories": [
        "<name>",
        ...
    ]
}`

	blobBodyFormat  = "<blob bytes>"
	chunkBodyFormat = "<chunk bytes>"
)

// Template returns the route's path with the patterns of its variables left
// out, as OpenAPI and documentation write it: "/v2/{name}/tags/list" for the
// tags route. Path keeps the patterns, as gorilla/mux needs them.
func (d RouteDescriptor) Template() string {
	tpl, _, err := pathtemplate.Parse(d.Path)
	if err != nil {
		return d.Path
	}
	return tpl
}

// routeByName returns the route of the table the package routes by that has
// the given name, or nil.
func routeByName(name string) *RouteDescriptor {
	return routeIndex()[name]
}

// routeIndex indexes routeTable by name, built on first use.
var routeIndex = sync.OnceValue(func() map[string]*RouteDescriptor {
	routes := routeTable()
	m := make(map[string]*RouteDescriptor, len(routes))
	for i := range routes {
		m[routes[i].Name] = &routes[i]
	}
	return m
})
