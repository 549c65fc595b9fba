package server_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// failingStore is a memory store whose chosen blob reads fail with err;
// the others read the memory store.
type failingStore struct {
	*memstore.Store
	err  error
	fail map[string]bool // the names of the methods that fail
}

func (s failingStore) ResolveBlob(ctx context.Context, repo string, d digest.Digest) (registry.Descriptor, error) {
	if s.fail["ResolveBlob"] {
		return registry.Descriptor{}, s.err
	}
	return s.Store.ResolveBlob(ctx, repo, d)
}

func (s failingStore) GetBlob(ctx context.Context, repo string, d digest.Digest) (registry.BlobReader, error) {
	if s.fail["GetBlob"] {
		return nil, s.err
	}
	return s.Store.GetBlob(ctx, repo, d)
}

func (s failingStore) GetBlobRange(ctx context.Context, repo string, d digest.Digest, start, end int64) (registry.BlobReader, error) {
	if s.fail["GetBlobRange"] {
		return nil, s.err
	}
	return s.Store.GetBlobRange(ctx, repo, d, start, end)
}

// TestStoreErrors checks how the errors of a store's blob reads are
// answered, each of ResolveBlob, GetBlob and GetBlobRange failing alone and
// all three at once: a code, bare or wrapped, with that code's status and
// its own message and detail, never the text that wraps it; an error
// without a code with 500 UNKNOWN and no text, logged for the operator. A
// request that does not call a failing method is answered as usual.
func TestStoreErrors(t *testing.T) {
	const secret = "secret path /x"
	errs := []struct {
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
		{"wrapped too many requests", fmt.Errorf(secret+": %w", errcode.ErrorCodeTooManyRequests), http.StatusTooManyRequests, errcode.ErrorCodeTooManyRequests, "", false},
		{"plain error", errors.New(secret), http.StatusInternalServerError, errcode.ErrorCodeUnknown, "", true},
		{"wrapped plain error", fmt.Errorf("reading: %w", errors.New(secret)), http.StatusInternalServerError, errcode.ErrorCodeUnknown, "", true},
	}
	// The requests, the methods each calls, and its answer when none fails.
	requests := []struct {
		method  string
		header  http.Header
		calls   []string
		status  int
		errCode string // the code of an answer that is an error when none fails
	}{
		{http.MethodHead, nil, []string{"ResolveBlob"}, http.StatusOK, ""},
		{http.MethodGet, nil, []string{"GetBlob"}, http.StatusOK, ""},
		{http.MethodGet, http.Header{"Range": {"bytes=2-5"}}, []string{"GetBlobRange"}, http.StatusPartialContent, ""},
		{http.MethodGet, http.Header{"Range": {"bytes=-5"}}, []string{"ResolveBlob", "GetBlobRange"}, http.StatusPartialContent, ""},
		{http.MethodGet, http.Header{"Range": {"bytes=100-"}}, []string{"GetBlobRange", "ResolveBlob"}, http.StatusRequestedRangeNotSatisfiable, errcode.ErrorCodeRangeInvalid.String()},
	}
	failing := [][]string{{"ResolveBlob"}, {"GetBlob"}, {"GetBlobRange"}, {"ResolveBlob", "GetBlob", "GetBlobRange"}}
	blob := []byte("some content")
	d := digest.FromBytes(blob)
	for _, tt := range errs {
		for _, methods := range failing {
			t.Run(tt.name+"/"+strings.Join(methods, "+"), func(t *testing.T) {
				store := memstore.New(memstore.Options{})
				defer store.Close()
				fail := map[string]bool{}
				for _, m := range methods {
					fail[m] = true
				}
				srv, logs := newTestServer(t, failingStore{store, tt.err, fail}, server.Options{})
				pushBlob(t, srv.URL, "a/b", blob)
				url := srv.URL + "/v2/a/b/blobs/" + d.String()
				failed := false
				for _, req := range requests {
					what := fmt.Sprintf("%s %v", req.method, req.header)
					status, code := req.status, req.errCode
					if slices.ContainsFunc(req.calls, func(m string) bool { return fail[m] }) {
						status, code = tt.status, tt.code.String()
						failed = true
					}
					resp := do(t, req.method, url, req.header, nil)
					if resp.status != status {
						t.Errorf("%s: status %d, want %d", what, resp.status, status)
					}
					noText(t, what, resp, "secret")
					if req.method == http.MethodHead || code == "" {
						continue
					}
					if got := codes(resp.body); len(got) != 1 || got[0] != code {
						t.Errorf("%s: codes %v, want %s", what, got, code)
					}
					if code == tt.code.String() && tt.detail != "" && !strings.Contains(string(resp.body), tt.detail) {
						t.Errorf("%s: the detail %q is not in %s", what, tt.detail, resp.body)
					}
				}
				if got := strings.Contains(logs.String(), secret); got != (tt.logged && failed) {
					t.Errorf("logged %v, want %v: %q", got, tt.logged && failed, logs.String())
				}
			})
		}
	}
}

