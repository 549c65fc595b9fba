package registrytest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

func TestBase(t *testing.T) {
	reg := New(Options{})
	tests := []call{
		{method: "GET", path: "/v2/", status: http.StatusOK, headers: map[string]string{"Content-Type": "application/json"}},
		{method: "HEAD", path: "/v2/", status: http.StatusOK},
		// The router redirects the path without its final slash.
		{method: "GET", path: "/v2", status: http.StatusMovedPermanently},
		// Unclean paths and a missing final slash are redirected (the request
		// URL here is absolute, so the router keeps its scheme and host).
		{method: "GET", path: "/v2/a//b/tags/list", status: http.StatusMovedPermanently, headers: map[string]string{"Location": "http://registry.test/v2/a/b/tags/list"}},
		{method: "GET", path: "/v2/a/../b/tags/list", status: http.StatusMovedPermanently, headers: map[string]string{"Location": "http://registry.test/v2/b/tags/list"}},
		{method: "POST", path: "/v2/a/blobs/uploads", status: http.StatusMovedPermanently, headers: map[string]string{"Location": "http://registry.test/v2/a/blobs/uploads/"}},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) { run(t, reg, tc) })
	}
}

func TestBlobPushMethods(t *testing.T) {
	content := []byte("hello, registry")
	sha256d := digest.SHA256.FromBytes(content)
	sha512d := digest.SHA512.FromBytes(content)

	// Each case pushes content to a fresh registry and expects the final
	// answer to be 201, with the blob then pullable. Refused pushes are
	// rows of TestMalformedRequests.
	tests := []struct {
		name string
		push func(t *testing.T, reg *Registry) result
		dgst digest.Digest
	}{
		{
			name: "monolithic POST sha256",
			push: func(t *testing.T, reg *Registry) result {
				return serve(t, reg, "POST", "/v2/a/blobs/uploads/?digest="+sha256d.String(), nil, content)
			},
			dgst: sha256d,
		},
		{
			name: "monolithic POST sha512",
			push: func(t *testing.T, reg *Registry) result {
				return serve(t, reg, "POST", "/v2/a/blobs/uploads/?digest="+sha512d.String(), nil, content)
			},
			dgst: sha512d,
		},
		{
			name: "POST then PUT",
			push: func(t *testing.T, reg *Registry) result {
				loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
				return serve(t, reg, "PUT", loc+"?digest="+sha256d.String(), map[string]string{"Content-Type": "application/octet-stream"}, content)
			},
			dgst: sha256d,
		},
		{
			name: "POST with digest-algorithm then PUT sha512",
			push: func(t *testing.T, reg *Registry) result {
				loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest-algorithm=sha512", status: http.StatusAccepted}))
				return serve(t, reg, "PUT", loc+"?digest="+sha512d.String(), nil, content)
			},
			dgst: sha512d,
		},
		{
			name: "chunked PATCH then empty PUT",
			push: func(t *testing.T, reg *Registry) result {
				loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
				loc = location(t, run(t, reg, call{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "0-4"}, body: content[:5],
					status: http.StatusAccepted, headers: map[string]string{"Range": "0-4"}}))
				loc = location(t, run(t, reg, call{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "5-" + strconv.Itoa(len(content)-1)}, body: content[5:],
					status: http.StatusAccepted, headers: map[string]string{"Range": "0-" + strconv.Itoa(len(content)-1)}}))
				return serve(t, reg, "PUT", loc+"?digest="+sha256d.String(), nil, nil)
			},
			dgst: sha256d,
		},
		{
			name: "streamed PATCH without Content-Range",
			push: func(t *testing.T, reg *Registry) result {
				loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
				loc = location(t, run(t, reg, call{method: "PATCH", path: loc, body: content[:3], status: http.StatusAccepted, headers: map[string]string{"Range": "0-2"}}))
				loc = location(t, run(t, reg, call{method: "PATCH", path: loc, body: content[3:], status: http.StatusAccepted}))
				return serve(t, reg, "PUT", loc+"?digest="+sha256d.String(), nil, nil)
			},
			dgst: sha256d,
		},
		{
			name: "last chunk in the closing PUT",
			push: func(t *testing.T, reg *Registry) result {
				loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
				loc = location(t, run(t, reg, call{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "0-4"}, body: content[:5], status: http.StatusAccepted}))
				return serve(t, reg, "PUT", loc+"?digest="+sha256d.String(),
					map[string]string{"Content-Range": "5-" + strconv.Itoa(len(content)-1)}, content[5:])
			},
			dgst: sha256d,
		},
		{
			name: "empty blob",
			push: func(t *testing.T, reg *Registry) result {
				return serve(t, reg, "POST", "/v2/a/blobs/uploads/?digest="+digest.FromBytes(nil).String(), nil, nil)
			},
			dgst: digest.FromBytes(nil),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := New(Options{})
			res := tc.push(t, reg)
			if res.status != http.StatusCreated {
				t.Fatalf("status %d, want 201; body %s", res.status, res.body)
			}
			if got := res.header.Get("Docker-Content-Digest"); got != tc.dgst.String() {
				t.Fatalf("Docker-Content-Digest %q, want %q", got, tc.dgst)
			}
			loc := location(t, res)
			if want := "/v2/a/blobs/" + tc.dgst.String(); loc != want {
				t.Fatalf("Location %q, want %q", loc, want)
			}
			want := content
			if tc.dgst == digest.FromBytes(nil) {
				want = []byte{}
			}
			got := run(t, reg, call{method: "GET", path: loc, status: http.StatusOK, headers: map[string]string{
				"Docker-Content-Digest": tc.dgst.String(),
				"Content-Length":        strconv.Itoa(len(want)),
				"Content-Type":          "application/octet-stream",
			}})
			if !bytes.Equal(got.body, want) {
				t.Fatalf("pulled %q, want %q", got.body, want)
			}
		})
	}
}

