package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/registrytest"
	"github.com/regapi/regapi/server"
)

// BenchmarkInProcess compares, in process, the server over the memory
// store with registrytest, its store private, for a pull (manifest and
// blob GET) and a monolithic push, at 4 KiB and 1 MiB: the cost of going
// through the interface.
func BenchmarkInProcess(b *testing.B) {
	sides := []struct {
		name string
		make func() http.Handler
	}{
		{"registrytest", func() http.Handler {
			return registrytest.New(registrytest.Options{RequestLogSize: -1, BodyTimeout: -1})
		}},
		{"server-memstore", func() http.Handler {
			return server.New(memstore.New(memstore.Options{MaxStorage: 4 << 30}), server.Options{BodyTimeout: -1})
		}},
	}
	for _, size := range []int{4 << 10, 1 << 20} {
		content := bytes.Repeat([]byte("x"), size)
		d := digest.FromBytes(content)
		for _, side := range sides {
			b.Run(fmt.Sprintf("pull/%dKiB/%s", size>>10, side.name), func(b *testing.B) {
				h := side.make()
				serveOnce(b, h, http.MethodPost, "/v2/r/blobs/uploads/?digest="+d.String(), content, http.StatusCreated)
				m := imageManifest(content, nil, nil)
				serveOnce(b, h, http.MethodPut, "/v2/r/manifests/v1", m, http.StatusCreated)
				b.SetBytes(int64(size + len(m)))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					serveOnce(b, h, http.MethodGet, "/v2/r/manifests/v1", nil, http.StatusOK)
					serveOnce(b, h, http.MethodGet, "/v2/r/blobs/"+d.String(), nil, http.StatusOK)
				}
			})
			b.Run(fmt.Sprintf("push/%dKiB/%s", size>>10, side.name), func(b *testing.B) {
				h := side.make()
				b.SetBytes(int64(size))
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					// A repository of its own each time, so that every push
					// stores the content.
					serveOnce(b, h, http.MethodPost, fmt.Sprintf("/v2/r%d/blobs/uploads/?digest=%s", i, d), content, http.StatusCreated)
				}
			})
		}
	}
}

// serveOnce serves one request in process and checks its status.
func serveOnce(b *testing.B, h http.Handler, method, path string, body []byte, status int) {
	var req *http.Request
	if body != nil {
		req = httptest.NewRequest(method, "http://registry.test"+path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
	} else {
		req = httptest.NewRequest(method, "http://registry.test"+path, nil)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != status {
		b.Fatalf("%s %s: %d %s", method, path, rec.Code, rec.Body)
	}
}