// brokenStore is a memory store whose other methods fail with an error
// without a code.
type brokenStore struct {
	*memstore.Store
}

var errBroken = errors.New("secret: the disk is on fire")

func (brokenStore) PushManifest(context.Context, string, registry.Manifest, ...string) (registry.Descriptor, error) {
	return registry.Descriptor{}, errBroken
}

func (brokenStore) PushBlobChunked(context.Context, string) (registry.BlobWriter, error) {
	return nil, errBroken
}

func (brokenStore) GetManifest(context.Context, string, string) (registry.BlobReader, error) {
	return nil, errBroken
}

func (brokenStore) Tags(context.Context, string, string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) { yield("", errBroken) }
}

func (brokenStore) Referrers(context.Context, string, digest.Digest, string, digest.Digest) iter.Seq2[registry.Descriptor, error] {
	return func(yield func(registry.Descriptor, error) bool) {
		if yield(registry.Descriptor{MediaType: "a/b", Digest: digest.FromString("r"), Size: 1}, nil) {
			yield(registry.Descriptor{}, errBroken)
		}
	}
}

// TestStoreFailures checks that a store failing in each kind of request
// is answered 500 UNKNOWN, without its text, and logged.
func TestStoreFailures(t *testing.T) {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	srv, logs := newTestServer(t, brokenStore{store}, server.Options{})
	config, layer := []byte("{}"), []byte("layer")
	pushBlob(t, srv.URL, "r", config)
	pushBlob(t, srv.URL, "r", layer)
	tests := []struct {
		method, path string
		header       http.Header
		body         []byte
	}{
		{http.MethodPut, "/v2/r/manifests/v1", http.Header{"Content-Type": {"application/vnd.oci.image.manifest.v1+json"}}, imageManifest(config, [][]byte{layer}, nil)},
		{http.MethodPost, "/v2/r/blobs/uploads/", nil, nil},
		{http.MethodGet, "/v2/r/manifests/v1", nil, nil},
		{http.MethodGet, "/v2/r/tags/list", nil, nil},
		{http.MethodGet, "/v2/r/referrers/" + digest.FromString("s").String(), nil, nil},
	}
	for _, tt := range tests {
		resp := do(t, tt.method, srv.URL+tt.path, tt.header, tt.body)
		what := tt.method + " " + tt.path
		if resp.status != http.StatusInternalServerError || !hasCode(resp.body, errcode.ErrorCodeUnknown) {
			t.Errorf("%s: %d %s, want 500 UNKNOWN", what, resp.status, resp.body)
		}
		noText(t, what, resp, "secret")
	}
	if n := strings.Count(logs.String(), errBroken.Error()); n != len(tests) {
		t.Errorf("%d failures logged, want %d: %s", n, len(tests), logs.String())
	}
}

// shortStore is a memory store whose blobs read shorter than described.
type shortStore struct {
	*memstore.Store
}

type shortReader struct {
	registry.BlobReader
}

func (r shortReader) Read(p []byte) (int, error) {
	if len(p) > 2 {
		p = p[:2]
	}
	n, err := r.BlobReader.Read(p)
	if err == nil {
		err = io.EOF
	}
	return n, err
}

func (s shortStore) GetBlob(ctx context.Context, repo string, d digest.Digest) (registry.BlobReader, error) {
	r, err := s.Store.GetBlob(ctx, repo, d)
	if err != nil {
		return nil, err
	}
	return shortReader{r}, nil
}

// TestShortContentIsLogged checks that content a store reads short of
// what it described is logged, and that the client sees the body end
// short of its Content-Length rather than as complete.
func TestShortContentIsLogged(t *testing.T) {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	srv, logs := newTestServer(t, shortStore{store}, server.Options{})
	d := pushBlob(t, srv.URL, "r", []byte("0123456789"))
	resp, err := http.Get(srv.URL + "/v2/r/blobs/" + d.String())
	if err != nil {
		t.Fatal(err)
	}
	_, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Errorf("the client read a short body as complete")
	}
	if !strings.Contains(logs.String(), "sending content") {
		t.Errorf("nothing logged: %q", logs.String())
	}
}
