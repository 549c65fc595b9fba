package regapi

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

// TestMatchRequestTable holds requests as clients send them and the variant
// each is, by OCI endpoint ID and descriptor name.
func TestMatchRequestTable(t *testing.T) {
	const dgst = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	repo := func(route string) PathMatch { return PathMatch{Route: route, Name: "library/alpine"} }
	tests := []struct {
		name    string
		method  string
		match   PathMatch
		query   string
		header  http.Header
		ok      bool
		id      string // EndpointID
		variant string // Request.Name
	}{
		{"base", "GET", PathMatch{Route: RouteNameBase}, "", nil, true, "end-1", "Check API Support"},
		{"base by HEAD", "HEAD", PathMatch{Route: RouteNameBase}, "", nil, true, "end-1", "Check API Support"},
		{"base by POST", "POST", PathMatch{Route: RouteNameBase}, "", nil, false, "", ""},
		{"no route", "GET", PathMatch{}, "", nil, false, "", ""},
		{"unknown route", "GET", PathMatch{Route: "nope"}, "", nil, false, "", ""},

		{"tags", "GET", repo(RouteNameTags), "", nil, true, "end-8a", "List Tags"},
		{"tags paginated", "GET", repo(RouteNameTags), "n=10", nil, true, "end-8b", "List Tags Paginated"},
		{"tags after last", "GET", repo(RouteNameTags), "last=v1", nil, true, "end-8b", "List Tags Paginated"},
		{"tags by HEAD", "HEAD", repo(RouteNameTags), "n=1", nil, true, "end-8b", "List Tags Paginated"},
		{"tags by DELETE", "DELETE", repo(RouteNameTags), "", nil, false, "", ""},

		{"manifest get", "GET", repo(RouteNameManifest), "", http.Header{"Accept": {"application/json"}}, true, "end-3", "Fetch Manifest"},
		{"manifest head", "HEAD", repo(RouteNameManifest), "", nil, true, "end-3", "Check Manifest"},
		{"manifest push", "PUT", repo(RouteNameManifest), "", http.Header{"Content-Type": {"application/vnd.oci.image.manifest.v1+json"}}, true, "end-7a", "Push Manifest"},
		{"manifest push with tags", "PUT", repo(RouteNameManifest), "tag=a&tag=b", nil, true, "end-7b", "Push Manifest with Tags"},
		{"manifest delete", "DELETE", repo(RouteNameManifest), "", nil, true, "end-9", "Delete Manifest"},
		{"manifest PATCH", "PATCH", repo(RouteNameManifest), "", nil, false, "", ""},

		{"blob get", "GET", repo(RouteNameBlob), "", nil, true, "end-2", "Fetch Blob"},
		{"blob range", "GET", repo(RouteNameBlob), "", http.Header{"Range": {"bytes=0-9"}}, true, "end-2", "Fetch Blob Part"},
		{"blob head", "HEAD", repo(RouteNameBlob), "", nil, true, "end-2", "Check Blob"},
		{"blob delete", "DELETE", repo(RouteNameBlob), "", nil, true, "end-10", "Delete Blob"},

		{"upload start", "POST", repo(RouteNameBlobUpload), "", nil, true, "end-4a", "Start Upload"},
		// Content-Type and Content-Length tell nothing: clients send them
		// on empty POSTs too.
		{"upload start with body headers", "POST", repo(RouteNameBlobUpload), "", http.Header{"Content-Type": {"application/octet-stream"}, "Content-Length": {"0"}}, true, "end-4a", "Start Upload"},
		{"monolithic upload", "POST", repo(RouteNameBlobUpload), "digest=" + dgst, http.Header{"Content-Type": {"application/octet-stream"}, "Content-Length": {"5"}}, true, "end-4b", "Upload Blob in One Request"},
		// A chunked transfer sends no Content-Length: still end-4b.
		{"monolithic upload chunked", "POST", repo(RouteNameBlobUpload), "digest=" + dgst, nil, true, "end-4b", "Upload Blob in One Request"},
		{"digest algorithm", "POST", repo(RouteNameBlobUpload), "digest-algorithm=sha512", nil, true, "end-4c", "Start Upload with Digest Algorithm"},
		{"digest algorithm and digest", "POST", repo(RouteNameBlobUpload), "digest-algorithm=sha512&digest=sha512:abc", nil, true, "end-4c", "Start Upload with Digest Algorithm"},
		{"mount", "POST", repo(RouteNameBlobUpload), "mount=" + dgst + "&from=other", nil, true, "end-11", "Mount Blob"},
		{"mount without from", "POST", repo(RouteNameBlobUpload), "mount=" + dgst, nil, true, "end-11", "Mount Blob from Any Repository"},
		{"from without mount", "POST", repo(RouteNameBlobUpload), "from=other", nil, true, "end-4a", "Start Upload"},
		{"upload GET", "GET", repo(RouteNameBlobUpload), "", nil, false, "", ""},

		{"upload status", "GET", repo(RouteNameBlobUploadChunk), "", nil, true, "end-13", "Upload Status"},
		{"upload status by HEAD", "HEAD", repo(RouteNameBlobUploadChunk), "", nil, true, "end-13", "Upload Status"},
		{"chunk", "PATCH", repo(RouteNameBlobUploadChunk), "", http.Header{"Content-Range": {"0-9"}, "Content-Length": {"10"}}, true, "end-5", "Upload Chunk"},
		{"stream", "PATCH", repo(RouteNameBlobUploadChunk), "", http.Header{"Content-Length": {"10"}}, true, "end-5", "Stream Upload"},
		{"stream chunked", "PATCH", repo(RouteNameBlobUploadChunk), "", nil, true, "end-5", "Stream Upload"},
		{"complete", "PUT", repo(RouteNameBlobUploadChunk), "digest=" + dgst, http.Header{"Content-Length": {"10"}}, true, "end-6", "Complete Upload"},
		{"close with last chunk", "PUT", repo(RouteNameBlobUploadChunk), "digest=" + dgst, http.Header{"Content-Range": {"10-19"}}, true, "end-6", "Close Chunked Upload"},
		// Without its digest no variant is a candidate: the closest wins.
		{"close without digest", "PUT", repo(RouteNameBlobUploadChunk), "", nil, true, "end-6", "Complete Upload"},
		{"cancel", "DELETE", repo(RouteNameBlobUploadChunk), "", nil, true, "end-14", "Cancel Upload"},

		{"catalog", "GET", PathMatch{Route: RouteNameCatalog}, "", nil, true, "", "List Repositories"},
		{"catalog page", "GET", PathMatch{Route: RouteNameCatalog}, "n=5&last=a", nil, true, "", "List Repositories Paginated"},

		{"referrers", "GET", repo(RouteNameReferrers), "", nil, true, "end-12a", "List Referrers"},
		{"referrers filtered", "GET", repo(RouteNameReferrers), "artifactType=application%2Fx", nil, true, "end-12b", "List Referrers by Artifact Type"},
		{"referrers with other query", "GET", repo(RouteNameReferrers), "foo=bar", nil, true, "end-12a", "List Referrers"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := MatchRequest(tt.method, tt.match, q, tt.header)
			if ok != tt.ok {
				t.Fatalf("MatchRequest ok = %v, want %v (%+v)", ok, tt.ok, got)
			}
			if !ok {
				if got != (RequestMatch{}) {
					t.Errorf("a refused request matched %+v", got)
				}
				return
			}
			if got.EndpointID != tt.id || got.Request == nil || got.Request.Name != tt.variant {
				name := "<nil>"
				if got.Request != nil {
					name = got.Request.Name
				}
				t.Errorf("got %s %q, want %s %q", got.EndpointID, name, tt.id, tt.variant)
			}
			if got.Method != tt.method || got.PathMatch != tt.match {
				t.Errorf("got method %q path %+v, want %q %+v", got.Method, got.PathMatch, tt.method, tt.match)
			}
		})
	}
}

