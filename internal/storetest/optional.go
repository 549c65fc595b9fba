package storetest

import (
	"fmt"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// testBlobLocator lists the repositories holding a blob, for a store that
// is a registry.BlobLocator.
func testBlobLocator(t *testing.T, s registry.Interface) {
	loc, ok := s.(registry.BlobLocator)
	if !ok {
		t.Skip("the store is not a registry.BlobLocator")
	}
	content := []byte("located content")
	d := pushBlob(t, s, "loc/c", content).Digest
	pushBlob(t, s, "loc/a", content)
	_, err := s.MountBlob(ctx, "loc/a", "loc/b", d)
	wantOK(t, err, "MountBlob")
	pushBlob(t, s, "loc/other", []byte("other content"))
	pushManifest(t, s, "loc/manifest", newManifest("located", "", nil))
	check := func(dgst digest.Digest, want ...string) {
		t.Helper()
		got, err := collect(loc.BlobRepositories(ctx, dgst))
		if err != nil || !equalStrings(got, want) {
			t.Errorf("BlobRepositories of %s: %q, %v; want %q", dgst, got, err, want)
		}
	}
	check(d, "loc/a", "loc/b", "loc/c")
	wantOK(t, s.DeleteBlob(ctx, "loc/b", d), "DeleteBlob")
	check(d, "loc/a", "loc/c")
	check(unknownDigest)
	check(newManifest("located", "", nil).Digest) // a manifest is not a blob
	wantOK(t, s.DeleteBlob(ctx, "loc/a", d), "DeleteBlob")
	wantOK(t, s.DeleteBlob(ctx, "loc/c", d), "DeleteBlob")
	check(d)
}

// testRollback takes back what writers wrote, for a store whose writers are
// registry.RollbackBlobWriters: the session returns to its size and hash
// state, so that a Commit of what it then holds succeeds.
func testRollback(t *testing.T, s registry.Interface) {
	w, err := s.PushBlobChunked(ctx, "rollback")
	wantOK(t, err, "PushBlobChunked")
	rw, ok := w.(registry.RollbackBlobWriter)
	if !ok {
		_ = w.Cancel()
		t.Skip("the store's writers are not registry.RollbackBlobWriters")
	}
	id := w.ID()
	// A new session goes back to empty.
	write(t, w, []byte("refused"), 7)
	wantOK(t, rw.Rollback(), "Rollback")
	if w.Size() != 0 {
		t.Fatalf("a new session rolled back holds %d bytes", w.Size())
	}
	write(t, w, []byte("abc"), 3)
	wantOK(t, w.Close(), "Close")

	for _, tc := range []struct {
		refused []string // written, then rolled back
		then    string   // written after
	}{
		{[]string{"def"}, "ghi"},
		{[]string{"x", "yy", string(make([]byte, 70000))}, "jk"},
		{nil, "l"},
		{[]string{"zzz"}, ""},
	} {
		w, err := s.PushBlobChunkedResume(ctx, "rollback", id, -1)
		wantOK(t, err, "PushBlobChunkedResume")
		rw := w.(registry.RollbackBlobWriter)
		before := w.Size()
		for _, p := range tc.refused {
			write(t, w, []byte(p), w.Size()+int64(len(p)))
		}
		wantOK(t, rw.Rollback(), "Rollback")
		wantOK(t, rw.Rollback(), "a second Rollback")
		if w.Size() != before {
			t.Fatalf("rolled back to %d bytes, want %d", w.Size(), before)
		}
		write(t, w, []byte(tc.then), before+int64(len(tc.then)))
		wantOK(t, w.Close(), "Close")
	}
	w, err = s.PushBlobChunkedResume(ctx, "rollback", id, -1)
	wantOK(t, err, "PushBlobChunkedResume")
	want := "abcghijkl"
	if w.Size() != int64(len(want)) {
		t.Fatalf("after the rollbacks, the session holds %d bytes, want %d", w.Size(), len(want))
	}
	// The hash as well as the bytes went back: the digest of what was
	// rolled back is refused, that of what stayed is committed.
	wantCode(t, commitErr(w, digest.FromString("abcdefghijkl")), errcode.ErrorCodeDigestInvalid, "Commit of the digest of the bytes rolled back")
	desc, err := w.Commit(digest.FromString(want))
	wantOK(t, err, "Commit after rollbacks")
	if got := readBlob(t, s, "rollback", desc.Digest); string(got) != want {
		t.Errorf("the blob reads %q, want %q", got, want)
	}
}

// testSpaceReserver reserves and releases space, for a store that is a
// registry.SpaceReserver.
func testSpaceReserver(t *testing.T, s registry.Interface) {
	sr, ok := s.(registry.SpaceReserver)
	if !ok {
		t.Skip("the store is not a registry.SpaceReserver")
	}
	for _, n := range []int64{0, 1, 1000} {
		release, err := sr.Reserve(ctx, n)
		wantOK(t, err, fmt.Sprintf("Reserve(%d)", n))
		release()
		release() // a second call does nothing
	}
	// What was reserved and released leaves room for content.
	for range 100 {
		release, err := sr.Reserve(ctx, 100<<10)
		wantOK(t, err, "Reserve")
		release()
	}
	pushBlob(t, s, "reserved", []byte("after reservations"))
}
