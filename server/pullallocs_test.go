package server_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// discardWriter is an answer that keeps its headers and drops its body,
// so that what a request allocates is the server's and the store's.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(s int)           { w.status = s }
func (w *discardWriter) Write(p []byte) (int, error) { w.n += len(p); return len(p), nil }

// TestPullAllocations checks the allocations of the answers a pull asks
// for over a memory store, so that the pull path does not grow new ones:
// a GET or HEAD of a manifest or a blob allocates the request's state,
// its headers' values and the store's reader, and nothing per byte.
func TestPullAllocations(t *testing.T) {
	blob := bytes.Repeat([]byte("layer"), 1000)
	store := memstore.New(memstore.Options{})
	h := server.New(store, server.Options{BodyTimeout: -1})
	srv := httptest.NewServer(h)
	defer srv.Close()
	dgst := pushBlob(t, srv.URL, "r", blob)
	pushBlob(t, srv.URL, "r", []byte("{}"))
	manifest := imageManifest([]byte("{}"), [][]byte{blob}, nil)
	put := do(t, http.MethodPut, srv.URL+"/v2/r/manifests/v1", http.Header{"Content-Type": {"application/vnd.oci.image.manifest.v1+json"}}, manifest)
	if put.status != http.StatusCreated {
		t.Fatalf("pushing the manifest: %d %s", put.status, put.body)
	}
	tests := []struct {
		method, path string
		size         int
		budget       float64
	}{
		{http.MethodGet, "/v2/r/blobs/" + dgst.String(), len(blob), 4},
		{http.MethodHead, "/v2/r/blobs/" + dgst.String(), len(blob), 3},
		{http.MethodGet, "/v2/r/manifests/v1", len(manifest), 4},
		{http.MethodGet, "/v2/r/manifests/" + digest.FromBytes(manifest).String(), len(manifest), 4},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, tt.path, nil)
			r.Header.Set("Accept", "application/vnd.oci.image.manifest.v1+json")
			w := &discardWriter{h: http.Header{}}
			allocs := testing.AllocsPerRun(100, func() {
				clear(w.h)
				w.status, w.n = 0, 0
				h.ServeHTTP(w, r)
			})
			if w.status != http.StatusOK || w.h.Get("Content-Length") != strconv.Itoa(tt.size) {
				t.Fatalf("status %d, Content-Length %q, want 200 and %d", w.status, w.h.Get("Content-Length"), tt.size)
			}
			if tt.method == http.MethodGet && w.n != tt.size {
				t.Fatalf("%d bytes sent, want %d", w.n, tt.size)
			}
			if allocs > tt.budget {
				t.Errorf("%.1f allocations, want at most %v", allocs, tt.budget)
			}
		})
	}
}
