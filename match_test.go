package regapi

import (
	"fmt"
	"math/rand"
	"net/http"
	"net/http/httptest"
	"net/url"
	pathpkg "path"
	"reflect"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

const matchDigest = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"

// TestMatchPathTable checks MatchPath on the paths where the routes' order,
// the final slash, cleaning or the variable patterns decide. Expected values
// follow from the route table, mux's rules (first route wins, strict slash,
// cleaning) and the patterns of distribution/reference and go-digest.
func TestMatchPathTable(t *testing.T) {
	tag128 := strings.Repeat("t", 128)
	tests := []struct {
		path string
		want PathMatch // Route "" means no match
	}{
		{"/v2/", PathMatch{Route: RouteNameBase}},
		{"/v2", PathMatch{}}, // redirected to /v2/
		{"/v2/_catalog", PathMatch{Route: RouteNameCatalog}},
		{"/v2/_catalog/", PathMatch{}}, // redirected
		{"/v2/foo/tags/list", PathMatch{Route: RouteNameTags, Name: "foo"}},
		{"/v2/foo/tags/list/", PathMatch{}}, // redirected
		{"/v2/foo/manifests/latest", PathMatch{Route: RouteNameManifest, Name: "foo", Reference: "latest"}},
		{"/v2/foo/manifests/latest/", PathMatch{}},
		{"/v2/foo/manifests/" + matchDigest, PathMatch{Route: RouteNameManifest, Name: "foo", Reference: matchDigest}},
		{"/v2/foo/blobs/" + matchDigest, PathMatch{Route: RouteNameBlob, Name: "foo", Digest: matchDigest}},
		{"/v2/foo/blobs/latest", PathMatch{}},
		{"/v2/foo/blobs/uploads/", PathMatch{Route: RouteNameBlobUpload, Name: "foo"}},
		{"/v2/foo/blobs/uploads", PathMatch{}}, // redirected to the slash form
		{"/v2/foo/blobs/uploads/dGVzdA==", PathMatch{Route: RouteNameBlobUploadChunk, Name: "foo", UUID: "dGVzdA=="}},
		{"/v2/foo/blobs/uploads/dGVzdA==/", PathMatch{}},
		{"/v2/foo/blobs/uploads/...", PathMatch{Route: RouteNameBlobUploadChunk, Name: "foo", UUID: "..."}},
		{"/v2/foo/blobs/uploads/..", PathMatch{}}, // not clean
		{"/v2/foo/blobs/uploads/a:b", PathMatch{}},
		{"/v2/foo/referrers/" + matchDigest, PathMatch{Route: RouteNameReferrers, Name: "foo", Digest: matchDigest}},
		{"/v2/foo/referrers/latest", PathMatch{}},

		// The ambiguities: the first route in order wins.
		{"/v2/foo/bar/manifests/tags/list", PathMatch{Route: RouteNameTags, Name: "foo/bar/manifests"}},
		{"/v2/foo/bar/manifests/manifests/tags", PathMatch{Route: RouteNameManifest, Name: "foo/bar/manifests", Reference: "tags"}},
		{"/v2/foo/blobs/uploads/tags/list", PathMatch{Route: RouteNameTags, Name: "foo/blobs/uploads"}},
		{"/v2/foo/blobs/uploads/manifests/x", PathMatch{Route: RouteNameManifest, Name: "foo/blobs/uploads", Reference: "x"}},
		{"/v2/foo/manifests/blobs/" + matchDigest, PathMatch{Route: RouteNameBlob, Name: "foo/manifests", Digest: matchDigest}},
		{"/v2/foo/blobs/uploads/" + matchDigest, PathMatch{}}, // a digest is no upload id, and the name would end in /blobs/uploads
		{"/v2/foo/blobs/blobs/uploads/", PathMatch{Route: RouteNameBlobUpload, Name: "foo/blobs"}},
		{"/v2/v2/tags/list", PathMatch{Route: RouteNameTags, Name: "v2"}},
		{"/v2/tags/list", PathMatch{}},
		{"/v2/_catalog/tags/list", PathMatch{}},

		// Names: domains (upper case allowed), ports, IPv6, separators.
		{"/v2/localhost:5000/foo/tags/list", PathMatch{Route: RouteNameTags, Name: "localhost:5000/foo"}},
		{"/v2/Example.COM/foo/tags/list", PathMatch{Route: RouteNameTags, Name: "Example.COM/foo"}},
		{"/v2/Foo/tags/list", PathMatch{}}, // upper case only in a domain, which needs a path after it
		{"/v2/[::1]:5000/foo/manifests/v1", PathMatch{Route: RouteNameManifest, Name: "[::1]:5000/foo", Reference: "v1"}},
		{"/v2/[2001:DB8::1]/foo/tags/list", PathMatch{Route: RouteNameTags, Name: "[2001:DB8::1]/foo"}},
		{"/v2/[]/foo/tags/list", PathMatch{}},
		{"/v2/[g::1]/foo/tags/list", PathMatch{}},
		{"/v2/[::1]:/foo/tags/list", PathMatch{}},
		{"/v2/h:/foo/tags/list", PathMatch{}},
		{"/v2/h:5a/foo/tags/list", PathMatch{}},
		{"/v2/-h.com/foo/tags/list", PathMatch{}},
		{"/v2/h-.com/foo/tags/list", PathMatch{}},
		{"/v2/a-b.c-d/foo/tags/list", PathMatch{Route: RouteNameTags, Name: "a-b.c-d/foo"}},
		{"/v2/a__b/c--d/e.f/g_h/tags/list", PathMatch{Route: RouteNameTags, Name: "a__b/c--d/e.f/g_h"}},
		{"/v2/a___b/tags/list", PathMatch{}},
		{"/v2/a..b/tags/list", PathMatch{}},
		{"/v2/a._b/tags/list", PathMatch{}},
		{"/v2/a_-b/tags/list", PathMatch{}},
		{"/v2/a-/tags/list", PathMatch{}},
		{"/v2/foo/Bar/tags/list", PathMatch{}},
		{"/v2/foo%2Fbar/tags/list", PathMatch{}}, // MatchPath takes the decoded path

		// References: tags of up to 128 characters, go-digest digests.
		{"/v2/foo/manifests/" + tag128, PathMatch{Route: RouteNameManifest, Name: "foo", Reference: tag128}},
		{"/v2/foo/manifests/" + tag128 + "t", PathMatch{}},
		{"/v2/foo/manifests/_x", PathMatch{Route: RouteNameManifest, Name: "foo", Reference: "_x"}},
		{"/v2/foo/manifests/-x", PathMatch{}},
		{"/v2/foo/manifests/.x", PathMatch{}},
		{"/v2/foo/manifests/sha256+b64:YWJj=", PathMatch{Route: RouteNameManifest, Name: "foo", Reference: "sha256+b64:YWJj="}},
		{"/v2/foo/manifests/SHA256:abc", PathMatch{}},
		{"/v2/foo/blobs/a.b:x", PathMatch{Route: RouteNameBlob, Name: "foo", Digest: "a.b:x"}},
		{"/v2/foo/blobs/a..b:x", PathMatch{}},
		{"/v2/foo/blobs/a:b:c", PathMatch{}},
		{"/v2/foo/blobs/:x", PathMatch{}},
		{"/v2/foo/blobs/a:", PathMatch{}},

		// Paths the router cleans first.
		{"", PathMatch{}},
		{"v2/", PathMatch{}},
		{"//v2/", PathMatch{}},
		{"/v2//", PathMatch{}},
		{"/v2/./", PathMatch{}},
		{"/v2/.", PathMatch{}},
		{"/v2/foo//tags/list", PathMatch{}},
		{"/v2/foo/../bar/tags/list", PathMatch{}},
		{"/v2/foo/./tags/list", PathMatch{}},
		{"/", PathMatch{}},
	}
	for _, tt := range tests {
		got, ok := MatchPath(tt.path)
		if ok != (tt.want.Route != "") || got != tt.want {
			t.Errorf("MatchPath(%q) = %+v, %v; want %+v", tt.path, got, ok, tt.want)
		}
	}
}

func TestPathMatchVars(t *testing.T) {
	tests := []struct {
		m    PathMatch
		want map[string]string
	}{
		{PathMatch{Route: RouteNameBase}, map[string]string{}},
		{PathMatch{Route: RouteNameCatalog}, map[string]string{}},
		{PathMatch{Route: RouteNameTags, Name: "a"}, map[string]string{"name": "a"}},
		{PathMatch{Route: RouteNameBlobUpload, Name: "a"}, map[string]string{"name": "a"}},
		{PathMatch{Route: RouteNameManifest, Name: "a", Reference: "r"}, map[string]string{"name": "a", "reference": "r"}},
		{PathMatch{Route: RouteNameBlob, Name: "a", Digest: "d"}, map[string]string{"name": "a", "digest": "d"}},
		{PathMatch{Route: RouteNameReferrers, Name: "a", Digest: "d"}, map[string]string{"name": "a", "digest": "d"}},
		{PathMatch{Route: RouteNameBlobUploadChunk, Name: "a", UUID: "u"}, map[string]string{"name": "a", "uuid": "u"}},
	}
	for _, tt := range tests {
		got := tt.m.Vars()
		if got == nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%+v.Vars() = %#v, want %#v", tt.m, got, tt.want)
		}
	}
}

