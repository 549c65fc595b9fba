package regapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/distribution/reference"
	"github.com/gorilla/mux"
	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/internal/routeshape"
)

// upRoute is one recorded answer of distribution's router (see
// testdata/upstream, written by benchmarks/cmd/record-upstream).
// The Match fields are what Router.Match, which does not clean the path,
// reports for the same request.
type upRoute struct {
	Method     string            `json:"method,omitempty"`
	Path       string            `json:"path"`
	Status     int               `json:"status"`
	Location   string            `json:"location,omitempty"`
	Route      string            `json:"route,omitempty"`
	Vars       map[string]string `json:"vars,omitempty"`
	Matched    bool              `json:"matched,omitempty"`
	MatchRoute string            `json:"match_route,omitempty"`
	MatchVars  map[string]string `json:"match_vars,omitempty"`
	MatchError string            `json:"match_error,omitempty"`
}

// upReadJSON decodes a recorded file of testdata/upstream into v.
func upReadJSON(t *testing.T, dir, name string, v any) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "testdata", "upstream", name))
	if err != nil {
		t.Fatalf("reading the recording of distribution's answers: %v", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
}

// upEchoRouter returns a router made with prefix whose every named route
// answers 200 with its name and path variables.
func upEchoRouter(t *testing.T, prefix string) *mux.Router {
	t.Helper()
	router := RouterWithPrefix(prefix)
	err := router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		name := route.GetName()
		if name == "" {
			return nil
		}
		route.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = json.NewEncoder(w).Encode(upRoute{Route: name, Vars: mux.Vars(r)})
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return router
}

// upServe sends a method request (GET when empty) for target to router,
// building the request as a server does after reading the request line,
// and reports the answer and what router.Match says of the same request.
func upServe(t *testing.T, router *mux.Router, method, target string) upRoute {
	t.Helper()
	u, err := url.ParseRequestURI(target)
	if err != nil {
		t.Fatalf("%q: %v", target, err)
	}
	if method == "" {
		method = http.MethodGet
	}
	req := &http.Request{Method: method, URL: u, RequestURI: target, Proto: "HTTP/1.1",
		ProtoMajor: 1, ProtoMinor: 1, Header: http.Header{}, Host: "registry.example.com"}
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)
	got := upRoute{Path: target, Status: rec.Code, Location: rec.Header().Get("Location")}
	if method != http.MethodGet {
		got.Method = method
	}
	var m mux.RouteMatch
	got.Matched = router.Match(req.Clone(req.Context()), &m)
	got.MatchError = upErrText(m.MatchErr)
	if got.Matched && m.Route != nil {
		got.MatchRoute = m.Route.GetName()
		if len(m.Vars) > 0 {
			got.MatchVars = m.Vars
		}
	}
	if rec.Code == http.StatusOK {
		var body upRoute
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s: echo body %q: %v", target, rec.Body.String(), err)
		}
		got.Route = body.Route
		if len(body.Vars) > 0 {
			got.Vars = body.Vars
		}
	}
	return got
}

// upReferrersShape matches the decoded paths, below prefix, of the
// referrers route, which distribution lacks: a name, /referrers/, a digest,
// and an optional final slash.
func upReferrersShape(prefix string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(strings.TrimSuffix(prefix, "/")) +
		"/v2/(" + reference.NameRegexp.String() + ")/referrers/(" + digest.DigestRegexp.String() + ")(/?)$")
}

