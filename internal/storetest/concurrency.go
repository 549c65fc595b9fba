package storetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// stopEarly runs seq and breaks out of the loop after its first value, then
// checks, by a write, that the store is not left locked.
func stopEarly[V any](t *testing.T, s registry.Interface, what string, seq func(func(V, error) bool)) {
	t.Helper()
	n := 0
	for _, err := range seq {
		if err != nil {
			t.Errorf("%s: %v", what, err)
		}
		n++
		break
	}
	if n != 1 {
		t.Errorf("%s: yielded %d values before the break, want 1", what, n)
	}
	within(t, what+", then a write", func() {
		if _, err := s.PushManifest(ctx, "early/after", newManifest("after "+what, "", nil), "after"); err != nil {
			t.Errorf("%s, then PushManifest: %v", what, err)
		}
	})
}

// fillForIterators pushes content that every iterator lists more than one
// of.
func fillForIterators(t *testing.T, s registry.Interface) (registry.Descriptor, digest.Digest) {
	subject := pushManifest(t, s, "early/a", newManifest("subject", "", nil), "s1", "s2", "s3")
	for i := range 3 {
		pushManifest(t, s, "early/a", newManifest(fmt.Sprint("referrer ", i), "application/x", &subject))
	}
	blob := pushBlob(t, s, "early/a", []byte("early blob")).Digest
	pushBlob(t, s, "early/b", []byte("early blob"))
	pushBlob(t, s, "early/c", []byte("early blob"))
	return subject, blob
}

// testIteratorsStopEarly breaks out of every iterator after one value.
func testIteratorsStopEarly(t *testing.T, s registry.Interface) {
	subject, blob := fillForIterators(t, s)
	stopEarly(t, s, "Repositories", s.Repositories(ctx, ""))
	stopEarly(t, s, "Tags", s.Tags(ctx, "early/a", ""))
	stopEarly(t, s, "Referrers", s.Referrers(ctx, "early/a", subject.Digest, "", ""))
	if loc, ok := s.(registry.BlobLocator); ok {
		stopEarly(t, s, "BlobRepositories", loc.BlobRepositories(ctx, blob))
	}
	// An iterator not ranged over holds nothing either.
	_ = s.Repositories(ctx, "")
	within(t, "a write after an unused iterator", func() {
		if err := s.DeleteTag(ctx, "early/a", "s1"); err != nil {
			t.Errorf("DeleteTag: %v", err)
		}
	})
}

// testIteratorsLetTheLoopCallTheStore calls the store, reads and writes,
// from the body of each iterator's loop.
func testIteratorsLetTheLoopCallTheStore(t *testing.T, s registry.Interface) {
	subject, blob := fillForIterators(t, s)
	within(t, "writes within loops", func() {
		for name, err := range s.Repositories(ctx, "") {
			if err != nil {
				t.Errorf("Repositories: %v", err)
				break
			}
			if _, err := s.PushBlob(ctx, name, registry.Descriptor{Digest: digest.FromString(name), Size: -1}, bytesReader([]byte(name))); err != nil {
				t.Errorf("PushBlob within Repositories: %v", err)
			}
		}
		for tag, err := range s.Tags(ctx, "early/a", "") {
			if err != nil {
				t.Errorf("Tags: %v", err)
				break
			}
			if err := s.DeleteTag(ctx, "early/a", tag); err != nil {
				t.Errorf("DeleteTag within Tags: %v", err)
			}
		}
		for d, err := range s.Referrers(ctx, "early/a", subject.Digest, "", "") {
			if err != nil {
				t.Errorf("Referrers: %v", err)
				break
			}
			if _, err := s.ResolveManifest(ctx, "early/a", d.Digest.String()); err != nil {
				t.Errorf("ResolveManifest within Referrers: %v", err)
			}
			if err := s.DeleteManifest(ctx, "early/a", d.Digest); err != nil {
				t.Errorf("DeleteManifest within Referrers: %v", err)
			}
		}
		if loc, ok := s.(registry.BlobLocator); ok {
			for name, err := range loc.BlobRepositories(ctx, blob) {
				if err != nil {
					t.Errorf("BlobRepositories: %v", err)
					break
				}
				if err := s.DeleteBlob(ctx, name, blob); err != nil {
					t.Errorf("DeleteBlob within BlobRepositories: %v", err)
				}
			}
		}
	})
	wantTags(t, s, "early/a")
	if refs, err := collect(s.Referrers(ctx, "early/a", subject.Digest, "", "")); err != nil || len(refs) != 0 {
		t.Errorf("after deleting each referrer listed, the referrers are %v, %v", refs, err)
	}
}

