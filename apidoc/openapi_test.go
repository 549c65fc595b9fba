package apidoc

import (
	"bytes"
	"encoding/json"
	"github.com/regapi/regapi"
	"net/http"
	"net/url"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/distribution/reference"
	"github.com/gorilla/mux"
	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/errcode"
)

// docOCIEndpoint is one row of the endpoint table of the OCI distribution
// specification (spec.md, "Endpoints"), with the path written as the
// OpenAPI document writes it; <blob-push-location> is the upload route.
type docOCIEndpoint struct {
	id       string
	methods  []string
	path     string
	success  []int
	failures []int
}

var docOCIEndpoints = []docOCIEndpoint{
	{"end-1", []string{"GET"}, "/v2/", []int{200}, []int{404, 401}},
	{"end-2", []string{"GET", "HEAD"}, "/v2/{name}/blobs/{digest}", []int{200}, []int{404}},
	{"end-3", []string{"GET", "HEAD"}, "/v2/{name}/manifests/{reference}", []int{200}, []int{404}},
	{"end-4a", []string{"POST"}, "/v2/{name}/blobs/uploads/", []int{202}, []int{404}},
	{"end-4b", []string{"POST"}, "/v2/{name}/blobs/uploads/", []int{201, 202}, []int{404, 400}},
	{"end-4c", []string{"POST"}, "/v2/{name}/blobs/uploads/", []int{201, 202}, []int{404, 400}},
	{"end-5", []string{"PATCH"}, "/v2/{name}/blobs/uploads/{uuid}", []int{202}, []int{404, 416}},
	{"end-6", []string{"PUT"}, "/v2/{name}/blobs/uploads/{uuid}", []int{201}, []int{404, 400, 416}},
	{"end-7a", []string{"PUT"}, "/v2/{name}/manifests/{reference}", []int{201}, []int{404, 413}},
	{"end-7b", []string{"PUT"}, "/v2/{name}/manifests/{reference}", []int{201}, []int{404, 413}},
	{"end-8a", []string{"GET"}, "/v2/{name}/tags/list", []int{200}, []int{404}},
	{"end-8b", []string{"GET"}, "/v2/{name}/tags/list", []int{200}, []int{404}},
	{"end-9", []string{"DELETE"}, "/v2/{name}/manifests/{reference}", []int{202}, []int{404, 400, 405}},
	{"end-10", []string{"DELETE"}, "/v2/{name}/blobs/{digest}", []int{202}, []int{404, 400, 405}},
	{"end-11", []string{"POST"}, "/v2/{name}/blobs/uploads/", []int{201, 202}, []int{404}},
	{"end-12a", []string{"GET"}, "/v2/{name}/referrers/{digest}", []int{200}, []int{404, 400}},
	{"end-12b", []string{"GET"}, "/v2/{name}/referrers/{digest}", []int{200}, []int{404, 400}},
	{"end-13", []string{"GET"}, "/v2/{name}/blobs/uploads/{uuid}", []int{204}, []int{404}},
	{"end-14", []string{"DELETE"}, "/v2/{name}/blobs/uploads/{uuid}", []int{204}, []int{404, 400}},
}

// docRoutes is the route table of the API (distribution's routes plus the
// OCI referrers route): name, path without patterns, methods.
var docRoutes = []struct {
	name    string
	path    string
	methods []string
}{
	{regapi.RouteNameBase, "/v2/", []string{"GET"}},
	{regapi.RouteNameTags, "/v2/{name}/tags/list", []string{"GET"}},
	{regapi.RouteNameManifest, "/v2/{name}/manifests/{reference}", []string{"GET", "HEAD", "PUT", "DELETE"}},
	{regapi.RouteNameBlob, "/v2/{name}/blobs/{digest}", []string{"GET", "HEAD", "DELETE"}},
	{regapi.RouteNameBlobUpload, "/v2/{name}/blobs/uploads/", []string{"POST"}},
	{regapi.RouteNameBlobUploadChunk, "/v2/{name}/blobs/uploads/{uuid}", []string{"GET", "PATCH", "PUT", "DELETE"}},
	{regapi.RouteNameCatalog, "/v2/_catalog", []string{"GET"}},
	{regapi.RouteNameReferrers, "/v2/{name}/referrers/{digest}", []string{"GET"}},
}

