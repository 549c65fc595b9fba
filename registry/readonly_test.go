package registry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// TestReadOnlyConformance runs the conformance suite's reading workflows
// (pull and discovery, with every feature) against the read-only view of
// the example. The suite's pushes and deletes reach a server over the store
// beneath, as a mirror's writer would; every other request, the reads the
// reported checks judge, is answered by a server over the view.
func TestReadOnlyConformance(t *testing.T) {
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		t.Run(string(spec), func(t *testing.T) {
			store := memstore.New(memstore.Options{})
			defer store.Close()
			writer := server.New(store, server.Options{})
			view := server.New(readOnly{store}, server.Options{})
			var viewed atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				read := r.Method == http.MethodGet || r.Method == http.MethodHead
				if !read || strings.Contains(r.URL.Path, "/blobs/uploads/") {
					writer.ServeHTTP(w, r)
					return
				}
				viewed.Add(1)
				view.ServeHTTP(w, r)
			}))
			defer srv.Close()
			conformance.Run(t, conformance.Target{URL: srv.URL}, conformance.Options{
				Spec:      spec,
				Enable:    conformance.AllFeatures(),
				Workflows: []conformance.Workflow{conformance.WorkflowPull, conformance.WorkflowDiscovery},
			})
			if viewed.Load() == 0 {
				t.Error("the view answered no request")
			}
		})
	}
}

// TestReadOnlyRefusesWrites sends every kind of write to a server over the
// view and checks that each is answered 405 UNSUPPORTED with the view's
// detail, and that the store beneath is as it was.
func TestReadOnlyRefusesWrites(t *testing.T) {
	ctx := context.Background()
	store := memstore.New(memstore.Options{})
	defer store.Close()
	push := func(content []byte) registry.Descriptor {
		d := registry.Descriptor{MediaType: "application/octet-stream", Digest: digest.FromBytes(content), Size: int64(len(content))}
		if _, err := store.PushBlob(ctx, "a/b", d, bytes.NewReader(content)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	config, layer := push([]byte("{}")), push([]byte("layer"))
	config.MediaType = "application/vnd.oci.image.config.v1+json"
	const manifestType = "application/vnd.oci.image.manifest.v1+json"
	m, err := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": manifestType, "config": config, "layers": []registry.Descriptor{layer}})
	if err != nil {
		t.Fatal(err)
	}
	md := digest.FromBytes(m)
	if _, err := store.PushManifest(ctx, "a/b", registry.Manifest{
		Descriptor: registry.Descriptor{MediaType: manifestType, Digest: md, Size: int64(len(m))},
		Content:    m,
		References: []registry.Descriptor{config, layer},
	}, "v1"); err != nil {
		t.Fatal(err)
	}
	session, err := store.PushBlobChunked(ctx, "a/b")
	if err != nil {
		t.Fatal(err)
	}
	id := session.ID()
	if err := session.Close(); err != nil {
		t.Fatal(err)
	}

	srv := httptest.NewServer(server.New(readOnly{store}, server.Options{}))
	defer srv.Close()
	newBlob := []byte("new")
	nd := digest.FromBytes(newBlob)
	tests := []struct {
		method, path string
		header       http.Header
		body         []byte
	}{
		{http.MethodPost, "/v2/a/b/blobs/uploads/", nil, nil},
		{http.MethodPost, "/v2/a/b/blobs/uploads/?digest=" + nd.String(), nil, newBlob},
		{http.MethodPost, "/v2/a/b/blobs/uploads/?digest-algorithm=sha512", nil, nil},
		{http.MethodPost, "/v2/c/d/blobs/uploads/?mount=" + layer.Digest.String() + "&from=a/b", nil, nil},
		{http.MethodPost, "/v2/c/d/blobs/uploads/?mount=" + layer.Digest.String(), nil, nil},
		{http.MethodGet, "/v2/a/b/blobs/uploads/" + id, nil, nil},
		{http.MethodPatch, "/v2/a/b/blobs/uploads/" + id, nil, newBlob},
		{http.MethodPut, "/v2/a/b/blobs/uploads/" + id + "?digest=" + nd.String(), nil, newBlob},
		{http.MethodDelete, "/v2/a/b/blobs/uploads/" + id, nil, nil},
		{http.MethodPut, "/v2/a/b/manifests/v2", http.Header{"Content-Type": {manifestType}}, m},
		{http.MethodPut, "/v2/a/b/manifests/" + md.String() + "?tag=v3", http.Header{"Content-Type": {manifestType}}, m},
		{http.MethodDelete, "/v2/a/b/manifests/v1", nil, nil},
		{http.MethodDelete, "/v2/a/b/manifests/" + md.String(), nil, nil},
		{http.MethodDelete, "/v2/a/b/blobs/" + layer.Digest.String(), nil, nil},
	}
	for _, tt := range tests {
		what := tt.method + " " + tt.path
		status, body := send(t, tt.method, srv.URL+tt.path, tt.header, tt.body)
		var errs errcode.Errors
		if err := json.Unmarshal(body, &errs); err != nil {
			t.Errorf("%s: %d, body %q: %v", what, status, body, err)
			continue
		}
		if status != http.StatusMethodNotAllowed || len(errs) != 1 || !strings.Contains(string(body), `"UNSUPPORTED"`) || !strings.Contains(string(body), "the registry is read-only") {
			t.Errorf("%s: %d %s, want 405 UNSUPPORTED with the view's detail", what, status, body)
		}
	}

	// The store beneath is untouched: the tags, the manifest, the blobs,
	// the session, and no other repository.
	var tags []string
	for tag, err := range store.Tags(ctx, "a/b", "") {
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, tag)
	}
	if !slices.Equal(tags, []string{"v1"}) {
		t.Errorf("tags %v, want [v1]", tags)
	}
	var repos []string
	for repo, err := range store.Repositories(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		repos = append(repos, repo)
	}
	if !slices.Equal(repos, []string{"a/b"}) {
		t.Errorf("repositories %v, want [a/b]", repos)
	}
	if _, err := store.ResolveManifest(ctx, "a/b", md.String()); err != nil {
		t.Errorf("the manifest: %v", err)
	}
	for _, d := range []digest.Digest{config.Digest, layer.Digest} {
		if _, err := store.ResolveBlob(ctx, "a/b", d); err != nil {
			t.Errorf("blob %s: %v", d, err)
		}
	}
	if _, err := store.ResolveBlob(ctx, "a/b", nd); err == nil {
		t.Errorf("the refused blob was stored")
	}
	w, err := store.PushBlobChunkedResume(ctx, "a/b", id, 0)
	if err != nil {
		t.Fatalf("the session, which should be empty and open: %v", err)
	}
	_ = w.Cancel()
}

// send sends a request and reads the answer's status and body.
func send(t *testing.T, method, url string, header http.Header, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}
