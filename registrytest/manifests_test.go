package registrytest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestManifestPushPull(t *testing.T) {
	reg := New(Options{})
	cfg := pushBlob(t, reg, "app", []byte("{}"))
	layer := pushBlob(t, reg, "app", []byte("layer"))
	body := imageManifest(cfg, 2, []digest.Digest{layer}, "")
	d := digest.FromBytes(body)

	put := pushManifest(t, reg, "app", "v1", "application/vnd.oci.image.manifest.v1+json", body)
	if got := put.header.Get("Docker-Content-Digest"); got != d.String() {
		t.Fatalf("Docker-Content-Digest %q, want %q", got, d)
	}
	if loc := location(t, put); loc != "/v2/app/manifests/"+d.String() {
		t.Fatalf("Location %q", loc)
	}
	if put.header.Get("OCI-Subject") != "" {
		t.Fatalf("OCI-Subject set for a manifest without subject")
	}

	for _, ref := range []string{"v1", d.String()} {
		for _, method := range []string{"GET", "HEAD"} {
			res := run(t, reg, call{method: method, path: "/v2/app/manifests/" + ref, status: http.StatusOK, headers: map[string]string{
				"Content-Type":          "application/vnd.oci.image.manifest.v1+json",
				"Content-Length":        strconv.Itoa(len(body)),
				"Docker-Content-Digest": d.String(),
			}})
			want := body
			if method == "HEAD" {
				want = nil
			}
			if !bytes.Equal(res.body, want) {
				t.Fatalf("%s %s: body %q, want %q", method, ref, res.body, want)
			}
		}
	}

	// The exact bytes and Content-Type are kept, whitespace and all, and
	// Content-Type parameters are dropped.
	odd := []byte("{ \"schemaVersion\": 2,\n \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"config\": {\"mediaType\":\"x\",\"digest\":\"" + cfg.String() + "\",\"size\":2}, \"layers\": [] }\n")
	run(t, reg, call{method: "PUT", path: "/v2/app/manifests/docker", header: map[string]string{
		"Content-Type": "application/vnd.docker.distribution.manifest.v2+json; charset=utf-8"}, body: odd, status: http.StatusCreated})
	res := run(t, reg, call{method: "GET", path: "/v2/app/manifests/docker", status: http.StatusOK, headers: map[string]string{
		"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"}})
	if !bytes.Equal(res.body, odd) {
		t.Fatalf("body changed: %q", res.body)
	}

	// Moving a tag.
	pushManifest(t, reg, "app", "v1", "application/vnd.docker.distribution.manifest.v2+json", odd)
	run(t, reg, call{method: "GET", path: "/v2/app/manifests/v1", status: http.StatusOK, headers: map[string]string{
		"Docker-Content-Digest": digest.FromBytes(odd).String()}})
}