// docErrorCodes are the error codes of the OCI specification (code-1 to
// code-14) and the ones distribution adds.
var docErrorCodes = []string{
	"BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
	"MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID",
	"NAME_UNKNOWN", "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS",
	"UNKNOWN", "UNAVAILABLE", "TAG_INVALID", "MANIFEST_UNVERIFIED", "RANGE_INVALID",
	"PAGINATION_NUMBER_INVALID",
}

// docJSON is a decoded JSON object.
type docJSON = map[string]any

func docObj(v any) docJSON {
	m, _ := v.(docJSON)
	return m
}

// docString returns v if it is a string, else "".
func docString(v any) string {
	s, _ := v.(string)
	return s
}

// docStrings returns the strings of a JSON array; other elements are left
// out.
func docStrings(v any) []string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func docDecode(t *testing.T, b []byte) docJSON {
	t.Helper()
	var doc docJSON
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the document is not JSON: %v", err)
	}
	return doc
}

func docGenerated(t *testing.T) docJSON {
	t.Helper()
	b, err := OpenAPI()
	if err != nil {
		t.Fatalf("OpenAPI: %v", err)
	}
	return docDecode(t, b)
}

func docOperation(doc docJSON, path, method string) docJSON {
	return docObj(docObj(docObj(doc["paths"])[path])[strings.ToLower(method)])
}

func docResponse(doc docJSON, path, method string, status int) docJSON {
	return docObj(docObj(docOperation(doc, path, method)["responses"])[strconv.Itoa(status)])
}

func TestOpenAPIVersionAndComponents(t *testing.T) {
	doc := docGenerated(t)
	if doc["openapi"] != "3.1.0" {
		t.Errorf("openapi = %v, want 3.1.0", doc["openapi"])
	}
	schemes := docObj(docObj(doc["components"])["securitySchemes"])
	for name, scheme := range map[string]string{"basicAuth": "basic", "bearerAuth": "bearer"} {
		s := docObj(schemes[name])
		if s["type"] != "http" || s["scheme"] != scheme {
			t.Errorf("security scheme %s = %v, want type http, scheme %s", name, s, scheme)
		}
	}
}

func TestOpenAPIRoutesAndMethods(t *testing.T) {
	doc := docGenerated(t)
	paths := docObj(doc["paths"])
	if len(paths) != len(docRoutes)+1 {
		t.Errorf("document has %d paths, want %d and the token endpoint", len(paths), len(docRoutes))
	}
	ids := make(map[string]string)
	for _, r := range docRoutes {
		item := docObj(paths[r.path])
		if item == nil {
			t.Errorf("route %s: no path item %s", r.name, r.path)
			continue
		}
		if item["x-route-name"] != r.name {
			t.Errorf("path %s: x-route-name = %v, want %s", r.path, item["x-route-name"], r.name)
		}
		for _, m := range docMethods {
			op := docOperation(doc, r.path, m)
			if want := docContains(r.methods, m); want != (op != nil) {
				t.Errorf("%s %s: operation present = %v, want %v", m, r.path, op != nil, want)
			}
			if op == nil {
				continue
			}
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s %s: no operationId", m, r.path)
			} else if other, dup := ids[id]; dup {
				t.Errorf("%s %s: operationId %q also used by %s", m, r.path, id, other)
			}
			ids[id] = m + " " + r.path
			if op["summary"] == "" || op["summary"] == nil {
				t.Errorf("%s %s: no summary", m, r.path)
			}
			if len(docObj(op["responses"])) == 0 {
				t.Errorf("%s %s: no responses", m, r.path)
			}
		}
	}
}

func TestOpenAPIOCIEndpoints(t *testing.T) {
	doc := docGenerated(t)
	for _, e := range docOCIEndpoints {
		for _, m := range e.methods {
			op := docOperation(doc, e.path, m)
			if op == nil {
				t.Errorf("%s: no operation %s %s", e.id, m, e.path)
				continue
			}
			ids := docStrings(op["x-oci-endpoints"])
			if !docContains(ids, e.id) {
				t.Errorf("%s: %s %s has x-oci-endpoints %v", e.id, m, e.path, ids)
			}
			if desc, _ := op["description"].(string); !strings.Contains(desc, "`"+e.id+"`") {
				t.Errorf("%s: %s %s description does not cite it", e.id, m, e.path)
			}
			for _, status := range append(append([]int{}, e.success...), e.failures...) {
				if docResponse(doc, e.path, m, status) == nil {
					t.Errorf("%s: %s %s documents no %d response", e.id, m, e.path, status)
				}
			}
		}
	}
}

