package conformance_test

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
)

// TestCleanRegistryPassesInProcess is the baseline of the broken-registry
// proofs: the in-memory registry, served as an HTTP server would serve it,
// passes every check of both versions with every feature.
func TestCleanRegistryPassesInProcess(t *testing.T) {
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		t.Run(string(spec), func(t *testing.T) {
			rep := check(t, headSafe(registry()), everything(spec))
			if f := failures(rep); len(f) > 0 {
				t.Errorf("failed: %v", f)
			}
			if s := skipped(rep); len(s) > 0 {
				t.Errorf("skipped: %v", s)
			}
		})
	}
}

// TestBrokenRegistries runs the suite against registries with one
// deviation each and checks that the right checks of the right endpoints
// catch it.
func TestBrokenRegistries(t *testing.T) {
	otherDigest := "sha256:" + strings.Repeat("ab", 32)
	tests := []struct {
		name      string
		spec      conformance.SpecVersion
		deviate   func(http.Handler) http.Handler
		mustFail  []string
		mustPass  []string
		reasonHas string // in the reason of the first of mustFail
	}{
		{
			name: "manifest push answers 200 instead of 201",
			deviate: edit(on(http.MethodPut, "/manifests/"), whenStatus(201, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Code = http.StatusOK
			})),
			mustFail:  []string{"end-7a/contract-status", "end-7a/put-manifest-tag"},
			reasonHas: "status 200",
		},
		{
			name: "upload start without Location",
			deviate: edit(on(http.MethodPost, "/blobs/uploads/"), whenStatus(202, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Del("Location")
			})),
			mustFail:  []string{"end-4a/contract-headers", "end-4a/post-session"},
			reasonHas: "Location is missing",
		},
		{
			name: "blob stored without a Location in the answer",
			deviate: edit(on(http.MethodPut, "/blobs/uploads/"), whenStatus(201, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Del("Location")
			})),
			mustFail:  []string{"end-6/put-monolithic", "end-6/contract-headers", "end-6/put-final-chunk"},
			mustPass:  []string{"end-2/get-blob", "end-2/get-blob-range", "end-7a/put-manifest-tag", "end-10/delete-blob"},
			reasonHas: "without a Location",
		},
		{
			name: "blob GET with a wrong Docker-Content-Digest",
			deviate: edit(on(http.MethodGet, "/blobs/sha256:"), whenStatus(200, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Set("Docker-Content-Digest", otherDigest)
			})),
			mustFail:  []string{"end-2/contract-digest", "end-2/get-blob"},
			reasonHas: "Docker-Content-Digest is " + otherDigest,
		},
		{
			name: "unknown manifest answered with BLOB_UNKNOWN",
			deviate: edit(on(http.MethodGet, "/manifests/"), whenStatus(404, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				setBody(rec, []byte(`{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}`))
			})),
			mustFail:  []string{"end-3/contract-errors"},
			mustPass:  []string{"end-3/get-manifest-missing"},
			reasonHas: "error code BLOB_UNKNOWN",
		},
		{
			name: "tags list ignores n",
			deviate: rewrite(on(http.MethodGet, "/tags/list"), func(r *http.Request) {
				q := r.URL.Query()
				q.Del("n")
				r.URL.RawQuery = q.Encode()
			}),
			mustFail:  []string{"end-8b/list-tags-n", "end-8b/list-tags-n-zero"},
			reasonHas: "n=2 listed",
		},
		{
			name: "upload status without Range",
			deviate: edit(on(http.MethodGet, "/blobs/uploads/"), whenStatus(204, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Del("Range")
			})),
			mustFail:  []string{"end-13/contract-headers", "end-13/upload-status"},
			reasonHas: "Range is missing",
		},
		{
			name: "chunk accepted without Range",
			deviate: edit(on(http.MethodPatch, "/blobs/uploads/"), whenStatus(202, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Del("Range")
			})),
			mustFail:  []string{"end-5/contract-headers", "end-5/patch-chunks"},
			reasonHas: "Range is missing",
		},
		{
			name: "referrers ignore artifactType but claim the filter",
			deviate: func(next http.Handler) http.Handler {
				strip := rewrite(on(http.MethodGet, "/referrers/"), func(r *http.Request) {
					if r.URL.Query().Has("artifactType") {
						r.Header.Set("X-Filter-Asked", "1")
						r.URL.RawQuery = ""
					}
				})
				claim := edit(on(http.MethodGet, "/referrers/"), func(r *http.Request, rec *httptest.ResponseRecorder) {
					if r.Header.Get("X-Filter-Asked") != "" {
						rec.Header().Set("OCI-Filters-Applied", "artifactType")
					}
				})
				return strip(claim(next))
			},
			mustFail:  []string{"end-12b/referrers-filter"},
			mustPass:  []string{"end-12b/contract-headers", "end-12a/referrers"},
			reasonHas: "claims the artifactType filter",
		},
		{
			name: "blob GET returns other bytes",
			deviate: edit(on(http.MethodGet, "/blobs/sha256:"), whenStatus(200, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				b := rec.Body.Bytes()
				if len(b) > 0 {
					b[len(b)/2] ^= 0xff
				}
			})),
			mustFail:  []string{"end-2/get-blob", "end-2/contract-digest"},
			reasonHas: "differs from what was pushed",
		},
		{
			name: "upload PUT accepts a digest that does not match",
			deviate: rewrite(on(http.MethodPut, "/blobs/uploads/"), func(r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				sum := sha256.Sum256(body)
				q := r.URL.Query()
				q.Set("digest", "sha256:"+hex.EncodeToString(sum[:]))
				r.URL.RawQuery = q.Encode()
				r.Body = io.NopCloser(strings.NewReader(string(body)))
			}),
			mustFail:  []string{"end-6/put-wrong-digest"},
			mustPass:  []string{"end-6/put-monolithic"},
			reasonHas: "answered 201",
		},
		{
			name: "tags Link without angle brackets",
			deviate: edit(on(http.MethodGet, "/tags/list"), func(_ *http.Request, rec *httptest.ResponseRecorder) {
				if l := rec.Header().Get("Link"); l != "" {
					rec.Header().Set("Link", strings.NewReplacer("<", "", ">", "").Replace(l))
				}
			}),
			mustFail:  []string{"end-8b/contract-headers", "end-8b/list-tags-pages"},
			reasonHas: "Link",
		},
		{
			name: "manifest push with a subject without OCI-Subject",
			deviate: edit(on(http.MethodPut, "/manifests/"), func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Del("OCI-Subject")
			}),
			mustFail:  []string{"end-7a/put-manifest-subject", "end-7a/put-manifest-subject-missing"},
			mustPass:  []string{"end-7a/contract-headers"},
			reasonHas: "OCI-Subject",
		},
		{
			name: "manifest served with another media type",
			deviate: edit(on(http.MethodGet, "/manifests/"), whenStatus(200, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Set("Content-Type", "application/json")
			})),
			mustFail:  []string{"end-3/get-manifest-tag", "end-3/get-manifest-digest"},
			reasonHas: "Content-Type",
		},
		{
			name: "tags listed in reverse",
			deviate: edit(on(http.MethodGet, "/tags/list"), whenStatus(200, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				var parts []string
				body := rec.Body.String()
				start, end := strings.Index(body, "["), strings.LastIndex(body, "]")
				if start < 0 || end <= start+1 {
					return
				}
				parts = strings.Split(body[start+1:end], ",")
				slices.Reverse(parts)
				setBody(rec, []byte(body[:start+1]+strings.Join(parts, ",")+body[end:]))
			})),
			mustFail:  []string{"end-8a/list-tags"},
			reasonHas: "lexical order",
		},
		{
			name: "an error body that is JSON but not the envelope",
			deviate: edit(on(http.MethodGet, "/blobs/sha256:"), whenStatus(404, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				setBody(rec, []byte(`{"error":"not here"}`))
			})),
			mustFail:  []string{"end-2/contract-errors"},
			mustPass:  []string{"end-2/get-blob-missing"},
			reasonHas: `no "errors" member`,
		},
		{
			name: "referrers answer 404 for a digest nothing refers to",
			deviate: edit(on(http.MethodGet, "/referrers/"), func(_ *http.Request, rec *httptest.ResponseRecorder) {
				if strings.Contains(rec.Body.String(), `"manifests":[]`) {
					rec.Code = http.StatusNotFound
					rec.Header().Set("Content-Type", "application/json")
					setBody(rec, []byte(`{"errors":[{"code":"NAME_UNKNOWN","message":"repository name not known to registry"}]}`))
				}
			}),
			mustFail:  []string{"end-12a/referrers-empty"},
			mustPass:  []string{"end-12a/contract-status", "end-12a/contract-errors"},
			reasonHas: "answered 404",
		},
		{
			name: "blob GET without Docker-Content-Digest, held to v1.1",
			spec: conformance.SpecV1_1,
			deviate: edit(on("", "/blobs/sha256:"), whenStatus(200, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Del("Docker-Content-Digest")
			})),
			mustPass: []string{"end-2/contract-headers", "end-2/get-blob", "end-2/head-blob"},
		},
		{
			name: "blob GET without Docker-Content-Digest, held to dev",
			spec: conformance.SpecDev,
			deviate: edit(on("", "/blobs/sha256:"), whenStatus(200, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Del("Docker-Content-Digest")
			})),
			mustFail:  []string{"end-2/contract-headers", "end-2/head-blob"},
			reasonHas: "Docker-Content-Digest is missing",
		},
		{
			name: "HEAD of a manifest without Content-Length, held to dev",
			spec: conformance.SpecDev,
			deviate: edit(on(http.MethodHead, "/manifests/"), whenStatus(200, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Del("Content-Length")
			})),
			mustFail:  []string{"end-3/contract-headers", "end-3/head-manifest-tag"},
			mustPass:  []string{"end-2/contract-headers"},
			reasonHas: "Content-Length is missing",
		},
		{
			name: "a chunk out of order accepted",
			deviate: edit(on(http.MethodPatch, "/blobs/uploads/"), whenStatus(416, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Code = http.StatusAccepted
				setBody(rec, nil)
			})),
			mustFail:  []string{"end-5/patch-out-of-order"},
			reasonHas: "answered 202",
		},
		{
			name: "upload status not offered",
			deviate: edit(on(http.MethodGet, "/blobs/uploads/"), func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Code = http.StatusBadRequest
				rec.Header().Del("Location")
				rec.Header().Del("Range")
				rec.Header().Set("Content-Type", "application/json")
				setBody(rec, []byte(`{"errors":[{"code":"BLOB_UPLOAD_INVALID","message":"no status here"}]}`))
			}),
			mustFail:  []string{"end-13/upload-status"},
			mustPass:  []string{"end-6/put-final-chunk", "end-13/contract-status", "end-13/contract-errors"},
			reasonHas: "answered 400",
		},
		{
			name: "a last chunk out of order fails the server",
			deviate: edit(on(http.MethodPut, "/blobs/uploads/"), whenStatus(416, func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Code = http.StatusInternalServerError
			})),
			mustFail:  []string{"end-6/put-out-of-order"},
			mustPass:  []string{"end-6/contract-status", "end-6/put-final-chunk"},
			reasonHas: "answered 500",
		},
		{
			name: "a range past the end of a blob answered with the blob",
			deviate: rewrite(on(http.MethodGet, "/blobs/sha256:"), func(r *http.Request) {
				if strings.HasPrefix(r.Header.Get("Range"), "bytes=") && !strings.Contains(r.Header.Get("Range"), "=-") {
					var start int
					if _, err := fmt.Sscanf(r.Header.Get("Range"), "bytes=%d-", &start); err == nil && start > 100 {
						r.Header.Del("Range")
					}
				}
			}),
			mustFail:  []string{"end-2/get-blob-range"},
			reasonHas: "answered 200",
		},
		{
			name: "referrers pages linked on another host",
			deviate: edit(on(http.MethodGet, "/referrers/"), whenStatus(200, func(r *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Set("Link", "<http://elsewhere.test"+r.URL.Path+">; rel=\"next\"")
			})),
			mustFail:  []string{"end-12a/referrers", "end-12a/referrers-empty"},
			mustPass:  []string{"end-12a/contract-headers"},
			reasonHas: "leaves the registry",
		},
		{
			name: "tags pages linked on another host",
			deviate: edit(on(http.MethodGet, "/tags/list"), whenStatus(200, func(r *http.Request, rec *httptest.ResponseRecorder) {
				if l := rec.Header().Get("Link"); l != "" {
					rec.Header().Set("Link", strings.Replace(l, "<", "<http://elsewhere.test", 1))
				}
			})),
			mustFail:  []string{"end-8b/list-tags-pages"},
			reasonHas: "leaves the registry",
		},
		{
			name: "referrers pages without end",
			deviate: edit(on(http.MethodGet, "/referrers/"), whenStatus(200, func(r *http.Request, rec *httptest.ResponseRecorder) {
				rec.Header().Set("Link", "<"+r.URL.RequestURI()+">; rel=\"next\"")
			})),
			mustFail:  []string{"end-12a/referrers"},
			reasonHas: "past 100 pages",
		},
		{
			name: "an honest server failure on tag listing",
			deviate: edit(on(http.MethodGet, "/tags/list"), func(_ *http.Request, rec *httptest.ResponseRecorder) {
				rec.Code = http.StatusServiceUnavailable
				rec.Header().Set("Content-Type", "application/json")
				rec.Header().Set("Retry-After", "5")
				setBody(rec, []byte(`{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}`))
			}),
			mustFail:  []string{"end-8a/list-tags"},
			mustPass:  []string{"end-8a/contract-status", "end-8a/contract-errors", "end-8a/contract-headers"},
			reasonHas: "a failure of the registry rather than of its contract",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			if spec == "" {
				spec = conformance.SpecDev
			}
			rep := check(t, tt.deviate(headSafe(registry())), everything(spec))
			for i, name := range tt.mustFail {
				endpoint, chk, _ := strings.Cut(name, "/")
				res, ok := rep.Result(endpoint, chk)
				if !ok {
					t.Fatalf("no result for %s", name)
				}
				if res.Status != conformance.Fail {
					t.Errorf("%s: %s, want fail (%s)", name, res.Status, res.Reason)
					continue
				}
				if i == 0 && !strings.Contains(res.Reason, tt.reasonHas) {
					t.Errorf("%s: reason %q does not mention %q", name, res.Reason, tt.reasonHas)
				}
			}
			for _, name := range tt.mustPass {
				endpoint, chk, _ := strings.Cut(name, "/")
				if res, _ := rep.Result(endpoint, chk); res.Status != conformance.Pass {
					t.Errorf("%s: %s, want pass (%s)", name, res.Status, res.Reason)
				}
			}
			t.Logf("failed: %v", failures(rep))
		})
	}
}
