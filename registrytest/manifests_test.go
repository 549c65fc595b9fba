package registrytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestManifestPushPull(t *testing.T) {
	reg := New(Options{})
	im := newTestImage("app", "")
	im.pushBlobs(t, reg, "app")
	body := im.manifest
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
	odd := []byte("{ \"schemaVersion\": 2,\n \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\", \"config\": " +
		descriptorJSON("application/vnd.docker.container.image.v1+json", im.config) + ", \"layers\": [] }\n")
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
	im := newTestImage("by digest", "")
	body := im.manifest
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
			im.pushBlobs(t, reg, "r")
			res := run(t, reg, call{method: "PUT", path: tc.path, header: map[string]string{"Content-Type": mt}, body: body, status: tc.status, code: tc.code})
			if tc.status != http.StatusCreated {
				res := run(t, reg, call{method: "GET", path: "/v2/r/tags/list", status: http.StatusOK})
				if !strings.Contains(string(res.body), `"tags":[]`) {
					t.Fatalf("a refused push left tags: %s", res.body)
				}
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

// TestManifestPushManyTags pushes by digest with tens of thousands of tag
// parameters, each given twice, to a registry without a limit on them:
// every tag is stored once, and OCI-Tag lists each once, in the order first
// given.
func TestManifestPushManyTags(t *testing.T) {
	const distinct = 20000
	im := newTestImage("many tags", "")
	reg := New(Options{MaxTagsPerPush: -1})
	im.pushBlobs(t, reg, "r")
	q := url.Values{}
	var want []string
	for i := 0; i < distinct; i++ {
		want = append(want, fmt.Sprintf("t%d", i))
	}
	for _, half := range [][]string{want[:distinct/2], want, want[distinct/2:]} {
		q["tag"] = append(q["tag"], half...)
	}
	res := run(t, reg, call{method: "PUT", path: "/v2/r/manifests/" + im.digest.String() + "?" + q.Encode(),
		header: map[string]string{"Content-Type": ociManifest}, body: im.manifest, status: http.StatusCreated})
	if got := res.header.Values("OCI-Tag"); !slices.Equal(got, want) {
		t.Fatalf("OCI-Tag lists %d tags, want the %d distinct ones in first-given order", len(got), len(want))
	}
	var tags []string
	for tag, err := range reg.store.Tags(context.Background(), "r", "") {
		if err != nil {
			t.Fatal(err)
		}
		tags = append(tags, tag)
	}
	if len(tags) != distinct {
		t.Fatalf("%d tags stored, want %d", len(tags), distinct)
	}
	if err := reg.checkAccounting(); err != nil {
		t.Fatal(err)
	}
}

// Media types of the manifest tests.
const (
	ociManifest    = "application/vnd.oci.image.manifest.v1+json"
	ociIndex       = "application/vnd.oci.image.index.v1+json"
	dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	dockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// TestManifestStrictness pushes manifests a strict registry must refuse and
// ones it must accept, each to a registry holding the blobs of one image
// (config, layer) and that image's manifest, and checks the answer in
// strict mode, in lenient mode and with RequireManifestBlobs.
func TestManifestStrictness(t *testing.T) {
	base := newTestImage("held", "")
	cfg, layer := descriptorJSON("application/vnd.oci.image.config.v1+json", base.config), descriptorJSON("application/vnd.oci.image.layer.v1.tar", base.layers[0])
	missing := descriptorJSON("application/vnd.oci.image.layer.v1.tar", []byte("never pushed"))
	wrongSize := `{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + digest.FromBytes(base.layers[0]).String() + `","size":999}`
	foreign := `{"mediaType":"application/vnd.oci.image.layer.nondistributable.v1.tar","digest":"` + digest.FromString("f").String() + `","size":7,"urls":["https://example.com/f"]}`
	child := `{"mediaType":"` + ociManifest + `","digest":"` + base.digest.String() + `","size":` + strconv.Itoa(len(base.manifest)) + `}`
	absentChild := `{"mediaType":"` + ociManifest + `","digest":"` + digest.FromString("absent").String() + `","size":10}`
	subject := `"subject":{"mediaType":"` + ociManifest + `","digest":"` + digest.FromString("no such subject").String() + `","size":10}`
	image := func(extra string) string {
		return `{"schemaVersion":2,"mediaType":"` + ociManifest + `","config":` + cfg + `,"layers":[` + layer + `]` + extra + `}`
	}

	type answer struct {
		status int
		code   string
	}
	created := answer{http.StatusCreated, ""}
	invalid := answer{http.StatusBadRequest, "MANIFEST_INVALID"}
	blobUnknown := answer{http.StatusBadRequest, "MANIFEST_BLOB_UNKNOWN"}
	tests := []struct {
		name        string
		contentType string
		body        string
		strict      answer // the default
		lenient     answer // LenientManifests
		require     answer // RequireManifestBlobs
	}{
		// Refused by default.
		{"empty object", ociManifest, `{}`, invalid, created, invalid},
		{"not JSON", ociManifest, `schemaVersion: 2`, invalid, invalid, invalid},
		{"schemaVersion 1", ociManifest, `{"schemaVersion":1,"mediaType":"` + ociManifest + `","config":` + cfg + `,"layers":[]}`, invalid, created, invalid},
		{"unknown Content-Type", "application/vnd.example.thing+json", image(""), invalid, invalid, invalid},
		{"mediaType differs from Content-Type", ociIndex, image(""), invalid, invalid, invalid},
		{"image manifest carrying manifests", ociManifest, image(`,"manifests":[` + child + `]`), invalid, created, invalid},
		{"index carrying layers", ociIndex, `{"schemaVersion":2,"mediaType":"` + ociIndex + `","manifests":[` + child + `],"layers":[` + layer + `]}`, invalid, created, invalid},
		{"repeated field", ociManifest, `{"schemaVersion":2,"mediaType":"` + ociManifest + `","config":` + cfg + `,"layers":[` + layer + `],"layers":[]}`, invalid, invalid, invalid},
		{"repeated field in a descriptor", ociManifest, `{"schemaVersion":2,"mediaType":"` + ociManifest + `","config":` + cfg + `,"layers":[{"mediaType":"x","digest":"` + digest.FromString("a").String() + `","size":1,"size":2}]}`, invalid, invalid, invalid},
		{"layer missing", ociManifest, `{"schemaVersion":2,"mediaType":"` + ociManifest + `","config":` + cfg + `,"layers":[` + missing + `]}`, blobUnknown, created, blobUnknown},
		{"config missing", ociManifest, `{"schemaVersion":2,"mediaType":"` + ociManifest + `","config":` + missing + `,"layers":[` + layer + `]}`, blobUnknown, created, blobUnknown},
		{"layer of another size", ociManifest, `{"schemaVersion":2,"mediaType":"` + ociManifest + `","config":` + cfg + `,"layers":[` + wrongSize + `]}`, invalid, created, invalid},
		{"no config", ociManifest, `{"schemaVersion":2,"mediaType":"` + ociManifest + `","layers":[` + layer + `]}`, invalid, created, invalid},
		{"descriptor without mediaType", ociManifest, `{"schemaVersion":2,"mediaType":"` + ociManifest + `","config":` + cfg + `,"layers":[{"digest":"` + digest.FromBytes(base.layers[0]).String() + `","size":` + strconv.Itoa(len(base.layers[0])) + `}]}`, invalid, created, invalid},
		// Accepted by default.
		{"image", ociManifest, image(""), created, created, created},
		{"image without mediaType field", ociManifest, `{"schemaVersion":2,"config":` + cfg + `,"layers":[` + layer + `]}`, created, created, created},
		{"Docker manifest", dockerManifest, `{"schemaVersion":2,"mediaType":"` + dockerManifest + `","config":` + cfg + `,"layers":[` + layer + `]}`, created, created, created},
		{"index", ociIndex, `{"schemaVersion":2,"mediaType":"` + ociIndex + `","manifests":[` + child + `]}`, created, created, created},
		{"sparse index", ociIndex, `{"schemaVersion":2,"mediaType":"` + ociIndex + `","manifests":[` + child + `,` + absentChild + `]}`, created, created, blobUnknown},
		{"Docker manifest list", dockerList, `{"schemaVersion":2,"mediaType":"` + dockerList + `","manifests":[` + child + `]}`, created, created, created},
		{"subject that does not exist", ociManifest, image("," + subject), created, created, created},
		{"foreign layer", ociManifest, `{"schemaVersion":2,"mediaType":"` + ociManifest + `","config":` + cfg + `,"layers":[` + layer + `,` + foreign + `]}`, created, created, created},
		{"type from the body", "", image(""), created, created, created},
		{"type from the body, generic Content-Type", "application/json", image(""), created, created, created},
		{"Content-Type parameters", ociManifest + "; charset=utf-8", image(""), created, created, created},
	}
	for _, tc := range tests {
		for _, mode := range []struct {
			name string
			opts Options
			want answer
		}{
			{"strict", Options{}, tc.strict},
			{"lenient", Options{LenientManifests: true}, tc.lenient},
			{"require", Options{RequireManifestBlobs: true}, tc.require},
		} {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				reg := New(mode.opts)
				base.push(t, reg, "r", "base")
				header := map[string]string{}
				if tc.contentType != "" {
					header["Content-Type"] = tc.contentType
				}
				run(t, reg, call{method: "PUT", path: "/v2/r/manifests/t", header: header, body: []byte(tc.body), status: mode.want.status, code: mode.want.code})
				want := http.StatusOK
				if mode.want.status != http.StatusCreated {
					want = http.StatusNotFound
				}
				run(t, reg, call{method: "GET", path: "/v2/r/manifests/t", status: want})
				if err := reg.checkAccounting(); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestManifestBlobUnknownNamesEach checks that every missing blob gets its
// own MANIFEST_BLOB_UNKNOWN entry, naming its digest.
func TestManifestBlobUnknownNamesEach(t *testing.T) {
	reg := New(Options{})
	a, b := []byte("a"), []byte("b")
	body := imageManifest(a, [][]byte{b}, "")
	res := run(t, reg, call{method: "PUT", path: "/v2/r/manifests/t", header: map[string]string{"Content-Type": ociManifest}, body: body,
		status: http.StatusBadRequest, code: "MANIFEST_BLOB_UNKNOWN"})
	var env struct {
		Errors []struct {
			Code   string            `json:"code"`
			Detail map[string]string `json:"detail"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(res.body, &env); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range env.Errors {
		got = append(got, e.Code+" "+e.Detail["digest"])
	}
	want := []string{"MANIFEST_BLOB_UNKNOWN " + digest.FromBytes(a).String(), "MANIFEST_BLOB_UNKNOWN " + digest.FromBytes(b).String()}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("errors %q, want %q", got, want)
	}
}

func TestManifestInvalid(t *testing.T) {
	mt := ociManifest
	im := newTestImage("invalid", "")
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
		{name: "two objects", contentType: mt, body: string(im.manifest) + "{}", status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "deeply nested", contentType: mt, body: `{"a":` + strings.Repeat("[", 20000) + strings.Repeat("]", 20000) + `}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "a name repeated with an escape", contentType: mt, body: strings.Replace(string(im.manifest), `"config"`, `"config":{},"c\u006fnfig"`, 1), status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "a name repeated in a nested object", contentType: mt, body: strings.Replace(string(im.manifest), `"layers":[`, `"annotations":{"a":"1","b":"2","a":"3"},"layers":[`, 1), status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "the same name in sibling objects", contentType: mt, body: strings.Replace(string(im.manifest), `"layers":[`, `"annotations":{"a":"1"},"subject":{"mediaType":"x","digest":"`+digest.FromString("s").String()+`","size":1,"annotations":{"a":"1"}},"layers":[`, 1), status: http.StatusCreated},
		{name: "truncated", contentType: mt, body: `{"schemaVersion":2,`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "layers not a list", contentType: mt, body: `{"schemaVersion":2,"config":{"mediaType":"x","digest":"` + digest.FromBytes(im.config).String() + `","size":` + strconv.Itoa(len(im.config)) + `},"layers":{}}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "bad layer digest", contentType: mt, body: `{"schemaVersion":2,"layers":[{"mediaType":"x","digest":"sha256:1","size":1}]}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "bad subject digest", contentType: mt, body: `{"schemaVersion":2,"subject":{"mediaType":"x","digest":"nope","size":1}}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "malformed Content-Type", contentType: "a/b; =", body: `{}`, status: http.StatusBadRequest, code: "MANIFEST_INVALID"},
		{name: "too large", opts: Options{MaxManifestSize: 10}, contentType: mt, body: string(im.manifest), status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID"},
		{name: "at the size limit", opts: Options{MaxManifestSize: int64(len(im.manifest))}, contentType: mt, body: string(im.manifest), status: http.StatusCreated},
		{name: "one byte over the size limit", opts: Options{MaxManifestSize: int64(len(im.manifest)) - 1}, contentType: mt, body: string(im.manifest), status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := New(tc.opts)
			im.pushBlobs(t, reg, "r")
			run(t, reg, call{method: "PUT", path: "/v2/r/manifests/t", header: map[string]string{"Content-Type": tc.contentType},
				body: []byte(tc.body), status: tc.status, code: tc.code})
			want := http.StatusOK
			if tc.status != http.StatusCreated {
				want = http.StatusNotFound
			}
			run(t, reg, call{method: "GET", path: "/v2/r/manifests/t", status: want})
			if err := reg.checkAccounting(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestManifestRequiredBlobsPresent(t *testing.T) {
	reg := New(Options{RequireManifestBlobs: true})
	im := newTestImage("child", "")
	im.push(t, reg, "r", "child")
	idx := `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` +
		im.digest.String() + `","size":` + strconv.Itoa(len(im.manifest)) + `}]}`
	pushManifest(t, reg, "r", "index", "application/vnd.oci.image.index.v1+json", []byte(idx))
	// The same manifest in another repository lacks its blobs there.
	run(t, reg, call{method: "PUT", path: "/v2/other/manifests/child", header: map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
		body: im.manifest, status: http.StatusBadRequest, code: "MANIFEST_BLOB_UNKNOWN"})
}

func TestManifestDelete(t *testing.T) {
	reg := New(Options{})
	im := newTestImage("delete", "")
	body := im.manifest
	d := digest.FromBytes(body)
	im.push(t, reg, "r", "a")
	pushManifest(t, reg, "r", "b", "application/vnd.oci.image.manifest.v1+json", body)
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

// TestManifestMediaTypesOption checks that the added manifest types are
// matched as a push's Content-Type is, without regard to case, and that a
// value which is not a plain media type adds nothing.
func TestManifestMediaTypesOption(t *testing.T) {
	reg := New(Options{ManifestMediaTypes: []string{
		"Application/VND.Example.Thing+JSON",
		"application/vnd.example.params+json; version=1",
		"not a type",
	}})
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.example.thing+json"}`)
	tests := []struct {
		contentType string
		status      int
	}{
		{"application/vnd.example.thing+json", http.StatusCreated},
		{"APPLICATION/vnd.example.THING+json; charset=utf-8", http.StatusCreated},
		{"application/vnd.example.params+json", http.StatusBadRequest},
		{"not a type", http.StatusBadRequest},
	}
	for _, tt := range tests {
		b := body
		if tt.status != http.StatusCreated {
			b = []byte(`{"schemaVersion":2}`)
		}
		res := serve(t, reg, "PUT", "/v2/custom/manifests/v1", map[string]string{"Content-Type": tt.contentType}, b)
		if res.status != tt.status {
			t.Errorf("Content-Type %q: status %d, want %d: %s", tt.contentType, res.status, tt.status, res.body)
		}
	}
}
