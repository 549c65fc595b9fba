package server_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/server"
)

// failingStore is a store whose blob reads fail with err, the rest being
// a fake store's.
type failingStore struct {
	*fakeStore
	err error
}

func (s failingStore) ResolveBlob(context.Context, string, digest.Digest) (registry.Descriptor, error) {
	return registry.Descriptor{}, s.err
}

func (s failingStore) GetBlob(context.Context, string, digest.Digest) (registry.BlobReader, error) {
	return nil, s.err
}

func (s failingStore) GetBlobRange(context.Context, string, digest.Digest, int64, int64) (registry.BlobReader, error) {
	return nil, s.err
}

// TestStoreErrors checks how the errors of a store are answered: a code,
// bare or wrapped, with that code's status and its own message and detail,
// never the text that wraps it; an error without a code with 500 UNKNOWN
// and no text, logged for the operator.
func TestStoreErrors(t *testing.T) {
	const secret = "secret path /x"
	tests := []struct {
		name   string
		err    error
		status int
		code   errcode.ErrorCode
		detail string // in the body, when not empty
		logged bool
	}{
		{"code", errcode.ErrorCodeBlobUnknown, http.StatusNotFound, errcode.ErrorCodeBlobUnknown, "", false},
		{"wrapped code", fmt.Errorf(secret+": %w", errcode.ErrorCodeBlobUnknown), http.StatusNotFound, errcode.ErrorCodeBlobUnknown, "", false},
		{"wrapped entry with detail", fmt.Errorf(secret+": %w", errcode.ErrorCodeDenied.WithDetail("quota of team")), http.StatusForbidden, errcode.ErrorCodeDenied, "quota of team", false},
		{"plain error", errors.New(secret), http.StatusInternalServerError, errcode.ErrorCodeUnknown, "", true},
		{"wrapped plain error", fmt.Errorf("reading: %w", errors.New(secret)), http.StatusInternalServerError, errcode.ErrorCodeUnknown, "", true},
	}
	blob := []byte("some content")
	d := digest.FromBytes(blob)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := newFakeStore()
			srv, logs := newTestServer(t, failingStore{store, tt.err}, server.Options{})
			pushBlob(t, srv.URL, "a/b", blob)
			url := srv.URL + "/v2/a/b/blobs/" + d.String()
			for _, req := range []struct {
				method string
				header http.Header
			}{
				{http.MethodHead, nil},
				{http.MethodGet, nil},
				{http.MethodGet, http.Header{"Range": {"bytes=2-5"}}},
				{http.MethodGet, http.Header{"Range": {"bytes=-5"}}},
			} {
				what := fmt.Sprintf("%s %v", req.method, req.header)
				resp := do(t, req.method, url, req.header, nil)
				if resp.status != tt.status {
					t.Errorf("%s: status %d, want %d", what, resp.status, tt.status)
				}
				noText(t, what, resp, "secret")
				if req.method == http.MethodHead {
					continue
				}
				if got := codes(resp.body); len(got) != 1 || got[0] != tt.code.String() {
					t.Errorf("%s: codes %v, want %s", what, got, tt.code)
				}
				if tt.detail != "" && !strings.Contains(string(resp.body), tt.detail) {
					t.Errorf("%s: the detail %q is not in %s", what, tt.detail, resp.body)
				}
			}
			if got := strings.Contains(logs.String(), secret); got != tt.logged {
				t.Errorf("logged %v, want %v: %q", got, tt.logged, logs.String())
			}
		})
	}
}