func TestOpenAPIErrorCodes(t *testing.T) {
	doc := docGenerated(t)
	schemas := docObj(docObj(doc["components"])["schemas"])
	enum := docStrings(docObj(schemas["ErrorCode"])["enum"])
	var registered []string
	for _, d := range errcode.GetErrorAllDescriptors() {
		registered = append(registered, d.Value)
	}
	if strings.Join(enum, ",") != strings.Join(registered, ",") {
		t.Errorf("ErrorCode enum = %v, want the registered codes %v", enum, registered)
	}
	for _, c := range docErrorCodes {
		if !docContains(enum, c) {
			t.Errorf("ErrorCode enum lacks %s", c)
		}
	}
	code := docObj(docObj(docObj(schemas["Error"])["properties"])["code"])
	if anyOf, _ := code["anyOf"].([]any); len(anyOf) != 2 {
		t.Errorf("Error.code = %v, want the enumeration or any [A-Z_]+ code", code)
	}
	envelope := docObj(schemas["ErrorEnvelope"])
	if r := docObj(docObj(docObj(envelope["properties"])["errors"])["items"])["$ref"]; r != "#/components/schemas/Error" {
		t.Errorf("ErrorEnvelope.errors items = %v", r)
	}
	// Every documented error response refers to the envelope.
	for _, r := range docRoutes {
		for _, m := range r.methods {
			for status, resp := range docObj(docOperation(doc, r.path, m)["responses"]) {
				if n, _ := strconv.Atoi(status); n < 400 || m == "HEAD" {
					continue
				}
				for ct, media := range docObj(docObj(resp)["content"]) {
					if ct == "application/json" && docObj(docObj(media)["schema"])["$ref"] != "#/components/schemas/ErrorEnvelope" {
						t.Errorf("%s %s %s: JSON body is not the error envelope", m, r.path, status)
					}
				}
			}
		}
	}
}

// mdHasHeader reports whether a response documents a header, whatever its
// case.
func docHasResponseHeader(resp docJSON, name string) bool {
	for k := range docObj(resp["headers"]) {
		if strings.EqualFold(k, name) {
			return true
		}
	}
	return false
}

func docHasHeaderParam(op docJSON, name string) bool {
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		if docObj(p)["in"] == "header" && strings.EqualFold(docString(docObj(p)["name"]), name) {
			return true
		}
	}
	return false
}

func TestOpenAPIHeaders(t *testing.T) {
	doc := docGenerated(t)
	const (
		manifest = "/v2/{name}/manifests/{reference}"
		blob     = "/v2/{name}/blobs/{digest}"
		upload   = "/v2/{name}/blobs/uploads/"
		chunk    = "/v2/{name}/blobs/uploads/{uuid}"
	)
	responseHeaders := []struct {
		header string
		path   string
		method string
		status int
	}{
		{"OCI-Subject", manifest, "PUT", 201},
		{"OCI-Tag", manifest, "PUT", 201},
		{"Location", manifest, "PUT", 201},
		{"Docker-Content-Digest", manifest, "GET", 200},
		{"Docker-Content-Digest", manifest, "HEAD", 200},
		{"Docker-Content-Digest", blob, "GET", 200},
		{"Docker-Content-Digest", blob, "HEAD", 200},
		{"OCI-Filters-Applied", "/v2/{name}/referrers/{digest}", "GET", 200},
		{"OCI-Chunk-Min-Length", upload, "POST", 202},
		{"Location", upload, "POST", 202},
		{"Location", chunk, "PATCH", 202},
		{"Range", chunk, "PATCH", 202},
		{"Range", chunk, "GET", 204},
		{"Location", chunk, "PUT", 201},
		{"Link", "/v2/{name}/tags/list", "GET", 200},
		{"Link", "/v2/_catalog", "GET", 200},
		{"WWW-Authenticate", "/v2/", "GET", 401},
	}
	for _, h := range responseHeaders {
		if !docHasResponseHeader(docResponse(doc, h.path, h.method, h.status), h.header) {
			t.Errorf("%s %s %d: no %s header", h.method, h.path, h.status, h.header)
		}
	}
	requestHeaders := []struct{ header, path, method string }{
		{"Range", blob, "GET"},
		{"Content-Range", chunk, "PATCH"},
	}
	for _, h := range requestHeaders {
		if !docHasHeaderParam(docOperation(doc, h.path, h.method), h.header) {
			t.Errorf("%s %s: no %s header parameter", h.method, h.path, h.header)
		}
	}
	// A rate-limited response says when to retry.
	found := false
	for _, item := range docObj(doc["paths"]) {
		for _, m := range docMethods {
			resp := docObj(docObj(docObj(docObj(item)[strings.ToLower(m)])["responses"])["429"])
			found = found || docHasResponseHeader(resp, "Retry-After")
		}
	}
	if !found {
		t.Error("no 429 response documents Retry-After")
	}
}

