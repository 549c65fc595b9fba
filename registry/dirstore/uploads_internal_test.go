package dirstore

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestResumeDropsAnUnfinishedChunk appends to a session's data what a
// process killed in the middle of a chunk leaves there: bytes its record
// does not count. A resumed writer drops them.
func TestResumeDropsAnUnfinishedChunk(t *testing.T) {
	ctx := context.Background()
	s, err := Open(t.TempDir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	w, err := s.PushBlobChunked(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("kept "))
	w.Close()
	f, err := os.OpenFile(filepath.Join(s.uploads, w.ID(), uploadData), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("half a chunk"))
	f.Close()

	w, err = s.PushBlobChunkedResume(ctx, "r", w.ID(), -1)
	if err != nil {
		t.Fatal(err)
	}
	if w.Size() != 5 {
		t.Fatalf("the resumed session holds %d bytes, want 5", w.Size())
	}
	w.Write([]byte("and more"))
	desc, err := w.Commit(digest.FromString("kept and more"))
	if err != nil {
		t.Fatal(err)
	}
	if desc.Size != 13 {
		t.Errorf("committed %d bytes, want 13", desc.Size)
	}
	r, err := s.GetBlob(ctx, "r", desc.Digest)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); string(b) != "kept and more" {
		t.Errorf("the blob reads %q, want %q", b, "kept and more")
	}
}