func TestManifestPushByDigest(t *testing.T) {
	body := imageManifest(digest.FromString("c"), 1, nil, "")
	d256 := digest.SHA256.FromBytes(body)
	d512 := digest.SHA512.FromBytes(body)
	mt := "application/vnd.oci.image.manifest.v1+json"

	tests := []struct {
		name    string
		opts    Options
		path    string
		status  int
		code    string
		ociTags []string
	}{
		{name: "sha256", path: "/v2/r/manifests/" + d256.String(), status: http.StatusCreated},
		{name: "sha512", path: "/v2/r/manifests/" + d512.String(), status: http.StatusCreated},
		{name: "mismatch", path: "/v2/r/manifests/" + digest.FromString("other").String(), status: http.StatusBadRequest, code: "DIGEST_INVALID"},
		{name: "malformed", path: "/v2/r/manifests/sha256:baddigeststring", status: http.StatusBadRequest, code: "DIGEST_INVALID"},
		{name: "tag parameters", path: "/v2/r/manifests/" + d256.String() + "?tag=a&tag=b&tag=c", status: http.StatusCreated, ociTags: []string{"a", "b", "c"}},
		{name: "repeated tag parameter", path: "/v2/r/manifests/" + d256.String() + "?tag=a&tag=a", status: http.StatusCreated, ociTags: []string{"a"}},
		{name: "invalid tag parameter", path: "/v2/r/manifests/" + d256.String() + "?tag=ok&tag=-bad", status: http.StatusBadRequest, code: "TAG_INVALID"},
		{name: "too many tags", opts: Options{MaxTagsPerPush: 2}, path: "/v2/r/manifests/" + d256.String() + "?tag=a&tag=b&tag=c", status: http.StatusRequestURITooLong, code: "TAG_INVALID"},
		{name: "as many tags as allowed", opts: Options{MaxTagsPerPush: 2}, path: "/v2/r/manifests/" + d256.String() + "?tag=a&tag=b", status: http.StatusCreated, ociTags: []string{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := New(tc.opts)
			res := run(t, reg, call{method: "PUT", path: tc.path, header: map[string]string{"Content-Type": mt}, body: body, status: tc.status, code: tc.code})
			if tc.status != http.StatusCreated {
				run(t, reg, call{method: "GET", path: "/v2/r/tags/list", status: http.StatusNotFound, code: "NAME_UNKNOWN"})
				return
			}
			if got := res.header.Values("OCI-Tag"); strings.Join(got, ",") != strings.Join(tc.ociTags, ",") {
				t.Fatalf("OCI-Tag %q, want %q", got, tc.ociTags)
			}
			for _, tag := range tc.ociTags {
				run(t, reg, call{method: "GET", path: "/v2/r/manifests/" + tag, status: http.StatusOK,
					headers: map[string]string{"Docker-Content-Digest": res.header.Get("Docker-Content-Digest")}})
			}
		})
	}
}

func TestManifestInvalid(t *testing.T) {
	mt := "application/vnd.oci.image.manifest.v1+json"
	tests := []struct {
		name        string
		opts        Options
		contentType string
		body        string
		status      int
		code        string
	}{
		{name: "not JSON", contentType: mt, body: "not json", status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "JSON array", contentType: mt, body: "[]", status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "JSON null", contentType: mt, body: "null", status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "truncated", contentType: mt, body: `{"schemaVersion":2,`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "layers not a list", contentType: mt, body: `{"schemaVersion":2,"layers":{}}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "bad layer digest", contentType: mt, body: `{"schemaVersion":2,"layers":[{"mediaType":"x","digest":"sha256:1","size":1}]}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "bad subject digest", contentType: mt, body: `{"schemaVersion":2,"subject":{"mediaType":"x","digest":"nope","size":1}}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "mediaType differs from Content-Type", contentType: "application/vnd.oci.image.index.v1+json",
			body: `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "malformed Content-Type", contentType: "a/b; =", body: `{}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "too large", opts: Options{MaxManifestSize: 10}, contentType: mt, body: `{"schemaVersion":2}`, status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID"},
		{name: "at the size limit", opts: Options{MaxManifestSize: 19}, contentType: mt, body: `{"schemaVersion":2}`, status: http.StatusCreated},
		{name: "missing blobs accepted by default", contentType: mt, body: string(imageManifest(digest.FromString("c"), 1, []digest.Digest{digest.FromString("l")}, "")), status: http.StatusCreated},
		{name: "missing blobs refused when required", opts: Options{RequireManifestBlobs: true}, contentType: mt,
			body: string(imageManifest(digest.FromString("c"), 1, nil, "")), status: http.StatusBadRequest, code: "MANIFEST_BLOB_UNKNOWN"},
		{name: "missing child manifest refused when required", opts: Options{RequireManifestBlobs: true}, contentType: "application/vnd.oci.image.index.v1+json",
			body:   `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + digest.FromString("m").String() + `","size":1}]}`,
			status: http.StatusBadRequest, code: "MANIFEST_BLOB_UNKNOWN"},
		{name: "foreign layers are never required", opts: Options{RequireManifestBlobs: true}, contentType: mt,
			body:   `{"schemaVersion":2,"layers":[{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar","digest":"` + digest.FromString("f").String() + `","size":1,"urls":["https://example.com/f"]}]}`,
			status: http.StatusCreated},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := New(tc.opts)
			run(t, reg, call{method: "PUT", path: "/v2/r/manifests/t", header: map[string]string{"Content-Type": tc.contentType},
				body: []byte(tc.body), status: tc.status, code: tc.code})
			want := http.StatusOK
			if tc.status != http.StatusCreated {
				want = http.StatusNotFound
			}
			run(t, reg, call{method: "GET", path: "/v2/r/manifests/t", status: want})
		})
	}
}