// TestMatchOrderFollowsDescriptors checks that MatchPath tries the routes in
// the router's order and knows which templates end with a slash.
func TestMatchOrderFollowsDescriptors(t *testing.T) {
	if len(matchOrder()) != len(routeTable()) {
		t.Fatalf("%d matchers for %d routes", len(matchOrder()), len(routeTable()))
	}
	for i, d := range routeTable() {
		if m := matchOrder()[i]; m.name != d.Name || m.endSlash != strings.HasSuffix(d.Path, "/") {
			t.Errorf("matcher %d is %+v, route is %s %s", i, m, d.Name, d.Path)
		}
	}
}

// TestIsCleanPath compares isCleanPath with the cleaning mux's ServeHTTP
// does before routing (path.Clean, keeping a final slash, "/" for the
// empty path) on every string of up to seven bytes over "/", "." and "a".
func TestIsCleanPath(t *testing.T) {
	clean := func(p string) string {
		if p == "" {
			return "/"
		}
		if p[0] != '/' {
			p = "/" + p
		}
		np := pathpkg.Clean(p)
		if p[len(p)-1] == '/' && np != "/" {
			np += "/"
		}
		return np
	}
	var walk func(p string)
	walk = func(p string) {
		if got, want := isCleanPath(p), clean(p) == p; got != want {
			t.Errorf("isCleanPath(%q) = %v, cleaning gives %q", p, got, clean(p))
		}
		if len(p) < 7 {
			for _, c := range []string{"/", ".", "a"} {
				walk(p + c)
			}
		}
	}
	walk("")
}