func TestOpenAPIPathParameters(t *testing.T) {
	doc := docGenerated(t)
	wantPatterns := map[string]string{
		"name":      reference.NameRegexp.String(),
		"reference": reference.TagRegexp.String() + "|" + digest.DigestRegexp.String(),
		"digest":    digest.DigestRegexp.String(),
	}
	valid := map[string][]string{
		"name":      {"ubuntu", "library/ubuntu", "a/b/c", "localhost:5000/team/app"},
		"reference": {"latest", "v1.0", "sha256:" + strings.Repeat("a", 64)},
		"digest":    {"sha256:" + strings.Repeat("0", 64)},
		"uuid":      {"c2a1f0e3-8b7d-4a1e-9f35-2d9e5c3b7a10", "abc_DEF.=="},
	}
	invalid := map[string][]string{
		"name":      {"Ubuntu", "/ubuntu", "ubuntu/", "a//b"},
		"reference": {"-latest", "sha256:", "a/b"},
		"digest":    {"sha256", "SHA256:00"},
		"uuid":      {"a/b", ""},
	}
	seen := make(map[string]bool)
	for path, item := range docObj(doc["paths"]) {
		params, _ := docObj(item)["parameters"].([]any)
		for _, p := range params {
			p := docObj(p)
			name, _ := p["name"].(string)
			if p["in"] != "path" || p["required"] != true {
				t.Errorf("%s: parameter %s: in = %v, required = %v", path, name, p["in"], p["required"])
			}
			pattern, _ := docObj(p["schema"])["pattern"].(string)
			if want, ok := wantPatterns[name]; ok && pattern != "^(?:"+want+")$" {
				t.Errorf("%s: %s pattern = %q, want the router's %q anchored", path, name, pattern, want)
			}
			re, err := regexp.Compile(pattern)
			if err != nil {
				t.Errorf("%s: %s pattern: %v", path, name, err)
				continue
			}
			for _, v := range valid[name] {
				if !re.MatchString(v) {
					t.Errorf("%s: %s pattern rejects %q", path, name, v)
				}
			}
			for _, v := range invalid[name] {
				if re.MatchString(v) {
					t.Errorf("%s: %s pattern accepts %q", path, name, v)
				}
			}
			desc, _ := p["description"].(string)
			if name == "name" && !strings.Contains(desc, "slashes") {
				t.Errorf("%s: the name parameter does not explain its slashes: %q", path, desc)
			}
			seen[name] = true
		}
	}
	for _, name := range []string{"name", "reference", "digest", "uuid"} {
		if !seen[name] {
			t.Errorf("no path parameter %s", name)
		}
	}
}

func TestOpenAPIRepeatableTag(t *testing.T) {
	doc := docGenerated(t)
	op := docOperation(doc, "/v2/{name}/manifests/{reference}", "PUT")
	params, _ := op["parameters"].([]any)
	for _, p := range params {
		p := docObj(p)
		if p["in"] != "query" || p["name"] != "tag" {
			continue
		}
		if s := docObj(p["schema"]); s["type"] != "array" || p["explode"] != true || p["style"] != "form" || p["required"] == true {
			t.Errorf("tag parameter = %v, want an optional exploded form array", p)
		}
		return
	}
	t.Error("PUT manifest has no tag query parameter (end-7b)")
}

// TestOpenAPIReferences checks that every $ref points at a component.
func TestOpenAPIReferences(t *testing.T) {
	doc := docGenerated(t)
	var walk func(v any, at string)
	walk = func(v any, at string) {
		switch v := v.(type) {
		case docJSON:
			if ref, ok := v["$ref"].(string); ok {
				parts := strings.Split(strings.TrimPrefix(ref, "#/"), "/")
				var cur any = doc
				for _, p := range parts {
					cur = docObj(cur)[p]
				}
				if cur == nil {
					t.Errorf("%s: $ref %s resolves to nothing", at, ref)
				}
			}
			for k, x := range v {
				walk(x, at+"/"+k)
			}
		case []any:
			for i, x := range v {
				walk(x, at+"/"+strconv.Itoa(i))
			}
		}
	}
	walk(doc, "#")
}