// TestMatchRequestEveryVariant builds, for every variant of the descriptors,
// a request carrying every query parameter and header the variant names,
// and checks that it is matched to that variant. Variants that name exactly
// what an earlier variant of the method names cannot be told apart: the
// request is the earlier one's.
func TestMatchRequestEveryVariant(t *testing.T) {
	indistinct := map[string]string{
		"Delete Tag": "Delete Manifest", // both a DELETE of a manifest reference
	}
	seen := 0
	for ri := range APIDescriptor.RouteDescriptors {
		rd := &APIDescriptor.RouteDescriptors[ri]
		for mi := range rd.Methods {
			md := &rd.Methods[mi]
			for qi := range md.Requests {
				req := &md.Requests[qi]
				seen++
				query := url.Values{}
				for _, p := range req.QueryParameters {
					query.Add(p.Name, exampleOf(p))
				}
				header := http.Header{}
				for _, p := range req.Headers {
					header.Add(p.Name, exampleOf(p))
				}
				got, ok := MatchRequest(md.Method, PathMatch{Route: rd.Name, Name: "a"}, query, header)
				want := req.Name
				if w, ok := indistinct[want]; ok {
					want = w
				}
				if !ok || got.Request.Name != want {
					t.Errorf("%s %s %q: matched %+v", rd.Name, md.Method, req.Name, got.Request)
					continue
				}
				if want == req.Name && !reflect.DeepEqual(*got.Request, *req) {
					t.Errorf("%s %s %q: Request is not the variant APIDescriptor describes", rd.Name, md.Method, req.Name)
				}
				if got.EndpointID != got.Request.EndpointID {
					t.Errorf("%s %s %q: EndpointID %q, descriptor's %q", rd.Name, md.Method, req.Name, got.EndpointID, got.Request.EndpointID)
				}
			}
		}
	}
	if seen < 25 {
		t.Errorf("only %d variants described", seen)
	}
}

// exampleOf returns a value for p: its first example, or a placeholder.
func exampleOf(p ParameterDescriptor) string {
	if len(p.Examples) > 0 {
		return p.Examples[0]
	}
	return "x"
}

