package server_test

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/server"
)

// growStore records the sizes the server announces to its writers through
// registry.GrowBlobWriter.
type growStore struct {
	*fakeStore
	mu    sync.Mutex
	grown []int64
}

type growWriter struct {
	registry.BlobWriter
	s *growStore
}

func (w growWriter) Grow(n int64) {
	w.s.mu.Lock()
	defer w.s.mu.Unlock()
	w.s.grown = append(w.s.grown, n)
}

func (s *growStore) PushBlobChunkedResume(ctx context.Context, repo, id string, offset int64) (registry.BlobWriter, error) {
	w, err := s.fakeStore.PushBlobChunkedResume(ctx, repo, id, offset)
	if err != nil {
		return nil, err
	}
	return growWriter{w, s}, nil
}

// TestChunkSizeIsAnnounced checks that the server tells a GrowBlobWriter
// the Content-Length of a chunk before writing it, within MaxBlobSize, and
// announces nothing for a chunk it refuses for its length.
func TestChunkSizeIsAnnounced(t *testing.T) {
	content := []byte("a chunk of known length")
	n := int64(len(content))
	tests := []struct {
		name   string
		method string
		stream bool  // sent without a Content-Length
		max    int64 // MaxBlobSize
		status int
		want   []int64
	}{
		{"PATCH", http.MethodPatch, false, 0, http.StatusAccepted, []int64{n}},
		{"PUT with the body", http.MethodPut, false, 0, http.StatusCreated, []int64{n}},
		{"PATCH streamed", http.MethodPatch, true, 0, http.StatusAccepted, []int64{-1}},
		{"PATCH over MaxBlobSize", http.MethodPatch, false, n - 1, http.StatusRequestEntityTooLarge, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &growStore{fakeStore: newFakeStore()}
			srv, _ := newTestServer(t, store, server.Options{MaxBlobSize: tt.max})
			start := do(t, http.MethodPost, srv.URL+"/v2/r/blobs/uploads/", nil, nil)
			if start.status != http.StatusAccepted {
				t.Fatalf("POST: %d %s", start.status, start.body)
			}
			url := start.header.Get("Location")
			if tt.method == http.MethodPut {
				sep := "?"
				if strings.Contains(url, "?") {
					sep = "&"
				}
				url += sep + "digest=" + digest.FromBytes(content).String()
			}
			req, _ := http.NewRequest(tt.method, url, nil)
			req.Header.Set("Content-Type", "application/octet-stream")
			if tt.stream {
				req.Body, req.ContentLength = readCloser{streamOf(content)}, -1
			} else {
				req.Body, req.ContentLength = readCloser{streamOf(content)}, n
				req.Header.Set("Content-Range", "0-"+strconv.FormatInt(n-1, 10))
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
			if !slices.Equal(store.grown, tt.want) {
				t.Errorf("Grow called with %v, want %v", store.grown, tt.want)
			}
		})
	}
}
