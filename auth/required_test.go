package auth

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/regapi/regapi"
)

// The access each request needs, written out from the distribution
// server's rule (GET and HEAD pull; POST, PUT and PATCH pull and push;
// DELETE delete; a mount also pull on its source; the catalog
// registry:catalog:*; the base nothing) and the OCI endpoint table.
func TestRequired(t *testing.T) {
	const dgst = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	tests := []struct {
		method, path, query string
		want                string // space-separated; "-" for nil
	}{
		{"GET", "/v2/", "", ""},
		{"HEAD", "/v2/", "", ""},
		{"GET", "/v2/_catalog", "", "registry:catalog:*"},
		{"GET", "/v2/_catalog", "n=10&last=a", "registry:catalog:*"},
		{"GET", "/v2/library/alpine/tags/list", "", "repository:library/alpine:pull"},
		{"HEAD", "/v2/library/alpine/tags/list", "", "repository:library/alpine:pull"},
		{"GET", "/v2/a/manifests/latest", "", "repository:a:pull"},
		{"HEAD", "/v2/a/manifests/" + dgst, "", "repository:a:pull"},
		{"PUT", "/v2/a/manifests/latest", "", "repository:a:pull,push"},
		{"PUT", "/v2/a/manifests/" + dgst, "tag=x&tag=y", "repository:a:pull,push"},
		{"DELETE", "/v2/a/manifests/" + dgst, "", "repository:a:delete"},
		{"DELETE", "/v2/a/manifests/latest", "", "repository:a:delete"},
		{"GET", "/v2/a/blobs/" + dgst, "", "repository:a:pull"},
		{"HEAD", "/v2/a/blobs/" + dgst, "", "repository:a:pull"},
		{"DELETE", "/v2/a/blobs/" + dgst, "", "repository:a:delete"},
		{"POST", "/v2/a/blobs/uploads/", "", "repository:a:pull,push"},
		{"POST", "/v2/a/blobs/uploads/", "digest=" + dgst, "repository:a:pull,push"},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst + "&from=library/b", "repository:a:pull,push repository:library/b:pull"},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst + "&from=a", "repository:a:pull,push"},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst + "&from=b&from=c", "repository:a:pull,push repository:b:pull repository:c:pull"},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst + "&from=Bad%20Name", "repository:a:pull,push"},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst + "&from=", "repository:a:pull,push"},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst + "&from=b:pull%20registry:catalog", "repository:a:pull,push"},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst + "&from=%7Bname%7D", "repository:a:pull,push"},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst, "repository:a:pull,push"},
		{"GET", "/v2/a/blobs/uploads/some-uuid", "", "repository:a:pull"},
		{"PATCH", "/v2/a/blobs/uploads/some-uuid", "", "repository:a:pull,push"},
		{"PUT", "/v2/a/blobs/uploads/some-uuid", "digest=" + dgst, "repository:a:pull,push"},
		{"DELETE", "/v2/a/blobs/uploads/some-uuid", "", "repository:a:delete"},
		{"GET", "/v2/a/referrers/" + dgst, "", "repository:a:pull"},
		{"GET", "/v2/a/referrers/" + dgst, "artifactType=x%2Fy", "repository:a:pull"},
		{"GET", "/v2/localhost:5000/team/app/manifests/v1", "", "repository:localhost:5000/team/app:pull"},

		{"POST", "/v2/a/manifests/latest", "", "-"},
		{"PUT", "/v2/", "", "-"},
		{"DELETE", "/v2/_catalog", "", "-"},
		{"PATCH", "/v2/a/blobs/" + dgst, "", "-"},
		{"OPTIONS", "/v2/a/tags/list", "", "-"},
	}
	for _, tt := range tests {
		m, ok := regapi.MatchPath(tt.path)
		if !ok {
			t.Fatalf("MatchPath(%q) matched nothing", tt.path)
		}
		q, err := url.ParseQuery(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		got := Required(tt.method, m, q)
		switch {
		case tt.want == "-":
			if got != nil {
				t.Errorf("%s %s?%s: Required = %v, want nil", tt.method, tt.path, tt.query, got)
			}
		case got == nil:
			t.Errorf("%s %s?%s: Required = nil, want %q", tt.method, tt.path, tt.query, tt.want)
		case scopeStrings(got) != tt.want:
			t.Errorf("%s %s?%s: Required = %q, want %q", tt.method, tt.path, tt.query, scopeStrings(got), tt.want)
		}
	}
	if got := Required("GET", regapi.PathMatch{Route: "nope"}, nil); got != nil {
		t.Errorf("an unknown route needs %v, want nil", got)
	}
	if got := Required("GET", regapi.PathMatch{}, nil); got != nil {
		t.Errorf("the zero PathMatch needs %v, want nil", got)
	}
}

