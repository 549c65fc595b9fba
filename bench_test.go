package regapi

import (
	"net/http"
	"net/netip"
	"net/url"
	"testing"

	"github.com/distribution/reference"
	"github.com/gorilla/mux"
	"github.com/opencontainers/go-digest"
)

// The request mix the benchmarks use: manifest and blob reads dominate, as
// they do at a registry, with deep names, domains, digests, upload ids,
// tags, the catalog and the base.
var benchPaths = []string{
	"/v2/library/ubuntu/manifests/latest",
	"/v2/library/ubuntu/manifests/" + matchDigest,
	"/v2/registry.example.com/team/project/app/manifests/v1.2.3",
	"/v2/library/ubuntu/blobs/" + matchDigest,
	"/v2/registry.example.com/team/project/app/blobs/" + matchDigest,
	"/v2/a/b/c/d/e/f/blobs/" + matchDigest,
	"/v2/localhost:5000/foo/bar/blobs/uploads/",
	"/v2/localhost:5000/foo/bar/blobs/uploads/4d0b6d5e-6a0b-4d7c-9b4f-2b6f0a1c9e8d",
	"/v2/library/ubuntu/tags/list",
	"/v2/_catalog",
	"/v2/",
}

func BenchmarkMatchPath(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		MatchPath(benchPaths[i%len(benchPaths)])
	}
}

func BenchmarkRouterMatch(b *testing.B) {
	router := Router()
	reqs := make([]*http.Request, len(benchPaths))
	for i, p := range benchPaths {
		reqs[i] = &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Header: http.Header{}}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var m mux.RouteMatch
		router.Match(reqs[i%len(reqs)], &m)
	}
}

// benchBuilds are one call of each Build method on a builder.
func benchBuilds(tb testing.TB) map[string]func(ub *URLBuilder) (string, error) {
	name, err := reference.WithName("registry.example.com/team/app")
	if err != nil {
		tb.Fatal(err)
	}
	tagged, err := reference.WithTag(name, "v1.2.3")
	if err != nil {
		tb.Fatal(err)
	}
	canonical, err := reference.WithDigest(name, digest.Digest(matchDigest))
	if err != nil {
		tb.Fatal(err)
	}
	query := url.Values{"n": {"100"}, "last": {"v1.2.2"}}
	return map[string]func(ub *URLBuilder) (string, error){
		"Base":     (*URLBuilder).BuildBaseURL,
		"Catalog":  func(ub *URLBuilder) (string, error) { return ub.BuildCatalogURL(query) },
		"Tags":     func(ub *URLBuilder) (string, error) { return ub.BuildTagsURL(name, query) },
		"Manifest": func(ub *URLBuilder) (string, error) { return ub.BuildManifestURL(tagged) },
		"Blob":     func(ub *URLBuilder) (string, error) { return ub.BuildBlobURL(canonical) },
		"Upload":   func(ub *URLBuilder) (string, error) { return ub.BuildBlobUploadURL(name) },
		"Chunk": func(ub *URLBuilder) (string, error) {
			return ub.BuildBlobUploadChunkURL(name, "4d0b6d5e-6a0b-4d7c", query)
		},
		"Referrers": func(ub *URLBuilder) (string, error) { return ub.BuildReferrersURL(canonical) },
	}
}

