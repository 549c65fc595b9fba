package regapi

import (
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/pathtemplate"
)

// The expectations below are written from the OCI distribution specification
// (spec.md, "Endpoints" table and the sections it links) and from the Docker
// Registry HTTP API V2, not read back from the descriptor table.

// descRouteSpec is what the API defines for one route: its path variables and
// the methods it answers.
var descRouteSpec = []struct {
	name    string
	vars    []string
	methods []string
}{
	{RouteNameBase, nil, []string{http.MethodGet}},
	{RouteNameTags, []string{"name"}, []string{http.MethodGet}},
	{RouteNameManifest, []string{"name", "reference"}, []string{http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete}},
	{RouteNameBlob, []string{"name", "digest"}, []string{http.MethodGet, http.MethodHead, http.MethodDelete}},
	{RouteNameBlobUpload, []string{"name"}, []string{http.MethodPost}},
	{RouteNameBlobUploadChunk, []string{"name", "uuid"}, []string{http.MethodGet, http.MethodPatch, http.MethodPut, http.MethodDelete}},
	{RouteNameCatalog, nil, []string{http.MethodGet}},
	{RouteNameReferrers, []string{"name", "digest"}, []string{http.MethodGet}},
}

// descOCIEndpoints is the endpoint table of the OCI distribution
// specification, with the route and method each row maps to. 414 for end-7b
// comes from "Pushing Manifests" (too many tag parameters).
var descOCIEndpoints = []struct {
	id        string
	route     string
	method    string
	successes []int
	failures  []int
}{
	{"end-1", RouteNameBase, http.MethodGet, []int{200}, []int{404, 401}},
	{"end-2", RouteNameBlob, http.MethodGet, []int{200}, []int{404}},
	{"end-2", RouteNameBlob, http.MethodHead, []int{200}, []int{404}},
	{"end-3", RouteNameManifest, http.MethodGet, []int{200}, []int{404}},
	{"end-3", RouteNameManifest, http.MethodHead, []int{200}, []int{404}},
	{"end-4a", RouteNameBlobUpload, http.MethodPost, []int{202}, []int{404}},
	{"end-4b", RouteNameBlobUpload, http.MethodPost, []int{201, 202}, []int{404, 400}},
	{"end-4c", RouteNameBlobUpload, http.MethodPost, []int{201, 202}, []int{404, 400}},
	{"end-5", RouteNameBlobUploadChunk, http.MethodPatch, []int{202}, []int{404, 416}},
	{"end-6", RouteNameBlobUploadChunk, http.MethodPut, []int{201}, []int{404, 400, 416}},
	{"end-7a", RouteNameManifest, http.MethodPut, []int{201}, []int{404, 413}},
	{"end-7b", RouteNameManifest, http.MethodPut, []int{201}, []int{404, 413, 414}},
	{"end-8a", RouteNameTags, http.MethodGet, []int{200}, []int{404}},
	{"end-8b", RouteNameTags, http.MethodGet, []int{200}, []int{404}},
	{"end-9", RouteNameManifest, http.MethodDelete, []int{202}, []int{404, 400, 405}},
	{"end-10", RouteNameBlob, http.MethodDelete, []int{202}, []int{404, 400, 405}},
	{"end-11", RouteNameBlobUpload, http.MethodPost, []int{201, 202}, []int{404}},
	{"end-12a", RouteNameReferrers, http.MethodGet, []int{200}, []int{404, 400}},
	{"end-12b", RouteNameReferrers, http.MethodGet, []int{200}, []int{404, 400}},
	{"end-13", RouteNameBlobUploadChunk, http.MethodGet, []int{204}, []int{404}},
	{"end-14", RouteNameBlobUploadChunk, http.MethodDelete, []int{204}, []int{404, 400}},
}

// descRequest is one request descriptor with where it sits in the table.
type descRequest struct {
	route  string
	method string
	req    RequestDescriptor
}

func (r descRequest) String() string {
	return fmt.Sprintf("%s %s %q", r.route, r.method, r.req.Name)
}