func TestOpenAPIDeterministic(t *testing.T) {
	a, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		b, err := OpenAPI()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("two runs of OpenAPI gave different documents")
		}
	}
}

func TestOpenAPIDocumentIsCurrent(t *testing.T) {
	want, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("../docs/openapi.json")
	if err != nil {
		t.Fatalf("%v; run `go generate ./...`", err)
	}
	if !bytes.Equal(got, want) {
		t.Error("docs/openapi.json differs from what OpenAPI generates; run `go generate ./...` and commit the result")
	}
}

// A small route table exercises the merging of request variants.
func docTestRoutes() []regapi.RouteDescriptor {
	envelope := regapi.BodyDescriptor{ContentType: "application/json", Format: `{"errors": [...]}`}
	return []regapi.RouteDescriptor{{
		Name:   "thing",
		Path:   "/v2/{name:[a-z]+(?:/[a-z]+)*}/things/{id:[0-9]{1,4}}",
		Entity: "Thing",
		Methods: []regapi.MethodDescriptor{
			{
				Method:      "POST",
				Description: "Create a thing. More words.",
				Requests: []regapi.RequestDescriptor{
					{
						Name:       "Plain",
						EndpointID: "end-90a",
						Headers: []regapi.ParameterDescriptor{
							{Name: "Authorization", Required: true},
							{Name: "X-Both", Required: true},
						},
						QueryParameters: []regapi.ParameterDescriptor{
							{Name: "all", Type: "integer", Required: true, Examples: []string{"3", "x"}},
							{Name: "mixed", Required: true},
						},
						Body: regapi.BodyDescriptor{ContentType: "application/octet-stream", Format: "<bytes>"},
						Successes: []regapi.ResponseDescriptor{{
							StatusCode: 201,
							Headers:    []regapi.ParameterDescriptor{{Name: "Location", Required: true}},
						}},
						Failures: []regapi.ResponseDescriptor{
							{Name: "Bad", StatusCode: 400, ErrorCodes: []errcode.ErrorCode{errcode.ErrorCodeNameInvalid}, Body: envelope},
						},
					},
					{
						Name:       "Tagged",
						EndpointID: "end-90b",
						Headers:    []regapi.ParameterDescriptor{{Name: "x-both", Required: true}},
						QueryParameters: []regapi.ParameterDescriptor{
							{Name: "all", Type: "integer", Required: true},
							{Name: "mixed"},
							{Name: "tag", Repeatable: true, Regexp: regexp.MustCompile(`[a-z]+`)},
						},
						Successes: []regapi.ResponseDescriptor{{StatusCode: 201, Headers: []regapi.ParameterDescriptor{{Name: "location"}}}},
						Failures: []regapi.ResponseDescriptor{
							{Name: "Also bad", StatusCode: 400, ErrorCodes: []errcode.ErrorCode{errcode.ErrorCodeTagInvalid}},
						},
					},
				},
			},
			{
				Method: "HEAD",
				Requests: []regapi.RequestDescriptor{{
					Successes: []regapi.ResponseDescriptor{{StatusCode: 200, Body: regapi.BodyDescriptor{ContentType: "application/json", Format: "{}"}}},
				}},
			},
		},
	}}
}

func docBuildTest(t *testing.T, routes []regapi.RouteDescriptor) docJSON {
	t.Helper()
	doc, err := buildOpenAPI(routes, nil, errcode.GetErrorAllDescriptors())
	if err != nil {
		t.Fatalf("buildOpenAPI: %v", err)
	}
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return docDecode(t, b)
}