func BenchmarkBuildURL(b *testing.B) {
	ub, err := NewURLBuilderFromString("https://registry.example.com/", false)
	if err != nil {
		b.Fatal(err)
	}
	for name, build := range benchBuilds(b) {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := build(ub); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchRequest() *http.Request {
	return &http.Request{
		Method: http.MethodPut,
		URL:    &url.URL{Path: "/registry/v2/team/app/blobs/uploads/4d0b6d5e"},
		Host:   "internal:5000",
		Header: http.Header{"Forwarded": {"for=192.0.2.43;proto=https;host=registry.example.com"}},
	}
}

func BenchmarkFromRequestAndBuild(b *testing.B) {
	req := benchRequest()
	name, err := reference.WithName("team/app")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := NewURLBuilderFromRequest(req, false).BuildBlobUploadChunkURL(name, "4d0b6d5e"); err != nil {
			b.Fatal(err)
		}
	}
}

// benchOptionRequests are requests as proxies deliver them, for the builder
// that believes forwarding headers from trusted proxies only: one proxy
// writing Forwarded, a chain of three, a chain of two writing
// X-Forwarded-*, and a peer outside the trusted networks.
func benchOptionRequests() map[string]*http.Request {
	req := func(remote string, header http.Header) *http.Request {
		r := benchRequest()
		r.RemoteAddr = remote
		r.Header = header
		return r
	}
	return map[string]*http.Request{
		"Forwarded": req("10.0.0.1:41000", http.Header{
			"Forwarded": {"for=192.0.2.43;proto=https;host=registry.example.com"},
		}),
		"Forwarded3Hops": req("10.0.0.1:41000", http.Header{
			"Forwarded": {`for=192.0.2.43;proto=https;host=registry.example.com, for=10.0.0.3, for="[fd00::2]:4711"`},
		}),
		"XForwarded2Hops": req("10.0.0.1:41000", http.Header{
			"X-Forwarded-For":   {"192.0.2.43, 10.0.0.2"},
			"X-Forwarded-Proto": {"https, http"},
			"X-Forwarded-Host":  {"registry.example.com, registry.example.com"},
		}),
		"Untrusted": req("198.51.100.1:41000", http.Header{
			"Forwarded": {"for=192.0.2.43;proto=https;host=registry.example.com"},
		}),
	}
}

var benchTrusted = FromRequestOptions{TrustedProxies: []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("fd00::/8"),
}}

func BenchmarkFromRequestWithOptionsAndBuild(b *testing.B) {
	name, err := reference.WithName("team/app")
	if err != nil {
		b.Fatal(err)
	}
	for caseName, req := range benchOptionRequests() {
		b.Run(caseName, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, err := NewURLBuilderFromRequestWithOptions(req, benchTrusted).BuildBlobUploadChunkURL(name, "4d0b6d5e"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkFromRequestRelativeAndBuild builds a relative URL from a request
// below a path prefix.
func BenchmarkFromRequestRelativeAndBuild(b *testing.B) {
	req := benchRequest()
	name, err := reference.WithName("team/app")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := NewURLBuilderFromRequest(req, true).BuildBlobUploadChunkURL(name, "4d0b6d5e"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestHotPathAllocations pins the allocation counts of the hot paths:
// none for MatchPath, one per URL (the URL itself; the name of a reference
// with a domain is read in its two parts, not joined), and two for a builder
// made from a request and used once (the builder and the URL), with or
// without trusted proxies.
func TestHotPathAllocations(t *testing.T) {
	for _, p := range benchPaths {
		if _, ok := MatchPath(p); !ok {
			t.Fatalf("%q does not match", p)
		}
		if n := testing.AllocsPerRun(100, func() { MatchPath(p) }); n != 0 {
			t.Errorf("MatchPath(%q): %v allocations", p, n)
		}
	}
	for _, relative := range []bool{false, true} {
		ub, err := NewURLBuilderFromString("https://registry.example.com/", relative)
		if err != nil {
			t.Fatal(err)
		}
		for name, build := range benchBuilds(t) {
			if n := testing.AllocsPerRun(100, func() { _, _ = build(ub) }); n > 1 {
				t.Errorf("%s (relative %v): %v allocations", name, relative, n)
			}
		}
	}
	req := benchRequest()
	name, err := reference.WithName("team/app")
	if err != nil {
		t.Fatal(err)
	}
	n := testing.AllocsPerRun(100, func() {
		_, _ = NewURLBuilderFromRequest(req, false).BuildBlobUploadChunkURL(name, "4d0b6d5e")
	})
	if n > 2 {
		t.Errorf("NewURLBuilderFromRequest and one build: %v allocations", n)
	}
	n = testing.AllocsPerRun(100, func() {
		_, _ = NewURLBuilderFromRequest(req, true).BuildBlobUploadChunkURL(name, "4d0b6d5e")
	})
	if n > 2 {
		t.Errorf("relative NewURLBuilderFromRequest and one build: %v allocations", n)
	}
	for caseName, req := range benchOptionRequests() {
		n := testing.AllocsPerRun(100, func() {
			_, _ = NewURLBuilderFromRequestWithOptions(req, benchTrusted).BuildBlobUploadChunkURL(name, "4d0b6d5e")
		})
		if n > 2 {
			t.Errorf("NewURLBuilderFromRequestWithOptions (%s) and one build: %v allocations", caseName, n)
		}
	}
}