// Path generation for the comparisons with the router.
var (
	genNames = []string{
		"foo", "foo/bar", "a/b/c/d/e/f/g/h", "library/ubuntu", "localhost:5000/foo", "Example.COM/a", "[::1]:5000/x", "[2001:db8::1]/y",
		"a__b/c--d", "foo/manifests", "foo/tags", "foo/tags/list", "foo/blobs", "foo/blobs/uploads", "foo/referrers", "v2", "_catalog",
		"Foo", "a___b", "-a", "a/", "", "a//b", "a/./b", "a/../b", "foo%2Fbar", "h:/x", "[]/x", "ü",
	}
	genRefs = []string{
		"latest", "v1.0", "_x", "tags", "list", "manifests", "uploads", matchDigest, "sha256+b64:YWJj=", "a.b:x",
		strings.Repeat("t", 128), strings.Repeat("t", 129), "-x", ".x", "..", ".", "...", "a=b", "a:b:c", "SHA256:x", "dGVzdA==", "é", "",
	}
	genTails = []func(name, v string) string{
		func(string, string) string { return "/v2/" },
		func(string, string) string { return "/v2" },
		func(string, string) string { return "/v2/_catalog" },
		func(n, _ string) string { return "/v2/" + n + "/tags/list" },
		func(n, v string) string { return "/v2/" + n + "/manifests/" + v },
		func(n, v string) string { return "/v2/" + n + "/blobs/" + v },
		func(n, _ string) string { return "/v2/" + n + "/blobs/uploads/" },
		func(n, v string) string { return "/v2/" + n + "/blobs/uploads/" + v },
		func(n, v string) string { return "/v2/" + n + "/referrers/" + v },
		func(n, v string) string { return "/v2/" + n + "/" + v },
		func(n, v string) string { return "/" + n + "/v2/" + v },
	}
)

// genPath returns a request path: a route's shape with a name and a
// variable, sometimes with a final slash added or removed, or with an
// unclean or foreign piece put in.
func genPath(rng *rand.Rand) string {
	name, v := genNames[rng.Intn(len(genNames))], genRefs[rng.Intn(len(genRefs))]
	p := genTails[rng.Intn(len(genTails))](name, v)
	switch rng.Intn(10) {
	case 0:
		p += "/"
	case 1:
		p = strings.TrimSuffix(p, "/")
	case 2:
		pieces := []string{"/", "/.", "/..", "//", "x", ":", "%2F", "\x00"}
		i := rng.Intn(len(p) + 1)
		p = p[:i] + pieces[rng.Intn(len(pieces))] + p[i:]
	}
	return p
}

// echoRouter is router with every named route answering 200 with its name
// and variables.
func echoRouter(router *mux.Router) *mux.Router {
	for _, d := range routeTable() {
		name := d.Name
		router.Get(name).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "%s %v", name, mux.Vars(r))
		})
	}
	return router
}

// plainRouterWithPrefix builds the routes as distribution builds them: no
// filter before each route's regexp.
func plainRouterWithPrefix(prefix string) *mux.Router {
	root := mux.NewRouter()
	router := root
	if prefix != "" {
		router = root.PathPrefix(prefix).Subrouter()
	}
	router.StrictSlash(true)
	for _, d := range routeTable() {
		router.Path(d.Path).Name(d.Name)
	}
	return root
}