func TestUploadSession(t *testing.T) {
	reg := New(Options{ChunkMinLength: 4})
	content := []byte("0123456789")
	d := digest.FromBytes(content)

	start := run(t, reg, call{method: "POST", path: "/v2/a/b/blobs/uploads/", status: http.StatusAccepted,
		headers: map[string]string{"OCI-Chunk-Min-Length": "4", "Range": "0-0", "Content-Length": "0"}})
	id := start.header.Get("Docker-Upload-UUID")
	loc := location(t, start)
	if id == "" || loc != "/v2/a/b/blobs/uploads/"+id {
		t.Fatalf("Location %q and Docker-Upload-UUID %q do not agree", loc, id)
	}

	steps := []call{
		// Out of order before anything was sent: 416, the session stays.
		{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "4-7"}, body: content[4:8], status: http.StatusRequestedRangeNotSatisfiable, code: "RANGE_INVALID"},
		{method: "GET", path: loc, status: http.StatusNoContent, headers: map[string]string{"Range": "0-0", "Docker-Upload-UUID": id}},
		{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "0-3"}, body: content[:4], status: http.StatusAccepted, headers: map[string]string{"Range": "0-3"}},
		// Resending the same chunk is out of order.
		{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "0-3"}, body: content[:4], status: http.StatusRequestedRangeNotSatisfiable, code: "RANGE_INVALID", headers: map[string]string{"Range": "0-3"}},
		// Skipping ahead is out of order.
		{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "5-8"}, body: content[5:9], status: http.StatusRequestedRangeNotSatisfiable, code: "RANGE_INVALID"},
		// Malformed ranges.
		{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "bytes 4-7"}, body: content[4:8], status: http.StatusRequestedRangeNotSatisfiable, code: "RANGE_INVALID"},
		{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "4-3"}, body: nil, status: http.StatusRequestedRangeNotSatisfiable, code: "RANGE_INVALID"},
		// The range announces 4 bytes but the body has 3.
		{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "4-7"}, body: content[4:7], status: http.StatusBadRequest, code: "SIZE_INVALID"},
		{method: "GET", path: loc, status: http.StatusNoContent, headers: map[string]string{"Range": "0-3", "Location": "http://registry.test" + loc}},
		// The session is not reachable through another repository.
		{method: "GET", path: "/v2/other/blobs/uploads/" + id, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
		{method: "PATCH", path: loc, header: map[string]string{"Content-Range": "4-9"}, body: content[4:], status: http.StatusAccepted, headers: map[string]string{"Range": "0-9"}},
		// A failed close leaves the session open.
		{method: "PUT", path: loc + "?digest=" + digest.FromString("x").String(), status: http.StatusBadRequest, code: "DIGEST_INVALID"},
		{method: "GET", path: loc, status: http.StatusNoContent, headers: map[string]string{"Range": "0-9"}},
		{method: "PUT", path: loc + "?digest=" + d.String(), status: http.StatusCreated, headers: map[string]string{"Docker-Content-Digest": d.String()}},
		// Closed sessions are gone.
		{method: "GET", path: loc, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
		{method: "PATCH", path: loc, body: content, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
		{method: "PUT", path: loc + "?digest=" + d.String(), status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
		{method: "DELETE", path: loc, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
		{method: "POST", path: loc, status: http.StatusMethodNotAllowed, code: "UNSUPPORTED"},
	}
	for i, c := range steps {
		t.Run(fmt.Sprintf("%02d %s %s", i, c.method, c.header["Content-Range"]), func(t *testing.T) { run(t, reg, c) })
	}
}

func TestUploadCancel(t *testing.T) {
	reg := New(Options{})
	loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	run(t, reg, call{method: "PATCH", path: loc, body: []byte("abc"), status: http.StatusAccepted})
	for _, c := range []call{
		{method: "DELETE", path: loc, status: http.StatusNoContent},
		{method: "GET", path: loc, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
		{method: "DELETE", path: loc, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
		{method: "DELETE", path: "/v2/a/blobs/uploads/never-issued", status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"},
	} {
		run(t, reg, c)
	}
}

func TestBlobLimits(t *testing.T) {
	reg := New(Options{MaxBlobSize: 8, MaxUploads: 2})
	small := []byte("12345678")
	big := []byte("123456789")
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + digest.FromBytes(small).String(), body: small, status: http.StatusCreated})
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + digest.FromBytes(big).String(), body: big,
		status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID"})

	loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	run(t, reg, call{method: "PATCH", path: loc, body: big[:5], status: http.StatusAccepted})
	run(t, reg, call{method: "PATCH", path: loc, body: big[5:], status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID"})
	// The refused chunk left the session as it was.
	run(t, reg, call{method: "GET", path: loc, status: http.StatusNoContent, headers: map[string]string{"Range": "0-4"}})

	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted})
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusTooManyRequests, code: "TOOMANYREQUESTS"})
	run(t, reg, call{method: "DELETE", path: loc, status: http.StatusNoContent})
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted})
}

