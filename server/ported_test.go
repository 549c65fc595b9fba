package server_test

// The tests of this file are registrytest's, run over the server and a
// store: the server answers as registrytest does, but where the store
// decides (MANIFEST_UNKNOWN for an unknown repository) and where referrers
// are listed in digest order rather than push order.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// newServer returns a server over a fresh memory store.
func newServer(opts server.Options) http.Handler {
	return server.New(memstore.New(memstore.Options{}), opts)
}

// serveRequest serves req with h.
func serveRequest(h http.Handler, req *http.Request) result {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// descriptor and index are the JSON of the referrers answer.
type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// inDigestOrder sorts descriptors as the referrers API lists them.
func inDigestOrder(ds ...descriptor) []descriptor {
	slices.SortFunc(ds, func(a, b descriptor) int { return strings.Compare(a.Digest, b.Digest) })
	return ds
}

// call is one request to a registry and what is expected of its answer.
type call struct {
	method  string
	path    string
	header  map[string]string
	body    []byte
	status  int
	code    string            // first error code of the body, when status is an error
	headers map[string]string // response headers expected; "" means absent
}

// result is a recorded answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

// serve sends one request to h.
func serve(t *testing.T, h http.Handler, method, path string, header map[string]string, body []byte) result {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://registry.test"+path, r)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// run sends c to h and checks the answer.
func run(t *testing.T, h http.Handler, c call) result {
	t.Helper()
	res := serve(t, h, c.method, c.path, c.header, c.body)
	if res.status != c.status {
		t.Fatalf("%s %s: status %d, want %d; body %s", c.method, c.path, res.status, c.status, res.body)
	}
	if c.code != "" {
		if got := errorCode(t, res); got != c.code {
			t.Fatalf("%s %s: error code %q, want %q; body %s", c.method, c.path, got, c.code, res.body)
		}
	}
	for k, want := range c.headers {
		if got := res.header.Get(k); got != want {
			t.Fatalf("%s %s: header %s = %q, want %q", c.method, c.path, k, got, want)
		}
	}
	return res
}

// errorCode checks an error response with checkErrorBody and returns its
// first code.
func errorCode(t *testing.T, res result) string {
	t.Helper()
	codes, err := checkErrorBody(res.status, res.header, res.body)
	if err != nil {
		t.Fatal(err)
	}
	return codes[0]
}

// pushBlob uploads content monolithically to repository name.
func putBlob(t *testing.T, h http.Handler, name string, content []byte) digest.Digest {
	t.Helper()
	d := digest.FromBytes(content)
	run(t, h, call{method: "POST", path: "/v2/" + name + "/blobs/uploads/?digest=" + d.String(), body: content, status: http.StatusCreated})
	return d
}

// pushManifest uploads a manifest under reference (a tag or digest).
func pushManifest(t *testing.T, h http.Handler, name, ref, mediaType string, body []byte) result {
	t.Helper()
	return run(t, h, call{method: "PUT", path: "/v2/" + name + "/manifests/" + ref,
		header: map[string]string{"Content-Type": mediaType}, body: body, status: http.StatusCreated})
}

// location returns the path and query of a Location header.
func location(t *testing.T, res result) string {
	t.Helper()
	loc := res.header.Get("Location")
	if loc == "" {
		t.Fatalf("no Location header")
	}
	loc = strings.TrimPrefix(loc, "http://registry.test")
	if !strings.HasPrefix(loc, "/v2/") {
		t.Fatalf("Location %q is not below http://registry.test/v2/", res.header.Get("Location"))
	}
	return loc
}

// testImage is a valid OCI image: a config, layers, and the manifest that
// names them with their true digests and sizes.
type testImage struct {
	config   []byte
	layers   [][]byte
	manifest []byte
	digest   digest.Digest
}

// newTestImage returns an image whose config and single layer are made
// from seed, with extra top-level JSON fields (raw, without braces) in the
// manifest if any.
func newTestImage(seed, extra string) testImage {
	im := testImage{config: []byte(`{"seed":"` + seed + `"}`), layers: [][]byte{[]byte("layer of " + seed)}}
	im.manifest = imageDoc(im.config, im.layers, extra)
	im.digest = digest.FromBytes(im.manifest)
	return im
}

// imageManifest returns an OCI image manifest naming config and layers,
// with extra top-level JSON fields (raw, without braces) if any.
func imageDoc(config []byte, layers [][]byte, extra string) []byte {
	var b strings.Builder
	b.WriteString(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`)
	b.WriteString(`"config":` + descriptorJSON("application/vnd.oci.image.config.v1+json", config) + `,"layers":[`)
	for i, l := range layers {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(descriptorJSON("application/vnd.oci.image.layer.v1.tar", l))
	}
	b.WriteString("]")
	if extra != "" {
		b.WriteString("," + extra)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// descriptorJSON is the descriptor of content with the media type.
func descriptorJSON(mediaType string, content []byte) string {
	return `{"mediaType":"` + mediaType + `","digest":"` + digest.FromBytes(content).String() + `","size":` + strconv.Itoa(len(content)) + `}`
}

// pushBlobs uploads the image's config and layers to repository name.
func (im testImage) pushBlobs(t *testing.T, h http.Handler, name string) {
	t.Helper()
	putBlob(t, h, name, im.config)
	for _, l := range im.layers {
		putBlob(t, h, name, l)
	}
}

// push uploads the image's blobs and its manifest under ref.
func (im testImage) push(t *testing.T, h http.Handler, name, ref string) result {
	t.Helper()
	im.pushBlobs(t, h, name)
	return pushManifest(t, h, name, ref, "application/vnd.oci.image.manifest.v1+json", im.manifest)
}

// documentedStatus lists the statuses doc.go gives codes in place of the
// status of the code's own descriptor: 413 and 414 for content and tag
// lists over a limit, 404 for a path that matches no endpoint.
var documentedStatus = map[string]int{
	"SIZE_INVALID": http.StatusRequestEntityTooLarge,
	"TAG_INVALID":  http.StatusRequestURITooLong,
	"UNSUPPORTED":  http.StatusNotFound,
}

// checkErrorBody checks an error response: Content-Type application/json, a
// body that decodes as an errcode.Errors envelope with at least one entry,
// every code a string registered with package errcode (and not UNKNOWN,
// which means a server fault), every message set, and a status that is the
// first code's own or the one documentedStatus gives it. It returns the
// codes.
func checkErrorBody(status int, header http.Header, body []byte) ([]string, error) {
	if ct := header.Get("Content-Type"); ct != "application/json" {
		return nil, fmt.Errorf("error response with Content-Type %q", ct)
	}
	var errs errcode.Errors
	if err := json.Unmarshal(body, &errs); err != nil {
		return nil, fmt.Errorf("error body %q does not decode as an envelope: %v", body, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("error body %q has no errors", body)
	}
	var raw struct {
		Errors []struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Errors) != len(errs) {
		return nil, fmt.Errorf("error body %q: %d entries, envelope decoded %d (%v)", body, len(raw.Errors), len(errs), err)
	}
	var codes []string
	for i, e := range raw.Errors {
		var value string
		if err := json.Unmarshal(e.Code, &value); err != nil {
			return nil, fmt.Errorf("error body %q: code %s is not a string", body, e.Code)
		}
		code := errcode.ParseErrorCode(value)
		if code.String() != value || code == errcode.ErrorCodeUnknown {
			return nil, fmt.Errorf("error body %q: code %q is not a registered registry code", body, value)
		}
		var decoded errcode.ErrorCode
		switch entry := errs[i].(type) {
		case errcode.ErrorCode:
			decoded = entry
		case errcode.Error:
			decoded = entry.Code
			if entry.Value() != value {
				return nil, fmt.Errorf("error body %q: entry %d decoded as %q", body, i, entry.Value())
			}
		default:
			return nil, fmt.Errorf("error body %q: entry %d decoded as %T", body, i, entry)
		}
		if decoded != code {
			return nil, fmt.Errorf("error body %q: entry %d decoded as %v, want %v", body, i, decoded, code)
		}
		if e.Message == "" {
			return nil, fmt.Errorf("error body %q: entry %d has no message", body, i)
		}
		codes = append(codes, value)
	}
	first := errcode.ParseErrorCode(codes[0])
	if want := first.Descriptor().HTTPStatusCode; status != want && documentedStatus[codes[0]] != status {
		return nil, fmt.Errorf("status %d for code %s, whose status is %d", status, codes[0], want)
	}
	return codes, nil
}

func TestManifestPushPull(t *testing.T) {
	reg := newServer(server.Options{})
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
		opts    server.Options
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
		{name: "too many tags", opts: server.Options{MaxTagsPerPush: 2}, path: "/v2/r/manifests/" + d256.String() + "?tag=a&tag=b&tag=c", status: http.StatusRequestURITooLong, code: "TAG_INVALID"},
		{name: "as many tags as allowed", opts: server.Options{MaxTagsPerPush: 2}, path: "/v2/r/manifests/" + d256.String() + "?tag=a&tag=b", status: http.StatusCreated, ociTags: []string{"a", "b"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := newServer(tc.opts)
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
	reg := newServer(server.Options{MaxTagsPerPush: -1})
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
	var list struct {
		Tags []string `json:"tags"`
	}
	if err := json.Unmarshal(run(t, reg, call{method: "GET", path: "/v2/r/tags/list", status: http.StatusOK}).body, &list); err != nil || len(list.Tags) != distinct {
		t.Fatalf("%d tags stored (%v), want %d", len(list.Tags), err, distinct)
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
			opts server.Options
			want answer
		}{
			{"strict", server.Options{}, tc.strict},
			{"lenient", server.Options{LenientManifests: true}, tc.lenient},
			{"require", server.Options{RequireManifestBlobs: true}, tc.require},
		} {
			t.Run(tc.name+"/"+mode.name, func(t *testing.T) {
				reg := newServer(mode.opts)
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
			})
		}
	}
}

// TestManifestBlobUnknownNamesEach checks that every missing blob gets its
// own MANIFEST_BLOB_UNKNOWN entry, naming its digest.
func TestManifestBlobUnknownNamesEach(t *testing.T) {
	reg := newServer(server.Options{})
	a, b := []byte("a"), []byte("b")
	body := imageDoc(a, [][]byte{b}, "")
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
		opts        server.Options
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
		{name: "too large", opts: server.Options{MaxManifestSize: 10}, contentType: mt, body: string(im.manifest), status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID"},
		{name: "at the size limit", opts: server.Options{MaxManifestSize: int64(len(im.manifest))}, contentType: mt, body: string(im.manifest), status: http.StatusCreated},
		{name: "one byte over the size limit", opts: server.Options{MaxManifestSize: int64(len(im.manifest)) - 1}, contentType: mt, body: string(im.manifest), status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := newServer(tc.opts)
			im.pushBlobs(t, reg, "r")
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
	reg := newServer(server.Options{RequireManifestBlobs: true})
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
	reg := newServer(server.Options{})
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
		// A store answers MANIFEST_UNKNOWN for an unknown repository too;
		// the server, finding the repository unknown, says so.
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
	reg := newServer(server.Options{ManifestMediaTypes: []string{
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

func TestManifestContentNegotiation(t *testing.T) {
	oci := newTestImage("negotiation", "")
	docker := []byte(`{"schemaVersion":2,"mediaType":"` + dockerManifest + `","config":` + descriptorJSON("application/vnd.docker.container.image.v1+json", oci.config) +
		`,"layers":[` + descriptorJSON("application/vnd.docker.image.rootfs.diff.tar.gzip", oci.layers[0]) + `]}`)
	tests := []struct {
		name   string
		opts   server.Options
		ref    string // "oci" or "docker"
		accept []string
		status int
	}{
		{"no Accept", server.Options{}, "oci", nil, 200},
		{"exact", server.Options{}, "oci", []string{ociManifest}, 200},
		{"among others", server.Options{}, "oci", []string{dockerManifest + ", " + ociManifest + ";q=0.5"}, 200},
		{"several headers", server.Options{}, "oci", []string{dockerManifest, ociIndex, ociManifest}, 200},
		{"any", server.Options{}, "oci", []string{dockerManifest + ", */*;q=0.1"}, 200},
		{"parameters ignored", server.Options{}, "oci", []string{ociManifest + "; charset=utf-8"}, 200},
		{"case of the type", server.Options{}, "oci", []string{"Application/VND.OCI.image.manifest.v1+JSON"}, 200},
		{"other types only", server.Options{}, "oci", []string{dockerManifest + ", " + ociIndex}, 404},
		{"refused with q=0", server.Options{}, "oci", []string{ociManifest + ";q=0, " + dockerManifest}, 404},
		{"only q=0", server.Options{}, "oci", []string{ociManifest + ";q=0"}, 404},
		{"wildcard type is not */*", server.Options{}, "oci", []string{"application/*"}, 404},
		{"Docker by OCI type", server.Options{}, "docker", []string{ociManifest}, 404},
		{"Docker by OCI type, interchangeable", server.Options{InterchangeableManifestTypes: true}, "docker", []string{ociManifest}, 200},
		{"OCI by Docker type, interchangeable", server.Options{InterchangeableManifestTypes: true}, "oci", []string{dockerManifest}, 200},
		{"index type never stands for a manifest", server.Options{InterchangeableManifestTypes: true}, "oci", []string{dockerList}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := newServer(tt.opts)
			oci.push(t, reg, "n", "oci")
			pushManifest(t, reg, "n", "docker", dockerManifest, docker)
			for _, method := range []string{"GET", "HEAD"} {
				req, _ := http.NewRequest(method, "http://registry.test/v2/n/manifests/"+tt.ref, nil)
				for _, a := range tt.accept {
					req.Header.Add("Accept", a)
				}
				res := serveRequest(reg, req)
				if res.status != tt.status {
					t.Fatalf("%s: status %d, want %d: %s", method, res.status, tt.status, res.body)
				}
				if tt.status == 404 && method == "GET" {
					if code := errorCode(t, res); code != "MANIFEST_UNKNOWN" {
						t.Fatalf("code %s", code)
					}
				}
			}
		})
	}
}

func TestReferrersPagination(t *testing.T) {
	reg := newServer(server.Options{ReferrersPageSize: 2})
	subject := newTestImage("subject", "")
	subject.push(t, reg, "r", "s")
	putBlob(t, reg, "r", []byte("{}"))
	subjectField := `"subject":{"mediaType":"` + ociManifest + `","digest":"` + subject.digest.String() + `","size":` + fmt.Sprint(len(subject.manifest)) + `}`
	var sigs, all []string
	for i := 0; i < 5; i++ {
		at := "application/example.sbom"
		if i%2 == 0 {
			at = "application/example.sig"
		}
		body := []byte(`{"schemaVersion":2,"mediaType":"` + ociManifest + `","artifactType":"` + at + `",` +
			`"config":` + descriptorJSON("application/vnd.oci.empty.v1+json", []byte("{}")) + `,"layers":[],"annotations":{"n":"` + fmt.Sprint(i) + `"},` + subjectField + `}`)
		d := digest.FromBytes(body)
		run(t, reg, call{method: "PUT", path: "/v2/r/manifests/" + d.String(), header: map[string]string{"Content-Type": ociManifest}, body: body, status: http.StatusCreated})
		all = append(all, d.String())
		if i%2 == 0 {
			sigs = append(sigs, d.String())
		}
	}
	// Referrers are listed in digest order.
	slices.Sort(all)
	slices.Sort(sigs)
	// Deleting the first referrer does not shift the pages of the rest.
	run(t, reg, call{method: "DELETE", path: "/v2/r/manifests/" + all[0], status: http.StatusAccepted})
	sigs = slices.DeleteFunc(sigs, func(d string) bool { return d == all[0] })
	all = all[1:]

	follow := func(path string) (pages int, got []string) {
		for path != "" {
			if pages++; pages > 10 {
				t.Fatal("too many pages")
			}
			res := run(t, reg, call{method: "GET", path: path, status: http.StatusOK})
			var idx index
			if err := json.Unmarshal(res.body, &idx); err != nil {
				t.Fatal(err)
			}
			if len(idx.Manifests) > 2 {
				t.Fatalf("page of %d, over the page size", len(idx.Manifests))
			}
			for _, m := range idx.Manifests {
				got = append(got, m.Digest)
			}
			filtered := strings.Contains(path, "artifactType=")
			if (res.header.Get("OCI-Filters-Applied") == "artifactType") != filtered {
				t.Fatalf("page %s: OCI-Filters-Applied %q", path, res.header.Get("OCI-Filters-Applied"))
			}
			path = ""
			if link := res.header.Get("Link"); link != "" {
				u, ok := strings.CutSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
				if !ok {
					t.Fatalf("Link %q", link)
				}
				path = strings.TrimPrefix(u, "http://registry.test")
				if filtered && !strings.Contains(path, "artifactType=application%2Fexample.sig") {
					t.Fatalf("next link %q lost the filter", path)
				}
			}
		}
		return pages, got
	}
	pages, got := follow("/v2/r/referrers/" + subject.digest.String())
	if pages != 2 || strings.Join(got, ",") != strings.Join(all, ",") {
		t.Fatalf("%d pages of %q, want 2 pages of %q", pages, got, all)
	}
	pages, got = follow("/v2/r/referrers/" + subject.digest.String() + "?artifactType=application/example.sig")
	if pages != (len(sigs)+1)/2 || strings.Join(got, ",") != strings.Join(sigs, ",") {
		t.Fatalf("%d pages of %q, want %d of %q", pages, got, (len(sigs)+1)/2, sigs)
	}
	run(t, reg, call{method: "GET", path: "/v2/r/referrers/" + subject.digest.String() + "?last=x", status: http.StatusBadRequest, code: "PAGINATION_NUMBER_INVALID"})
}

func TestTagsList(t *testing.T) {
	reg := newServer(server.Options{})
	im := newTestImage("tags", "")
	im.pushBlobs(t, reg, "r/s")
	// Pushed out of order; the list is sorted.
	for _, tag := range []string{"b", "a", "d", "c", "e"} {
		pushManifest(t, reg, "r/s", tag, "application/vnd.oci.image.manifest.v1+json", im.manifest)
	}
	tests := []struct {
		query string
		tags  []string
		link  string
	}{
		{"", []string{"a", "b", "c", "d", "e"}, ""},
		{"?n=2", []string{"a", "b"}, `<http://registry.test/v2/r/s/tags/list?last=b&n=2>; rel="next"`},
		{"?n=2&last=b", []string{"c", "d"}, `<http://registry.test/v2/r/s/tags/list?last=d&n=2>; rel="next"`},
		{"?n=2&last=d", []string{"e"}, ""},
		{"?n=5", []string{"a", "b", "c", "d", "e"}, ""},
		{"?n=4", []string{"a", "b", "c", "d"}, `<http://registry.test/v2/r/s/tags/list?last=d&n=4>; rel="next"`},
		{"?n=0", []string{}, ""},
		{"?last=c", []string{"d", "e"}, ""},
		{"?last=bb", []string{"c", "d", "e"}, ""},
		{"?last=e", []string{}, ""},
		{"?n=100&last=a", []string{"b", "c", "d", "e"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := run(t, reg, call{method: "GET", path: "/v2/r/s/tags/list" + tc.query, status: http.StatusOK,
				headers: map[string]string{"Link": tc.link, "Content-Type": "application/json"}})
			var got struct {
				Name string   `json:"name"`
				Tags []string `json:"tags"`
			}
			if err := json.Unmarshal(res.body, &got); err != nil {
				t.Fatal(err)
			}
			if got.Name != "r/s" || !reflect.DeepEqual(got.Tags, tc.tags) {
				t.Fatalf("got %s, want name r/s and tags %q", res.body, tc.tags)
			}
		})
	}
}

func TestTagsListFollowLinks(t *testing.T) {
	reg := newServer(server.Options{RelativeURLs: true})
	im := newTestImage("links", "")
	im.pushBlobs(t, reg, "r")
	var want []string
	for i := 0; i < 23; i++ {
		tag := fmt.Sprintf("t%02d", i)
		want = append(want, tag)
		pushManifest(t, reg, "r", tag, "application/vnd.oci.image.manifest.v1+json", im.manifest)
	}
	var got []string
	path := "/v2/r/tags/list?n=5"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		res := run(t, reg, call{method: "GET", path: path, status: http.StatusOK})
		var page struct {
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(res.body, &page); err != nil {
			t.Fatal(err)
		}
		got = append(got, page.Tags...)
		path = ""
		if link := res.header.Get("Link"); link != "" {
			if !strings.HasPrefix(link, "</v2/r/tags/list?") || !strings.HasSuffix(link, `>; rel="next"`) {
				t.Fatalf("Link %q is not a relative next link", link)
			}
			path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("tags %q, want %q", got, want)
	}
}

func TestCatalog(t *testing.T) {
	reg := newServer(server.Options{})
	for _, name := range []string{"c", "a/b", "a", "b"} {
		putBlob(t, reg, name, []byte(name))
	}
	tests := []struct {
		query string
		repos []string
		link  string
	}{
		{"", []string{"a", "a/b", "b", "c"}, ""},
		{"?n=2", []string{"a", "a/b"}, `<http://registry.test/v2/_catalog?last=a%2Fb&n=2>; rel="next"`},
		{"?n=2&last=a%2Fb", []string{"b", "c"}, ""},
		{"?n=0", []string{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := run(t, reg, call{method: "GET", path: "/v2/_catalog" + tc.query, status: http.StatusOK, headers: map[string]string{"Link": tc.link}})
			var got struct {
				Repositories []string `json:"repositories"`
			}
			if err := json.Unmarshal(res.body, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Repositories, tc.repos) {
				t.Fatalf("got %s, want %q", res.body, tc.repos)
			}
		})
	}

	// A repository emptied by deletes leaves the catalog.
	run(t, reg, call{method: "DELETE", path: "/v2/c/blobs/" + digest.FromString("c").String(), status: http.StatusAccepted})
	res := run(t, reg, call{method: "GET", path: "/v2/_catalog", status: http.StatusOK})
	if strings.Contains(string(res.body), `"c"`) {
		t.Fatalf("emptied repository still listed: %s", res.body)
	}
}

func TestReferrers(t *testing.T) {
	reg := newServer(server.Options{})
	im := newTestImage("subject", "")
	subjectBody := im.manifest
	subject := digest.FromBytes(subjectBody)
	im.push(t, reg, "r", "subject")
	// The config of the artifacts: the empty JSON object.
	putBlob(t, reg, "r", []byte("{}"))
	subjectField := `"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + subject.String() + `","size":` + fmt.Sprint(len(subjectBody)) + `}`

	// An artifact with an artifactType, an image whose config media type
	// stands for it, and an index.
	sig := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/example.sig",` +
		`"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[],` +
		subjectField + `,"annotations":{"org.example":"sig"}}`)
	sbom := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/example.sbom","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[],` +
		subjectField + `}`)
	idx := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"application/example.sig","manifests":[],` + subjectField + `}`)

	for _, m := range []struct {
		body []byte
		mt   string
	}{{sig, "application/vnd.oci.image.manifest.v1+json"}, {sbom, "application/vnd.oci.image.manifest.v1+json"}, {idx, "application/vnd.oci.image.index.v1+json"}} {
		d := digest.FromBytes(m.body)
		res := run(t, reg, call{method: "PUT", path: "/v2/r/manifests/" + d.String(), header: map[string]string{"Content-Type": m.mt},
			body: m.body, status: http.StatusCreated, headers: map[string]string{"OCI-Subject": subject.String()}})
		_ = res
	}

	sigDesc := descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromBytes(sig).String(), Size: int64(len(sig)),
		ArtifactType: "application/example.sig", Annotations: map[string]string{"org.example": "sig"}}
	sbomDesc := descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromBytes(sbom).String(), Size: int64(len(sbom)),
		ArtifactType: "application/example.sbom"}
	idxDesc := descriptor{MediaType: "application/vnd.oci.image.index.v1+json", Digest: digest.FromBytes(idx).String(), Size: int64(len(idx)),
		ArtifactType: "application/example.sig"}

	tests := []struct {
		name    string
		path    string
		want    []descriptor
		filters string
	}{
		{"all", "/v2/r/referrers/" + subject.String(), inDigestOrder(sigDesc, sbomDesc, idxDesc), ""},
		{"filtered", "/v2/r/referrers/" + subject.String() + "?artifactType=application/example.sig", inDigestOrder(sigDesc, idxDesc), "artifactType"},
		{"filter matching nothing", "/v2/r/referrers/" + subject.String() + "?artifactType=application/none", []descriptor{}, "artifactType"},
		{"no referrers", "/v2/r/referrers/" + digest.FromString("nothing").String(), []descriptor{}, ""},
		{"unknown repository", "/v2/unknown/referrers/" + subject.String(), []descriptor{}, ""},
		{"sha512 digest", "/v2/r/referrers/" + digest.SHA512.FromString("x").String(), []descriptor{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkReferrers(t, reg, tc.path, tc.want, tc.filters)
		})
	}
	run(t, reg, call{method: "GET", path: "/v2/r/referrers/sha256:bad", status: http.StatusBadRequest, code: "DIGEST_INVALID"})

	// Deleting the subject keeps its referrers listed; deleting a referrer
	// removes it.
	run(t, reg, call{method: "DELETE", path: "/v2/r/manifests/" + subject.String(), status: http.StatusAccepted})
	run(t, reg, call{method: "DELETE", path: "/v2/r/manifests/" + sbomDesc.Digest, status: http.StatusAccepted})
	checkReferrers(t, reg, "/v2/r/referrers/"+subject.String(), inDigestOrder(sigDesc, idxDesc), "")

	// Pushing a referrer again does not list it twice.
	pushManifest(t, reg, "r", "again", "application/vnd.oci.image.manifest.v1+json", sig)
	checkReferrers(t, reg, "/v2/r/referrers/"+subject.String(), inDigestOrder(sigDesc, idxDesc), "")
}

func checkReferrers(t *testing.T, reg http.Handler, path string, want []descriptor, filters string) {
	t.Helper()
	res := run(t, reg, call{method: "GET", path: path, status: http.StatusOK, headers: map[string]string{
		"Content-Type": "application/vnd.oci.image.index.v1+json", "OCI-Filters-Applied": filters}})
	var got index
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != 2 || got.MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Fatalf("index header fields wrong: %s", res.body)
	}
	if got.Manifests == nil || !reflect.DeepEqual(got.Manifests, want) {
		t.Fatalf("referrers\n got %+v\nwant %+v", got.Manifests, want)
	}
	if !strings.Contains(string(res.body), `"manifests":[`) {
		t.Fatalf("manifests must be a list: %s", res.body)
	}
}
