package regapi

import (
	"net/http"
	"net/textproto"
	"net/url"
	"sync"
)

// RequestMatch is a request recognised down to the use of the API it is: the
// route and path variables, the method, and the request variant of the
// route's descriptor that the request's query and headers choose.
type RequestMatch struct {
	PathMatch

	// Method is the request's method. A HEAD request on a route that
	// describes only GET is matched to GET's variants and keeps HEAD here.
	Method string

	// EndpointID is the OCI endpoint ID of the variant ("end-4b", ...), or
	// empty for variants the specification does not number, such as the
	// catalog's.
	EndpointID string

	// Request is the variant's descriptor, in a copy of the table that the
	// package keeps for MatchRequest alone: a program that edits
	// APIDescriptor changes nothing MatchRequest reports, such as the
	// scopes a request needs. Treat it as read-only: every match of the
	// variant shares it.
	Request *RequestDescriptor
}

// MatchRequest recognises which variant of the API a request is, the inverse
// of the URL builder at the level of variants: a POST to the upload route is
// a plain start (end-4a), a monolithic upload (end-4b), a start with another
// digest algorithm (end-4c) or a mount (end-11) by its query; a PATCH is a
// chunk or a stream by its headers. m is the request's PathMatch (from
// MatchPath or the router's variables); query and h are its query values and
// headers, as a server receives them (canonical header keys).
//
// A variant is a candidate when the request carries every query parameter
// and header the variant marks required. Among the candidates of the
// method, the one that names the most of the query parameters and headers
// the request carries wins, ties going to descriptor order; when no variant
// is a candidate, the same count decides among all of them, so that a
// malformed request is still matched to the variant it comes closest to.
// Content-Length and Content-Type count for no variant: HTTP may frame a
// body without Content-Length, and clients send Content-Type on requests
// without bodies.
//
// HEAD is allowed wherever GET is. MatchRequest reports false when the
// route does not describe the method, or m names no route. It does not
// allocate.
func MatchRequest(method string, m PathMatch, query url.Values, h http.Header) (RequestMatch, bool) {
	route := requestIndex().routes[m.Route]
	if route == nil {
		return RequestMatch{}, false
	}
	variants := route.of(method)
	if variants == nil {
		return RequestMatch{}, false
	}
	best, bestScore, bestEligible := -1, -1, false
	for i := range variants {
		v := &variants[i]
		eligible, score := v.fit(query, h)
		// An eligible variant beats any that is not; then the count; then
		// the order.
		if eligible && !bestEligible || eligible == bestEligible && score > bestScore {
			best, bestScore, bestEligible = i, score, eligible
		}
	}
	v := &variants[best]
	return RequestMatch{PathMatch: m, Method: method, EndpointID: v.endpointID, Request: v.descriptor}, true
}

// variantKeys is one request variant as MatchRequest weighs it.
type variantKeys struct {
	query, headers                 []string // named by the variant; headers canonical
	requiredQuery, requiredHeaders []string // of those, the ones it requires
	endpointID                     string
	descriptor                     *RequestDescriptor // in the index's own copy of the table
}

// fit reports whether the request carries everything v requires, and how
// many of the query parameters and headers v names it carries.
func (v *variantKeys) fit(query url.Values, h http.Header) (eligible bool, score int) {
	eligible = true
	for _, k := range v.requiredQuery {
		if _, ok := query[k]; !ok {
			eligible = false
		}
	}
	for _, k := range v.requiredHeaders {
		if len(h[k]) == 0 {
			eligible = false
		}
	}
	for _, k := range v.query {
		if _, ok := query[k]; ok {
			score++
		}
	}
	for _, k := range v.headers {
		if len(h[k]) > 0 {
			score++
		}
	}
	return eligible, score
}

// routeVariants holds the variants of each method of one route.
type routeVariants struct {
	methods  []string
	byMethod [][]variantKeys
}

// of returns the variants of method, those of GET for a HEAD the
// route does not describe, or nil.
func (r *routeVariants) of(method string) []variantKeys {
	get := -1
	for i, m := range r.methods {
		if m == method {
			return r.byMethod[i]
		}
		if m == http.MethodGet {
			get = i
		}
	}
	if method == http.MethodHead && get >= 0 {
		return r.byMethod[get]
	}
	return nil
}

// requestKeys indexes the variants of every route by route name.
type requestKeys struct {
	routes map[string]*routeVariants
}

// unweighedHeaders are the headers that tell no variant from another.
var unweighedHeaders = map[string]bool{"Content-Length": true, "Content-Type": true}

// requestIndex is the index MatchRequest weighs variants by, built on
// first use.
var requestIndex = sync.OnceValue(newRequestIndex)

// newRequestIndex derives the index from a copy of the table of its own:
// not APIDescriptor, which a program may edit, and not the table the
// package routes by, which a caller writing through RequestMatch.Request
// would otherwise change.
func newRequestIndex() *requestKeys {
	table := newRouteTable()
	idx := &requestKeys{routes: make(map[string]*routeVariants, len(table))}
	for i, rd := range table {
		rv := &routeVariants{}
		for j, md := range rd.Methods {
			var vs []variantKeys
			for k, req := range md.Requests {
				v := variantKeys{endpointID: req.EndpointID, descriptor: &table[i].Methods[j].Requests[k]}
				for _, q := range req.QueryParameters {
					v.query = append(v.query, q.Name)
					if q.Required {
						v.requiredQuery = append(v.requiredQuery, q.Name)
					}
				}
				for _, p := range req.Headers {
					name := textproto.CanonicalMIMEHeaderKey(p.Name)
					if unweighedHeaders[name] {
						continue
					}
					v.headers = append(v.headers, name)
					if p.Required {
						v.requiredHeaders = append(v.requiredHeaders, name)
					}
				}
				vs = append(vs, v)
			}
			rv.methods = append(rv.methods, md.Method)
			rv.byMethod = append(rv.byMethod, vs)
		}
		idx.routes[rd.Name] = rv
	}
	return idx
}