func TestBlobPull(t *testing.T) {
	reg := New(Options{})
	content := bytes.Repeat([]byte("0123456789"), 10) // 100 bytes
	d := pushBlob(t, reg, "a", content)
	path := "/v2/a/blobs/" + d.String()

	tests := []struct {
		rangeHeader  string
		status       int
		contentRange string
		body         []byte
	}{
		{"", http.StatusOK, "", content},
		{"bytes=0-9", http.StatusPartialContent, "bytes 0-9/100", content[:10]},
		{"bytes=50-", http.StatusPartialContent, "bytes 50-99/100", content[50:]},
		{"bytes=-10", http.StatusPartialContent, "bytes 90-99/100", content[90:]},
		{"bytes=90-200", http.StatusPartialContent, "bytes 90-99/100", content[90:]},
		{"bytes=-200", http.StatusPartialContent, "bytes 0-99/100", content},
		{"bytes=99-99", http.StatusPartialContent, "bytes 99-99/100", content[99:]},
		{"bytes=100-", http.StatusRequestedRangeNotSatisfiable, "bytes */100", nil},
		{"bytes=500-1000", http.StatusRequestedRangeNotSatisfiable, "bytes */100", nil},
		{"bytes=50-0", http.StatusRequestedRangeNotSatisfiable, "bytes */100", nil},
		{"bytes=-0", http.StatusRequestedRangeNotSatisfiable, "bytes */100", nil},
		// Headers that are not one byte range are ignored (RFC 9110 14.2).
		{"bytes=0-1,5-6", http.StatusOK, "", content},
		{"items=0-1", http.StatusOK, "", content},
		{"bytes=a-b", http.StatusOK, "", content},
	}
	for _, tc := range tests {
		t.Run(tc.rangeHeader, func(t *testing.T) {
			var header map[string]string
			if tc.rangeHeader != "" {
				header = map[string]string{"Range": tc.rangeHeader}
			}
			res := serve(t, reg, "GET", path, header, nil)
			if res.status != tc.status {
				t.Fatalf("status %d, want %d", res.status, tc.status)
			}
			if got := res.header.Get("Content-Range"); got != tc.contentRange {
				t.Fatalf("Content-Range %q, want %q", got, tc.contentRange)
			}
			if tc.status == http.StatusRequestedRangeNotSatisfiable {
				if code := errorCode(t, res); code != "RANGE_INVALID" {
					t.Fatalf("code %q, want RANGE_INVALID", code)
				}
				return
			}
			if !bytes.Equal(res.body, tc.body) {
				t.Fatalf("body %q, want %q", res.body, tc.body)
			}
			if got := res.header.Get("Content-Length"); got != strconv.Itoa(len(tc.body)) {
				t.Fatalf("Content-Length %q, want %d", got, len(tc.body))
			}
			if got := res.header.Get("Docker-Content-Digest"); got != d.String() {
				t.Fatalf("Docker-Content-Digest %q, want %q", got, d)
			}
		})
	}

	head := run(t, reg, call{method: "HEAD", path: path, status: http.StatusOK, headers: map[string]string{
		"Content-Length": "100", "Docker-Content-Digest": d.String()}})
	if len(head.body) != 0 {
		t.Fatalf("HEAD sent a body of %d bytes", len(head.body))
	}
}

