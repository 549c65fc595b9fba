package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestServeRootOutlivesRegistry pushes an image to a registry over -root,
// closes it, and opens another over the same directory: it serves the
// blob, the manifest and the tag. A registry in memory, the default,
// starts empty every time.
func TestServeRootOutlivesRegistry(t *testing.T) {
	dir := t.TempDir()
	config := []byte(`{"architecture":"amd64","os":"linux"}`)
	cd := digest.FromBytes(config)
	manifest := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + cd.String() + `","size":` +
		strconv.Itoa(len(config)) + `},"layers":[]}`)
	md := digest.FromBytes(manifest)

	do := func(h http.Handler, method, path, contentType string, body []byte) *httptest.ResponseRecorder {
		t.Helper()
		req := httptest.NewRequest(method, "http://registry.test"+path, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	open := func(args ...string) (http.Handler, func() error) {
		t.Helper()
		var stderr bytes.Buffer
		cfg, status := parseServeFlags(append([]string{"-quiet"}, args...), &stderr)
		if cfg == nil {
			t.Fatalf("flags: %d %s", status, stderr.String())
		}
		reg, closeStore, err := cfg.open(cfg.opts)
		if err != nil {
			t.Fatal(err)
		}
		return reg, closeStore
	}

	for _, mode := range []struct {
		name  string
		args  []string
		keeps bool
	}{
		{"root", []string{"-root", dir}, true},
		{"memory", nil, false},
	} {
		t.Run(mode.name, func(t *testing.T) {
			reg, closeStore := open(mode.args...)
			if rec := do(reg, "POST", "/v2/kept/blobs/uploads/?digest="+cd.String(), "", config); rec.Code != http.StatusCreated {
				t.Fatalf("blob push: %d %s", rec.Code, rec.Body)
			}
			if rec := do(reg, "PUT", "/v2/kept/manifests/v1", "application/vnd.oci.image.manifest.v1+json", manifest); rec.Code != http.StatusCreated {
				t.Fatalf("manifest push: %d %s", rec.Code, rec.Body)
			}
			if err := closeStore(); err != nil {
				t.Fatal(err)
			}

			reg, closeStore = open(mode.args...)
			defer closeStore()
			want := http.StatusNotFound
			if mode.keeps {
				want = http.StatusOK
			}
			for _, c := range []struct {
				path string
				body []byte
			}{
				{"/v2/kept/blobs/" + cd.String(), config},
				{"/v2/kept/manifests/v1", manifest},
				{"/v2/kept/manifests/" + md.String(), manifest},
			} {
				rec := do(reg, "GET", c.path, "", nil)
				if rec.Code != want {
					t.Fatalf("GET %s after a restart: %d, want %d", c.path, rec.Code, want)
				}
				if want == http.StatusOK && !bytes.Equal(rec.Body.Bytes(), c.body) {
					t.Fatalf("GET %s after a restart: other bytes", c.path)
				}
			}
			if rec := do(reg, "GET", "/v2/kept/tags/list", "", nil); mode.keeps && (rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"v1"`))) {
				t.Fatalf("tags after a restart: %d %s", rec.Code, rec.Body)
			}
		})
	}
}
