package regapi

import (
	"regexp"

	"github.com/regapi/regapi/errcode"
)

// APIDescriptor describes the whole registry HTTP API: every route, method,
// request variant and response. It is a copy made at package initialisation:
// changing it does not change how this package routes or builds URLs.
var APIDescriptor = struct {
	// RouteDescriptors lists the routes in the order the router tries them.
	RouteDescriptors []RouteDescriptor
}{
	RouteDescriptors: cloneRouteDescriptors(routeDescriptors),
}

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

	// EndpointID is the identifier the OCI distribution specification gives
	// this use of the API in its endpoint table ("end-1" to "end-14", with
	// letters for variants, such as "end-4b"), or empty for uses the
	// specification does not list, such as the catalog.
	EndpointID string
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

	// Regexp, when set, validates the value.
	Regexp *regexp.Regexp

	// Examples lists valid values.
	Examples []string

	// Repeatable reports whether the parameter may be given more than once,
	// as the tag query parameter of a manifest push by digest may.
	Repeatable bool
}

// routeDescriptors is the table of routes, in the order the router tries
// them. Everything else in the package derives from it.
var routeDescriptors = []RouteDescriptor{
	{Name: RouteNameBase, Path: "/v2/", Entity: "Base"},
	{Name: RouteNameTags, Path: "/v2/" + pathVar("name", namePattern) + "/tags/list", Entity: "Tags"},
	{Name: RouteNameManifest, Path: "/v2/" + pathVar("name", namePattern) + "/manifests/" + pathVar("reference", referencePattern), Entity: "Manifest"},
	{Name: RouteNameBlob, Path: "/v2/" + pathVar("name", namePattern) + "/blobs/" + pathVar("digest", digestPattern), Entity: "Blob"},
	{Name: RouteNameBlobUpload, Path: "/v2/" + pathVar("name", namePattern) + "/blobs/uploads/", Entity: "Initiate Blob Upload"},
	{Name: RouteNameBlobUploadChunk, Path: "/v2/" + pathVar("name", namePattern) + "/blobs/uploads/" + pathVar("uuid", uuidPattern), Entity: "Blob Upload"},
	{Name: RouteNameCatalog, Path: "/v2/_catalog", Entity: "Catalog"},
	{Name: RouteNameReferrers, Path: "/v2/" + pathVar("name", namePattern) + "/referrers/" + pathVar("digest", digestPattern), Entity: "Referrers"},
}

// routeDescriptorsByName indexes routeDescriptors.
var routeDescriptorsByName = func() map[string]*RouteDescriptor {
	m := make(map[string]*RouteDescriptor, len(routeDescriptors))
	for i := range routeDescriptors {
		m[routeDescriptors[i].Name] = &routeDescriptors[i]
	}
	return m
}()
