package storetest

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// idPattern is what the upload route accepts as a session id.
var idPattern = regexp.MustCompile(`^[a-zA-Z0-9-_.=]+$`)

// write writes p to w and checks the session's size after it.
func write(t *testing.T, w registry.BlobWriter, p []byte, wantSize int64) {
	t.Helper()
	n, err := w.Write(p)
	if err != nil || n != len(p) {
		t.Fatalf("Write of %d bytes: %d, %v", len(p), n, err)
	}
	if got := w.Size(); got != wantSize {
		t.Fatalf("after a Write, Size is %d, want %d", got, wantSize)
	}
}

// readBlob reads blob dgst of repo whole.
func readBlob(t *testing.T, s registry.Interface, repo string, dgst digest.Digest) []byte {
	t.Helper()
	r, err := s.GetBlob(ctx, repo, dgst)
	wantOK(t, err, fmt.Sprintf("GetBlob %s from %q", dgst, repo))
	return readAll(t, r, "GetBlob")
}

// testChunked writes a session in chunks over several writers and commits
// it; the session creates no repository until then.
func testChunked(t *testing.T, s registry.Interface) {
	w, err := s.PushBlobChunked(ctx, "chunked")
	wantOK(t, err, "PushBlobChunked")
	id := w.ID()
	if !idPattern.MatchString(id) {
		t.Errorf("session id %q does not match %s", id, idPattern)
	}
	if w.Size() != 0 {
		t.Errorf("a new session holds %d bytes", w.Size())
	}
	write(t, w, []byte("abc"), 3)
	write(t, w, []byte("def"), 6)
	write(t, w, nil, 6)
	wantOK(t, w.Close(), "Close")

	other, err := s.PushBlobChunked(ctx, "chunked")
	wantOK(t, err, "a second PushBlobChunked")
	if other.ID() == id {
		t.Errorf("two sessions have the id %q", id)
	}
	wantOK(t, other.Close(), "Close")

	// Open sessions create no repository.
	names, err := collect(s.Repositories(ctx, ""))
	wantOK(t, err, "Repositories")
	if len(names) != 0 {
		t.Errorf("with only upload sessions open, Repositories lists %q", names)
	}
	_, err = collect(s.Tags(ctx, "chunked", ""))
	wantCode(t, err, errcode.ErrorCodeNameUnknown, "Tags of a repository with only upload sessions")

	w, err = s.PushBlobChunkedResume(ctx, "chunked", id, -1)
	wantOK(t, err, "PushBlobChunkedResume")
	if w.ID() != id || w.Size() != 6 {
		t.Fatalf("resumed: session %q of %d bytes, want %q of 6", w.ID(), w.Size(), id)
	}
	write(t, w, []byte("ghi"), 9)

	// A wrong digest leaves the session as it was, and the writer usable.
	want := []byte("abcdefghij")
	wantCode(t, commitErr(w, digest.FromString("abcdefghi!")), errcode.ErrorCodeDigestInvalid, "Commit of another digest")
	wantCode(t, commitErr(w, digest.FromBytes(want)), errcode.ErrorCodeDigestInvalid, "Commit of the digest of more than was written")
	if w.Size() != 9 {
		t.Fatalf("after a refused Commit, Size is %d, want 9", w.Size())
	}
	write(t, w, []byte("j"), 10)
	desc, err := w.Commit(digest.FromBytes(want))
	wantOK(t, err, "Commit")
	if desc.Digest != digest.FromBytes(want) || desc.Size != 10 {
		t.Errorf("Commit described %s of %d bytes", desc.Digest, desc.Size)
	}
	if err := w.Close(); err != nil {
		t.Errorf("Close after Commit: %v", err)
	}
	if got := readBlob(t, s, "chunked", desc.Digest); !bytes.Equal(got, want) {
		t.Errorf("the committed blob reads %q, want %q", got, want)
	}
	_, err = s.PushBlobChunkedResume(ctx, "chunked", id, -1)
	wantCode(t, err, errcode.ErrorCodeBlobUploadUnknown, "PushBlobChunkedResume of a committed session")
	names, err = collect(s.Repositories(ctx, ""))
	wantOK(t, err, "Repositories")
	if !equalStrings(names, []string{"chunked"}) {
		t.Errorf("after a Commit, Repositories lists %q", names)
	}

	// An empty session commits an empty blob.
	w, err = s.PushBlobChunked(ctx, "chunked")
	wantOK(t, err, "PushBlobChunked")
	desc, err = w.Commit(digest.FromBytes(nil))
	wantOK(t, err, "Commit of an empty session")
	if desc.Size != 0 || len(readBlob(t, s, "chunked", desc.Digest)) != 0 {
		t.Errorf("the empty blob: %d bytes", desc.Size)
	}
}

