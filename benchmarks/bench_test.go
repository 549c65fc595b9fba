// Package benchmarks measures this module's registry API package against
// distribution's on one request mix. Run bench.sh for the table.
package benchmarks

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"

	upstream "github.com/distribution/distribution/v3/registry/api/v2"
	"github.com/distribution/reference"
	"github.com/gorilla/mux"
	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi"
)

const (
	sha256Digest = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	uploadID     = "4d0b6d5e-6a0b-4d7c-9b4f-2b6f0a1c9e8d"
)

// mix is the request mix: manifest and blob reads (HEAD and GET) make most
// of it, with deep names, domains and digests; then uploads, tag lists, the
// catalog and the base.
var mix = []struct{ method, path string }{
	{http.MethodHead, "/v2/library/ubuntu/manifests/latest"},
	{http.MethodGet, "/v2/library/ubuntu/manifests/" + sha256Digest},
	{http.MethodHead, "/v2/registry.example.com/team/project/app/manifests/v1.2.3"},
	{http.MethodGet, "/v2/a/b/c/d/e/f/manifests/" + sha256Digest},
	{http.MethodHead, "/v2/library/ubuntu/blobs/" + sha256Digest},
	{http.MethodGet, "/v2/library/ubuntu/blobs/" + sha256Digest},
	{http.MethodGet, "/v2/registry.example.com/team/project/app/blobs/" + sha256Digest},
	{http.MethodGet, "/v2/localhost:5000/a/b/c/d/e/f/blobs/" + sha256Digest},
	{http.MethodPost, "/v2/localhost:5000/foo/bar/blobs/uploads/"},
	{http.MethodPatch, "/v2/localhost:5000/foo/bar/blobs/uploads/" + uploadID},
	{http.MethodGet, "/v2/library/ubuntu/tags/list"},
	{http.MethodGet, "/v2/_catalog"},
	{http.MethodGet, "/v2/"},
}

func mixRequests() []*http.Request {
	reqs := make([]*http.Request, len(mix))
	for i, m := range mix {
		reqs[i] = &http.Request{Method: m.method, URL: &url.URL{Path: m.path}, Header: http.Header{}, Host: "registry.example.com"}
	}
	return reqs
}