// result is what PushBlobChunkedResume returned in a goroutine.
type result struct {
	w   registry.BlobWriter
	err error
}

// resumeAsync resumes a session in a goroutine.
func resumeAsync(ctx context.Context, s registry.Interface, repo, id string, offset int64) <-chan result {
	ch := make(chan result, 1)
	go func() {
		w, err := s.PushBlobChunkedResume(ctx, repo, id, offset)
		ch <- result{w, err}
	}()
	return ch
}

// waitResult returns what ch yields, failing t after a while.
func waitResult(t *testing.T, ch <-chan result, what string) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("%s: still waiting after 10s", what)
	}
	return result{}
}

// stillWaiting fails t when ch yields within a moment.
func stillWaiting(t *testing.T, ch <-chan result, what string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s: returned (%v) while another writer held the session", what, r.err)
	case <-time.After(100 * time.Millisecond):
	}
}

// testResumeWaits resumes a session a writer holds: the resume waits for
// the writer to let go, then finds the session as the writer left it.
func testResumeWaits(t *testing.T, s registry.Interface) {
	for _, tc := range []struct {
		offset int64
		want   errcode.ErrorCode // 0: resumed at 3
	}{
		{0, errcode.ErrorCodeRangeInvalid}, // where the session stood: stale
		{-1, 0},
		{3, 0}, // where the holder left it
	} {
		what := fmt.Sprintf("PushBlobChunkedResume at %d of a held session", tc.offset)
		w, err := s.PushBlobChunked(ctx, "wait")
		wantOK(t, err, "PushBlobChunked")
		ch := resumeAsync(ctx, s, "wait", w.ID(), tc.offset)
		stillWaiting(t, ch, what)
		write(t, w, []byte("abc"), 3)
		wantOK(t, w.Close(), "Close")
		r := waitResult(t, ch, what)
		if tc.want != 0 {
			wantCode(t, r.err, tc.want, what)
			if r.err == nil {
				_ = r.w.Close()
			}
			// The refused writer holds nothing.
			w, err = s.PushBlobChunkedResume(ctx, "wait", w.ID(), 3)
			wantOK(t, err, what+", then a resume at 3")
		} else {
			wantOK(t, r.err, what)
			w = r.w
		}
		if w.Size() != 3 {
			t.Errorf("%s: the writer finds %d bytes, want 3", what, w.Size())
		}
		// The second holder now holds it against a third.
		ch = resumeAsync(ctx, s, "wait", w.ID(), -1)
		stillWaiting(t, ch, what+", by a third writer")
		wantOK(t, w.Cancel(), "Cancel")
		r = waitResult(t, ch, what+", by a third writer")
		wantCode(t, r.err, errcode.ErrorCodeBlobUploadUnknown, "PushBlobChunkedResume of a session cancelled while waiting for it")
	}
	// A session committed while waited for is unknown to the waiter.
	w, err := s.PushBlobChunked(ctx, "wait")
	wantOK(t, err, "PushBlobChunked")
	ch := resumeAsync(ctx, s, "wait", w.ID(), -1)
	stillWaiting(t, ch, "PushBlobChunkedResume of a held session")
	write(t, w, []byte("x"), 1)
	_, err = w.Commit(digest.FromString("x"))
	wantOK(t, err, "Commit")
	r := waitResult(t, ch, "PushBlobChunkedResume of a session committed meanwhile")
	wantCode(t, r.err, errcode.ErrorCodeBlobUploadUnknown, "PushBlobChunkedResume of a session committed while waiting for it")
}

