package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// quotaStore refuses to let a session hold more than quota bytes, with
// DENIED, as a full store does.
type quotaStore struct {
	*fakeStore
	quota int64
}

func (s quotaStore) PushBlobChunkedResume(ctx context.Context, repo, id string, offset int64) (registry.BlobWriter, error) {
	w, err := s.fakeStore.PushBlobChunkedResume(ctx, repo, id, offset)
	if err != nil {
		return nil, err
	}
	return &quotaWriter{fakeWriter: w.(*fakeWriter), quota: s.quota}, nil
}

type quotaWriter struct {
	*fakeWriter
	quota int64
}

func (w *quotaWriter) Write(p []byte) (int, error) {
	if room := w.quota - w.Size(); int64(len(p)) > room {
		n, _ := w.fakeWriter.Write(p[:max(room, 0)])
		return n, errcode.ErrorCodeDenied.WithMessage("the store is full")
	}
	return w.fakeWriter.Write(p)
}

// streamOf returns a reader that net/http sends without a Content-Length.
func streamOf(b []byte) io.Reader {
	return io.MultiReader(strings.NewReader(string(b)))
}

// TestRefusedChunksAreTakenBack checks that a chunk the server or the
// store refuses after part of it was written leaves the session as it was
// before the request, through the store's Rollback.
func TestRefusedChunksAreTakenBack(t *testing.T) {
	tests := []struct {
		name   string
		store  func() registry.Interface
		opts   server.Options
		chunk  []byte
		status int
		code   errcode.ErrorCode
	}{
		{"streamed over MaxBlobSize", func() registry.Interface { return newFakeStore() }, server.Options{MaxBlobSize: 20},
			[]byte(strings.Repeat("x", 30)), http.StatusRequestEntityTooLarge, errcode.ErrorCodeSizeInvalid},
		{"over the store's quota", func() registry.Interface { return quotaStore{newFakeStore(), 25} }, server.Options{},
			[]byte(strings.Repeat("x", 30)), http.StatusForbidden, errcode.ErrorCodeDenied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, tt.store(), tt.opts)
			resp := do(t, http.MethodPost, srv.URL+"/v2/r/blobs/uploads/", nil, nil)
			session := resp.header.Get("Location")
			first := []byte("0123456789")
			if resp := do(t, http.MethodPatch, session, nil, first); resp.status != http.StatusAccepted {
				t.Fatalf("first chunk: %d %s", resp.status, resp.body)
			}
			req, _ := http.NewRequest(http.MethodPatch, session, streamOf(tt.chunk))
			r, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if r.StatusCode != tt.status || !hasCode(body, tt.code) {
				t.Fatalf("refused chunk: %d %s, want %d %s", r.StatusCode, body, tt.status, tt.code)
			}
			if resp := do(t, http.MethodGet, session, nil, nil); resp.header.Get("Range") != "0-9" {
				t.Errorf("after the refused chunk the session holds %q, want 0-9", resp.header.Get("Range"))
			}
			if resp := do(t, http.MethodPut, session+"?digest="+digest.FromBytes(first).String(), nil, nil); resp.status != http.StatusCreated {
				t.Errorf("closing: %d %s", resp.status, resp.body)
			}
		})
	}
}

// TestStalledChunkKeepsWhatArrived sends part of a chunk and stalls: the
// server cuts it after BodyTimeout with 408 and the session keeps the bytes
// that arrived, so that the client can resume.
func TestStalledChunkKeepsWhatArrived(t *testing.T) {
	srv, _ := newTestServer(t, newFakeStore(), server.Options{BodyTimeout: 200 * time.Millisecond})
	session := do(t, http.MethodPost, srv.URL+"/v2/r/blobs/uploads/", nil, nil).header.Get("Location")
	path := strings.TrimPrefix(session, srv.URL)
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PATCH %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 100\r\n\r\n0123456789", path, srv.Listener.Addr())
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("stalled chunk: %d, want 408", resp.StatusCode)
	}
	if got := do(t, http.MethodGet, session, nil, nil).header.Get("Range"); got != "0-9" {
		t.Errorf("the session holds %q after the cut, want 0-9", got)
	}
}

// TestStalledBodies checks that every kind of request with a body is cut
// with 408 when the body stalls, whoever reads it (the server, or the
// store it hands the body to), and that nothing is stored.
func TestStalledBodies(t *testing.T) {
	blob := []byte("0123456789")
	d := digest.FromBytes(blob)
	tests := []struct {
		name, method, path, contentType string
		absent                          string // what must not exist after the cut
	}{
		{"monolithic upload", http.MethodPost, "/v2/r/blobs/uploads/?digest=" + d.String(), "", "/v2/r/blobs/" + d.String()},
		{"manifest", http.MethodPut, "/v2/r/manifests/v1", "application/vnd.oci.image.manifest.v1+json", "/v2/r/manifests/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := memstore.New(memstore.Options{})
			defer store.Close()
			srv, logs := newTestServer(t, store, server.Options{BodyTimeout: 200 * time.Millisecond})
			conn, err := net.Dial("tcp", srv.Listener.Addr().String())
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\nContent-Length: 100\r\n\r\n{\"schemaVersion\"", tt.method, tt.path, srv.Listener.Addr(), tt.contentType)
			_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
			resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("stalled body: %d, want 408", resp.StatusCode)
			}
			if got := do(t, http.MethodHead, srv.URL+tt.absent, nil, nil).status; got != http.StatusNotFound {
				t.Errorf("HEAD %s after the cut: %d, want 404", tt.absent, got)
			}
			if logs.String() != "" {
				t.Errorf("a client's stall was logged as the store's failure: %s", logs.String())
			}
		})
	}
}