// TestMatchRequestIgnoresAPIDescriptor checks that the index MatchRequest
// builds reads neither APIDescriptor, which a program may edit before the
// first match, nor the table the package routes by: a program that takes
// the scopes out of APIDescriptor does not make a push need none.
func TestMatchRequestIgnoresAPIDescriptor(t *testing.T) {
	saved := APIDescriptor.RouteDescriptors
	defer func() { APIDescriptor.RouteDescriptors = saved }()
	edited := Descriptors()
	for i := range edited {
		for j := range edited[i].Methods {
			for k := range edited[i].Methods[j].Requests {
				edited[i].Methods[j].Requests[k].Scopes = nil
			}
		}
	}
	APIDescriptor.RouteDescriptors = edited

	idx := newRequestIndex()
	v := &idx.routes[RouteNameBlobUpload].of(http.MethodPost)[0]
	if len(v.descriptor.Scopes) == 0 {
		t.Error("the index took the scopes of the edited APIDescriptor: a push needs none")
	}
	for _, rd := range edited {
		for _, md := range rd.Methods {
			for k := range md.Requests {
				if v.descriptor == &md.Requests[k] {
					t.Error("the index points into APIDescriptor")
				}
			}
		}
	}
	if v.descriptor == &routeTable()[4].Methods[0].Requests[0] {
		t.Error("the index points into the routing table")
	}
}

func TestMatchRequestAllocates(t *testing.T) {
	q := url.Values{"mount": {"sha256:x"}, "from": {"b"}}
	h := http.Header{"Content-Range": {"0-1"}}
	m := PathMatch{Route: RouteNameBlobUpload, Name: "a"}
	MatchRequest(http.MethodPost, m, q, h)
	if n := testing.AllocsPerRun(100, func() { MatchRequest(http.MethodPost, m, q, h) }); n != 0 {
		t.Errorf("MatchRequest allocates %v times", n)
	}
}

// FuzzMatchRequest matches requests with fuzzed methods, query keys and
// header names against every route, and checks the answer against the
// descriptors: it is a variant of the route and method (or GET's, for a
// HEAD), its endpoint ID is the variant's, and a variant whose requirements
// the request meets is chosen whenever one exists.
func FuzzMatchRequest(f *testing.F) {
	f.Add("POST", "blob-upload", "digest,mount", "Content-Range")
	f.Add("PATCH", "blob-upload-chunk", "", "Content-Range,Content-Length")
	f.Add("HEAD", "tags", "n", "")
	f.Add("GET", "blob", "", "Range")
	f.Fuzz(func(t *testing.T, method, route, keys, headers string) {
		q := url.Values{}
		for _, k := range strings.Split(keys, ",") {
			q.Set(k, "v")
		}
		h := http.Header{}
		for _, k := range strings.Split(headers, ",") {
			if k != "" {
				h[http.CanonicalHeaderKey(k)] = []string{"v"}
			}
		}
		got, ok := MatchRequest(method, PathMatch{Route: route, Name: "n"}, q, h)
		rd := routeByNameIn(APIDescriptor.RouteDescriptors, route)
		var md *MethodDescriptor
		if rd != nil {
			md = methodIn(rd, method)
			if md == nil && method == http.MethodHead {
				md = methodIn(rd, http.MethodGet)
			}
		}
		if ok != (md != nil) {
			t.Fatalf("%s %s: ok = %v, described = %v", method, route, ok, md != nil)
		}
		if !ok {
			return
		}
		found := false
		anyEligible := false
		for i := range md.Requests {
			r := &md.Requests[i]
			if r.Name == got.Request.Name {
				found = true
			}
			if meets(r, q, h) {
				anyEligible = true
			}
		}
		if !found {
			t.Fatalf("%s %s: variant %q is not one of the method's", method, route, got.Request.Name)
		}
		if got.EndpointID != got.Request.EndpointID || got.Method != method {
			t.Fatalf("%s %s: %+v", method, route, got)
		}
		if anyEligible && !meets(got.Request, q, h) {
			t.Fatalf("%s %s %v %v: chose %q, whose requirements are not met, over one whose are", method, route, q, h, got.Request.Name)
		}
	})
}

func routeByNameIn(routes []RouteDescriptor, name string) *RouteDescriptor {
	for i := range routes {
		if routes[i].Name == name {
			return &routes[i]
		}
	}
	return nil
}

func methodIn(rd *RouteDescriptor, method string) *MethodDescriptor {
	for i := range rd.Methods {
		if rd.Methods[i].Method == method {
			return &rd.Methods[i]
		}
	}
	return nil
}

// meets reports whether the request carries every query parameter and
// header r requires, leaving out the body's framing headers.
func meets(r *RequestDescriptor, q url.Values, h http.Header) bool {
	for _, p := range r.QueryParameters {
		if _, ok := q[p.Name]; p.Required && !ok {
			return false
		}
	}
	for _, p := range r.Headers {
		if p.Name == "Content-Length" || p.Name == "Content-Type" {
			continue
		}
		if p.Required && h.Get(p.Name) == "" {
			return false
		}
	}
	return true
}