func TestBlobMount(t *testing.T) {
	content := []byte("mount me")
	d := digest.FromBytes(content)
	absent := digest.FromString("absent")
	tests := []struct {
		name     string
		opts     Options
		query    string
		status   int
		code     string
		location string
	}{
		{"from the source", Options{}, "mount=" + d.String() + "&from=src", http.StatusCreated, "", "/v2/dst/blobs/" + d.String()},
		{"from a repository without it", Options{}, "mount=" + d.String() + "&from=elsewhere", http.StatusAccepted, "", "/v2/dst/blobs/uploads/"},
		{"absent blob", Options{}, "mount=" + absent.String() + "&from=src", http.StatusAccepted, "", "/v2/dst/blobs/uploads/"},
		{"without from", Options{}, "mount=" + d.String(), http.StatusCreated, "", "/v2/dst/blobs/" + d.String()},
		{"without from, anonymous mount disabled", Options{DisableAnonymousMount: true}, "mount=" + d.String(), http.StatusAccepted, "", "/v2/dst/blobs/uploads/"},
		{"absent blob without from", Options{}, "mount=" + absent.String(), http.StatusAccepted, "", "/v2/dst/blobs/uploads/"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := New(tc.opts)
			pushBlob(t, reg, "src", content)
			res := run(t, reg, call{method: "POST", path: "/v2/dst/blobs/uploads/?" + tc.query, status: tc.status, code: tc.code})
			if tc.location == "" {
				return
			}
			loc := location(t, res)
			if !strings.HasPrefix(loc, tc.location) {
				t.Fatalf("Location %q, want prefix %q", loc, tc.location)
			}
			want := http.StatusNotFound
			if tc.status == http.StatusCreated {
				want = http.StatusOK
				if got := res.header.Get("Docker-Content-Digest"); got != d.String() {
					t.Fatalf("Docker-Content-Digest %q, want %q", got, d)
				}
			}
			run(t, reg, call{method: "GET", path: "/v2/dst/blobs/" + d.String(), status: want})
		})
	}
}

