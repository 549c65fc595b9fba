package server_test

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/server"
)

// recordingStore records which blob reading methods the server calls.
type recordingStore struct {
	*fakeStore
	mu    sync.Mutex
	calls []string
}

func (s *recordingStore) record(call string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, call)
}

func (s *recordingStore) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.calls
	s.calls = nil
	return out
}

func (s *recordingStore) ResolveBlob(ctx context.Context, repo string, d digest.Digest) (registry.Descriptor, error) {
	s.record("ResolveBlob")
	return s.fakeStore.ResolveBlob(ctx, repo, d)
}

func (s *recordingStore) GetBlob(ctx context.Context, repo string, d digest.Digest) (registry.BlobReader, error) {
	s.record("GetBlob")
	return s.fakeStore.GetBlob(ctx, repo, d)
}

func (s *recordingStore) GetBlobRange(ctx context.Context, repo string, d digest.Digest, start, end int64) (registry.BlobReader, error) {
	s.record("GetBlobRange")
	return s.fakeStore.GetBlobRange(ctx, repo, d, start, end)
}

// TestBlobReads checks each way of reading a blob: the status, the body,
// the Content-Range, and the store methods the server calls for it (HEAD
// only resolves; GET reads through GetBlob or GetBlobRange, resolving first
// only for a suffix or a range it cannot satisfy).
func TestBlobReads(t *testing.T) {
	store := &recordingStore{fakeStore: newFakeStore()}
	srv, _ := newTestServer(t, store, server.Options{})
	content := []byte("0123456789")
	d := pushBlob(t, srv.URL, "a/b", content)
	url := srv.URL + "/v2/a/b/blobs/" + d.String()
	tests := []struct {
		method, rng  string
		status       int
		body         string
		contentRange string
		calls        []string
	}{
		{http.MethodHead, "", http.StatusOK, "", "", []string{"ResolveBlob"}},
		{http.MethodHead, "bytes=1-2", http.StatusOK, "", "", []string{"ResolveBlob"}},
		{http.MethodGet, "", http.StatusOK, "0123456789", "", []string{"GetBlob"}},
		{http.MethodGet, "bytes=2-4", http.StatusPartialContent, "234", "bytes 2-4/10", []string{"GetBlobRange"}},
		{http.MethodGet, "bytes=7-", http.StatusPartialContent, "789", "bytes 7-9/10", []string{"GetBlobRange"}},
		{http.MethodGet, "bytes=8-100", http.StatusPartialContent, "89", "bytes 8-9/10", []string{"GetBlobRange"}},
		{http.MethodGet, "bytes=-3", http.StatusPartialContent, "789", "bytes 7-9/10", []string{"ResolveBlob", "GetBlobRange"}},
		{http.MethodGet, "bytes=-30", http.StatusPartialContent, "0123456789", "bytes 0-9/10", []string{"ResolveBlob", "GetBlobRange"}},
		{http.MethodGet, "bytes=10-", http.StatusRequestedRangeNotSatisfiable, "", "bytes */10", []string{"GetBlobRange", "ResolveBlob"}},
		{http.MethodGet, "bytes=5-2", http.StatusRequestedRangeNotSatisfiable, "", "bytes */10", []string{"ResolveBlob"}},
		{http.MethodGet, "bytes=-0", http.StatusRequestedRangeNotSatisfiable, "", "bytes */10", []string{"ResolveBlob"}},
		{http.MethodGet, "bytes=1-2,4-5", http.StatusOK, "0123456789", "", []string{"GetBlob"}},
		{http.MethodGet, "lines=1-2", http.StatusOK, "0123456789", "", []string{"GetBlob"}},
	}
	for _, tt := range tests {
		var h http.Header
		if tt.rng != "" {
			h = http.Header{"Range": {tt.rng}}
		}
		resp := do(t, tt.method, url, h, nil)
		calls := store.take()
		what := tt.method + " " + tt.rng
		if resp.status != tt.status {
			t.Errorf("%s: status %d, want %d (%s)", what, resp.status, tt.status, resp.body)
		}
		if tt.status != http.StatusRequestedRangeNotSatisfiable && string(resp.body) != tt.body {
			t.Errorf("%s: body %q, want %q", what, resp.body, tt.body)
		}
		if got := resp.header.Get("Content-Range"); got != tt.contentRange {
			t.Errorf("%s: Content-Range %q, want %q", what, got, tt.contentRange)
		}
		if !slices.Equal(calls, tt.calls) {
			t.Errorf("%s: the store was called %v, want %v", what, calls, tt.calls)
		}
		if tt.status < 300 && resp.header.Get("Docker-Content-Digest") != d.String() {
			t.Errorf("%s: Docker-Content-Digest %q", what, resp.header.Get("Docker-Content-Digest"))
		}
	}
}

// redirectingStore gives a URL for every blob but one.
type redirectingStore struct {
	*fakeStore
	served digest.Digest // served by the server itself
}

func (s *redirectingStore) BlobURL(ctx context.Context, repo string, d digest.Digest) (string, error) {
	if _, err := s.ResolveBlob(ctx, repo, d); err != nil {
		return "", err
	}
	if d == s.served {
		return "", nil
	}
	return "https://storage.example/" + repo + "/" + d.Encoded(), nil
}

// TestBlobRedirect checks that a GET of a blob a BlobRedirector gives a URL
// for is answered 307 to it, that HEAD is answered directly, and that a
// blob without a URL is served.
func TestBlobRedirect(t *testing.T) {
	store := &redirectingStore{fakeStore: newFakeStore()}
	srv, _ := newTestServer(t, store, server.Options{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	redirected := pushBlob(t, srv.URL, "a/b", []byte("far"))
	store.served = pushBlob(t, srv.URL, "a/b", []byte("near"))
	get := func(method string, d digest.Digest) *http.Response {
		req, _ := http.NewRequest(method, srv.URL+"/v2/a/b/blobs/"+d.String(), nil)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := get(http.MethodGet, redirected); resp.StatusCode != http.StatusTemporaryRedirect ||
		resp.Header.Get("Location") != "https://storage.example/a/b/"+redirected.Encoded() {
		t.Errorf("GET: %d to %q, want 307 to the store's URL", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp := get(http.MethodHead, redirected); resp.StatusCode != http.StatusOK || resp.ContentLength != 3 {
		t.Errorf("HEAD: %d, length %d; want 200, 3", resp.StatusCode, resp.ContentLength)
	}
	if resp := get(http.MethodGet, store.served); resp.StatusCode != http.StatusOK {
		t.Errorf("GET of a blob without a URL: %d, want 200", resp.StatusCode)
	}
	if resp := get(http.MethodGet, digest.FromString("absent")); resp.StatusCode != http.StatusNotFound {
		t.Errorf("GET of an absent blob: %d, want 404", resp.StatusCode)
	}
}
