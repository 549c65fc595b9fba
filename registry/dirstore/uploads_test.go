package dirstore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry/dirstore"
)

func TestUploadTTL(t *testing.T) {
	ctx := context.Background()
	const ttl = 200 * time.Millisecond
	s, dir := openTemp(t, dirstore.Options{UploadTTL: ttl})

	idle, err := s.PushBlobChunked(ctx, "ttl/repo")
	if err != nil {
		t.Fatal(err)
	}
	idle.Write([]byte("idle"))
	idle.Close()
	held, err := s.PushBlobChunked(ctx, "ttl/repo")
	if err != nil {
		t.Fatal(err)
	}
	held.Write([]byte("held"))
	active, err := s.PushBlobChunked(ctx, "ttl/repo")
	if err != nil {
		t.Fatal(err)
	}
	active.Close()

	// The active session receives bytes within every TTL; the held one
	// is held by its writer all along.
	deadline := time.Now().Add(3 * ttl)
	for time.Now().Before(deadline) {
		time.Sleep(ttl / 2)
		w, err := s.PushBlobChunkedResume(ctx, "ttl/repo", active.ID(), -1)
		if err != nil {
			t.Fatalf("an active session: %v", err)
		}
		w.Write([]byte("x"))
		w.Close()
	}
	if _, err := s.PushBlobChunkedResume(ctx, "ttl/repo", idle.ID(), -1); !errors.Is(err, errcode.ErrorCodeBlobUploadUnknown) {
		t.Errorf("a session idle for longer than the TTL: %v, want BLOB_UPLOAD_UNKNOWN", err)
	}
	if _, err := held.Write([]byte(" still")); err != nil {
		t.Fatal(err)
	}
	if _, err := held.Commit(digest.FromString("held still")); err != nil {
		t.Errorf("a session held for longer than the TTL: %v", err)
	}

	// The store removes idle sessions by itself.
	time.Sleep(1500 * time.Millisecond)
	entries, err := os.ReadDir(filepath.Join(dir, "uploads"))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 0 {
		t.Errorf("%d sessions left in the directory, want the idle ones removed", len(entries))
	}
}

func TestMaxUploads(t *testing.T) {
	ctx := context.Background()
	a, b := openTwo(t, dirstore.Options{MaxUploads: 2})
	w1, err := a.PushBlobChunked(ctx, "max/repo")
	if err != nil {
		t.Fatal(err)
	}
	w1.Close()
	w2, err := b.PushBlobChunked(ctx, "max/repo")
	if err != nil {
		t.Fatal(err)
	}
	// Sessions are counted in the directory, whichever Store opened them.
	for _, s := range []*dirstore.Store{a, b} {
		if _, err := s.PushBlobChunked(ctx, "max/repo"); !errors.Is(err, errcode.ErrorCodeDenied) {
			t.Errorf("a third session: %v, want DENIED", err)
		}
	}
	if err := w2.Cancel(); err != nil {
		t.Fatal(err)
	}
	w3, err := a.PushBlobChunked(ctx, "max/repo")
	if err != nil {
		t.Fatalf("a session after one was cancelled: %v", err)
	}
	w3.Cancel()
}

// TestCollectNeedsTheRegistryStopped runs Collect while a Store has the
// directory open, then after it is closed.
func TestCollectNeedsTheRegistryStopped(t *testing.T) {
	ctx := context.Background()
	s, dir := openTemp(t, dirstore.Options{})
	w, err := s.PushBlobChunked(ctx, "gc/repo")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("abandoned"))
	w.Close()
	if _, err := dirstore.Collect(dir, dirstore.CollectOptions{UploadTTL: time.Nanosecond}); err == nil {
		t.Fatal("Collect ran while a Store had the directory open")
	}
	if w, err = s.PushBlobChunkedResume(ctx, "gc/repo", w.ID(), 9); err != nil {
		t.Fatalf("the session after a refused Collect: %v", err)
	}
	w.Close()
	s.Close()
	st, err := dirstore.Collect(dir, dirstore.CollectOptions{UploadTTL: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if st.Uploads != 1 || st.UploadBytes < 9 {
		t.Errorf("Collect: %+v, want the abandoned session removed", st)
	}
	// A Store cannot open the directory while Collect runs, and can once
	// it has.
	s2, err := dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s2.Close()
	if _, err := dirstore.Collect(filepath.Join(dir, "missing"), dirstore.CollectOptions{}); err == nil {
		t.Error("Collect of a missing directory succeeded")
	}
}
