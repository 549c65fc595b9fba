package registrytest

import (
	"bytes"
	"log"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"
)

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

// TestAPITableShared checks that registries share the table they derive
// from the descriptors, made once, and that a program changing
// regapi.APIDescriptor changes nothing of it.
func TestAPITableShared(t *testing.T) {
	routes := regapi.APIDescriptor.RouteDescriptors
	changed := slices.Clone(routes)
	for i := range changed {
		changed[i].Methods = nil
	}
	regapi.APIDescriptor.RouteDescriptors = changed
	defer func() { regapi.APIDescriptor.RouteDescriptors = routes }()
	reg := New(Options{})
	run(t, reg, call{method: "PATCH", path: "/v2/a/blobs/" + digest.FromString("x").String(), status: http.StatusMethodNotAllowed,
		headers: map[string]string{"Allow": "GET, HEAD, DELETE"}})
}

// TestNewBuildsNoRouter checks that making a registry builds neither a
// router nor a table of the descriptors, which registries share: New
// allocates a dozen times, not thousands.
func TestNewBuildsNoRouter(t *testing.T) {
	New(Options{})
	// A memory store and two servers (the API's, and the one of
	// redirected blobs): some twenty allocations.
	if n := testing.AllocsPerRun(20, func() { New(Options{}) }); n > 40 {
		t.Errorf("New allocates %v times", n)
	}
	// Registries sharing the router each answer their own requests.
	a, b := New(Options{}), New(Options{})
	pushBlob(t, a, "only-in-a", []byte("a"))
	for _, tt := range []struct {
		reg    *Registry
		status int
	}{{a, http.StatusOK}, {b, http.StatusNotFound}} {
		run(t, tt.reg, call{method: "GET", path: "/v2/only-in-a/tags/list", status: tt.status})
		run(t, tt.reg, call{method: "GET", path: "/v2/only-in-a/tags/list/", status: http.StatusMovedPermanently})
	}
}

// TestNoBodyKept checks that a request without a body reaches the
// handlers with http.NoBody, which tells them so, and that an empty chunk
// sent so leaves the session as it was.
func TestNoBodyKept(t *testing.T) {
	reg := New(Options{})
	res := run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted})
	loc := strings.TrimPrefix(location(t, res), "http://registry.test")
	run(t, reg, call{method: "PATCH", path: loc, body: []byte("abc"), status: http.StatusAccepted, headers: map[string]string{"Range": "0-2"}})
	req := httptest.NewRequest("PATCH", "http://registry.test"+loc, nil)
	req.Body = http.NoBody
	rec := httptest.NewRecorder()
	reg.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted || rec.Header().Get("Range") != "0-2" {
		t.Fatalf("PATCH without a body: %d, Range %q", rec.Code, rec.Header().Get("Range"))
	}
	if req.Body != http.NoBody {
		t.Errorf("the request's http.NoBody was replaced by %T", req.Body)
	}
}