func TestBlobDelete(t *testing.T) {
	reg := New(Options{})
	d := pushBlob(t, reg, "a", []byte("x"))
	pushBlob(t, reg, "b", []byte("x"))
	for _, c := range []call{
		{method: "DELETE", path: "/v2/a/blobs/" + d.String(), status: http.StatusAccepted},
		{method: "GET", path: "/v2/a/blobs/" + d.String(), status: http.StatusNotFound, code: "BLOB_UNKNOWN"},
		{method: "DELETE", path: "/v2/a/blobs/" + d.String(), status: http.StatusNotFound, code: "BLOB_UNKNOWN"},
		// Other repositories keep their link.
		{method: "GET", path: "/v2/b/blobs/" + d.String(), status: http.StatusOK},
	} {
		run(t, reg, c)
	}
}

// TestMaxStorageDefault checks that storage is bounded unless a negative
// MaxStorage asks for no limit: a registry made with the zero Options holds
// at most DefaultMaxStorage bytes.
func TestMaxStorageDefault(t *testing.T) {
	for _, tt := range []struct {
		maxStorage int64
		fits       int64 // the most bytes that can be reserved, -1: any
	}{
		{0, DefaultMaxStorage},
		{10, 10},
		{-1, -1},
	} {
		reg := New(Options{MaxStorage: tt.maxStorage})
		limit := tt.fits
		if limit < 0 {
			limit = 1 << 62
		}
		if _, err := reg.mem.Reserve(context.Background(), limit); err != nil {
			t.Errorf("MaxStorage %d: %d bytes refused: %v", tt.maxStorage, limit, err)
		}
		if _, err := reg.mem.Reserve(context.Background(), 1); (err == nil) != (tt.fits < 0) {
			t.Errorf("MaxStorage %d: one more byte after %d: %v", tt.maxStorage, limit, err)
		}
	}
}