// TestRoutingMatchesRecordedUpstream replays the recorded paths of every
// prefix: each answer (status, Location, route name and variables) must be
// distribution's, except that paths of the referrers route are served (or
// redirected to it) where distribution answers 404.
func TestRoutingMatchesRecordedUpstream(t *testing.T) {
	files := map[string]string{
		"":          "routing-noprefix.json",
		"/prefix/":  "routing-prefix-slash.json",
		"/registry": "routing-prefix-noslash.json",
	}
	for prefix, file := range files {
		t.Run(file, func(t *testing.T) {
			var rec struct {
				Prefix  string    `json:"prefix"`
				Answers []upRoute `json:"answers"`
			}
			upReadJSON(t, ".", file, &rec)
			if rec.Prefix != prefix || len(rec.Answers) < 1000 {
				t.Fatalf("recording for prefix %q has %d answers", rec.Prefix, len(rec.Answers))
			}
			router := upEchoRouter(t, prefix)
			shape := upReferrersShape(prefix)
			var referrers int
			for _, want := range rec.Answers {
				got := upServe(t, router, want.Method, want.Path)
				if reflect.DeepEqual(got, want) {
					continue
				}
				u, _ := url.ParseRequestURI(want.Path)
				m := shape.FindStringSubmatch(u.Path)
				if want.Status != http.StatusNotFound || want.Matched || m == nil {
					t.Errorf("%s:\n got      %+v\n upstream %+v", want.Path, got, want)
					continue
				}
				referrers++
				vars := map[string]string{"name": m[1], "digest": m[len(m)-2]}
				served := upRoute{Method: want.Method, Path: want.Path, Status: http.StatusOK, Route: RouteNameReferrers, Vars: vars,
					Matched: true, MatchRoute: RouteNameReferrers, MatchVars: vars}
				if m[len(m)-1] == "" {
					if !reflect.DeepEqual(got, served) {
						t.Errorf("%s: got %+v, want %+v", want.Path, got, served)
					}
					continue
				}
				if !got.Matched || got.MatchRoute != RouteNameReferrers || !reflect.DeepEqual(got.MatchVars, vars) {
					t.Errorf("%s: Match reported %+v, want the referrers route", want.Path, got)
				}
				loc, err := url.Parse(got.Location)
				if got.Status != http.StatusMovedPermanently || err != nil ||
					loc.Path != strings.TrimSuffix(u.Path, "/") || loc.RawQuery != u.RawQuery {
					t.Errorf("%s: got %+v, want 301 to the path without its final slash", want.Path, got)
				}
			}
			if referrers == 0 {
				t.Error("no path of the recording reached the referrers route")
			}
		})
	}
}

