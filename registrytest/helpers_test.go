package registrytest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

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

// errorCode decodes the first code of an error envelope.
func errorCode(t *testing.T, res result) string {
	t.Helper()
	if ct := res.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error response Content-Type %q, want application/json", ct)
	}
	var env struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(res.body, &env); err != nil {
		t.Fatalf("error body %q does not decode: %v", res.body, err)
	}
	if len(env.Errors) == 0 {
		t.Fatalf("error body %q has no errors", res.body)
	}
	return env.Errors[0].Code
}

// pushBlob uploads content monolithically to repository name.
func pushBlob(t *testing.T, h http.Handler, name string, content []byte) digest.Digest {
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

// imageManifest returns an OCI image manifest with the given config and
// layers, and extra top-level JSON fields (raw, without braces) if any.
func imageManifest(config digest.Digest, configSize int, layers []digest.Digest, extra string) []byte {
	var b strings.Builder
	b.WriteString(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`)
	b.WriteString(`"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + config.String() + `","size":` + strconv.Itoa(configSize) + `},"layers":[`)
	for i, l := range layers {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + l.String() + `","size":1}`)
	}
	b.WriteString("]")
	if extra != "" {
		b.WriteString("," + extra)
	}
	b.WriteString("}")
	return []byte(b.String())
}