func TestMaxStorage(t *testing.T) {
	// Lenient, so that manifests of a few bytes are accepted and every
	// byte of the count can be followed.
	reg := New(Options{MaxStorage: 10, LenientManifests: true})
	six := []byte("123456")
	d6 := pushBlob(t, reg, "a", six)
	five := []byte("abcde")
	d5 := digest.FromBytes(five)
	manifest := []byte(`{"schemaVersion":2}`)
	// 6 + 5 > 10, whichever way the blob arrives.
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + d5.String(), body: five, status: http.StatusForbidden, code: "DENIED"})
	loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	run(t, reg, call{method: "PUT", path: loc + "?digest=" + d5.String(), body: five, status: http.StatusForbidden, code: "DENIED"})
	// A mount links the blob a second time and counts it again: 12 > 10.
	run(t, reg, call{method: "POST", path: "/v2/b/blobs/uploads/?mount=" + d6.String() + "&from=a", status: http.StatusForbidden, code: "DENIED"})
	run(t, reg, call{method: "PUT", path: "/v2/a/manifests/t", header: map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
		body: manifest, status: http.StatusForbidden, code: "DENIED"})
	// Pushing what is already there costs nothing.
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + d6.String(), body: six, status: http.StatusCreated})
	// Deleting frees the space.
	run(t, reg, call{method: "DELETE", path: "/v2/a/blobs/" + d6.String(), status: http.StatusAccepted})
	// (A session counts the memory it took, which near the bound may be
	// all that is left, and keeps it once closed: the blob goes in whole.)
	run(t, reg, call{method: "DELETE", path: loc, status: http.StatusNoContent})
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + d5.String(), body: five, status: http.StatusCreated})
	run(t, reg, call{method: "POST", path: "/v2/b/blobs/uploads/?mount=" + d5.String() + "&from=a", status: http.StatusCreated})
	run(t, reg, call{method: "DELETE", path: "/v2/a/blobs/" + d5.String(), status: http.StatusAccepted})
	run(t, reg, call{method: "DELETE", path: "/v2/b/blobs/" + d5.String(), status: http.StatusAccepted})
	// A tag name counts too: 2 bytes of manifest and 1 of tag. (The body
	// of a manifest push is held while the store keeps its copy: the push
	// needs room for both.)
	pushManifest(t, reg, "a", "t", "application/vnd.oci.image.manifest.v1+json", []byte(`{}`))
	held := func(want int64) {
		t.Helper()
		if got, err := reg.heldBytes(); err != nil || got != want {
			t.Fatalf("%d bytes held, want %d (%v)", got, want, err)
		}
	}
	held(3)
	// Reading a body takes space before the registry knows what it is: a
	// registry without room for the body refuses even a manifest it holds.
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + digest.FromString("123456").String(), body: []byte("123456"), status: http.StatusCreated})
	run(t, reg, call{method: "PUT", path: "/v2/a/manifests/t", header: map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"},
		body: []byte(`{}`), status: http.StatusForbidden, code: "DENIED"})
	run(t, reg, call{method: "DELETE", path: "/v2/a/blobs/" + digest.FromString("123456").String(), status: http.StatusAccepted})
	// Deleting the tag frees its byte; deleting the manifest the rest.
	run(t, reg, call{method: "DELETE", path: "/v2/a/manifests/t", status: http.StatusAccepted})
	held(2)
	run(t, reg, call{method: "DELETE", path: "/v2/a/manifests/" + digest.FromString(`{}`).String(), status: http.StatusAccepted})
	held(0)
	if err := reg.checkAccounting(); err != nil {
		t.Fatal(err)
	}
}

