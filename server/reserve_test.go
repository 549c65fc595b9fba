package server_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/server"
)

// reservingStore bounds what the server may reserve, as a store bounding
// its memory does, and records the most reserved at once.
type reservingStore struct {
	*fakeStore
	mu             sync.Mutex
	limit, held    int64
	most, reserved int64 // the most held at once, and all reserved ever
}

func (s *reservingStore) Reserve(ctx context.Context, n int64) (func(), error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held+n > s.limit {
		return nil, errcode.ErrorCodeDenied.WithMessage("the store is full")
	}
	s.held += n
	s.reserved += n
	s.most = max(s.most, s.held)
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.held -= n
		})
	}, nil
}

// TestManifestBodiesAreReserved checks that a manifest body is reserved
// through a SpaceReserver while it is read: refused with DENIED when it
// does not fit, and given back once the store has the manifest.
func TestManifestBodiesAreReserved(t *testing.T) {
	config, layer := []byte(`{"reserved":true}`), []byte("a layer")
	body := imageManifest(config, [][]byte{layer}, nil)
	tests := []struct {
		name    string
		limit   int64
		stream  bool // sent without a Content-Length
		status  int
		minimum int64 // reserved at least
	}{
		{"fits", 1 << 20, false, http.StatusCreated, int64(len(body))},
		{"fits, streamed", 1 << 20, true, http.StatusCreated, int64(len(body))},
		{"fits closely, streamed", int64(len(body)) + 512, true, http.StatusCreated, int64(len(body))},
		{"does not fit", int64(len(body)) - 1, false, http.StatusForbidden, 0},
		{"does not fit, streamed", int64(len(body)) - 1, true, http.StatusForbidden, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &reservingStore{fakeStore: newFakeStore(), limit: tt.limit}
			srv, _ := newTestServer(t, store, server.Options{})
			pushBlob(t, srv.URL, "r", config)
			pushBlob(t, srv.URL, "r", layer)
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/v2/r/manifests/v1", nil)
			req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			if tt.stream {
				req.Body = readCloser{streamOf(body)}
				req.ContentLength = -1
			} else {
				req.Body, req.ContentLength = readCloser{streamOf(body)}, int64(len(body))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			store.mu.Lock()
			defer store.mu.Unlock()
			if store.held != 0 {
				t.Errorf("%d bytes still reserved after the request", store.held)
			}
			if store.reserved < tt.minimum {
				t.Errorf("%d bytes reserved for a body of %d", store.reserved, len(body))
			}
		})
	}
}
