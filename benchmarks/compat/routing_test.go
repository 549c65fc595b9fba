package compat

import (
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	upstream "github.com/distribution/distribution/v3/registry/api/v2"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi"
)

// referrersShape matches, for a prefix, the clean paths that only this
// module's referrers route serves: prefix, /v2/, a name, /referrers/, a
// digest, and nothing else but an optional final slash (which the strict
// slash redirect removes).
func referrersShape(prefix string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(strings.TrimSuffix(prefix, "/")) +
		"/v2/(" + reference.NameRegexp.String() + ")/referrers/(" + digest.DigestRegexp.String() + ")(/?)$")
}

func TestRoutingMatchesUpstream(t *testing.T) {
	for _, prefix := range RoutingPrefixes {
		t.Run("prefix="+prefix, func(t *testing.T) {
			// distribution's Router() is one shared router; handlers are set on
			// a router of this test's own.
			up := upstream.RouterWithPrefix(prefix)
			ours := regapi.RouterWithPrefix(prefix)
			upNames, ourNames := InstallEcho(up), InstallEcho(ours)
			sort.Strings(upNames)
			sort.Strings(ourNames)
			wantNames := append(append([]string(nil), upNames...), regapi.RouteNameReferrers)
			sort.Strings(wantNames)
			if !reflect.DeepEqual(ourNames, wantNames) {
				t.Fatalf("route names: ours %v, upstream %v plus referrers", ourNames, upNames)
			}

			shape := referrersShape(prefix)
			paths := RoutingPaths(prefix, LivePathMutations)
			if len(paths) < 2000 {
				t.Fatalf("only %d paths generated", len(paths))
			}
			var same, referrers, redirects int
			for i, p := range paths {
				method := RoutingMethod(i)
				want, err := Serve(up, method, p)
				if err != nil {
					t.Fatal(err)
				}
				got, err := Serve(ours, method, p)
				if err != nil {
					t.Fatal(err)
				}
				if reflect.DeepEqual(got, want) {
					same++
					if shape.MatchString(p) && !strings.HasSuffix(p, "/") && got.Route != regapi.RouteNameReferrers {
						// The request URI equals the path here; a path of the
						// referrers shape must reach the referrers route.
						if got.Status != http.StatusMovedPermanently {
							t.Errorf("%s: referrers-shaped path answered %+v by both", p, got)
						}
					}
					continue
				}
				// The one allowed difference: distribution has no referrers
				// route and answers 404 where ours serves it, or redirects to
				// it when the path has an extra final slash.
				u, err := url.ParseRequestURI(p)
				if err != nil {
					t.Fatal(err)
				}
				m := shape.FindStringSubmatch(u.Path)
				if want.Status != http.StatusNotFound || want.Matched || m == nil {
					t.Errorf("%s:\n ours     %+v\n upstream %+v", p, got, want)
					continue
				}
				name, dgst, slash := m[1], m[len(m)-2], m[len(m)-1]
				vars := map[string]string{"name": name, "digest": dgst}
				served := RouteAnswer{Method: want.Method, Path: p, Status: http.StatusOK, Route: regapi.RouteNameReferrers, Vars: vars,
					Matched: true, MatchRoute: regapi.RouteNameReferrers, MatchVars: vars}
				if slash == "" {
					if !reflect.DeepEqual(got, served) {
						t.Errorf("%s: ours %+v, want %+v", p, got, served)
					}
					referrers++
					continue
				}
				redirects++
				if !got.Matched || got.MatchRoute != regapi.RouteNameReferrers || !reflect.DeepEqual(got.MatchVars, vars) {
					t.Errorf("%s: Match reported %+v, want the referrers route", p, got)
				}
				loc, err := url.Parse(got.Location)
				if got.Status != http.StatusMovedPermanently || err != nil || loc.Path != strings.TrimSuffix(u.Path, "/") || loc.RawQuery != u.RawQuery {
					t.Errorf("%s: ours %+v, want a 301 to the path without its final slash", p, got)
					continue
				}
				followed, err := Serve(ours, method, got.Location)
				served.Path = got.Location
				followed.Matched, followed.MatchRoute, followed.MatchVars, followed.MatchError = served.Matched, served.MatchRoute, served.MatchVars, served.MatchError
				if err != nil || !reflect.DeepEqual(followed, served) {
					t.Errorf("%s: following %q gave %+v, want %+v", p, got.Location, followed, served)
				}
			}
			if referrers == 0 || redirects == 0 {
				t.Errorf("the referrers difference was not exercised: %d served, %d redirected", referrers, redirects)
			}
			t.Logf("prefix %q: %d paths, %d identical, %d referrers, %d referrers redirects", prefix, len(paths), same, referrers, redirects)
		})
	}
}