func TestOpenAPIMergesVariants(t *testing.T) {
	doc := docBuildTest(t, docTestRoutes())
	const path = "/v2/{name}/things/{id}"
	op := docOperation(doc, path, "POST")
	if op == nil {
		t.Fatalf("no POST operation at %s in %v", path, docObj(doc["paths"]))
	}
	params := make(map[string]docJSON)
	var order []string
	allParams, _ := op["parameters"].([]any)
	for _, p := range allParams {
		p := docObj(p)
		key := docString(p["in"]) + ":" + docString(p["name"])
		params[key] = p
		order = append(order, key)
	}
	wantOrder := []string{"query:all", "query:mixed", "query:tag", "header:X-Both"}
	if strings.Join(order, " ") != strings.Join(wantOrder, " ") {
		t.Errorf("parameters = %v, want %v (Authorization belongs to the security schemes)", order, wantOrder)
	}
	tests := []struct {
		key      string
		required bool
		mentions []string
	}{
		{"query:all", true, []string{"Plain (end-90a), required", "Tagged (end-90b), required"}},
		{"query:mixed", false, []string{"Plain (end-90a), required", "Tagged (end-90b), optional"}},
		{"query:tag", false, []string{"Tagged (end-90b), optional", "Other variants do not send it"}},
		{"header:X-Both", true, nil},
	}
	for _, tt := range tests {
		p := params[tt.key]
		if p == nil {
			continue
		}
		if got := p["required"] == true; got != tt.required {
			t.Errorf("%s: required = %v, want %v", tt.key, got, tt.required)
		}
		desc, _ := p["description"].(string)
		for _, m := range tt.mentions {
			if !strings.Contains(desc, m) {
				t.Errorf("%s: description %q does not say %q", tt.key, desc, m)
			}
		}
	}
	allSchema := docObj(params["query:all"]["schema"])
	if ex, _ := allSchema["examples"].([]any); allSchema["type"] != "integer" || len(ex) != 1 || ex[0] != float64(3) {
		t.Errorf("all: schema = %v, want an integer with the one integer example", allSchema)
	}
	tag := params["query:tag"]
	if s := docObj(tag["schema"]); s["type"] != "array" || docObj(s["items"])["pattern"] != "^(?:[a-z]+)$" || tag["explode"] != true {
		t.Errorf("tag: %v, want an exploded array of anchored pattern", tag)
	}
	if desc := docString(op["description"]); !strings.Contains(desc, "`Authorization` (required)") || !strings.Contains(desc, "`end-90a`, `end-90b`") {
		t.Errorf("description %q does not list the Authorization header and both endpoints", desc)
	}
	body := docObj(op["requestBody"])
	if body["required"] == true || docObj(body["content"])["application/octet-stream"] == nil {
		t.Errorf("requestBody = %v, want an optional octet-stream body", body)
	}
	created := docResponse(doc, path, "POST", 201)
	if len(docObj(created["headers"])) != 1 || docObj(docObj(created["headers"])["Location"])["required"] == true {
		t.Errorf("201 headers = %v, want one Location, not required in every variant", created["headers"])
	}
	bad := docResponse(doc, path, "POST", 400)
	if d := docString(bad["description"]); !strings.Contains(d, "`NAME_INVALID`") || !strings.Contains(d, "`TAG_INVALID`") {
		t.Errorf("400 description %q does not list both variants' codes", d)
	}
	if ref := docObj(docObj(docObj(bad["content"])["application/json"])["schema"])["$ref"]; ref != "#/components/schemas/ErrorEnvelope" {
		t.Errorf("400 body schema = %v, want the error envelope", ref)
	}
	if c := docResponse(doc, path, "HEAD", 200)["content"]; c != nil {
		t.Errorf("HEAD 200 has content %v", c)
	}
	pathParams, _ := docObj(docObj(doc["paths"])[path])["parameters"].([]any)
	for _, p := range pathParams {
		p := docObj(p)
		if p["name"] == "id" && docObj(p["schema"])["pattern"] != "^(?:[0-9]{1,4})$" {
			t.Errorf("id pattern = %v", docObj(p["schema"])["pattern"])
		}
		if p["name"] == "name" && !strings.Contains(docString(p["description"]), "slashes") {
			t.Errorf("name: a pattern admitting slashes is not explained: %v", p["description"])
		}
	}
}

