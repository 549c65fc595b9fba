package registrytest

import (
	"bytes"
	"log"
	"net/http"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestNames(t *testing.T) {
	reg := New(Options{})
	d := digest.FromString("x").String()
	long255 := strings.Repeat("a", 127) + "/" + strings.Repeat("b", 127) // 255 characters
	long256 := long255 + "c"

	tests := []struct {
		name   string
		path   string
		status int
		code   string
	}{
		// Valid names reach their handler.
		{"simple", "/v2/library/alpine/tags/list", http.StatusNotFound, "NAME_UNKNOWN"},
		{"separators", "/v2/a.b_c__d--e/f/tags/list", http.StatusNotFound, "NAME_UNKNOWN"},
		{"255 characters", "/v2/" + long255 + "/tags/list", http.StatusNotFound, "NAME_UNKNOWN"},
		// Invalid ones are NAME_INVALID on every endpoint, routed or not.
		{"256 characters tags", "/v2/" + long256 + "/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters manifest", "/v2/" + long256 + "/manifests/latest", http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters blob", "/v2/" + long256 + "/blobs/" + d, http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters upload", "/v2/" + long256 + "/blobs/uploads/", http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters session", "/v2/" + long256 + "/blobs/uploads/abc", http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters referrers", "/v2/" + long256 + "/referrers/" + d, http.StatusBadRequest, "NAME_INVALID"},
		{"very long", "/v2/" + strings.Repeat("abcdefgh/", 200) + "x/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"upper case component", "/v2/Library/alpine/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"upper case single component", "/v2/UPPER/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"domain and port", "/v2/localhost:5000/alpine/manifests/latest", http.StatusBadRequest, "NAME_INVALID"},
		{"leading separator", "/v2/-a/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"trailing separator", "/v2/a-/blobs/" + d, http.StatusBadRequest, "NAME_INVALID"},
		{"triple underscore", "/v2/a___b/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"percent", "/v2/a%25b/tags/list", http.StatusBadRequest, "NAME_INVALID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, reg, call{method: "GET", path: tc.path, status: tc.status, code: tc.code})
		})
	}
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	reg := New(Options{Logger: log.New(&buf, "", 0)})
	run(t, reg, call{method: "GET", path: "/v2/", status: http.StatusOK})
	run(t, reg, call{method: "GET", path: "/v2/x/tags/list?n=1", status: http.StatusNotFound})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want 2: %q", len(lines), buf.String())
	}
	for i, want := range []string{"GET /v2/ 200 2 ", "GET /v2/x/tags/list?n=1 404 "} {
		if !strings.Contains(lines[i], want) {
			t.Fatalf("line %q lacks %q", lines[i], want)
		}
	}
}

// TestRouterAgrees checks that the router kept for the requests MatchPath
// refuses would answer every request as the registry does.
func TestRouterAgrees(t *testing.T) {
	d := digest.FromString("agree")
	requests := []struct{ method, path string }{
		{"GET", "/v2/"},
		{"GET", "/v2/_catalog?n=1"},
		{"GET", "/v2/a/tags/list"},
		{"GET", "/v2/a/manifests/t"},
		{"HEAD", "/v2/a/manifests/missing"},
		{"GET", "/v2/a/blobs/" + d.String()},
		{"DELETE", "/v2/a/blobs/" + d.String()},
		{"GET", "/v2/a/referrers/" + d.String()},
		{"GET", "/v2/a/blobs/uploads/unknown"},
		{"GET", "/v2/A/tags/list"},
		{"GET", "/v2/a//tags/list"},
		{"GET", "/v2/a/blobs/uploads"},
		{"GET", "/v2/a/manifests/tags/list"},
		{"GET", "/nothing"},
	}
	for _, req := range requests {
		t.Run(req.method+" "+req.path, func(t *testing.T) {
			full, viaRouter := New(Options{}), New(Options{})
			for _, reg := range []*Registry{full, viaRouter} {
				pushBlob(t, reg, "a", []byte("agree"))
				pushManifest(t, reg, "a", "t", "application/vnd.oci.image.manifest.v1+json", []byte(`{"schemaVersion":2}`))
			}
			got := serve(t, full, req.method, req.path, nil, nil)
			want := serve(t, viaRouter.router, req.method, req.path, nil, nil)
			if got.status != want.status || !bytes.Equal(got.body, want.body) || got.header.Get("Location") != want.header.Get("Location") {
				t.Fatalf("registry answered %d %q %q, router %d %q %q", got.status, got.header.Get("Location"), got.body,
					want.status, want.header.Get("Location"), want.body)
			}
		})
	}
}