func TestRoutingEdgeCases(t *testing.T) {
	const (
		sha256Digest = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
		uploadID     = "dGVzdA=="
	)
	vars := func(kv ...string) map[string]string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	tests := []struct {
		prefix string
		want   upRoute
	}{
		// The first route that matches wins: tags is tried before manifest.
		{"", upRoute{Path: "/v2/foo/bar/manifests/tags/list", Status: 200, Route: RouteNameTags, Vars: vars("name", "foo/bar/manifests")}},
		{"", upRoute{Path: "/v2/foo/bar/manifests/manifests/tags", Status: 200, Route: RouteNameManifest, Vars: vars("name", "foo/bar/manifests", "reference", "tags")}},
		{"", upRoute{Path: "/v2/tags/tags/list", Status: 200, Route: RouteNameTags, Vars: vars("name", "tags")}},
		{"", upRoute{Path: "/v2/foo/blobs/uploads/manifests/latest", Status: 200, Route: RouteNameManifest, Vars: vars("name", "foo/blobs/uploads", "reference", "latest")}},
		{"", upRoute{Path: "/v2/foo/blobs/uploads/", Status: 200, Route: RouteNameBlobUpload, Vars: vars("name", "foo")}},
		{"", upRoute{Path: "/v2/foo/blobs/uploads/" + uploadID, Status: 200, Route: RouteNameBlobUploadChunk, Vars: vars("name", "foo", "uuid", uploadID)}},
		{"", upRoute{Path: "/v2/localhost:5000/foo/manifests/" + sha256Digest, Status: 200, Route: RouteNameManifest, Vars: vars("name", "localhost:5000/foo", "reference", sha256Digest)}},
		{"", upRoute{Path: "/v2/[::1]:5000/foo/blobs/" + sha256Digest, Status: 200, Route: RouteNameBlob, Vars: vars("name", "[::1]:5000/foo", "digest", sha256Digest)}},
		{"", upRoute{Path: "/v2/Example.COM/foo/tags/list", Status: 200, Route: RouteNameTags, Vars: vars("name", "Example.COM/foo")}},
		{"", upRoute{Path: "/v2/_catalog", Status: 200, Route: RouteNameCatalog}},
		{"", upRoute{Path: "/v2/", Status: 200, Route: RouteNameBase}},
		// The referrers route, which distribution does not have.
		{"", upRoute{Path: "/v2/foo/bar/referrers/" + sha256Digest, Status: 200, Route: RouteNameReferrers, Vars: vars("name", "foo/bar", "digest", sha256Digest)}},
		{"/registry", upRoute{Path: "/registry/v2/foo/referrers/" + sha256Digest, Status: 200, Route: RouteNameReferrers, Vars: vars("name", "foo", "digest", sha256Digest)}},
		{"", upRoute{Path: "/v2/foo/referrers/" + sha256Digest + "/", Status: 301, Location: "/v2/foo/referrers/" + sha256Digest}},
		{"", upRoute{Path: "/v2/foo/referrers/latest", Status: 404}},
		// Strict slash: a missing or extra final slash is redirected.
		{"", upRoute{Path: "/v2", Status: 301, Location: "/v2/"}},
		{"", upRoute{Path: "/v2/foo/blobs/uploads", Status: 301, Location: "/v2/foo/blobs/uploads/"}},
		{"", upRoute{Path: "/v2/foo/tags/list/", Status: 301, Location: "/v2/foo/tags/list"}},
		{"", upRoute{Path: "/v2/_catalog/", Status: 301, Location: "/v2/_catalog"}},
		{"", upRoute{Path: "/v2/foo/blobs/uploads?digest=x", Status: 301, Location: "/v2/foo/blobs/uploads/?digest=x"}},
		{"/prefix/", upRoute{Path: "/prefix/v2", Status: 301, Location: "/prefix/v2/"}},
		// Unclean paths are redirected to their clean form before matching.
		{"", upRoute{Path: "/v2/foo/../bar/tags/list", Status: 301, Location: "/v2/bar/tags/list"}},
		{"", upRoute{Path: "/v2/foo/./tags/list", Status: 301, Location: "/v2/foo/tags/list"}},
		{"", upRoute{Path: "/v2//foo/tags/list", Status: 301, Location: "/v2/foo/tags/list"}},
		{"", upRoute{Path: "/v2/../../etc/passwd", Status: 301, Location: "/etc/passwd"}},
		{"", upRoute{Path: "/v2/foo/%2E%2E/tags/list", Status: 301, Location: "/v2/tags/list"}},
		{"", upRoute{Path: "/v2/foo/tags/list/..", Status: 301, Location: "/v2/foo/tags"}},
		// Characters the name, reference, digest or id patterns refuse.
		{"", upRoute{Path: "/v2/Foo/tags/list", Status: 404}},
		{"", upRoute{Path: "/v2/foo%20bar/tags/list", Status: 404}},
		{"", upRoute{Path: "/v2/f\u00f8o/tags/list", Status: 404}},
		{"", upRoute{Path: "/v2/-foo/tags/list", Status: 404}},
		{"", upRoute{Path: "/v2/foo/manifests/.hidden", Status: 404}},
		{"", upRoute{Path: "/v2/foo/manifests/SHA256:abc", Status: 404}},
		{"", upRoute{Path: "/v2/foo/blobs/latest", Status: 404}},
		{"", upRoute{Path: "/v2/foo/blobs/uploads/a+b", Status: 404}},
		{"", upRoute{Path: "/v2/foo/tags", Status: 404}},
		{"", upRoute{Path: "/v1/", Status: 404}},
		{"/registry", upRoute{Path: "/v2/", Status: 404}},
		{"/registry", upRoute{Path: "/registryv2/", Status: 404}},
		// Percent-escapes are decoded before matching.
		{"", upRoute{Path: "/v2/%66oo/tags/list", Status: 200, Route: RouteNameTags, Vars: vars("name", "foo")}},
		{"", upRoute{Path: "/v2/foo%2Fbar/tags/list", Status: 200, Route: RouteNameTags, Vars: vars("name", "foo/bar")}},
		{"", upRoute{Path: "/v2/foo/blobs/uploads/a%3Db", Status: 200, Route: RouteNameBlobUploadChunk, Vars: vars("name", "foo", "uuid", "a=b")}},
	}
	routers := map[string]*mux.Router{}
	for _, tt := range tests {
		router, ok := routers[tt.prefix]
		if !ok {
			router = upEchoRouter(t, tt.prefix)
			routers[tt.prefix] = router
		}
		got := upServe(t, router, "", tt.want.Path)
		// The recorded comparison covers Match; this table is about serving.
		got.Matched, got.MatchRoute, got.MatchVars, got.MatchError = false, "", nil, ""
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("prefix %q %s:\n got  %+v\n want %+v", tt.prefix, tt.want.Path, got, tt.want)
		}
	}
}

// upRouteInfo is what Router.Walk shows of one route.
type upRouteInfo struct {
	Name          string `json:"name,omitempty"`
	Template      string `json:"template,omitempty"`
	TemplateError string `json:"template_error,omitempty"`
	Regexp        string `json:"regexp,omitempty"`
	RegexpError   string `json:"regexp_error,omitempty"`
}

func upWalk(router *mux.Router) []upRouteInfo {
	var out []upRouteInfo
	_ = router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		info := upRouteInfo{Name: route.GetName()}
		tpl, err := route.GetPathTemplate()
		info.Template, info.TemplateError = tpl, upErrText(err)
		re, err := route.GetPathRegexp()
		info.Regexp, info.RegexpError = re, upErrText(err)
		out = append(out, info)
		return nil
	})
	return out
}