func TestOpenAPIRejectsBadTables(t *testing.T) {
	dup := docTestRoutes()
	dup = append(dup, dup[0])
	dup[1].Name = "other"
	tests := []struct {
		name   string
		routes []regapi.RouteDescriptor
		want   string
	}{
		{"empty", nil, "no routes"},
		{"unbalanced", []regapi.RouteDescriptor{{Name: "a", Path: "/v2/{name"}}, "unbalanced"},
		{"stray brace", []regapi.RouteDescriptor{{Name: "a", Path: "/v2/name}/x"}}, "unbalanced"},
		{"unnamed variable", []regapi.RouteDescriptor{{Name: "a", Path: "/v2/{:x}"}}, "without a name"},
		{"relative path", []regapi.RouteDescriptor{{Name: "a", Path: "v2/"}}, "slash"},
		{"no name", []regapi.RouteDescriptor{{Path: "/v2/"}}, "no name"},
		{"unknown method", []regapi.RouteDescriptor{{Name: "a", Path: "/v2/", Methods: []regapi.MethodDescriptor{{Method: "BREW"}}}}, "BREW"},
		{"same path", dup, "share the path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := buildOpenAPI(tt.routes, nil, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("buildOpenAPI error = %v, want one mentioning %q", err, tt.want)
			}
			var buf bytes.Buffer
			err = writeMarkdown(&buf, tt.routes, nil, nil)
			if tt.name != "same path" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("writeMarkdown error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestOpenAPIPathsMatchRouter(t *testing.T) {
	// The document's paths are the router's templates with the patterns
	// removed: each one, with sample values, is matched by its route.
	samples := map[string]string{
		"name": "library/ubuntu", "reference": "latest",
		"digest": "sha256:" + strings.Repeat("ab", 32), "uuid": "7e5c2a1b-0000-4000-8000-000000000001",
	}
	router := regapi.Router()
	doc := docGenerated(t)
	var paths []string
	for p := range docObj(doc["paths"]) {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		concrete := p
		for k, v := range samples {
			concrete = strings.ReplaceAll(concrete, "{"+k+"}", v)
		}
		item := docObj(docObj(doc["paths"])[p])
		if item["x-token-endpoint"] == true {
			// Described, not routed.
			if got := docMatchRoute(router, concrete); got != "" {
				t.Errorf("the token endpoint %s matches route %q", p, got)
			}
			continue
		}
		name := item["x-route-name"]
		if got := docMatchRoute(router, concrete); got != name {
			t.Errorf("%s (from %s) matches route %q, want %v", concrete, p, got, name)
		}
	}
}

// docMatchRoute returns the name of the route router matches for a GET of
// path, or "" when none does.
func docMatchRoute(router *mux.Router, path string) string {
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}, Header: http.Header{}}
	var m mux.RouteMatch
	if !router.Match(req, &m) || m.Route == nil {
		return ""
	}
	return m.Route.GetName()
}

// The security requirements of each operation, written out from the access
// a distribution registry demands per method and route.
func TestOpenAPISecurity(t *testing.T) {
	doc := docGenerated(t)
	pull := []string{"repository:{name}:pull"}
	push := []string{"repository:{name}:pull,push"}
	del := []string{"repository:{name}:delete"}
	tests := []struct {
		method, path string
		bearer       [][]string
	}{
		{"GET", "/v2/", [][]string{{}}},
		{"GET", "/v2/_catalog", [][]string{{"registry:catalog:*"}}},
		{"GET", "/v2/{name}/tags/list", [][]string{pull}},
		{"GET", "/v2/{name}/manifests/{reference}", [][]string{pull}},
		{"HEAD", "/v2/{name}/manifests/{reference}", [][]string{pull}},
		{"PUT", "/v2/{name}/manifests/{reference}", [][]string{push}},
		{"DELETE", "/v2/{name}/manifests/{reference}", [][]string{del}},
		{"GET", "/v2/{name}/blobs/{digest}", [][]string{pull}},
		{"HEAD", "/v2/{name}/blobs/{digest}", [][]string{pull}},
		{"DELETE", "/v2/{name}/blobs/{digest}", [][]string{del}},
		{"POST", "/v2/{name}/blobs/uploads/", [][]string{push, {"repository:{name}:pull,push", "repository:{from}:pull"}}},
		{"GET", "/v2/{name}/blobs/uploads/{uuid}", [][]string{pull}},
		{"PATCH", "/v2/{name}/blobs/uploads/{uuid}", [][]string{push}},
		{"PUT", "/v2/{name}/blobs/uploads/{uuid}", [][]string{push}},
		{"DELETE", "/v2/{name}/blobs/uploads/{uuid}", [][]string{del}},
		{"GET", "/v2/{name}/referrers/{digest}", [][]string{pull}},
	}
	seen := 0
	for _, tt := range tests {
		op := docOperation(doc, tt.path, tt.method)
		sec, _ := op["security"].([]any)
		var want []any
		for _, b := range tt.bearer {
			roles := make([]any, len(b))
			for i, r := range b {
				roles[i] = r
			}
			want = append(want, map[string]any{"bearerAuth": roles})
		}
		want = append(want, map[string]any{"basicAuth": []any{}}, map[string]any{})
		if !reflect.DeepEqual(sec, want) {
			t.Errorf("%s %s: security %v, want %v", tt.method, tt.path, sec, want)
		}
		if len(tt.bearer) > 1 && !strings.Contains(docString(op["description"]), "different token scopes") {
			t.Errorf("%s %s: the description does not say the variants need different scopes", tt.method, tt.path)
		}
		seen++
	}
	// Every operation of the registry is in the table.
	ops := 0
	for p, item := range docObj(doc["paths"]) {
		if docObj(item)["x-token-endpoint"] == true {
			continue
		}
		for _, m := range docMethods {
			if docOperation(doc, p, m) != nil {
				ops++
			}
		}
	}
	if ops != seen {
		t.Errorf("%d operations, %d in the table", ops, seen)
	}
	// The token endpoint takes Basic credentials or none on GET, and its
	// credentials in the form on POST.
	if got := docOperation(doc, "/token", "GET")["security"]; !reflect.DeepEqual(got, []any{map[string]any{"basicAuth": []any{}}, map[string]any{}}) {
		t.Errorf("GET /token security %v", got)
	}
	if got := docOperation(doc, "/token", "POST")["security"]; !reflect.DeepEqual(got, []any{map[string]any{}}) {
		t.Errorf("POST /token security %v", got)
	}
	// Each bearer role names a scope of the form the token protocol uses.
	scheme := docString(docObj(docObj(docObj(doc["components"])["securitySchemes"])["bearerAuth"])["description"])
	if !strings.Contains(scheme, "role names") || !strings.Contains(scheme, "insufficient_scope") {
		t.Errorf("the bearerAuth scheme does not explain its role names: %q", scheme)
	}
}

