package server_test

import (
	"net/http"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// TestManifestOfUnknownRepository checks that a manifest GET, HEAD or
// DELETE names what is missing: NAME_UNKNOWN when the repository is not
// known, MANIFEST_UNKNOWN when only the manifest is.
func TestManifestOfUnknownRepository(t *testing.T) {
	srv, _ := newTestServer(t, memstore.New(memstore.Options{}), server.Options{})
	pushBlob(t, srv.URL, "known", []byte("a blob makes the repository"))
	missing := digest.FromString("missing").String()
	for _, tt := range []struct {
		method, path string
		code         errcode.ErrorCode
	}{
		{"GET", "/v2/nobody/manifests/t", errcode.ErrorCodeNameUnknown},
		{"HEAD", "/v2/nobody/manifests/" + missing, errcode.ErrorCodeNameUnknown},
		{"DELETE", "/v2/nobody/manifests/" + missing, errcode.ErrorCodeNameUnknown},
		{"DELETE", "/v2/nobody/manifests/t", errcode.ErrorCodeNameUnknown},
		{"GET", "/v2/known/manifests/t", errcode.ErrorCodeManifestUnknown},
		{"HEAD", "/v2/known/manifests/" + missing, errcode.ErrorCodeManifestUnknown},
		{"DELETE", "/v2/known/manifests/" + missing, errcode.ErrorCodeManifestUnknown},
	} {
		resp := do(t, tt.method, srv.URL+tt.path, nil, nil)
		if resp.status != http.StatusNotFound {
			t.Errorf("%s %s: status %d, want 404", tt.method, tt.path, resp.status)
			continue
		}
		if tt.method != "HEAD" && !hasCode(resp.body, tt.code) {
			t.Errorf("%s %s: %s, want %s", tt.method, tt.path, resp.body, tt.code)
		}
	}
}

// TestTooManyUploadSessions checks that a store's limit of open sessions,
// which the memory store reports as DENIED and TOOMANYREQUESTS at once, is
// answered 429 TOOMANYREQUESTS with Retry-After, which clients retry.
func TestTooManyUploadSessions(t *testing.T) {
	srv, _ := newTestServer(t, memstore.New(memstore.Options{MaxUploads: 1}), server.Options{})
	if resp := do(t, "POST", srv.URL+"/v2/a/blobs/uploads/", nil, nil); resp.status != http.StatusAccepted {
		t.Fatalf("first session: %d %s", resp.status, resp.body)
	}
	resp := do(t, "POST", srv.URL+"/v2/a/blobs/uploads/", nil, nil)
	if resp.status != http.StatusTooManyRequests || !hasCode(resp.body, errcode.ErrorCodeTooManyRequests) || resp.header.Get("Retry-After") != "1" {
		t.Fatalf("second session: %d Retry-After %q %s, want 429 TOOMANYREQUESTS with Retry-After 1", resp.status, resp.header.Get("Retry-After"), resp.body)
	}
}
