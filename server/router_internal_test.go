package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry/memstore"
)

// TestRouterAgrees checks that a request dispatched from regapi.MatchPath
// is answered as the same request dispatched through the shared router,
// which answers the paths MatchPath refuses.
func TestRouterAgrees(t *testing.T) {
	d := digest.FromString("agree")
	requests := []struct{ method, path string }{
		{"GET", "/v2/"},
		{"GET", "/v2/_catalog?n=1"},
		{"GET", "/v2/a/tags/list"},
		{"HEAD", "/v2/a/manifests/missing"},
		{"GET", "/v2/a/blobs/" + d.String()},
		{"DELETE", "/v2/a/blobs/" + digest.FromString("other").String()},
		{"GET", "/v2/a/referrers/" + d.String()},
		{"GET", "/v2/a/blobs/uploads/unknown"},
		{"GET", "/v2/A/tags/list"},
		{"GET", "/v2/a//tags/list"},
		{"GET", "/v2/a/blobs/uploads"},
		{"GET", "/v2/a/manifests/tags/list"},
		{"GET", "/nothing"},
	}
	serve := func(h http.Handler, method, path string, body []byte) *httptest.ResponseRecorder {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(method, "http://registry.test"+path, bytes.NewReader(body)))
		return rec
	}
	for _, req := range requests {
		t.Run(req.method+" "+req.path, func(t *testing.T) {
			full, viaRouter := New(memstore.New(memstore.Options{}), Options{}), New(memstore.New(memstore.Options{}), Options{})
			for _, s := range []*Server{full, viaRouter} {
				if rec := serve(s, "POST", "/v2/a/blobs/uploads/?digest="+d.String(), []byte("agree")); rec.Code != http.StatusCreated {
					t.Fatalf("push: %d", rec.Code)
				}
			}
			got := serve(full, req.method, req.path, nil)
			router := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header()["Docker-Distribution-Api-Version"] = headerAPIVersion
				sharedRouter().ServeHTTP(&routedWriter{ResponseWriter: w, c: &request{w: w, r: r, s: viaRouter}}, r)
			})
			want := serve(router, req.method, req.path, nil)
			if got.Code != want.Code || !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) || got.Header().Get("Location") != want.Header().Get("Location") {
				t.Fatalf("server answered %d %q %q, router %d %q %q", got.Code, got.Header().Get("Location"), got.Body,
					want.Code, want.Header().Get("Location"), want.Body)
			}
		})
	}
}