func TestOpenAPITokenEndpoint(t *testing.T) {
	doc := docGenerated(t)
	item := docObj(docObj(doc["paths"])["/token"])
	if item["x-token-endpoint"] != true || item["x-route-name"] != nil || len(item["servers"].([]any)) != 1 {
		t.Fatalf("the /token path item: %v", item)
	}
	// swagger-parser 12 refuses a server variable with a description.
	for name, v := range docObj(docObj(item["servers"].([]any)[0])["variables"]) {
		if _, ok := docObj(v)["description"]; ok || docObj(v)["default"] == nil {
			t.Errorf("server variable %s: %v, want only a default", name, v)
		}
	}
	get := docOperation(doc, "/token", "GET")
	params := map[string]docJSON{}
	for _, p := range get["parameters"].([]any) {
		params[docString(docObj(p)["name"])] = docObj(p)
	}
	for _, name := range []string{"service", "scope", "account", "client_id", "offline_token"} {
		if params[name] == nil || params[name]["in"] != "query" {
			t.Errorf("GET /token: no query parameter %s", name)
		}
	}
	if s := docObj(params["scope"]["schema"]); s["type"] != "array" || params["scope"]["explode"] != true {
		t.Errorf("scope is not a repeated parameter: %v", params["scope"])
	}
	body := docObj(docObj(docObj(docObj(docOperation(doc, "/token", "POST")["requestBody"])["content"])["application/x-www-form-urlencoded"])["schema"])
	props := docObj(body["properties"])
	for _, f := range []string{"grant_type", "service", "client_id", "access_type", "scope", "refresh_token", "username", "password"} {
		if props[f] == nil {
			t.Errorf("the POST form lacks %s", f)
		}
	}
	// Required by both grants, and only those.
	if got := docStrings(body["required"]); strings.Join(got, " ") != "grant_type service client_id" {
		t.Errorf("the POST form requires %v", got)
	}
	for _, status := range []int{200, 400, 401} {
		if docResponse(doc, "/token", "GET", status) == nil || docResponse(doc, "/token", "POST", status) == nil {
			t.Errorf("/token: no %d response", status)
		}
	}
	if docResponse(doc, "/token", "POST", 404) == nil {
		t.Error("POST /token: the 404 of a server without POST is not described")
	}
	fields := docObj(docObj(docObj(docObj(docObj(docResponse(doc, "/token", "GET", 200)["content"])["application/json"])["schema"])["properties"]))
	for _, f := range []string{"token", "access_token", "expires_in", "issued_at", "refresh_token"} {
		if fields[f] == nil {
			t.Errorf("the GET response lacks %s", f)
		}
	}
	if docObj(fields["expires_in"])["type"] != "integer" {
		t.Errorf("expires_in is %v", fields["expires_in"])
	}
}