// testResumeWaitCancelled gives up waiting for a held session when the
// context ends; the holder keeps it.
func testResumeWaitCancelled(t *testing.T, s registry.Interface) {
	w, err := s.PushBlobChunked(ctx, "wait")
	wantOK(t, err, "PushBlobChunked")
	for _, deadline := range []bool{false, true} {
		var wctx context.Context
		var cancel context.CancelFunc
		if deadline {
			wctx, cancel = context.WithTimeout(ctx, 50*time.Millisecond)
		} else {
			wctx, cancel = context.WithCancel(ctx)
		}
		ch := resumeAsync(wctx, s, "wait", w.ID(), -1)
		if !deadline {
			stillWaiting(t, ch, "PushBlobChunkedResume of a held session")
			cancel()
		}
		r := waitResult(t, ch, "PushBlobChunkedResume after its context ended")
		cancel()
		if r.err == nil {
			t.Fatalf("PushBlobChunkedResume returned a writer while another held the session")
		}
		// A context ended before the call fails it too.
		if _, err := s.PushBlobChunkedResume(wctx, "wait", w.ID(), -1); err == nil {
			t.Fatalf("PushBlobChunkedResume with an ended context returned a writer while another held the session")
		}
	}
	write(t, w, []byte("held"), 4)
	wantOK(t, w.Close(), "Close")
	w, err = s.PushBlobChunkedResume(ctx, "wait", w.ID(), 4)
	wantOK(t, err, "PushBlobChunkedResume once the holder let go")
	if _, err := w.Commit(digest.FromString("held")); err != nil {
		t.Errorf("Commit: %v", err)
	}
}

// testConcurrentPushes pushes the same content to many repositories at
// once, in every way, then deletes it from half of them at once.
func testConcurrentPushes(t *testing.T, s registry.Interface) {
	const workers = 8
	blob := randomBytes(t, 100<<10)
	d := digest.FromBytes(blob)
	m := newManifest("shared", "", nil)
	var wg sync.WaitGroup
	repo := func(i int) string { return fmt.Sprintf("conc/%d", i) }
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			name := repo(i)
			if _, err := s.PushBlob(ctx, name, registry.Descriptor{Digest: d, Size: int64(len(blob))}, bytesReader(blob)); err != nil {
				t.Errorf("PushBlob to %s: %v", name, err)
				return
			}
			w, err := s.PushBlobChunked(ctx, name)
			if err != nil {
				t.Errorf("PushBlobChunked: %v", err)
				return
			}
			for off := 0; off < len(blob); off += 7000 {
				if _, err := w.Write(blob[off:min(off+7000, len(blob))]); err != nil {
					t.Errorf("Write: %v", err)
					return
				}
			}
			if _, err := w.Commit(d); err != nil {
				t.Errorf("Commit: %v", err)
			}
			if _, err := s.PushManifest(ctx, name, m, "t", fmt.Sprint("t", i)); err != nil {
				t.Errorf("PushManifest: %v", err)
			}
			if _, err := s.PushManifest(ctx, "conc/shared", m, fmt.Sprint("t", i)); err != nil {
				t.Errorf("PushManifest to the shared repository: %v", err)
			}
			if _, err := s.MountBlob(ctx, name, "conc/mounted", d); err != nil {
				t.Errorf("MountBlob: %v", err)
			}
			r, err := s.GetBlob(ctx, "conc/0", d)
			if err == nil {
				got, _ := io.ReadAll(r)
				_ = r.Close()
				if !bytes.Equal(got, blob) {
					t.Errorf("a concurrent GetBlob read %d bytes", len(got))
				}
			}
		}()
	}
	wg.Wait()
	names, err := collect(s.Repositories(ctx, "conc/"))
	wantOK(t, err, "Repositories")
	if len(names) != workers+2 {
		t.Errorf("Repositories lists %q, want %d", names, workers+2)
	}
	tags, err := collect(s.Tags(ctx, "conc/shared", ""))
	if err != nil || len(tags) != workers {
		t.Errorf("the shared repository's tags: %q, %v", tags, err)
	}
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				if err := s.DeleteBlob(ctx, repo(i), d); err != nil {
					t.Errorf("DeleteBlob: %v", err)
				}
				if err := s.DeleteManifest(ctx, repo(i), m.Digest); err != nil {
					t.Errorf("DeleteManifest: %v", err)
				}
			} else if err := s.DeleteTag(ctx, "conc/shared", fmt.Sprint("t", i)); err != nil {
				t.Errorf("DeleteTag: %v", err)
			}
		}()
	}
	wg.Wait()
	for i := range workers {
		_, err := s.ResolveBlob(ctx, repo(i), d)
		if i%2 == 0 {
			wantCode(t, err, errcode.ErrorCodeBlobUnknown, "ResolveBlob after DeleteBlob")
			continue
		}
		wantOK(t, err, "ResolveBlob in a repository that kept the blob")
		if got := readBlob(t, s, repo(i), d); !bytes.Equal(got, blob) {
			t.Errorf("%s reads %d bytes", repo(i), len(got))
		}
		wantManifest(t, s, repo(i), "t", m)
	}
	wantTags(t, s, "conc/shared", "t0", "t2", "t4", "t6")
}
