package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// capturingStore records the manifests and tags the server hands the
// store.
type capturingStore struct {
	*memstore.Store
	mu     sync.Mutex
	pushed []registry.Manifest
	tags   [][]string
}

func (s *capturingStore) PushManifest(ctx context.Context, repo string, m registry.Manifest, tags ...string) (registry.Descriptor, error) {
	s.mu.Lock()
	s.pushed = append(s.pushed, m)
	s.tags = append(s.tags, tags)
	s.mu.Unlock()
	return s.Store.PushManifest(ctx, repo, m, tags...)
}

// TestManifestHandedToTheStore checks the registry.Manifest the server
// builds from a push: the bytes as sent, the digest of the reference's
// algorithm, the media type, the effective artifact type, the annotations,
// the subject and the references, and the tags in order, the path's first.
func TestManifestHandedToTheStore(t *testing.T) {
	store := &capturingStore{Store: memstore.New(memstore.Options{})}
	defer store.Close()
	srv, _ := newTestServer(t, store, server.Options{})
	config, layer := []byte(`{"architecture":"amd64"}`), []byte("a layer")
	pushBlob(t, srv.URL, "r", config)
	pushBlob(t, srv.URL, "r", layer)
	subject := registry.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromString("subject"), Size: 42}
	image := imageManifest(config, [][]byte{layer}, nil)
	configDesc := registry.Descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: digest.FromBytes(config), Size: int64(len(config))}
	layerDesc := registry.Descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: digest.FromBytes(layer), Size: int64(len(layer))}
	artifact := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/example.sig",` +
		`"config":` + descJSON(configDesc) + `,"layers":[` + descJSON(layerDesc) + `],"subject":` + descJSON(subject) + `,"annotations":{"k":"v"}}`
	index := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[` +
		descJSON(registry.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromBytes(image), Size: int64(len(image))}) + `]}`
	tests := []struct {
		name        string
		path        string // after /v2/r/manifests/
		contentType string
		body        []byte
		want        registry.Manifest // Content is body
		tags        []string
	}{
		{"image by tag", "v1", "application/vnd.oci.image.manifest.v1+json", image,
			registry.Manifest{Descriptor: registry.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromBytes(image),
				Size: int64(len(image)), ArtifactType: configDesc.MediaType}, References: []registry.Descriptor{configDesc, layerDesc}}, []string{"v1"}},
		{"artifact by sha512 digest with tags", digest.SHA512.FromString(artifact).String() + "?tag=b&tag=a&tag=b", "", []byte(artifact),
			registry.Manifest{Descriptor: registry.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.SHA512.FromString(artifact),
				Size: int64(len(artifact)), ArtifactType: "application/example.sig", Annotations: map[string]string{"k": "v"}},
				Subject: &subject, References: []registry.Descriptor{configDesc, layerDesc}}, []string{"b", "a"}},
		{"index", "list", "application/vnd.oci.image.index.v1+json", []byte(index),
			registry.Manifest{Descriptor: registry.Descriptor{MediaType: "application/vnd.oci.image.index.v1+json", Digest: digest.FromString(index), Size: int64(len(index))},
				References: []registry.Descriptor{{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromBytes(image), Size: int64(len(image))}}}, []string{"list"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store.mu.Lock()
			store.pushed, store.tags = nil, nil
			store.mu.Unlock()
			h := http.Header{}
			if tt.contentType != "" {
				h.Set("Content-Type", tt.contentType)
			}
			resp := do(t, http.MethodPut, srv.URL+"/v2/r/manifests/"+tt.path, h, tt.body)
			if resp.status != http.StatusCreated {
				t.Fatalf("push: %d %s", resp.status, resp.body)
			}
			store.mu.Lock()
			defer store.mu.Unlock()
			if len(store.pushed) != 1 {
				t.Fatalf("%d manifests pushed to the store, want 1", len(store.pushed))
			}
			got, want := store.pushed[0], tt.want
			want.Content = tt.body
			if !reflect.DeepEqual(got, want) {
				t.Errorf("the store was given\n%+v\nwant\n%+v", got, want)
			}
			if !reflect.DeepEqual(store.tags[0], tt.tags) {
				t.Errorf("tags %q, want %q", store.tags[0], tt.tags)
			}
			if want.Subject != nil && resp.header.Get("OCI-Subject") != want.Subject.Digest.String() {
				t.Errorf("OCI-Subject %q", resp.header.Get("OCI-Subject"))
			}
			if got := strings.Join(resp.header.Values("OCI-Tag"), ","); strings.Contains(tt.path, "?") && got != strings.Join(tt.tags, ",") {
				t.Errorf("OCI-Tag %q, want %q", got, tt.tags)
			}
		})
	}
}

// descJSON encodes a descriptor.
func descJSON(d registry.Descriptor) string {
	b, _ := json.Marshal(d)
	return string(b)
}