// Every scope template of the table must turn into scopes: a template the
// grammar refused would silently make a request need less.
func TestRequiredCoversEveryTemplate(t *testing.T) {
	for _, rd := range regapi.Descriptors() {
		for _, md := range rd.Methods {
			for _, req := range md.Requests {
				if req.Scopes == nil {
					t.Errorf("%s %s %q lists no scopes", md.Method, rd.Name, req.Name)
				}
				for _, tpl := range req.Scopes {
					s := expandScope(tpl, "x/y", "z")
					if _, err := ParseScope(s); err != nil {
						t.Errorf("%s %s %q: template %q: %v", md.Method, rd.Name, req.Name, tpl, err)
					}
				}
			}
		}
	}
}

func TestRequiredBaseIsEmptyNotNil(t *testing.T) {
	got := Required(http.MethodGet, regapi.PathMatch{Route: regapi.RouteNameBase}, nil)
	if got == nil || len(got) != 0 {
		t.Errorf("Required(GET /v2/) = %#v, want an empty, non-nil slice", got)
	}
}

// TestRequiredForAgreesWithRequired checks that a request recognised first
// needs the same access as one recognised by Required itself, and that a
// match without a variant needs nothing.
func TestRequiredForAgreesWithRequired(t *testing.T) {
	m := regapi.PathMatch{Route: regapi.RouteNameBlobUpload, Name: "library/alpine"}
	q := url.Values{"mount": {"sha256:" + strings.Repeat("a", 64)}, "from": {"other/repo"}}
	rm, ok := regapi.MatchRequest(http.MethodPost, m, q, nil)
	if !ok {
		t.Fatal("no match")
	}
	got, want := RequiredFor(rm, q), Required(http.MethodPost, m, q)
	if len(got) != 2 || !reflect.DeepEqual(got, want) {
		t.Fatalf("RequiredFor = %v, Required = %v", got, want)
	}
	if got := RequiredFor(regapi.RequestMatch{}, nil); got != nil {
		t.Fatalf("RequiredFor of no variant = %v", got)
	}
}

// RequiredFor runs for every request a registry serves, so its cost is
// counted: the expansion of a template takes one string, and parsing and
// merging the scopes what they need, with nothing built per call to do the
// replacing. (A strings.Replacer per template took 23 and 46.)
func TestRequiredForAllocations(t *testing.T) {
	const dgst = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	tests := []struct {
		method, path, query string
		max                 float64
	}{
		{"GET", "/v2/library/alpine/manifests/latest", "", 12},
		{"POST", "/v2/a/blobs/uploads/", "mount=" + dgst + "&from=library/b", 24},
	}
	for _, tt := range tests {
		m, _ := regapi.MatchPath(tt.path)
		q, _ := url.ParseQuery(tt.query)
		rm, ok := regapi.MatchRequest(tt.method, m, q, nil)
		if !ok {
			t.Fatalf("%s %s?%s matched no request", tt.method, tt.path, tt.query)
		}
		got := testing.AllocsPerRun(100, func() { RequiredFor(rm, q) })
		if got > tt.max {
			t.Errorf("RequiredFor(%s %s?%s): %.0f allocations, want at most %.0f", tt.method, tt.path, tt.query, got, tt.max)
		}
	}
}

func TestExpandScope(t *testing.T) {
	tests := []struct {
		tpl, name, from, want string
	}{
		{"registry:catalog:*", "a", "b", "registry:catalog:*"},
		{"repository:{name}:pull", "library/alpine", "", "repository:library/alpine:pull"},
		{"repository:{from}:pull", "a", "b/c", "repository:b/c:pull"},
		{"{name} {from} {name}", "a", "b", "a b a"},
		// Values are not expanded again.
		{"repository:{name}:pull", "{from}", "x", "repository:{from}:pull"},
		{"repository:{from}:pull", "x", "{name}", "repository:{name}:pull"},
		// Braces that are no placeholder stay.
		{"{nam}{}{{name}}", "a", "b", "{nam}{}{a}"},
		{"{", "a", "b", "{"},
		{"x{name", "a", "b", "x{name"},
	}
	for _, tt := range tests {
		if got := expandScope(tt.tpl, tt.name, tt.from); got != tt.want {
			t.Errorf("expandScope(%q, %q, %q) = %q, want %q", tt.tpl, tt.name, tt.from, got, tt.want)
		}
	}
}