// commitErr commits w with d and returns the error.
func commitErr(w registry.BlobWriter, d digest.Digest) error {
	_, err := w.Commit(d)
	return err
}

// testChunkedResume resumes a session at offsets right and wrong, of its
// repository and of others.
func testChunkedResume(t *testing.T, s registry.Interface) {
	w, err := s.PushBlobChunked(ctx, "resume/here")
	wantOK(t, err, "PushBlobChunked")
	id := w.ID()
	write(t, w, []byte("123456"), 6)
	wantOK(t, w.Close(), "Close")
	// Another repository's session, to be sure ids are per repository.
	w2, err := s.PushBlobChunked(ctx, "resume/there")
	wantOK(t, err, "PushBlobChunked")
	id2 := w2.ID()
	wantOK(t, w2.Close(), "Close")

	for _, tc := range []struct {
		repo   string
		id     string
		offset int64
		want   errcode.ErrorCode // 0: resumed
	}{
		{"resume/here", id, -1, 0},
		{"resume/here", id, 6, 0},
		{"resume/here", id, -100, 0},
		{"resume/here", id, 0, errcode.ErrorCodeRangeInvalid},
		{"resume/here", id, 5, errcode.ErrorCodeRangeInvalid},
		{"resume/here", id, 7, errcode.ErrorCodeRangeInvalid},
		{"resume/here", id, 1 << 62, errcode.ErrorCodeRangeInvalid},
		{"resume/there", id, -1, errcode.ErrorCodeBlobUploadUnknown},
		{"resume/here", id2, -1, errcode.ErrorCodeBlobUploadUnknown},
		{"resume", id, -1, errcode.ErrorCodeBlobUploadUnknown},
		{"resume/here", "no-such-session", -1, errcode.ErrorCodeBlobUploadUnknown},
		{"resume/here", id + "0", -1, errcode.ErrorCodeBlobUploadUnknown},
		{"resume/here", strings.ToUpper(id) + "=", 6, errcode.ErrorCodeBlobUploadUnknown},
		{"resume/here", "", -1, errcode.ErrorCodeBlobUploadUnknown},
		{"resume/there", id2, 0, 0},
	} {
		what := fmt.Sprintf("PushBlobChunkedResume(%q, %q, %d)", tc.repo, tc.id, tc.offset)
		w, err := s.PushBlobChunkedResume(ctx, tc.repo, tc.id, tc.offset)
		if tc.want != 0 {
			wantCode(t, err, tc.want, what)
			if err == nil {
				_ = w.Close()
			}
			continue
		}
		wantOK(t, err, what)
		if w.ID() != tc.id {
			t.Errorf("%s: a writer of session %q", what, w.ID())
		}
		wantOK(t, w.Close(), what+": Close")
	}
	// A refused resume changed nothing: the session goes on.
	w, err = s.PushBlobChunkedResume(ctx, "resume/here", id, 6)
	wantOK(t, err, "PushBlobChunkedResume after refused ones")
	write(t, w, []byte("7"), 7)
	desc, err := w.Commit(digest.FromString("1234567"))
	wantOK(t, err, "Commit")
	if got := readBlob(t, s, "resume/here", desc.Digest); string(got) != "1234567" {
		t.Errorf("the blob reads %q", got)
	}
}