// TestRouterWalkMatchesRecordedUpstream checks what Router.Walk shows, on
// which code listing the routes relies (a walk function that returns the
// error of GetPathTemplate stops at a route without a path): distribution's
// routes in the same order with the same templates and regexps, followed by
// the referrers route, which is the blob route with "referrers" in place of
// "blobs".
func TestRouterWalkMatchesRecordedUpstream(t *testing.T) {
	files := map[string]string{
		"":          "routing-noprefix.json",
		"/prefix/":  "routing-prefix-slash.json",
		"/registry": "routing-prefix-noslash.json",
	}
	for prefix, file := range files {
		var rec struct {
			Routes []upRouteInfo `json:"routes"`
		}
		upReadJSON(t, ".", file, &rec)
		want := append([]upRouteInfo(nil), rec.Routes...)
		for _, r := range rec.Routes {
			if r.Name == RouteNameBlob {
				i, j := strings.LastIndex(r.Template, "/blobs/"), strings.LastIndex(r.Regexp, "/blobs/")
				r.Name = RouteNameReferrers
				r.Template = r.Template[:i] + "/referrers/" + r.Template[i+len("/blobs/"):]
				r.Regexp = r.Regexp[:j] + "/referrers/" + r.Regexp[j+len("/blobs/"):]
				want = append(want, r)
			}
		}
		if len(want) != len(rec.Routes)+1 {
			t.Fatalf("%s: no blob route recorded", file)
		}
		got := upWalk(RouterWithPrefix(prefix))
		if prefix == "" {
			if viaRouter := upWalk(Router()); !reflect.DeepEqual(viaRouter, got) {
				t.Errorf("Router() and RouterWithPrefix(\"\") differ:\n%+v\n%+v", viaRouter, got)
			}
		}
		if !reflect.DeepEqual(got, want) {
			for i := 0; i < len(got) || i < len(want); i++ {
				var g, w upRouteInfo
				if i < len(got) {
					g = got[i]
				}
				if i < len(want) {
					w = want[i]
				}
				if g != w {
					t.Errorf("prefix %q: Walk route %d is %+v, want %+v", prefix, i, g, w)
					break
				}
			}
		}
	}
	sorted := []string{}
	for _, r := range upWalk(Router()) {
		sorted = append(sorted, r.Name)
	}
	sort.Strings(sorted)
	if want := []string{"base", "blob", "blob-upload", "blob-upload-chunk", "catalog", "manifest", "referrers", "tags"}; !reflect.DeepEqual(sorted, want) {
		t.Errorf("route names %v, want %v", sorted, want)
	}
}

// TestRouterIsFresh checks that every call returns a router of its own:
// distribution's Router returns one shared router, so a handler set by one
// caller would appear in every other's.
func TestRouterIsFresh(t *testing.T) {
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusTeapot) })
	for _, prefix := range []string{"", "/registry"} {
		first := RouterWithPrefix(prefix)
		if prefix == "" {
			first = Router()
		}
		first.Get(RouteNameBase).Handler(ok)
		second := RouterWithPrefix(prefix)
		if prefix == "" {
			second = Router()
		}
		if first == second {
			t.Fatalf("prefix %q: two calls returned the same router", prefix)
		}
		if h := second.Get(RouteNameBase).GetHandler(); h != nil {
			t.Errorf("prefix %q: a handler set on one router appears on another", prefix)
		}
		target := strings.TrimSuffix(prefix, "/") + "/v2/"
		if got := upServe(t, first, "", target).Status; got != http.StatusTeapot {
			t.Errorf("prefix %q: router with handler answered %d", prefix, got)
		}
		if got := upServe(t, second, "", target).Status; got != http.StatusNotFound {
			t.Errorf("prefix %q: router without handler answered %d, want 404", prefix, got)
		}
	}
}

// TestRouterConcurrentUse builds and uses routers from several goroutines;
// run with -race it finds state shared between routers.
func TestRouterConcurrentUse(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			router := Router()
			router.Get(RouteNameTags).HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				w.WriteHeader(200 + i)
			})
			rec := httptest.NewRecorder()
			router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v2/foo/tags/list", nil))
			if rec.Code != 200+i {
				t.Errorf("goroutine %d: status %d", i, rec.Code)
			}
		}(i)
	}
	wg.Wait()
}

// TestEveryRouteHasAShape checks that every route gets the filter in front of
// its regexp and a matcher in MatchPath.
func TestEveryRouteHasAShape(t *testing.T) {
	for _, d := range routeTable() {
		if _, ok := routeshape.Of(d.Template()); !ok {
			t.Errorf("route %s (%s): no shape, so no filter before its regexp", d.Name, d.Template())
		}
	}
}
