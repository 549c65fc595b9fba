package memstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

var ctx = context.Background()

// step is one call of a sequence run against a store: the error code it
// must return (0 for none) and the bytes the store counts after it.
type step struct {
	name     string
	do       func() error
	want     errcode.ErrorCode
	wantUsed int64
}

// runSteps runs steps in order against s, checking each one's error, the
// count after it, and that the count is what the store holds.
func runSteps(t *testing.T, s *Store, steps []step) {
	t.Helper()
	for _, st := range steps {
		err := st.do()
		switch {
		case st.want == 0 && err != nil:
			t.Fatalf("%s: %v", st.name, err)
		case st.want != 0 && !errors.Is(err, st.want):
			t.Fatalf("%s: %v, want %s", st.name, err, st.want)
		}
		if got := s.space.used.Load(); got != st.wantUsed {
			t.Fatalf("%s: the store counts %d bytes, want %d", st.name, got, st.wantUsed)
		}
		if err := s.checkAccounting(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
}

func push(s *Store, repo, content string) func() error {
	return func() error {
		_, err := s.PushBlob(ctx, repo, registry.Descriptor{Digest: digest.FromString(content), Size: int64(len(content))}, strings.NewReader(content))
		return err
	}
}

func pushManifest(s *Store, repo, content string, tags ...string) func() error {
	return func() error {
		m := registry.Manifest{Descriptor: registry.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromString(content), Size: int64(len(content))}, Content: []byte(content)}
		_, err := s.PushManifest(ctx, repo, m, tags...)
		return err
	}
}

// testSession is an upload session a test drives through its steps.
type testSession struct {
	s    *Store
	repo string
	w    registry.BlobWriter
	id   string
}

func (ses *testSession) open() error {
	w, err := ses.s.PushBlobChunked(ctx, ses.repo)
	if err == nil {
		ses.w, ses.id = w, w.ID()
	}
	return err
}

func (ses *testSession) resume() error {
	w, err := ses.s.PushBlobChunkedResume(ctx, ses.repo, ses.id, -1)
	if err == nil {
		ses.w = w
	}
	return err
}

func (ses *testSession) write(p string) func() error {
	return func() error {
		before := ses.w.Size()
		_, err := ses.w.Write([]byte(p))
		if err != nil && ses.w.Size() != before {
			return errors.New("a refused Write changed the session's size")
		}
		return err
	}
}

func (ses *testSession) commit(content string) func() error {
	return func() error {
		_, err := ses.w.Commit(digest.FromString(content))
		return err
	}
}

func (ses *testSession) close() error  { return ses.w.Close() }
func (ses *testSession) cancel() error { return ses.w.Cancel() }

func (ses *testSession) rollback() error { return ses.w.(registry.RollbackBlobWriter).Rollback() }

// reservation holds what Reserve gave.
type reservation struct {
	s       *Store
	release func()
}

func (r *reservation) reserve(n int64) func() error {
	return func() error {
		release, err := r.s.Reserve(ctx, n)
		if err == nil {
			r.release = release
		}
		return err
	}
}

func (r *reservation) free() error {
	r.release()
	r.release()
	return nil
}

// TestMaxStorage follows the count of a store of 10 bytes through blobs,
// sessions, reservations, manifests and tags: what would pass the limit is
// refused, and what goes frees its bytes.
func TestMaxStorage(t *testing.T) {
	s := New(Options{MaxStorage: 10})
	a := &testSession{s: s, repo: "a"}
	r := &reservation{s: s}
	denied := errcode.ErrorCodeDenied
	runSteps(t, s, []step{
		{"a blob of 6", push(s, "a", "123456"), 0, 6},
		{"a blob of 5 more", push(s, "a", "abcde"), denied, 6},
		{"a blob whose announced size does not fit", func() error {
			_, err := s.PushBlob(ctx, "a", registry.Descriptor{Digest: digest.FromString("x"), Size: 11}, strings.NewReader("x"))
			return err
		}, denied, 6},
		{"the blob pushed to another repository", push(s, "b", "123456"), 0, 6},
		{"the blob mounted", func() error { _, err := s.MountBlob(ctx, "a", "c", digest.FromString("123456")); return err }, 0, 6},
		{"a session", a.open, 0, 6},
		{"a chunk of 5", a.write("abcde"), denied, 6},
		{"a chunk of 3", a.write("abc"), 0, 9},
		{"the session let go", a.close, 0, 9},
		{"the session resumed", a.resume, 0, 9},
		{"a chunk of 1", a.write("d"), 0, 10},
		{"a chunk of 1 more", a.write("e"), denied, 10},
		{"a reservation of 1", r.reserve(1), denied, 10},
		{"the chunk rolled back", a.rollback, 0, 9},
		{"a reservation of 1 after the rollback", r.reserve(1), 0, 10},
		{"that reservation released", r.free, 0, 9},
		{"the session cancelled", a.cancel, 0, 6},
		{"a reservation of 4", r.reserve(4), 0, 10},
		{"a manifest while reserved", pushManifest(s, "a", "{}"), denied, 10},
		{"the reservation released", r.free, 0, 6},
		{"a manifest of 2 and a tag of 1", pushManifest(s, "a", "{}", "t"), 0, 9},
		{"the manifest again, with 2 new tags", pushManifest(s, "a", "{}", "t", "u", "v"), denied, 9},
		{"the manifest again, with 1 new tag twice", pushManifest(s, "a", "{}", "u", "t", "u"), 0, 10},
		{"the tag deleted", func() error { return s.DeleteTag(ctx, "a", "u") }, 0, 9},
		{"a manifest of 1 in another repository", pushManifest(s, "m", "1"), 0, 10},
		{"the manifest deleted with its tag", func() error { return s.DeleteManifest(ctx, "a", digest.FromString("{}")) }, 0, 7},
		{"the blob deleted from two of three repositories", func() error {
			return errors.Join(s.DeleteBlob(ctx, "a", digest.FromString("123456")), s.DeleteBlob(ctx, "b", digest.FromString("123456")))
		}, 0, 7},
		{"the blob deleted from the last", func() error { return s.DeleteBlob(ctx, "c", digest.FromString("123456")) }, 0, 1},
		{"a blob of 9", push(s, "a", "123456789"), 0, 10},
	})
	if _, err := s.GetBlob(ctx, "a", digest.FromString("abcde")); !errors.Is(err, errcode.ErrorCodeBlobUnknown) {
		t.Errorf("a refused blob: %v", err)
	}
	if _, err := s.ResolveManifest(ctx, "a", "v"); !errors.Is(err, errcode.ErrorCodeManifestUnknown) {
		t.Errorf("a tag of a refused push: %v", err)
	}
}

// TestCountEachLink counts a blob's size for each repository linking it.
func TestCountEachLink(t *testing.T) {
	s := New(Options{MaxStorage: 15, CountEachLink: true})
	d := digest.FromString("123456")
	a := &testSession{s: s, repo: "c"}
	runSteps(t, s, []step{
		{"a blob of 6", push(s, "a", "123456"), 0, 6},
		{"the blob pushed again to its repository", push(s, "a", "123456"), 0, 6},
		{"the blob mounted", func() error { _, err := s.MountBlob(ctx, "a", "b", d); return err }, 0, 12},
		{"the blob mounted once more", func() error { _, err := s.MountBlob(ctx, "a", "c", d); return err }, denied(), 12},
		{"the blob pushed to a third repository", push(s, "c", "123456"), denied(), 12},
		{"a session of 3", func() error { return errors.Join(a.open(), a.write("123")()) }, 0, 15},
		{"its last 3", a.write("456"), denied(), 15},
		{"a blob deleted from one repository", func() error { return s.DeleteBlob(ctx, "b", d) }, 0, 9},
		{"the session of the blob's content", func() error { return errors.Join(a.write("456")(), a.commit("123456")()) }, 0, 12},
		{"the blob deleted from its first repository", func() error { return s.DeleteBlob(ctx, "a", d) }, 0, 6},
		{"the blob deleted from its last repository", func() error { return s.DeleteBlob(ctx, "c", d) }, 0, 0},
	})
}

func denied() errcode.ErrorCode { return errcode.ErrorCodeDenied }

// TestMaxUploads opens sessions up to the limit: the next is refused until
// one ends or expires.
func TestMaxUploads(t *testing.T) {
	clock := newClock()
	s := New(Options{MaxUploads: 2, UploadTTL: time.Minute, Now: clock.now})
	a, b, c := &testSession{s: s, repo: "r"}, &testSession{s: s, repo: "r"}, &testSession{s: s, repo: "other"}
	runSteps(t, s, []step{
		{"a first session", a.open, 0, 0},
		{"a second", b.open, 0, 0},
		{"a third", c.open, errcode.ErrorCodeDenied, 0},
		{"the first committed", a.commit(""), 0, 0},
		{"a third after a commit", c.open, 0, 0},
		{"a fourth", a.open, errcode.ErrorCodeDenied, 0},
		{"the third cancelled", c.cancel, 0, 0},
		{"a fourth after a cancel", c.open, 0, 0},
		{"both let go", func() error { return errors.Join(b.w.Close(), c.w.Close()) }, 0, 0},
		{"a fifth", a.open, errcode.ErrorCodeDenied, 0},
		{"a fifth after both expired", func() error { clock.advance(time.Minute + 1); return a.open() }, 0, 0},
		{"an expired one resumed", b.resume, errcode.ErrorCodeBlobUploadUnknown, 0},
	})
}

// TestUploadTTL lets sessions sit idle for the TTL and past it.
func TestUploadTTL(t *testing.T) {
	clock := newClock()
	s := New(Options{UploadTTL: time.Minute, MaxStorage: 10, Now: clock.now})
	a, b := &testSession{s: s, repo: "r"}, &testSession{s: s, repo: "r"}
	runSteps(t, s, []step{
		{"a session of 6", func() error { return errors.Join(a.open(), a.write("123456")(), a.w.Close()) }, 0, 6},
		{"resumed after exactly the TTL", func() error { clock.advance(time.Minute); return a.resume() }, 0, 6},
		{"held for twice the TTL", func() error { clock.advance(2 * time.Minute); return a.write("7")() }, 0, 7},
		{"let go, and resumed at once", func() error { return errors.Join(a.w.Close(), a.resume(), a.w.Close()) }, 0, 7},
		{"a blob that fits only without the session", func() error { return push(s, "r", "abcdef")() }, errcode.ErrorCodeDenied, 7},
		{"the same once the session expired", func() error { clock.advance(time.Minute + 1); return push(s, "r", "abcdef")() }, 0, 6},
		{"the expired session resumed", a.resume, errcode.ErrorCodeBlobUploadUnknown, 6},
		{"a session that expires", func() error { return errors.Join(b.open(), b.write("12")(), b.w.Close()) }, 0, 8},
		{"resumed past the TTL", func() error { clock.advance(time.Hour); return b.resume() }, errcode.ErrorCodeBlobUploadUnknown, 6},
	})
}

// testClock is a clock that moves only when a test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock { return &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestReadFrom copies into a writer through io.Copy, which then reads into
// the session's memory directly: past the limit the copy stops with DENIED,
// keeping what it read.
func TestReadFrom(t *testing.T) {
	const limit = 100 << 10
	s := New(Options{MaxStorage: limit})
	content := bytes.Repeat([]byte("0123456789"), 15000)
	w, err := s.PushBlobChunked(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := w.(io.ReaderFrom); !ok {
		t.Fatal("the writer is not an io.ReaderFrom")
	}
	n, err := io.Copy(w, struct{ io.Reader }{bytes.NewReader(content[:60000])})
	if err != nil || n != 60000 || w.Size() != 60000 {
		t.Fatalf("io.Copy of 60000 bytes: %d, %v; the session holds %d", n, err, w.Size())
	}
	n, err = io.Copy(w, struct{ io.Reader }{bytes.NewReader(content[60000:])})
	if !errors.Is(err, errcode.ErrorCodeDenied) {
		t.Fatalf("io.Copy past the limit: %d, %v", n, err)
	}
	if size := w.Size(); size != 60000+n || size > limit {
		t.Fatalf("after a refused copy of which %d bytes were read, the session holds %d", n, size)
	}
	if err := s.checkAccounting(); err != nil {
		t.Fatal(err)
	}
	kept := content[:w.Size()]
	if _, err := w.Commit(digest.FromBytes(kept)); err != nil {
		t.Fatalf("Commit of what the copy kept: %v", err)
	}
	if err := s.checkAccounting(); err != nil {
		t.Fatal(err)
	}
}

// TestClose closes a store: calls fail after, readers and writers obtained
// before end cleanly, and nothing stays counted.
func TestClose(t *testing.T) {
	s := New(Options{MaxStorage: 1 << 20})
	if err := push(s, "r", "content")(); err != nil {
		t.Fatal(err)
	}
	r, err := s.GetBlob(ctx, "r", digest.FromString("content"))
	if err != nil {
		t.Fatal(err)
	}
	held, err := s.PushBlobChunked(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	idle, err := s.PushBlobChunked(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = held.Write([]byte("held"))
	_, _ = idle.Write([]byte("idle"))
	_ = idle.Close()
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := io.ReadAll(r); err != nil || string(got) != "content" {
		t.Errorf("a reader obtained before Close: %q, %v", got, err)
	}
	if _, err := held.Commit(digest.FromString("held")); err == nil {
		t.Error("a session committed after Close")
	}
	if err := held.Close(); err != nil {
		t.Errorf("Close of a writer after the store's: %v", err)
	}
	if got := s.space.used.Load(); got != 0 {
		t.Errorf("after Close, %d bytes counted", got)
	}
	for name, err := range map[string]error{
		"ResolveBlob":  func() error { _, err := s.ResolveBlob(ctx, "r", digest.FromString("content")); return err }(),
		"PushBlob":     push(s, "r", "more")(),
		"PushManifest": pushManifest(s, "r", "{}")(),
		"PushBlobChunked": func() error {
			_, err := s.PushBlobChunked(ctx, "r")
			return err
		}(),
		"Repositories": func() error {
			for _, err := range s.Repositories(ctx, "") {
				return err
			}
			return nil
		}(),
	} {
		if err == nil {
			t.Errorf("%s after Close: no error", name)
		}
	}
}

// TestHotPathsAllocate counts the allocations of the calls a pull and a
// push make most: a lookup allocates nothing, found or not, a read one
// reader, and a write into a session's room nothing.
func TestHotPathsAllocate(t *testing.T) {
	s := New(Options{MaxStorage: 1 << 30})
	content := []byte("content")
	d := digest.FromBytes(content)
	if err := push(s, "r", string(content))(); err != nil {
		t.Fatal(err)
	}
	if err := pushManifest(s, "r", "{}", "t")(); err != nil {
		t.Fatal(err)
	}
	w, err := s.PushBlobChunked(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write(make([]byte, 1))
	chunk := make([]byte, 1)
	for _, tc := range []struct {
		name string
		max  float64
		f    func()
	}{
		{"ResolveBlob", 0, func() { _, _ = s.ResolveBlob(ctx, "r", d) }},
		{"ResolveBlob of an unknown blob", 0, func() { _, _ = s.ResolveBlob(ctx, "r", unknown) }},
		{"ResolveManifest by tag", 0, func() { _, _ = s.ResolveManifest(ctx, "r", "t") }},
		{"GetBlob and a read", 1, func() {
			r, _ := s.GetBlob(ctx, "r", d)
			_, _ = r.Read(chunk)
		}},
		{"Write into a session's room", 0, func() { _, _ = w.Write(chunk) }},
	} {
		if got := testing.AllocsPerRun(100, tc.f); got > tc.max {
			t.Errorf("%s: %v allocations, want at most %v", tc.name, got, tc.max)
		}
	}
}

var unknown = digest.FromString("unknown")
