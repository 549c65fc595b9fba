package server_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// step is one request of TestMalformedRequests and what it must get.
type step struct {
	method, path string
	header       map[string]string
	body         []byte
	status       int
	code         string            // first error code; checked unless the method is HEAD
	headers      map[string]string // response headers expected
}

// TestMalformedRequests sends malformed and impossible requests to the
// server over a store on a loopback port. Each must get the status and code
// the specification and distribution give the condition, as registrytest
// answers them. Rows with a session run in a fresh upload session ({s} in a
// path stands for its path), which the steps after the first check is still
// usable.
func TestMalformedRequests(t *testing.T) {
	const maxBlob = 64
	srv, _ := newTestServer(t, memstore.New(memstore.Options{}), server.Options{MaxBlobSize: maxBlob, MaxManifestSize: 512, MaxTagsPerPush: 2})

	blob := []byte("present")
	bd := pushBlob(t, srv.URL, "r", blob)
	mt := map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
	config, layer := []byte(`{"config":"malformed"}`), []byte("layer of malformed")
	pushBlob(t, srv.URL, "r", config)
	pushBlob(t, srv.URL, "r", layer)
	manifest := imageManifest(config, [][]byte{layer}, nil)
	md := digest.FromBytes(manifest)
	if resp := do(t, "PUT", srv.URL+"/v2/r/manifests/t", header(mt), manifest); resp.status != http.StatusCreated {
		t.Fatalf("pushing the manifest: %d %s", resp.status, resp.body)
	}

	missing := digest.FromString("missing").String()
	chunk := []byte("0123456789")
	cd := digest.FromBytes(chunk).String()
	long255 := strings.Repeat("a", 127) + "/" + strings.Repeat("b", 127)
	long256 := long255 + "c"
	tag129 := strings.Repeat("t", 129)
	big := []byte(strings.Repeat("z", maxBlob+1))
	inOrder := step{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "0-9"}, body: chunk, status: http.StatusAccepted,
		headers: map[string]string{"Range": "0-9"}}
	closeOK := step{method: "PUT", path: "{s}?digest=" + cd, status: http.StatusCreated, headers: map[string]string{"Docker-Content-Digest": cd}}

	tests := []struct {
		name    string
		session bool
		steps   []step
	}{
		// Unknown content.
		{name: "unknown blob", steps: []step{{method: "GET", path: "/v2/r/blobs/" + missing, status: 404, code: "BLOB_UNKNOWN"}}},
		{name: "unknown blob HEAD", steps: []step{{method: "HEAD", path: "/v2/r/blobs/" + missing, status: 404}}},
		{name: "unknown blob delete", steps: []step{{method: "DELETE", path: "/v2/r/blobs/" + missing, status: 404, code: "BLOB_UNKNOWN"}}},
		{name: "blob of an unknown repository", steps: []step{{method: "GET", path: "/v2/nobody/blobs/" + bd.String(), status: 404, code: "BLOB_UNKNOWN"}}},
		{name: "unknown manifest tag", steps: []step{{method: "GET", path: "/v2/r/manifests/missing", status: 404, code: "MANIFEST_UNKNOWN"}}},
		{name: "unknown manifest digest", steps: []step{{method: "GET", path: "/v2/r/manifests/" + missing, status: 404, code: "MANIFEST_UNKNOWN"}}},
		{name: "unknown manifest HEAD", steps: []step{{method: "HEAD", path: "/v2/r/manifests/missing", status: 404}}},
		{name: "unknown manifest delete", steps: []step{{method: "DELETE", path: "/v2/r/manifests/missing", status: 404, code: "MANIFEST_UNKNOWN"}}},
		// A store answers MANIFEST_UNKNOWN for an unknown repository too.
		{name: "manifest of an unknown repository", steps: []step{{method: "GET", path: "/v2/nobody/manifests/t", status: 404, code: "NAME_UNKNOWN"}}},
		{name: "tags of an unknown repository", steps: []step{{method: "GET", path: "/v2/nobody/tags/list", status: 404, code: "NAME_UNKNOWN"}}},
		{name: "unknown upload GET", steps: []step{{method: "GET", path: "/v2/r/blobs/uploads/never-issued", status: 404, code: "BLOB_UPLOAD_UNKNOWN"}}},
		{name: "unknown upload PATCH", steps: []step{{method: "PATCH", path: "/v2/r/blobs/uploads/never-issued", body: chunk, status: 404, code: "BLOB_UPLOAD_UNKNOWN"}}},
		{name: "unknown upload PUT", steps: []step{{method: "PUT", path: "/v2/r/blobs/uploads/never-issued?digest=" + cd, status: 404, code: "BLOB_UPLOAD_UNKNOWN"}}},
		{name: "unknown upload DELETE", steps: []step{{method: "DELETE", path: "/v2/r/blobs/uploads/never-issued", status: 404, code: "BLOB_UPLOAD_UNKNOWN"}}},
		{name: "session through another repository", session: true, steps: []step{
			{method: "GET", path: "{other}", status: 404, code: "BLOB_UPLOAD_UNKNOWN"},
			{method: "PATCH", path: "{other}", body: chunk, status: 404, code: "BLOB_UPLOAD_UNKNOWN"},
			inOrder, closeOK}},

		// Names.
		{name: "255 characters is a valid name", steps: []step{{method: "GET", path: "/v2/" + long255 + "/tags/list", status: 404, code: "NAME_UNKNOWN"}}},
		{name: "separators", steps: []step{{method: "GET", path: "/v2/a.b_c__d--e/f/tags/list", status: 404, code: "NAME_UNKNOWN"}}},
		{name: "256 characters tags", steps: []step{{method: "GET", path: "/v2/" + long256 + "/tags/list", status: 400, code: "NAME_INVALID"}}},
		{name: "256 characters manifest", steps: []step{{method: "PUT", path: "/v2/" + long256 + "/manifests/latest", header: mt, body: manifest, status: 400, code: "NAME_INVALID"}}},
		{name: "256 characters blob", steps: []step{{method: "GET", path: "/v2/" + long256 + "/blobs/" + bd.String(), status: 400, code: "NAME_INVALID"}}},
		{name: "256 characters upload", steps: []step{{method: "POST", path: "/v2/" + long256 + "/blobs/uploads/", status: 400, code: "NAME_INVALID"}}},
		{name: "256 characters session", steps: []step{{method: "PATCH", path: "/v2/" + long256 + "/blobs/uploads/abc", body: chunk, status: 400, code: "NAME_INVALID"}}},
		{name: "256 characters referrers", steps: []step{{method: "GET", path: "/v2/" + long256 + "/referrers/" + bd.String(), status: 400, code: "NAME_INVALID"}}},
		{name: "1800 characters", steps: []step{{method: "GET", path: "/v2/" + strings.Repeat("abcdefgh/", 200) + "x/tags/list", status: 400, code: "NAME_INVALID"}}},
		{name: "upper case component", steps: []step{{method: "GET", path: "/v2/Library/alpine/tags/list", status: 400, code: "NAME_INVALID"}}},
		{name: "upper case single component", steps: []step{{method: "GET", path: "/v2/UPPER/manifests/latest", status: 400, code: "NAME_INVALID"}}},
		{name: "upper case push", steps: []step{{method: "POST", path: "/v2/Up/blobs/uploads/?digest=" + bd.String(), body: blob, status: 400, code: "NAME_INVALID"}}},
		{name: "domain and port", steps: []step{{method: "GET", path: "/v2/localhost:5000/alpine/manifests/latest", status: 400, code: "NAME_INVALID"}}},
		{name: "leading separator", steps: []step{{method: "GET", path: "/v2/-a/tags/list", status: 400, code: "NAME_INVALID"}}},
		{name: "trailing separator", steps: []step{{method: "GET", path: "/v2/a-/blobs/" + bd.String(), status: 400, code: "NAME_INVALID"}}},
		{name: "triple underscore", steps: []step{{method: "GET", path: "/v2/a___b/tags/list", status: 400, code: "NAME_INVALID"}}},
		{name: "escaped percent", steps: []step{{method: "GET", path: "/v2/a%25b/tags/list", status: 400, code: "NAME_INVALID"}}},
		{name: "mount from an invalid name", steps: []step{{method: "POST", path: "/v2/r2/blobs/uploads/?mount=" + bd.String() + "&from=Src", status: 400, code: "NAME_INVALID"}}},

		// Digests.
		{name: "push with malformed digest", steps: []step{{method: "POST", path: "/v2/r/blobs/uploads/?digest=sha256:xyz", body: blob, status: 400, code: "DIGEST_INVALID"}}},
		{name: "push with unsupported algorithm", steps: []step{{method: "POST", path: "/v2/r/blobs/uploads/?digest=md5:d41d8cd98f00b204e9800998ecf8427e", body: blob, status: 400, code: "DIGEST_INVALID"}}},
		{name: "push with wrong digest", steps: []step{{method: "POST", path: "/v2/r/blobs/uploads/?digest=" + missing, body: blob, status: 400, code: "DIGEST_INVALID"}}},
		{name: "push with empty digest", steps: []step{{method: "POST", path: "/v2/r/blobs/uploads/?digest=", body: blob, status: 400, code: "DIGEST_INVALID"}}},
		{name: "unsupported digest-algorithm", steps: []step{{method: "POST", path: "/v2/r/blobs/uploads/?digest-algorithm=md5", status: 400, code: "DIGEST_INVALID"}}},
		{name: "mount with malformed digest", steps: []step{{method: "POST", path: "/v2/r2/blobs/uploads/?mount=sha256:nothex&from=r", status: 400, code: "DIGEST_INVALID"}}},
		{name: "manifest push by malformed digest", steps: []step{{method: "PUT", path: "/v2/r/manifests/sha256:baddigeststring", header: mt, body: manifest, status: 400, code: "DIGEST_INVALID"}}},
		{name: "manifest push by wrong digest", steps: []step{{method: "PUT", path: "/v2/r/manifests/" + missing, header: mt, body: manifest, status: 400, code: "DIGEST_INVALID"}}},
		// A digest the route pattern admits but go-digest refuses.
		{name: "GET blob with short digest", steps: []step{{method: "GET", path: "/v2/r/blobs/sha256:short", status: 400, code: "DIGEST_INVALID"}}},
		{name: "GET blob with unsupported algorithm", steps: []step{{method: "GET", path: "/v2/r/blobs/md5:d41d8cd98f00b204e9800998ecf8427e", status: 400, code: "DIGEST_INVALID"}}},
		{name: "DELETE blob with short digest", steps: []step{{method: "DELETE", path: "/v2/r/blobs/sha256:0", status: 400, code: "DIGEST_INVALID"}}},
		{name: "GET manifest with short digest", steps: []step{{method: "GET", path: "/v2/r/manifests/sha256:totallywrong", status: 400, code: "DIGEST_INVALID"}}},
		{name: "referrers with short digest", steps: []step{{method: "GET", path: "/v2/r/referrers/sha256:bad", status: 400, code: "DIGEST_INVALID"}}},
		// A digest the route pattern refuses: no route matches.
		{name: "GET blob without algorithm", steps: []step{{method: "GET", path: "/v2/r/blobs/notadigest", status: 404, code: "UNSUPPORTED"}}},
		{name: "GET manifest with overlong tag", steps: []step{{method: "GET", path: "/v2/r/manifests/" + tag129, status: 404, code: "UNSUPPORTED"}}},

		// Manifests.
		{name: "manifest not JSON", steps: []step{{method: "PUT", path: "/v2/r/manifests/bad", header: mt, body: []byte("not json"), status: 400, code: "MANIFEST_INVALID"}}},
		{name: "manifest JSON array", steps: []step{{method: "PUT", path: "/v2/r/manifests/bad", header: mt, body: []byte("[]"), status: 400, code: "MANIFEST_INVALID"}}},
		{name: "manifest truncated", steps: []step{{method: "PUT", path: "/v2/r/manifests/bad", header: mt, body: []byte(`{"schemaVersion":2,`), status: 400, code: "MANIFEST_INVALID"}}},
		{name: "manifest with wrongly typed field", steps: []step{{method: "PUT", path: "/v2/r/manifests/bad", header: mt, body: []byte(`{"layers":{}}`), status: 400, code: "MANIFEST_INVALID"}}},
		{name: "manifest empty body", steps: []step{{method: "PUT", path: "/v2/r/manifests/bad", header: mt, status: 400, code: "MANIFEST_INVALID"}}},
		{name: "manifest over the limit", steps: []step{{method: "PUT", path: "/v2/r/manifests/bad", header: mt,
			body: []byte(`{"schemaVersion":2,"annotations":{"a":"` + strings.Repeat("a", 512) + `"}}`), status: 413, code: "SIZE_INVALID"}}},
		{name: "invalid tag parameter", steps: []step{{method: "PUT", path: "/v2/r/manifests/" + md.String() + "?tag=-bad", header: mt, body: manifest, status: 400, code: "TAG_INVALID"}}},
		{name: "too many tag parameters", steps: []step{{method: "PUT", path: "/v2/r/manifests/" + md.String() + "?tag=a&tag=b&tag=c", header: mt, body: manifest, status: 414, code: "TAG_INVALID"}}},

		// Pagination.
		{name: "tags n negative", steps: []step{{method: "GET", path: "/v2/r/tags/list?n=-1", status: 400, code: "PAGINATION_NUMBER_INVALID"}}},
		{name: "tags n not a number", steps: []step{{method: "GET", path: "/v2/r/tags/list?n=x", status: 400, code: "PAGINATION_NUMBER_INVALID"}}},
		{name: "tags n empty", steps: []step{{method: "GET", path: "/v2/r/tags/list?n=", status: 400, code: "PAGINATION_NUMBER_INVALID"}}},
		{name: "tags n fraction", steps: []step{{method: "GET", path: "/v2/r/tags/list?n=1.5", status: 400, code: "PAGINATION_NUMBER_INVALID"}}},
		{name: "tags n overflowing", steps: []step{{method: "GET", path: "/v2/r/tags/list?n=99999999999999999999", status: 400, code: "PAGINATION_NUMBER_INVALID"}}},
		{name: "catalog n negative", steps: []step{{method: "GET", path: "/v2/_catalog?n=-5", status: 400, code: "PAGINATION_NUMBER_INVALID"}}},
		{name: "catalog n not a number", steps: []step{{method: "GET", path: "/v2/_catalog?n=ten", status: 400, code: "PAGINATION_NUMBER_INVALID"}}},

		// Chunks and sessions: each failure leaves the session usable.
		{name: "chunk out of order", session: true, steps: []step{
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "5-14"}, body: chunk, status: 416, code: "RANGE_INVALID", headers: map[string]string{"Range": "0-0"}},
			inOrder, closeOK}},
		{name: "chunk repeated", session: true, steps: []step{
			inOrder,
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "0-9"}, body: chunk, status: 416, code: "RANGE_INVALID", headers: map[string]string{"Range": "0-9"}},
			closeOK}},
		{name: "chunk range malformed", session: true, steps: []step{
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "bytes 0-9"}, body: chunk, status: 416, code: "RANGE_INVALID"},
			inOrder, closeOK}},
		{name: "chunk range reversed", session: true, steps: []step{
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "9-0"}, body: chunk, status: 416, code: "RANGE_INVALID"},
			inOrder, closeOK}},
		{name: "chunk shorter than its range", session: true, steps: []step{
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "0-19"}, body: chunk, status: 400, code: "SIZE_INVALID"},
			inOrder, closeOK}},
		{name: "chunk range beyond int64", session: true, steps: []step{
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "0-9223372036854775806"}, body: chunk, status: 413, code: "SIZE_INVALID"},
			// Its length, 2^63, is no int64.
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "0-9223372036854775807"}, body: chunk, status: 416, code: "RANGE_INVALID"},
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "0-99999999999999999999"}, body: chunk, status: 416, code: "RANGE_INVALID"},
			inOrder, closeOK}},
		{name: "chunk range over the blob limit", session: true, steps: []step{
			{method: "PATCH", path: "{s}", header: map[string]string{"Content-Range": "0-64"}, body: big, status: 413, code: "SIZE_INVALID"},
			inOrder, closeOK}},
		{name: "streamed chunk over the blob limit", session: true, steps: []step{
			{method: "PATCH", path: "{s}", body: big, status: 413, code: "SIZE_INVALID"},
			inOrder, closeOK}},
		{name: "monolithic push over the blob limit", steps: []step{{method: "POST", path: "/v2/r/blobs/uploads/?digest=" + digest.FromBytes(big).String(), body: big, status: 413, code: "SIZE_INVALID"}}},
		{name: "close with wrong digest", session: true, steps: []step{
			inOrder,
			{method: "PUT", path: "{s}?digest=" + missing, status: 400, code: "DIGEST_INVALID"},
			{method: "GET", path: "{s}", status: 204, headers: map[string]string{"Range": "0-9"}},
			closeOK}},
		{name: "close with wrong digest and last chunk", session: true, steps: []step{
			{method: "PUT", path: "{s}?digest=" + missing, header: map[string]string{"Content-Range": "0-9"}, body: chunk, status: 400, code: "DIGEST_INVALID"},
			{method: "GET", path: "{s}", status: 204, headers: map[string]string{"Range": "0-0"}},
			{method: "PUT", path: "{s}?digest=" + cd, header: map[string]string{"Content-Range": "0-9"}, body: chunk, status: 201}}},
		{name: "close with malformed digest", session: true, steps: []step{
			inOrder,
			{method: "PUT", path: "{s}?digest=sha256:nothex", status: 400, code: "DIGEST_INVALID"},
			closeOK}},
		{name: "close without digest", session: true, steps: []step{
			inOrder,
			{method: "PUT", path: "{s}", status: 400, code: "DIGEST_INVALID"},
			closeOK}},
		{name: "close with chunk out of order", session: true, steps: []step{
			inOrder,
			{method: "PUT", path: "{s}?digest=" + cd, header: map[string]string{"Content-Range": "11-12"}, body: []byte("ab"), status: 416, code: "RANGE_INVALID"},
			closeOK}},

		// Methods and paths.
		{name: "POST on the base", steps: []step{{method: "POST", path: "/v2/", status: 405, code: "UNSUPPORTED"}}},
		{name: "PUT on a blob", steps: []step{{method: "PUT", path: "/v2/r/blobs/" + bd.String(), body: blob, status: 405, code: "UNSUPPORTED"}}},
		{name: "POST on a manifest", steps: []step{{method: "POST", path: "/v2/r/manifests/t", status: 405, code: "UNSUPPORTED"}}},
		{name: "PUT on the tags list", steps: []step{{method: "PUT", path: "/v2/r/tags/list", status: 405, code: "UNSUPPORTED"}}},
		{name: "POST on a session", session: true, steps: []step{{method: "POST", path: "{s}", status: 405, code: "UNSUPPORTED"}, inOrder, closeOK}},
		{name: "other API version", steps: []step{{method: "GET", path: "/v3/", status: 404, code: "UNSUPPORTED"}}},
		{name: "unknown endpoint", steps: []step{{method: "GET", path: "/v2/foo/bar/unknown", status: 404, code: "UNSUPPORTED"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var session, other string
			if tc.session {
				resp := do(t, "POST", srv.URL+"/v2/s/blobs/uploads/", nil, nil)
				if resp.status != http.StatusAccepted {
					t.Fatalf("opening a session: %d", resp.status)
				}
				session = strings.TrimPrefix(resp.header.Get("Location"), srv.URL)
				other = strings.Replace(session, "/v2/s/", "/v2/other/", 1)
			}
			for i, s := range tc.steps {
				path := strings.NewReplacer("{s}", session, "{other}", other).Replace(s.path)
				resp := do(t, s.method, srv.URL+path, header(s.header), s.body)
				if resp.status != s.status {
					t.Fatalf("step %d: %s %s: status %d, want %d: %s", i, s.method, path, resp.status, s.status, resp.body)
				}
				if s.code != "" && s.method != "HEAD" {
					if got := codes(resp.body); len(got) == 0 || got[0] != s.code {
						t.Fatalf("step %d: %s %s: codes %v, want %s first", i, s.method, path, got, s.code)
					}
				}
				for k, want := range s.headers {
					if got := resp.header.Get(k); got != want {
						t.Fatalf("step %d: %s %s: header %s = %q, want %q", i, s.method, path, k, got, want)
					}
				}
			}
		})
	}
}

// header makes a request header of a map.
func header(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}