// routerAnswer is what a router does with a GET of path: the HTTP answer
// through ServeHTTP, and what Router.Match (which does not clean) reports.
type routerAnswer struct {
	Status     int
	Location   string
	Body       string
	Matched    bool
	MatchRoute string
	MatchVars  map[string]string
	MatchErr   error
	Redirect   bool // Match found a handler on a route without one: the redirect
	Panic      string
}

func answer(router *mux.Router, path string) (a routerAnswer) {
	defer func() {
		if e := recover(); e != nil {
			a = routerAnswer{Panic: fmt.Sprint(e)}
		}
	}()
	req := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path, RawQuery: "q=1"}, Header: http.Header{}, Host: "r.example.com"}
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)
	a.Status, a.Location, a.Body = rec.Code, rec.Header().Get("Location"), rec.Body.String()
	var m mux.RouteMatch
	a.Matched = router.Match(req, &m)
	if m.Route != nil {
		a.MatchRoute = m.Route.GetName()
	}
	a.MatchVars, a.MatchErr, a.Redirect = m.Vars, m.MatchErr, m.Handler != nil
	return a
}

// checkMatchPath compares MatchPath(path) with what router (an echoRouter
// of Router()) answers.
func checkMatchPath(t *testing.T, router *mux.Router, path string) {
	t.Helper()
	a := answer(router, path)
	m, ok := MatchPath(path)
	if ok != (a.Status == http.StatusOK) {
		t.Fatalf("MatchPath(%q) = %+v, %v; router answers %+v", path, m, ok, a)
	}
	if ok {
		if body := fmt.Sprintf("%s %v", m.Route, m.Vars()); body != a.Body {
			t.Fatalf("MatchPath(%q) = %+v, router served %q", path, m, a.Body)
		}
	}
}

// TestMatchPathAgreesWithRouter compares MatchPath with the router on
// generated paths.
func TestMatchPathAgreesWithRouter(t *testing.T) {
	router := echoRouter(Router())
	rng := rand.New(rand.NewSource(1))
	served := 0
	for i := 0; i < 6000; i++ {
		p := genPath(rng)
		checkMatchPath(t, router, p)
		if _, ok := MatchPath(p); ok {
			served++
		}
	}
	if served < 1000 {
		t.Errorf("only %d of the generated paths are served", served)
	}
}

// FuzzMatchPath compares MatchPath with the router on any path.
func FuzzMatchPath(f *testing.F) {
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 50; i++ {
		f.Add(genPath(rng))
	}
	router := echoRouter(Router())
	f.Fuzz(func(t *testing.T, path string) {
		checkMatchPath(t, router, path)
	})
}

// TestRouterAgreesWithPlainRouter checks that the filters put before the
// routes' regexps change nothing: with and without a prefix, through
// ServeHTTP and Router.Match, for generated paths with and without the
// prefix.
func TestRouterAgreesWithPlainRouter(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	paths := make([]string, 1500)
	for i := range paths {
		paths[i] = genPath(rng)
	}
	for _, prefix := range []string{"", "/", "/registry", "/prefix/", "/a.b+c", "/{tenant}", "noslash"} {
		ours, plain := echoRouter(RouterWithPrefix(prefix)), echoRouter(plainRouterWithPrefix(prefix))
		for _, p := range paths {
			for _, full := range []string{p, strings.TrimRight(prefix, "/") + p, "/registryx" + p, "/t1" + p} {
				if got, want := answer(ours, full), answer(plain, full); !reflect.DeepEqual(got, want) {
					t.Fatalf("prefix %q path %q:\n got  %+v\n want %+v", prefix, full, got, want)
				}
			}
		}
	}
}

// TestRouterKeepsChangedRoutes checks that matchers added to the routes
// after Router returns still apply: the filters run first, not instead.
func TestRouterKeepsChangedRoutes(t *testing.T) {
	change := func(r *mux.Router) *mux.Router {
		r.Get(RouteNameManifest).Methods(http.MethodPut)
		r.Get(RouteNameBlob).BuildOnly()
		r.Get(RouteNameTags).Headers("X-Test", "1")
		return r
	}
	ours, plain := change(echoRouter(Router())), change(echoRouter(plainRouterWithPrefix("")))
	rng := rand.New(rand.NewSource(4))
	for i := 0; i < 1000; i++ {
		p := genPath(rng)
		if got, want := answer(ours, p), answer(plain, p); !reflect.DeepEqual(got, want) {
			t.Fatalf("path %q:\n got  %+v\n want %+v", p, got, want)
		}
	}
}