// descAllRequests flattens the table.
func descAllRequests() []descRequest {
	var out []descRequest
	for _, rd := range routeTable() {
		for _, md := range rd.Methods {
			for _, req := range md.Requests {
				out = append(out, descRequest{rd.Name, md.Method, req})
			}
		}
	}
	return out
}

// descResponses returns the successes and failures of a request.
func descResponses(r RequestDescriptor) []ResponseDescriptor {
	return append(append([]ResponseDescriptor(nil), r.Successes...), r.Failures...)
}

// descTemplateVars returns the variables of a mux path template, by name,
// with their patterns.
func descTemplateVars(t *testing.T, path string) map[string]string {
	t.Helper()
	_, list, err := pathtemplate.Parse(path)
	if err != nil {
		t.Fatalf("path %q: %v", path, err)
	}
	vars := map[string]string{}
	for _, v := range list {
		vars[v.Name] = v.Pattern
	}
	return vars
}

func descHasHeader(headers []ParameterDescriptor, name string) bool {
	for _, h := range headers {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

func descFindParam(params []ParameterDescriptor, name string) (ParameterDescriptor, bool) {
	for _, p := range params {
		if p.Name == name {
			return p, true
		}
	}
	return ParameterDescriptor{}, false
}

func TestDescriptorRouteNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, rd := range routeTable() {
		if seen[rd.Name] {
			t.Errorf("route %q is described twice", rd.Name)
		}
		seen[rd.Name] = true
		if got := routeByName(rd.Name); got == nil || got.Path != rd.Path {
			t.Errorf("routeByName(%q) does not point at the route", rd.Name)
		}
	}
	if len(routeIndex()) != len(routeTable()) {
		t.Errorf("routeIndex has %d entries for %d routes", len(routeIndex()), len(routeTable()))
	}
}

func TestDescriptorRoutesHaveRequiredMethods(t *testing.T) {
	if len(routeTable()) != len(descRouteSpec) {
		t.Errorf("%d routes described, the API has %d", len(routeTable()), len(descRouteSpec))
	}
	for _, want := range descRouteSpec {
		t.Run(want.name, func(t *testing.T) {
			rd := routeByName(want.name)
			if rd == nil {
				t.Fatalf("route %q is not described", want.name)
			}
			var got []string
			for _, md := range rd.Methods {
				got = append(got, md.Method)
				if len(md.Requests) == 0 {
					t.Errorf("%s has no request descriptor", md.Method)
				}
			}
			sort.Strings(got)
			wantMethods := append([]string(nil), want.methods...)
			sort.Strings(wantMethods)
			if !reflect.DeepEqual(got, wantMethods) {
				t.Errorf("methods = %v, want %v", got, wantMethods)
			}
		})
	}
}

func TestDescriptorPathParameters(t *testing.T) {
	for _, want := range descRouteSpec {
		t.Run(want.name, func(t *testing.T) {
			rd := routeByName(want.name)
			if rd == nil {
				t.Fatalf("route %q is not described", want.name)
			}
			vars := descTemplateVars(t, rd.Path)
			var names []string
			for name := range vars {
				names = append(names, name)
			}
			sort.Strings(names)
			wantVars := append([]string(nil), want.vars...)
			sort.Strings(wantVars)
			if len(names) != len(wantVars) || (len(names) > 0 && !reflect.DeepEqual(names, wantVars)) {
				t.Fatalf("path %q has variables %v, want %v", rd.Path, names, wantVars)
			}
			for _, md := range rd.Methods {
				for _, req := range md.Requests {
					got := map[string]bool{}
					for _, p := range req.PathParameters {
						if got[p.Name] {
							t.Errorf("%s %q lists path parameter %q twice", md.Method, req.Name, p.Name)
						}
						got[p.Name] = true
						pattern, ok := vars[p.Name]
						if !ok {
							t.Errorf("%s %q: path parameter %q is not a variable of %q", md.Method, req.Name, p.Name, rd.Path)
							continue
						}
						if p.Format != pattern {
							t.Errorf("%s %q: parameter %q has format %q, the path uses %q", md.Method, req.Name, p.Name, p.Format, pattern)
						}
						if !p.Required {
							t.Errorf("%s %q: path parameter %q is not required", md.Method, req.Name, p.Name)
						}
					}
					for _, v := range want.vars {
						if !got[v] {
							t.Errorf("%s %q lacks path parameter %q", md.Method, req.Name, v)
						}
					}
				}
			}
		})
	}
}

func TestDescriptorPathParameterValues(t *testing.T) {
	// Values the routes accept or refuse, from the spec's grammar.
	tests := []struct {
		route, param, value string
		valid               bool
	}{
		{RouteNameManifest, "name", "library/ubuntu", true},
		{RouteNameManifest, "name", "a/b__c/d-e.f", true},
		{RouteNameManifest, "name", "Library/Ubuntu", false},
		{RouteNameManifest, "name", "library//ubuntu", false},
		{RouteNameManifest, "reference", "latest", true},
		{RouteNameManifest, "reference", "sha256:" + strings.Repeat("a", 64), true},
		{RouteNameManifest, "reference", ".hidden", false},
		{RouteNameManifest, "reference", strings.Repeat("t", 129), false},
		{RouteNameBlob, "digest", "sha512:" + strings.Repeat("0", 128), true},
		{RouteNameBlob, "digest", "latest", false},
		{RouteNameReferrers, "digest", "sha256:abc", true},
		{RouteNameBlobUploadChunk, "uuid", "abc-DEF_0.1=", true},
		{RouteNameBlobUploadChunk, "uuid", "a/b", false},
	}
	for _, tt := range tests {
		t.Run(tt.route+"/"+tt.param+"/"+tt.value, func(t *testing.T) {
			rd := routeByName(tt.route)
			for _, md := range rd.Methods {
				for _, req := range md.Requests {
					p, ok := descFindParam(req.PathParameters, tt.param)
					if !ok {
						t.Fatalf("%s %q lacks %q", md.Method, req.Name, tt.param)
					}
					if p.Regexp != nil {
						t.Fatalf("%s %q: path variable %q has a Regexp", md.Method, req.Name, tt.param)
					}
					if got := regexp.MustCompile("^(?:" + p.Format + ")$").MatchString(tt.value); got != tt.valid {
						t.Errorf("%s %q: %q accepts %q = %v, want %v", md.Method, req.Name, tt.param, tt.value, got, tt.valid)
					}
				}
			}
		})
	}
}

func TestDescriptorParameterExamplesMatch(t *testing.T) {
	check := func(where string, ps []ParameterDescriptor) {
		for _, p := range ps {
			if p.Name == "" || p.Type == "" || p.Description == "" {
				t.Errorf("%s: parameter %q lacks a name, type or description", where, p.Name)
			}
			re := p.Regexp
			if re == nil && strings.HasSuffix(where, " path") {
				re = regexp.MustCompile("^(?:" + p.Format + ")$")
			}
			if re == nil {
				continue
			}
			for _, ex := range p.Examples {
				if !re.MatchString(ex) {
					t.Errorf("%s: example %q of %q does not match %s", where, ex, p.Name, re)
				}
			}
		}
	}
	for _, r := range descAllRequests() {
		check(r.String()+" headers", r.req.Headers)
		check(r.String()+" path", r.req.PathParameters)
		check(r.String()+" query", r.req.QueryParameters)
		for _, resp := range descResponses(r.req) {
			check(fmt.Sprintf("%s %d", r, resp.StatusCode), resp.Headers)
		}
	}
}

func TestDescriptorErrorCodesRegistered(t *testing.T) {
	n := 0
	for _, r := range descAllRequests() {
		for _, resp := range descResponses(r.req) {
			for _, c := range resp.ErrorCodes {
				n++
				// UNKNOWN is the code of a server that cannot say more: it
				// belongs to server errors and timeouts only.
				if c == errcode.ErrorCodeUnknown && resp.StatusCode < 500 && resp.StatusCode != http.StatusRequestTimeout {
					t.Errorf("%s %d names UNKNOWN", r, resp.StatusCode)
				}
				if got := errcode.ParseErrorCode(c.String()); got != c {
					t.Errorf("%s %d: code %d (%q) is not registered", r, resp.StatusCode, c, c.String())
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no error codes in the descriptors")
	}
}

func TestDescriptorOCIEndpoints(t *testing.T) {
	for _, ep := range descOCIEndpoints {
		t.Run(ep.id+" "+ep.method, func(t *testing.T) {
			statuses := map[int]bool{}
			found := 0
			for _, r := range descAllRequests() {
				if r.req.EndpointID != ep.id {
					continue
				}
				if r.route == ep.route && r.method == ep.method {
					found++
					for _, resp := range r.req.Successes {
						statuses[resp.StatusCode] = true
					}
					for _, resp := range r.req.Failures {
						statuses[-resp.StatusCode] = true
					}
					continue
				}
				known := false
				for _, other := range descOCIEndpoints {
					if other.id == ep.id && other.route == r.route && other.method == r.method {
						known = true
					}
				}
				if !known {
					t.Errorf("%s is on %s", ep.id, r)
				}
			}
			if found == 0 {
				t.Fatalf("no %s %s request carries %s", ep.route, ep.method, ep.id)
			}
			for _, s := range ep.successes {
				if !statuses[s] {
					t.Errorf("success %d missing", s)
				}
			}
			for _, s := range ep.failures {
				if !statuses[-s] {
					t.Errorf("failure %d missing", s)
				}
			}
		})
	}
}

func TestDescriptorEndpointIDsKnown(t *testing.T) {
	known := map[string]bool{}
	for _, ep := range descOCIEndpoints {
		known[ep.id] = true
	}
	for _, r := range descAllRequests() {
		if r.req.EndpointID != "" && !known[r.req.EndpointID] {
			t.Errorf("%s has unknown endpoint ID %q", r, r.req.EndpointID)
		}
		if r.route == RouteNameCatalog && r.req.EndpointID != "" {
			t.Errorf("%s: the catalog is not an OCI endpoint but has ID %q", r, r.req.EndpointID)
		}
		if r.route != RouteNameCatalog && r.req.EndpointID == "" {
			t.Errorf("%s: OCI endpoint without ID", r)
		}
	}
}

func TestDescriptorAccessFailuresOnEveryRequest(t *testing.T) {
	tests := []struct {
		status int
		code   errcode.ErrorCode
		header string
	}{
		{http.StatusUnauthorized, errcode.ErrorCodeUnauthorized, "WWW-Authenticate"},
		{http.StatusForbidden, errcode.ErrorCodeDenied, ""},
		{http.StatusTooManyRequests, errcode.ErrorCodeTooManyRequests, "Retry-After"},
	}
	for _, r := range descAllRequests() {
		for _, tt := range tests {
			var resp *ResponseDescriptor
			for i := range r.req.Failures {
				if r.req.Failures[i].StatusCode == tt.status {
					resp = &r.req.Failures[i]
				}
			}
			if resp == nil {
				t.Errorf("%s: no %d failure", r, tt.status)
				continue
			}
			if tt.header != "" && !descHasHeader(resp.Headers, tt.header) {
				t.Errorf("%s %d: no %s header", r, tt.status, tt.header)
			}
			if len(resp.ErrorCodes) != 1 || resp.ErrorCodes[0] != tt.code {
				t.Errorf("%s %d: codes %v, want [%v]", r, tt.status, resp.ErrorCodes, tt.code)
			}
		}
	}
}

func TestDescriptorHeaders(t *testing.T) {
	isEnd := func(id string) func(descRequest) bool {
		return func(r descRequest) bool { return r.req.EndpointID == id }
	}
	catalogPaged := func(r descRequest) bool {
		_, ok := descFindParam(r.req.QueryParameters, "n")
		return r.route == RouteNameCatalog && ok
	}
	chunked := func(r descRequest) bool {
		return r.req.EndpointID == "end-5" && descHasHeader(r.req.Headers, "Content-Range")
	}
	tests := []struct {
		name    string
		match   func(descRequest) bool
		status  int // 0: the request's own headers
		headers []string
	}{
		{"base", isEnd("end-1"), 200, []string{"Docker-Distribution-API-Version"}},
		{"blob get", isEnd("end-2"), 200, []string{"Docker-Content-Digest", "Content-Length"}},
		{"blob redirect", isEnd("end-2"), 307, []string{"Location"}},
		{"manifest get", isEnd("end-3"), 200, []string{"Docker-Content-Digest", "Content-Length", "Content-Type"}},
		{"upload start", isEnd("end-4a"), 202, []string{"Location", "Range", "Docker-Upload-UUID", "OCI-Chunk-Min-Length"}},
		{"monolithic post", isEnd("end-4b"), 201, []string{"Location", "Docker-Content-Digest"}},
		{"monolithic post fallback", isEnd("end-4b"), 202, []string{"Location"}},
		{"mount", isEnd("end-11"), 201, []string{"Location"}},
		{"mount fallback", isEnd("end-11"), 202, []string{"Location"}},
		{"patch", isEnd("end-5"), 202, []string{"Location", "Range"}},
		{"patch request", chunked, 0, []string{"Content-Range", "Content-Length", "Content-Type"}},
		{"patch out of order", chunked, 416, nil},
		{"put", isEnd("end-6"), 201, []string{"Location", "Docker-Content-Digest"}},
		{"put request", isEnd("end-6"), 0, []string{"Content-Length"}},
		{"manifest put", isEnd("end-7a"), 201, []string{"Location", "Docker-Content-Digest", "OCI-Subject"}},
		{"manifest put request", isEnd("end-7a"), 0, []string{"Content-Type"}},
		{"manifest put tags", isEnd("end-7b"), 201, []string{"OCI-Tag", "Location", "Docker-Content-Digest"}},
		{"tags paged", isEnd("end-8b"), 200, []string{"Link"}},
		{"catalog paged", catalogPaged, 200, []string{"Link"}},
		{"referrers", isEnd("end-12a"), 200, []string{"Content-Type"}},
		{"referrers filtered", isEnd("end-12b"), 200, []string{"OCI-Filters-Applied", "Content-Type"}},
		{"upload status", isEnd("end-13"), 204, []string{"Location", "Range"}},
		{"cancel", isEnd("end-14"), 204, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			matched := 0
			for _, r := range descAllRequests() {
				if !tt.match(r) {
					continue
				}
				matched++
				headers := r.req.Headers
				if tt.status != 0 {
					var resp *ResponseDescriptor
					for _, rs := range descResponses(r.req) {
						if rs.StatusCode == tt.status {
							rs := rs
							resp = &rs
						}
					}
					if resp == nil {
						t.Errorf("%s has no %d response", r, tt.status)
						continue
					}
					headers = resp.Headers
				}
				for _, h := range tt.headers {
					if !descHasHeader(headers, h) {
						t.Errorf("%s (%d): no %s header", r, tt.status, h)
					}
				}
			}
			if matched == 0 {
				t.Fatal("no request matched")
			}
		})
	}
}

func TestDescriptorHeadersDescribedSomewhere(t *testing.T) {
	// Every header the API defines has a descriptor somewhere.
	want := []string{
		"Docker-Content-Digest", "Location", "Range", "Content-Range", "Content-Length", "Content-Type",
		"Docker-Upload-UUID", "OCI-Chunk-Min-Length", "OCI-Subject", "OCI-Filters-Applied", "OCI-Tag",
		"Link", "WWW-Authenticate", "Authorization", "Retry-After", "Warning",
		"Docker-Distribution-API-Version", "Host",
	}
	seen := map[string]bool{}
	for _, r := range descAllRequests() {
		for _, h := range r.req.Headers {
			seen[h.Name] = true
		}
		for _, resp := range descResponses(r.req) {
			for _, h := range resp.Headers {
				seen[h.Name] = true
			}
		}
	}
	for _, h := range want {
		if !seen[h] {
			t.Errorf("no descriptor for header %s", h)
		}
	}
}

func TestDescriptorRequestVariants(t *testing.T) {
	// Each use the specification describes has its own request descriptor,
	// recognised by the parameters it sends.
	has := func(ps []ParameterDescriptor, names ...string) bool {
		for _, n := range names {
			if _, ok := descFindParam(ps, n); !ok {
				return false
			}
		}
		return true
	}
	tests := []struct {
		name   string
		id     string
		route  string
		method string
		match  func(RequestDescriptor) bool
	}{
		{"monolithic post", "end-4b", RouteNameBlobUpload, http.MethodPost, func(r RequestDescriptor) bool {
			p, _ := descFindParam(r.QueryParameters, "digest")
			return p.Required && r.Body.ContentType == "application/octet-stream"
		}},
		{"digest algorithm", "end-4c", RouteNameBlobUpload, http.MethodPost, func(r RequestDescriptor) bool { return has(r.QueryParameters, "digest-algorithm") }},
		{"mount from", "end-11", RouteNameBlobUpload, http.MethodPost, func(r RequestDescriptor) bool { return has(r.QueryParameters, "mount", "from") }},
		{"mount without from", "end-11", RouteNameBlobUpload, http.MethodPost, func(r RequestDescriptor) bool {
			return has(r.QueryParameters, "mount") && !has(r.QueryParameters, "from")
		}},
		{"post then put", "end-4a", RouteNameBlobUpload, http.MethodPost, func(r RequestDescriptor) bool { return len(r.QueryParameters) == 0 }},
		{"chunked patch", "end-5", RouteNameBlobUploadChunk, http.MethodPatch, func(r RequestDescriptor) bool {
			p, _ := descFindParam(r.Headers, "Content-Range")
			return p.Required
		}},
		{"streamed patch", "end-5", RouteNameBlobUploadChunk, http.MethodPatch, func(r RequestDescriptor) bool { return !has(r.Headers, "Content-Range") }},
		{"put with digest", "end-6", RouteNameBlobUploadChunk, http.MethodPut, func(r RequestDescriptor) bool {
			p, _ := descFindParam(r.QueryParameters, "digest")
			return p.Required
		}},
		{"manifest put", "end-7a", RouteNameManifest, http.MethodPut, func(r RequestDescriptor) bool { return !has(r.QueryParameters, "tag") }},
		{"manifest put tags", "end-7b", RouteNameManifest, http.MethodPut, func(r RequestDescriptor) bool {
			p, ok := descFindParam(r.QueryParameters, "tag")
			return ok && p.Repeatable
		}},
		{"tags", "end-8a", RouteNameTags, http.MethodGet, func(r RequestDescriptor) bool { return len(r.QueryParameters) == 0 }},
		{"tags paged", "end-8b", RouteNameTags, http.MethodGet, func(r RequestDescriptor) bool { return has(r.QueryParameters, "n", "last") }},
		{"referrers", "end-12a", RouteNameReferrers, http.MethodGet, func(r RequestDescriptor) bool { return len(r.QueryParameters) == 0 }},
		{"referrers filtered", "end-12b", RouteNameReferrers, http.MethodGet, func(r RequestDescriptor) bool { return has(r.QueryParameters, "artifactType") }},
		{"blob range", "end-2", RouteNameBlob, http.MethodGet, func(r RequestDescriptor) bool { return has(r.Headers, "Range") }},
		{"catalog", "", RouteNameCatalog, http.MethodGet, func(r RequestDescriptor) bool { return len(r.QueryParameters) == 0 }},
		{"catalog paged", "", RouteNameCatalog, http.MethodGet, func(r RequestDescriptor) bool { return has(r.QueryParameters, "n", "last") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, r := range descAllRequests() {
				if r.route == tt.route && r.method == tt.method && r.req.EndpointID == tt.id && tt.match(r.req) {
					return
				}
			}
			t.Errorf("no %s %s request with ID %q for this use", tt.route, tt.method, tt.id)
		})
	}
}

func TestDescriptorOCITagIsRepeatable(t *testing.T) {
	for _, r := range descAllRequests() {
		if r.req.EndpointID != "end-7b" {
			continue
		}
		for _, resp := range r.req.Successes {
			for _, h := range resp.Headers {
				if h.Name == "OCI-Tag" && !h.Repeatable {
					t.Errorf("%s: OCI-Tag is not repeatable", r)
				}
			}
		}
	}
}

func TestDescriptorResponsesWellFormed(t *testing.T) {
	for _, r := range descAllRequests() {
		if r.req.Name == "" || r.req.Description == "" {
			t.Errorf("%s: request lacks a name or description", r)
		}
		if r.req.Body.Format != "" && r.req.Body.ContentType == "" {
			t.Errorf("%s: request body without a content type", r)
		}
		statuses := map[int]bool{}
		for _, resp := range descResponses(r.req) {
			if statuses[resp.StatusCode] {
				t.Errorf("%s: status %d described twice", r, resp.StatusCode)
			}
			statuses[resp.StatusCode] = true
			if resp.Name == "" || resp.Description == "" {
				t.Errorf("%s %d: response lacks a name or description", r, resp.StatusCode)
			}
			if resp.Body.Format != "" && resp.Body.ContentType == "" {
				t.Errorf("%s %d: body without a content type", r, resp.StatusCode)
			}
			if r.method == http.MethodHead && (resp.Body != BodyDescriptor{}) {
				t.Errorf("%s %d: a HEAD response has a body", r, resp.StatusCode)
			}
			if len(resp.ErrorCodes) > 0 && r.method != http.MethodHead && resp.Body.ContentType != "application/json" {
				t.Errorf("%s %d: error codes without a JSON error body", r, resp.StatusCode)
			}
		}
		for _, resp := range r.req.Successes {
			if resp.StatusCode < 200 || resp.StatusCode >= 400 {
				t.Errorf("%s: success with status %d", r, resp.StatusCode)
			}
		}
		for _, resp := range r.req.Failures {
			if resp.StatusCode < 400 {
				t.Errorf("%s: failure with status %d", r, resp.StatusCode)
			}
		}
	}
	for _, rd := range routeTable() {
		if rd.Entity == "" || rd.Description == "" {
			t.Errorf("route %q lacks an entity or description", rd.Name)
		}
		for _, md := range rd.Methods {
			if md.Description == "" {
				t.Errorf("route %q %s lacks a description", rd.Name, md.Method)
			}
		}
	}
}

func TestDescriptorBodies(t *testing.T) {
	tests := []struct {
		name        string
		id          string
		status      int
		contentType string
		contains    string
	}{
		{"manifest", "end-3", 200, "application/vnd.oci.image.manifest.v1+json", `"layers"`},
		{"referrers", "end-12a", 200, "application/vnd.oci.image.index.v1+json", `"manifests"`},
		{"referrers filtered", "end-12b", 200, "application/vnd.oci.image.index.v1+json", `"manifests"`},
		{"tags", "end-8a", 200, "application/json", `"tags"`},
		{"blob", "end-2", 200, "application/octet-stream", ""},
		{"manifest unknown", "end-3", 404, "application/json", `"errors"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found := false
			for _, r := range descAllRequests() {
				if r.req.EndpointID != tt.id || r.method == http.MethodHead {
					continue
				}
				for _, resp := range descResponses(r.req) {
					if resp.StatusCode != tt.status {
						continue
					}
					found = true
					if resp.Body.ContentType != tt.contentType {
						t.Errorf("%s %d: content type %q, want %q", r, tt.status, resp.Body.ContentType, tt.contentType)
					}
					if !strings.Contains(resp.Body.Format, tt.contains) {
						t.Errorf("%s %d: body format lacks %s", r, tt.status, tt.contains)
					}
				}
			}
			if !found {
				t.Fatalf("no %s response %d", tt.id, tt.status)
			}
		})
	}
}

// TestTablesAreIndependent checks that APIDescriptor, the table the package
// routes by and a copy from Descriptors are equal and share no memory a
// caller could change.
func TestTablesAreIndependent(t *testing.T) {
	tables := map[string][]RouteDescriptor{
		"APIDescriptor": APIDescriptor.RouteDescriptors,
		"routeTable":    routeTable(),
		"Descriptors":   Descriptors(),
	}
	for an, a := range tables {
		for bn, b := range tables {
			if an >= bn {
				continue
			}
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%s differs from %s", an, bn)
			}
			// No slice of one may share memory with the other.
			var walk func(a, b reflect.Value, path string)
			walk = func(a, b reflect.Value, path string) {
				switch a.Kind() {
				case reflect.Slice:
					if a.Len() > 0 && a.Pointer() == b.Pointer() {
						t.Errorf("%s of %s shares memory with %s", path, an, bn)
					}
					for i := 0; i < a.Len(); i++ {
						walk(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))
					}
				case reflect.Struct:
					for i := 0; i < a.NumField(); i++ {
						walk(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)
					}
				}
			}
			walk(reflect.ValueOf(a), reflect.ValueOf(b), "RouteDescriptors")
		}
	}

	// Editing nested slices of a copy leaves the table alone.
	copied := Descriptors()
	req := &copied[2].Methods[0].Requests[0]
	req.PathParameters[0].Examples[0] = "changed"
	req.Successes[0].Headers[0].Name = "X-Changed"
	req.Failures[0].ErrorCodes[0] = errcode.ErrorCodeUnknown
	for name, table := range map[string][]RouteDescriptor{"routeTable": routeTable(), "APIDescriptor": APIDescriptor.RouteDescriptors} {
		orig := table[2].Methods[0].Requests[0]
		if orig.PathParameters[0].Examples[0] == "changed" || orig.Successes[0].Headers[0].Name == "X-Changed" || orig.Failures[0].ErrorCodes[0] == errcode.ErrorCodeUnknown {
			t.Errorf("editing a copy from Descriptors changed %s", name)
		}
	}
}

// TestDescriptorRequiredResponseHeaders checks the response headers the
// specification says a response MUST have, and that the headers it makes
// conditional or optional are not marked required: checkers of registries
// treat Required as a rule.
func TestDescriptorRequiredResponseHeaders(t *testing.T) {
	tests := []struct {
		endpoint string
		method   string
		status   int
		header   string
		required bool
	}{
		{"end-2", http.MethodGet, 307, "Location", true},
		{"end-4a", http.MethodPost, 202, "Location", true},
		{"end-4a", http.MethodPost, 202, "Range", false},
		{"end-4b", http.MethodPost, 201, "Location", true},
		{"end-4b", http.MethodPost, 202, "Location", true},
		{"end-5", http.MethodPatch, 202, "Location", true},
		{"end-5", http.MethodPatch, 202, "Range", true},
		{"end-5", http.MethodPatch, 416, "Location", false},
		{"end-5", http.MethodPatch, 416, "Range", false},
		{"end-6", http.MethodPut, 201, "Location", true},
		{"end-7a", http.MethodPut, 201, "Location", true},
		{"end-7a", http.MethodPut, 201, "OCI-Subject", false},
		{"end-7b", http.MethodPut, 201, "OCI-Tag", false},
		{"end-11", http.MethodPost, 201, "Location", true},
		{"end-12a", http.MethodGet, 200, "Content-Type", true},
		{"end-12b", http.MethodGet, 200, "OCI-Filters-Applied", false},
		{"end-13", http.MethodGet, 204, "Location", true},
		{"end-13", http.MethodGet, 204, "Range", true},
		// Version-dependent in the specification (SHOULD in 1.1, MUST
		// since): the descriptors leave them optional.
		{"end-2", http.MethodHead, 200, "Docker-Content-Digest", false},
		{"end-3", http.MethodHead, 200, "Content-Length", false},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s %s %d %s", tt.endpoint, tt.method, tt.status, tt.header), func(t *testing.T) {
			seen := 0
			for _, r := range descAllRequests() {
				if r.req.EndpointID != tt.endpoint || r.method != tt.method {
					continue
				}
				for _, resp := range descResponses(r.req) {
					if resp.StatusCode != tt.status {
						continue
					}
					for _, h := range resp.Headers {
						if strings.EqualFold(h.Name, tt.header) {
							seen++
							if h.Required != tt.required {
								t.Errorf("%s (%d): %s required = %v, want %v", r, tt.status, tt.header, h.Required, tt.required)
							}
						}
					}
				}
			}
			if seen == 0 {
				t.Fatalf("no %d response of %s %s lists %s", tt.status, tt.method, tt.endpoint, tt.header)
			}
		})
	}
}