func TestUploadTTL(t *testing.T) {
	long := New(Options{UploadTTL: time.Hour})
	loc := location(t, run(t, long, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	run(t, long, call{method: "GET", path: loc, status: http.StatusNoContent})

	short := New(Options{UploadTTL: time.Minute, MaxUploads: 1})
	clock := stoppedClock(short)
	loc = location(t, run(t, short, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	clock.advance(time.Minute + time.Nanosecond)
	run(t, short, call{method: "PATCH", path: loc, body: []byte("x"), status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"})
	// The expired session no longer counts against MaxUploads.
	run(t, short, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted})
}

// TestMaxStorageSessions checks that the bytes of open upload sessions count
// against MaxStorage, and are freed when a session is cancelled or closed
// into a blob, or expires. (A session counts the memory it took, which near
// the bound may be more than it received: all that was left.)
func TestMaxStorageSessions(t *testing.T) {
	reg := New(Options{MaxStorage: 10})
	six, five, four := []byte("666666"), []byte("55555"), []byte("4444")
	a := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	run(t, reg, call{method: "PATCH", path: a, body: six, status: http.StatusAccepted})
	// 6 held by session a: 5 more do not fit, whichever way they come.
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + digest.FromBytes(five).String(), body: five, status: http.StatusForbidden, code: "DENIED"})
	b := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	run(t, reg, call{method: "PATCH", path: b, body: five, status: http.StatusForbidden, code: "DENIED"})
	run(t, reg, call{method: "GET", path: b, status: http.StatusNoContent, headers: map[string]string{"Range": "0-0"}})
	// Cancelling a frees its bytes.
	run(t, reg, call{method: "DELETE", path: a, status: http.StatusNoContent})
	run(t, reg, call{method: "PATCH", path: b, header: map[string]string{"Content-Range": "0-3"}, body: four, status: http.StatusAccepted})
	run(t, reg, call{method: "PATCH", path: b, header: map[string]string{"Content-Range": "4-8"}, body: five, status: http.StatusAccepted})
	whole := append(append([]byte{}, four...), five...)
	run(t, reg, call{method: "PUT", path: b + "?digest=" + digest.FromBytes(whole).String(), status: http.StatusCreated})
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + digest.FromString("2").String(), body: []byte("22"), status: http.StatusForbidden, code: "DENIED"})
	// Deleting the blob frees everything.
	run(t, reg, call{method: "DELETE", path: "/v2/a/blobs/" + digest.FromBytes(whole).String(), status: http.StatusAccepted})
	if held, err := reg.heldBytes(); err != nil || held != 0 {
		t.Fatalf("%d bytes held after the delete (%v)", held, err)
	}
	// A close whose last chunk does not fit leaves the session as it was.
	c := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	run(t, reg, call{method: "PATCH", path: c, body: six, status: http.StatusAccepted})
	withLast := append(append(append([]byte{}, six...), four...), 'x')
	run(t, reg, call{method: "PUT", path: c + "?digest=" + digest.FromBytes(withLast).String(), body: append(append([]byte{}, four...), 'x'), status: http.StatusForbidden, code: "DENIED"})
	run(t, reg, call{method: "GET", path: c, status: http.StatusNoContent, headers: map[string]string{"Range": "0-5"}})
	run(t, reg, call{method: "PUT", path: c + "?digest=" + digest.FromBytes(six).String(), status: http.StatusCreated})

	// Expired sessions make room.
	short := New(Options{MaxStorage: 10, UploadTTL: time.Minute})
	clock := stoppedClock(short)
	d := location(t, run(t, short, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	clock.advance(time.Minute) // idle for the whole TTL, not longer: still open
	run(t, short, call{method: "PATCH", path: d, body: six, status: http.StatusAccepted})
	clock.advance(time.Minute + time.Nanosecond)
	run(t, short, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + digest.FromBytes(six).String(), body: six, status: http.StatusCreated})
	run(t, short, call{method: "PATCH", path: d, body: four, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"})
}

// TestPushOfStoredDigestBounded pushes, under the digest of a blob the
// registry holds, a body over MaxBlobSize: it is read only up to the limit,
// refused with 413, and the blob is not linked.
func TestPushOfStoredDigestBounded(t *testing.T) {
	reg := New(Options{MaxBlobSize: 8})
	d := pushBlob(t, reg, "a", []byte("12345678"))
	run(t, reg, call{method: "POST", path: "/v2/b/blobs/uploads/?digest=" + d.String(), body: []byte("123456789"), status: http.StatusRequestEntityTooLarge, code: "SIZE_INVALID"})
	// Without a length, the body is read to the limit and one byte more.
	req := httptest.NewRequest("POST", "http://registry.test/v2/b/blobs/uploads/?digest="+d.String(), io.MultiReader(strings.NewReader("12345678"), strings.NewReader(strings.Repeat("x", 1<<20))))
	req.ContentLength = -1
	rec := httptest.NewRecorder()
	reg.ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("a body of unknown length over the limit: %d %s", rec.Code, rec.Body)
	}
	run(t, reg, call{method: "POST", path: "/v2/b/blobs/uploads/?digest=" + d.String(), body: []byte("1234567x"), status: http.StatusBadRequest, code: "DIGEST_INVALID"})
	run(t, reg, call{method: "GET", path: "/v2/b/blobs/" + d.String(), status: http.StatusNotFound})
	run(t, reg, call{method: "POST", path: "/v2/b/blobs/uploads/?digest=" + d.String(), body: []byte("12345678"), status: http.StatusCreated})
}