// testChunkedCommitAlgorithms commits sessions with each algorithm a
// store verifies, and with one it does not.
func testChunkedCommitAlgorithms(t *testing.T, s registry.Interface) {
	content := []byte("content committed with several algorithms")
	for _, alg := range []digest.Algorithm{digest.SHA256, digest.SHA384, digest.SHA512} {
		if !alg.Available() {
			t.Fatalf("%s is not available: the store's package must import its hash", alg)
		}
		repo := "algorithms/" + string(alg)
		w, err := s.PushBlobChunked(ctx, repo)
		wantOK(t, err, "PushBlobChunked")
		write(t, w, content[:10], 10)
		wantOK(t, w.Close(), "Close")
		w, err = s.PushBlobChunkedResume(ctx, repo, w.ID(), 10)
		wantOK(t, err, "PushBlobChunkedResume")
		write(t, w, content[10:], int64(len(content)))
		// A digest of the right algorithm and the wrong content, and
		// one of an algorithm that is not verified, are refused.
		wantCode(t, commitErr(w, alg.FromString("other")), errcode.ErrorCodeDigestInvalid, "Commit of other content's "+string(alg))
		wantCode(t, commitErr(w, digest.Digest("md5:"+strings.Repeat("0", 32))), errcode.ErrorCodeDigestInvalid, "Commit of an md5 digest")
		wantCode(t, commitErr(w, digest.Digest(string(alg)+":"+strings.Repeat("A", len(alg.FromString("").Encoded())))), errcode.ErrorCodeDigestInvalid, "Commit of an upper-case digest")
		d := alg.FromBytes(content)
		desc, err := w.Commit(d)
		wantOK(t, err, "Commit with "+string(alg))
		if desc.Digest != d || desc.Size != int64(len(content)) {
			t.Errorf("Commit with %s described %s of %d bytes", alg, desc.Digest, desc.Size)
		}
		if got := readBlob(t, s, repo, d); !bytes.Equal(got, content) {
			t.Errorf("the blob committed with %s reads %q", alg, got)
		}
		if rd, err := s.ResolveBlob(ctx, repo, d); err != nil || rd.Digest != d {
			t.Errorf("ResolveBlob of the %s blob: %v, %v", alg, rd, err)
		}
	}
	// Content the store holds already is committed again, to another
	// repository, verified like any other.
	w, err := s.PushBlobChunked(ctx, "algorithms/again")
	wantOK(t, err, "PushBlobChunked")
	write(t, w, content[1:], int64(len(content)-1))
	wantCode(t, commitErr(w, digest.FromBytes(content)), errcode.ErrorCodeDigestInvalid, "Commit of held content's digest over other bytes")
	wantOK(t, w.Cancel(), "Cancel")
	w, err = s.PushBlobChunked(ctx, "algorithms/again")
	wantOK(t, err, "PushBlobChunked")
	write(t, w, content, int64(len(content)))
	_, err = w.Commit(digest.FromBytes(content))
	wantOK(t, err, "Commit of held content")
	if got := readBlob(t, s, "algorithms/again", digest.FromBytes(content)); !bytes.Equal(got, content) {
		t.Errorf("held content committed again reads %q", got)
	}
}

// testChunkedCancel cancels sessions: they are gone, with nothing stored.
func testChunkedCancel(t *testing.T, s registry.Interface) {
	for _, resumed := range []bool{false, true} {
		w, err := s.PushBlobChunked(ctx, "cancel")
		wantOK(t, err, "PushBlobChunked")
		id := w.ID()
		write(t, w, []byte("cancelled"), 9)
		if resumed {
			wantOK(t, w.Close(), "Close")
			w, err = s.PushBlobChunkedResume(ctx, "cancel", id, -1)
			wantOK(t, err, "PushBlobChunkedResume")
		}
		wantOK(t, w.Cancel(), "Cancel")
		if err := w.Close(); err != nil {
			t.Errorf("Close after Cancel: %v", err)
		}
		_, err = s.PushBlobChunkedResume(ctx, "cancel", id, -1)
		wantCode(t, err, errcode.ErrorCodeBlobUploadUnknown, "PushBlobChunkedResume of a cancelled session")
		_, err = s.ResolveBlob(ctx, "cancel", digest.FromString("cancelled"))
		wantCode(t, err, errcode.ErrorCodeBlobUnknown, "ResolveBlob of a cancelled session's content")
	}
	if names, _ := collect(s.Repositories(ctx, "")); len(names) != 0 {
		t.Errorf("cancelled sessions left repositories: %q", names)
	}
}

// testChunkedLarge writes a blob of several megabytes in chunks of odd
// sizes, over several writers, and reads it back.
func testChunkedLarge(t *testing.T, s registry.Interface) {
	content := randomBytes(t, 3<<20+777)
	w, err := s.PushBlobChunked(ctx, "large")
	wantOK(t, err, "PushBlobChunked")
	id := w.ID()
	sizes := []int{1, 4095, 4097, 65536, 1 << 20, 3, 2<<20 + 1}
	off := 0
	for i := 0; off < len(content); i++ {
		n := min(sizes[i%len(sizes)], len(content)-off)
		write(t, w, content[off:off+n], int64(off+n))
		off += n
		if i%3 == 2 {
			wantOK(t, w.Close(), "Close")
			w, err = s.PushBlobChunkedResume(ctx, "large", id, int64(off))
			wantOK(t, err, "PushBlobChunkedResume")
		}
	}
	d := digest.FromBytes(content)
	_, err = w.Commit(d)
	wantOK(t, err, "Commit")
	if got := readBlob(t, s, "large", d); !bytes.Equal(got, content) {
		t.Errorf("the blob reads back %d bytes, not the %d written", len(got), len(content))
	}
}