// benchRouterMatch runs Router.Match over the mix, one request per
// iteration.
func benchRouterMatch(b *testing.B, router *mux.Router) {
	reqs := mixRequests()
	for _, r := range reqs {
		var m mux.RouteMatch
		if !router.Match(r, &m) {
			b.Fatalf("%s does not match", r.URL.Path)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var m mux.RouteMatch
		router.Match(reqs[i%len(reqs)], &m)
	}
}

func BenchmarkRouterMatch(b *testing.B) {
	b.Run("upstream", func(b *testing.B) { benchRouterMatch(b, upstream.Router()) })
	b.Run("ours", func(b *testing.B) { benchRouterMatch(b, regapi.Router()) })
}

// BenchmarkRouterFloor measures the least that routing a request can cost
// in a gorilla/mux router holding distribution's routes, the routes Router
// must keep. mux accepts a request on a route by running that route's path
// regexp, and then runs it a second time to read the variables; nothing
// outside mux can skip either run. The second side here is those two runs
// alone, on regexps compiled from the matched routes' own GetPathRegexp,
// with no router around them, so its ratio is the most that any router
// with those routes can gain over distribution's on the mix.
func BenchmarkRouterFloor(b *testing.B) {
	b.Run("upstream", func(b *testing.B) { benchRouterMatch(b, upstream.Router()) })
	b.Run("regexp-floor", func(b *testing.B) {
		type run struct {
			re   *regexp.Regexp
			path string
		}
		router := regapi.Router()
		runs := make([]run, len(mix))
		for i, r := range mixRequests() {
			var m mux.RouteMatch
			if !router.Match(r, &m) || m.Route == nil {
				b.Fatalf("%s does not match", r.URL.Path)
			}
			expr, err := m.Route.GetPathRegexp()
			if err != nil {
				b.Fatal(err)
			}
			runs[i] = run{regexp.MustCompile(expr), r.URL.Path}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			r := runs[i%len(runs)]
			if !r.re.MatchString(r.path) || r.re.FindStringSubmatchIndex(r.path) == nil {
				b.Fatalf("%s: regexp does not match", r.path)
			}
		}
	})
}

// BenchmarkMatchPath compares MatchPath with what it replaces: distribution's
// Router.Match.
func BenchmarkMatchPath(b *testing.B) {
	b.Run("upstream", func(b *testing.B) { benchRouterMatch(b, upstream.Router()) })
	b.Run("ours", func(b *testing.B) {
		paths := make([]string, len(mix))
		for i, m := range mix {
			paths[i] = m.path
			if _, ok := regapi.MatchPath(m.path); !ok {
				b.Fatalf("%s does not match", m.path)
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			regapi.MatchPath(paths[i%len(paths)])
		}
	})
}

// buildCall is one call of a Build method, written out for each builder so
// that both are called on their concrete types (a call through an interface
// would make the variadic values argument escape, for both).
type buildCall struct {
	name     string
	upstream func(*upstream.URLBuilder) (string, error)
	ours     func(*regapi.URLBuilder) (string, error)
}

// buildCalls are the calls the URL benchmarks make, one per Build method
// distribution has.
func buildCalls(b *testing.B) []buildCall {
	named, err := reference.ParseNamed("registry.example.com/team/app")
	if err != nil {
		b.Fatal(err)
	}
	tagged, err := reference.WithTag(named, "v1.2.3")
	if err != nil {
		b.Fatal(err)
	}
	canonical, err := reference.WithDigest(named, digest.Digest(sha256Digest))
	if err != nil {
		b.Fatal(err)
	}
	page := url.Values{"n": {"100"}, "last": {"v1.2.2"}}
	state := url.Values{"_state": {"c3RhdGU="}}
	return []buildCall{
		{"BuildBaseURL",
			func(ub *upstream.URLBuilder) (string, error) { return ub.BuildBaseURL() },
			func(ub *regapi.URLBuilder) (string, error) { return ub.BuildBaseURL() }},
		{"BuildCatalogURL",
			func(ub *upstream.URLBuilder) (string, error) { return ub.BuildCatalogURL(page) },
			func(ub *regapi.URLBuilder) (string, error) { return ub.BuildCatalogURL(page) }},
		{"BuildTagsURL",
			func(ub *upstream.URLBuilder) (string, error) { return ub.BuildTagsURL(named, page) },
			func(ub *regapi.URLBuilder) (string, error) { return ub.BuildTagsURL(named, page) }},
		{"BuildManifestURL",
			func(ub *upstream.URLBuilder) (string, error) { return ub.BuildManifestURL(tagged) },
			func(ub *regapi.URLBuilder) (string, error) { return ub.BuildManifestURL(tagged) }},
		{"BuildBlobURL",
			func(ub *upstream.URLBuilder) (string, error) { return ub.BuildBlobURL(canonical) },
			func(ub *regapi.URLBuilder) (string, error) { return ub.BuildBlobURL(canonical) }},
		{"BuildBlobUploadURL",
			func(ub *upstream.URLBuilder) (string, error) { return ub.BuildBlobUploadURL(named) },
			func(ub *regapi.URLBuilder) (string, error) { return ub.BuildBlobUploadURL(named) }},
		{"BuildBlobUploadChunkURL",
			func(ub *upstream.URLBuilder) (string, error) {
				return ub.BuildBlobUploadChunkURL(named, uploadID, state)
			},
			func(ub *regapi.URLBuilder) (string, error) { return ub.BuildBlobUploadChunkURL(named, uploadID, state) }},
	}
}

// benchBuild runs build, after checking that it gives want.
func benchBuild(b *testing.B, build func() (string, error), want string) {
	if got, err := build(); err != nil || got != want {
		b.Fatalf("got %q, %v; want %q", got, err, want)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, _ = build()
	}
}

func BenchmarkBuildURL(b *testing.B) {
	const root = "https://registry.example.com/"
	up, err := upstream.NewURLBuilderFromString(root, false)
	if err != nil {
		b.Fatal(err)
	}
	ours, err := regapi.NewURLBuilderFromString(root, false)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range buildCalls(b) {
		want, err := c.upstream(up)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(c.name+"/upstream", func(b *testing.B) { benchBuild(b, func() (string, error) { return c.upstream(up) }, want) })
		b.Run(c.name+"/ours", func(b *testing.B) { benchBuild(b, func() (string, error) { return c.ours(ours) }, want) })
	}
}

// fromRequest is a request as a registry behind a proxy receives it, mounted
// below a prefix.
func fromRequest() *http.Request {
	return &http.Request{
		Method: http.MethodPost,
		URL:    &url.URL{Path: "/registry/v2/team/app/blobs/uploads/"},
		Host:   "10.0.0.7:5000",
		Header: http.Header{"Forwarded": {"for=192.0.2.43;proto=https;host=registry.example.com"}},
	}
}

// BenchmarkFromRequest makes a builder from a request and builds the
// Location of a new upload with it, as a server does per request.
func BenchmarkFromRequest(b *testing.B) {
	named, err := reference.WithName("team/app")
	if err != nil {
		b.Fatal(err)
	}
	req := fromRequest()
	const want = "https://registry.example.com/registry/v2/team/app/blobs/uploads/" + uploadID
	b.Run("upstream", func(b *testing.B) {
		benchBuild(b, func() (string, error) {
			return upstream.NewURLBuilderFromRequest(req, false).BuildBlobUploadChunkURL(named, uploadID)
		}, want)
	})
	b.Run("ours", func(b *testing.B) {
		benchBuild(b, func() (string, error) {
			return regapi.NewURLBuilderFromRequest(req, false).BuildBlobUploadChunkURL(named, uploadID)
		}, want)
	})
}