func TestManifestRequiredBlobsPresent(t *testing.T) {
	reg := New(Options{RequireManifestBlobs: true})
	cfg := pushBlob(t, reg, "r", []byte("{}"))
	layer := pushBlob(t, reg, "r", []byte("l"))
	child := imageManifest(cfg, 2, []digest.Digest{layer}, "")
	pushManifest(t, reg, "r", "child", "application/vnd.oci.image.manifest.v1+json", child)
	idx := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` +
		digest.FromBytes(child).String() + `","size":` + strconv.Itoa(len(child)) + `}]}`
	pushManifest(t, reg, "r", "index", "application/vnd.oci.image.index.v1+json", []byte(idx))
	// The same manifest in another repository lacks its blobs there.
	run(t, reg, call{method: "PUT", path: "/v2/other/manifests/child", header: map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
		body: child, status: http.StatusBadRequest, code: "MANIFEST_BLOB_UNKNOWN"})
}

func TestManifestDelete(t *testing.T) {
	reg := New(Options{})
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"}`)
	d := digest.FromBytes(body)
	pushManifest(t, reg, "r", "a", "application/vnd.oci.image.manifest.v1+json", body)
	pushManifest(t, reg, "r", "b", "application/vnd.oci.image.manifest.v1+json", body)
	pushBlob(t, reg, "r", []byte("keeps the repository alive"))
	for _, c := range []call{
		{method: "DELETE", path: "/v2/r/manifests/a", status: http.StatusAccepted},
		{method: "GET", path: "/v2/r/manifests/a", status: http.StatusNotFound, code: "MANIFEST_UNKNOWN"},
		{method: "DELETE", path: "/v2/r/manifests/a", status: http.StatusNotFound, code: "MANIFEST_UNKNOWN"},
		// Deleting a tag keeps the manifest.
		{method: "GET", path: "/v2/r/manifests/" + d.String(), status: http.StatusOK},
		{method: "GET", path: "/v2/r/manifests/b", status: http.StatusOK},
		// Deleting by digest removes the manifest and its remaining tags.
		{method: "DELETE", path: "/v2/r/manifests/" + d.String(), status: http.StatusAccepted},
		{method: "GET", path: "/v2/r/manifests/" + d.String(), status: http.StatusNotFound, code: "MANIFEST_UNKNOWN"},
		{method: "GET", path: "/v2/r/manifests/b", status: http.StatusNotFound, code: "MANIFEST_UNKNOWN"},
		{method: "DELETE", path: "/v2/r/manifests/" + d.String(), status: http.StatusNotFound, code: "MANIFEST_UNKNOWN"},
		{method: "DELETE", path: "/v2/nobody/manifests/a", status: http.StatusNotFound, code: "NAME_UNKNOWN"},
	} {
		run(t, reg, c)
	}
	res := run(t, reg, call{method: "GET", path: "/v2/r/tags/list", status: http.StatusOK})
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(res.body, &list); err != nil || list.Tags == nil || len(list.Tags) != 0 {
		t.Fatalf("tags after deletes: %s (%v), want an empty list", res.body, err)
	}
}
