package dirstore_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/storetest"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/dirstore"
)

// alternating sends each call to the other of two Stores open on one
// directory, as a proxy in front of two processes would.
type alternating struct {
	stores [2]*dirstore.Store
	n      atomic.Uint64
}

func (a *alternating) next() *dirstore.Store { return a.stores[a.n.Add(1)%2] }

func (a *alternating) GetBlob(ctx context.Context, repo string, dgst digest.Digest) (registry.BlobReader, error) {
	return a.next().GetBlob(ctx, repo, dgst)
}
func (a *alternating) GetBlobRange(ctx context.Context, repo string, dgst digest.Digest, start, end int64) (registry.BlobReader, error) {
	return a.next().GetBlobRange(ctx, repo, dgst, start, end)
}
func (a *alternating) ResolveBlob(ctx context.Context, repo string, dgst digest.Digest) (registry.Descriptor, error) {
	return a.next().ResolveBlob(ctx, repo, dgst)
}
func (a *alternating) PushBlob(ctx context.Context, repo string, desc registry.Descriptor, r io.Reader) (registry.Descriptor, error) {
	return a.next().PushBlob(ctx, repo, desc, r)
}
func (a *alternating) PushBlobChunked(ctx context.Context, repo string) (registry.BlobWriter, error) {
	return a.next().PushBlobChunked(ctx, repo)
}
func (a *alternating) PushBlobChunkedResume(ctx context.Context, repo, id string, offset int64) (registry.BlobWriter, error) {
	return a.next().PushBlobChunkedResume(ctx, repo, id, offset)
}
func (a *alternating) MountBlob(ctx context.Context, from, to string, dgst digest.Digest) (registry.Descriptor, error) {
	return a.next().MountBlob(ctx, from, to, dgst)
}
func (a *alternating) DeleteBlob(ctx context.Context, repo string, dgst digest.Digest) error {
	return a.next().DeleteBlob(ctx, repo, dgst)
}
func (a *alternating) GetManifest(ctx context.Context, repo, reference string) (registry.BlobReader, error) {
	return a.next().GetManifest(ctx, repo, reference)
}
func (a *alternating) ResolveManifest(ctx context.Context, repo, reference string) (registry.Descriptor, error) {
	return a.next().ResolveManifest(ctx, repo, reference)
}
func (a *alternating) PushManifest(ctx context.Context, repo string, m registry.Manifest, tags ...string) (registry.Descriptor, error) {
	return a.next().PushManifest(ctx, repo, m, tags...)
}
func (a *alternating) DeleteManifest(ctx context.Context, repo string, dgst digest.Digest) error {
	return a.next().DeleteManifest(ctx, repo, dgst)
}
func (a *alternating) DeleteTag(ctx context.Context, repo, tag string) error {
	return a.next().DeleteTag(ctx, repo, tag)
}
func (a *alternating) Repositories(ctx context.Context, after string) iter.Seq2[string, error] {
	return a.next().Repositories(ctx, after)
}
func (a *alternating) Tags(ctx context.Context, repo, after string) iter.Seq2[string, error] {
	return a.next().Tags(ctx, repo, after)
}
func (a *alternating) Referrers(ctx context.Context, repo string, subject digest.Digest, artifactType string, after digest.Digest) iter.Seq2[registry.Descriptor, error] {
	return a.next().Referrers(ctx, repo, subject, artifactType, after)
}
func (a *alternating) BlobRepositories(ctx context.Context, dgst digest.Digest) iter.Seq2[string, error] {
	return a.next().BlobRepositories(ctx, dgst)
}

// openTwo opens two Stores on one new directory.
func openTwo(t *testing.T, opts dirstore.Options) (a, b *dirstore.Store) {
	t.Helper()
	a, dir := openTemp(t, opts)
	b, err := dirstore.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return a, b
}

// TestContractTwoStores runs the contract over two Stores on one
// directory, each call going to the other in turn: they behave as one
// registry.
func TestContractTwoStores(t *testing.T) {
	storetest.Run(t, func(t *testing.T) registry.Interface {
		a, b := openTwo(t, dirstore.Options{})
		return &alternating{stores: [2]*dirstore.Store{a, b}}
	})
}

func TestTwoStoresShareSessions(t *testing.T) {
	ctx := context.Background()
	a, b := openTwo(t, dirstore.Options{})
	content := []byte("first half, second half")
	dgst := digest.FromBytes(content)

	w, err := a.PushBlobChunked(ctx, "shared/repo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content[:11]); err != nil {
		t.Fatal(err)
	}
	id := w.ID()

	// While a's writer holds the session, b waits for it, until its
	// context ends.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := b.PushBlobChunkedResume(short, "shared/repo", id, 11); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("resume of a held session: %v, want the context's deadline", err)
	}
	if waited := time.Since(start); waited < 90*time.Millisecond {
		t.Errorf("resume of a held session returned after %v, without waiting", waited)
	}

	// A writer of b waiting when a's lets go gets the session, and a
	// stale offset is refused.
	got := make(chan error, 1)
	go func() {
		_, err := b.PushBlobChunkedResume(ctx, "shared/repo", id, 0)
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	select {
	case err := <-got:
		t.Fatalf("resume returned while the session was held: %v", err)
	default:
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-got; !errors.Is(err, errcode.ErrorCodeRangeInvalid) {
		t.Fatalf("resume at a stale offset: %v, want RANGE_INVALID", err)
	}

	// Another repository does not know the session.
	if _, err := b.PushBlobChunkedResume(ctx, "shared/other", id, -1); !errors.Is(err, errcode.ErrorCodeBlobUploadUnknown) {
		t.Fatalf("resume from another repository: %v, want BLOB_UPLOAD_UNKNOWN", err)
	}

	// b resumes where a stopped, without re-reading, and commits.
	w, err = b.PushBlobChunkedResume(ctx, "shared/repo", id, 11)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content[11:]); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Commit(dgst); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PushBlobChunkedResume(ctx, "shared/repo", id, -1); !errors.Is(err, errcode.ErrorCodeBlobUploadUnknown) {
		t.Fatalf("resume of a committed session: %v, want BLOB_UPLOAD_UNKNOWN", err)
	}

	// What b committed, a serves.
	r, err := a.GetBlob(ctx, "shared/repo", dgst)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if b, _ := io.ReadAll(r); !bytes.Equal(b, content) {
		t.Errorf("a reads %q, want %q", b, content)
	}
}

func TestTwoStoresShareManifests(t *testing.T) {
	ctx := context.Background()
	a, b := openTwo(t, dirstore.Options{})
	m := newManifest(`{"schemaVersion":2}`)
	if _, err := a.PushManifest(ctx, "shared/m", m, "v1", "latest"); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"v1", "latest", string(m.Digest)} {
		desc, err := b.ResolveManifest(ctx, "shared/m", ref)
		if err != nil || desc.Digest != m.Digest {
			t.Errorf("b resolves %s: %v, %v", ref, desc.Digest, err)
		}
	}
	if err := b.DeleteTag(ctx, "shared/m", "v1"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ResolveManifest(ctx, "shared/m", "v1"); !errors.Is(err, errcode.ErrorCodeManifestUnknown) {
		t.Errorf("a resolves a tag b deleted: %v", err)
	}
}

// newManifest returns a manifest of content, without subject.
func newManifest(content string) registry.Manifest {
	return registry.Manifest{
		Descriptor: registry.Descriptor{
			MediaType: "application/vnd.oci.image.manifest.v1+json",
			Digest:    digest.FromString(content),
			Size:      int64(len(content)),
		},
		Content: []byte(content),
	}
}
