package memstore

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// TestUploadTTLFromLastByte checks that a session is idle from the last
// byte a writer added: a writer that adds none, as a server asking where
// the session stands, does not keep it.
func TestUploadTTLFromLastByte(t *testing.T) {
	clock := newClock()
	s := New(Options{UploadTTL: time.Minute, Now: clock.now})
	a := &testSession{s: s, repo: "r"}
	if err := errors.Join(a.open(), a.write("123")(), a.w.Close()); err != nil {
		t.Fatal(err)
	}
	clock.advance(50 * time.Second)
	if err := errors.Join(a.resume(), a.w.Close()); err != nil {
		t.Fatalf("a look within the TTL: %v", err)
	}
	clock.advance(20 * time.Second)
	if err := a.resume(); !errors.Is(err, errcode.ErrorCodeBlobUploadUnknown) {
		t.Fatalf("resumed 70s after the last byte, 20s after the last look: %v, want BLOB_UPLOAD_UNKNOWN", err)
	}
}

// TestBlobDir checks that with Options.BlobDir a blob's content is a file
// of the directory, read whole and by range from it, shared by the
// repositories linking the blob, counted against MaxStorage, and removed
// with the blob's last link or by Close.
func TestBlobDir(t *testing.T) {
	dir := t.TempDir()
	s := New(Options{BlobDir: dir, MaxStorage: 100})
	content := []byte("content kept in a file")
	d := digest.FromBytes(content)
	files := func() []string {
		t.Helper()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}
	if _, err := s.PushBlob(ctx, "a", registry.Descriptor{Digest: d, Size: int64(len(content))}, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	w, err := s.PushBlobChunked(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(d); err != nil {
		t.Fatal(err)
	}
	if got := files(); len(got) != 1 {
		t.Fatalf("files %q, want one", got)
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, files()[0]))
	if err != nil || !bytes.Equal(onDisk, content) {
		t.Fatalf("the file holds %q, %v", onDisk, err)
	}
	for _, tt := range []struct {
		start, end int64
		want       string
	}{{0, -1, string(content)}, {8, 12, "kept"}, {int64(len(content)), -1, ""}} {
		rd, err := s.GetBlobRange(ctx, "b", d, tt.start, tt.end)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(rd)
		rd.Close()
		if err != nil || string(got) != tt.want || rd.Descriptor().Size != int64(len(content)) {
			t.Errorf("range %d-%d: %q %v, want %q", tt.start, tt.end, got, err, tt.want)
		}
	}
	// The file counts as the memory did: 23 bytes once, the rest free.
	if _, err := s.Reserve(ctx, 100-int64(len(content))+1); err == nil {
		t.Errorf("more reserved than the file leaves")
	}
	release, err := s.Reserve(ctx, 100-int64(len(content)))
	if err != nil {
		t.Fatalf("what the file leaves could not be reserved: %v", err)
	}
	release()
	if err := s.DeleteBlob(ctx, "a", d); err != nil {
		t.Fatal(err)
	}
	if got := files(); len(got) != 1 {
		t.Fatalf("files %q after deleting one of two links", got)
	}
	if err := s.DeleteBlob(ctx, "b", d); err != nil {
		t.Fatal(err)
	}
	if got := files(); len(got) != 0 {
		t.Fatalf("files %q after deleting the last link", got)
	}
	if _, err := s.PushBlob(ctx, "c", registry.Descriptor{Digest: d, Size: int64(len(content))}, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got := files(); len(got) != 0 {
		t.Fatalf("files %q after Close", got)
	}
}