// TestRoutingEdgeCases pins a few answers of distribution's router that the
// generated paths also hold, so that a change in the generator cannot lose
// them silently.
func TestRoutingEdgeCases(t *testing.T) {
	up := upstream.RouterWithPrefix("")
	InstallEcho(up)
	tests := []RouteAnswer{
		{Path: "/v2/foo/bar/manifests/tags/list", Status: 200, Route: "tags", Vars: map[string]string{"name": "foo/bar/manifests"}},
		{Path: "/v2/foo/bar/manifests/manifests/tags", Status: 200, Route: "manifest", Vars: map[string]string{"name": "foo/bar/manifests", "reference": "tags"}},
		{Path: "/v2", Status: 301, Location: "/v2/"},
		{Path: "/v2/foo/blobs/uploads", Status: 301, Location: "/v2/foo/blobs/uploads/"},
		{Path: "/v2/foo/../bar/tags/list", Status: 301, Location: "/v2/bar/tags/list"},
		{Path: "/v2/Foo/tags/list", Status: 404},
	}
	for _, tt := range tests {
		got, err := Serve(up, "", tt.Path)
		if err != nil {
			t.Fatal(err)
		}
		got.Matched, got.MatchRoute, got.MatchVars, got.MatchError = false, "", nil, ""
		if !reflect.DeepEqual(got, tt) {
			t.Errorf("upstream %s: %+v, want %+v", tt.Path, got, tt)
		}
	}
}

// withReferrers returns the routes distribution's router shows plus the
// referrers route that ours adds last: the blob route with "referrers" in
// place of "blobs".
func withReferrers(t *testing.T, up []RouteInfo) []RouteInfo {
	out := append([]RouteInfo(nil), up...)
	for _, r := range up {
		if r.Name == regapi.RouteNameBlob {
			i, j := strings.LastIndex(r.Template, "/blobs/"), strings.LastIndex(r.Regexp, "/blobs/")
			r.Name = regapi.RouteNameReferrers
			r.Template = r.Template[:i] + "/referrers/" + r.Template[i+len("/blobs/"):]
			r.Regexp = r.Regexp[:j] + "/referrers/" + r.Regexp[j+len("/blobs/"):]
			return append(out, r)
		}
	}
	t.Fatal("upstream has no blob route")
	return nil
}

// TestRouterWalkMatchesUpstream compares what Router.Walk shows: code that
// lists the routes (for documentation, or to read their templates) must
// see the same routes, in the same order, with the same templates.
func TestRouterWalkMatchesUpstream(t *testing.T) {
	for _, prefix := range RoutingPrefixes {
		want := withReferrers(t, WalkRoutes(upstream.RouterWithPrefix(prefix)))
		got := WalkRoutes(regapi.RouterWithPrefix(prefix))
		if !reflect.DeepEqual(got, want) {
			t.Errorf("prefix %q: Walk shows\n%+v\nwant\n%+v", prefix, got, want)
		}
	}
	want := withReferrers(t, WalkRoutes(upstream.Router()))
	if got := WalkRoutes(regapi.Router()); !reflect.DeepEqual(got, want) {
		t.Errorf("Router(): Walk shows\n%+v\nwant\n%+v", got, want)
	}
}
