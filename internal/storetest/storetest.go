// Package storetest is the contract every store of package registry must
// meet, as tests: Run exercises each method of registry.Interface, each
// error code it documents, and the optional interfaces a store implements,
// against a fresh store for every test.
//
// Where registry.Interface leaves a choice, the tests hold a store to one:
//
//   - GetBlobRange with start equal to the blob's size reads nothing; only
//     a start past it is RANGE_INVALID. A negative start, or an end before
//     start, is an error or reads nothing, never a panic.
//   - A digest of an algorithm the store does not verify, or not in
//     lower-case hex of its algorithm's length, is DIGEST_INVALID wherever
//     a digest is verified (PushBlob, Commit, PushManifest).
//   - A refused PushBlob, Commit or PushManifest creates no repository, and
//     a refused PushManifest leaves no tag and no referrer entry.
//   - A MountBlob that fails creates no repository.
//   - An iterator holds no lock while the caller's loop runs: the loop may
//     call the store, writes included, and breaking out of it leaves the
//     store usable.
//   - A PushBlobChunkedResume waiting for a held session returns an error
//     when its context ends, and the holder keeps the session; one that
//     waited for a session committed or cancelled meanwhile gets
//     BLOB_UPLOAD_UNKNOWN.
//   - Close of a writer after Cancel returns nil, as after Commit.
//
// Limits (DENIED for a full store or too many sessions, expiry) are a
// store's own options; a store tests them itself.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// Run runs the contract tests, each as a subtest of t over a store
// newStore makes for it. The store must be empty, writable and without
// limits that the tests would reach (a few megabytes, a few dozen upload
// sessions); newStore registers with t.Cleanup whatever closing it needs.
func Run(t *testing.T, newStore func(t *testing.T) registry.Interface) {
	for _, tc := range []struct {
		name string
		test func(t *testing.T, s registry.Interface)
	}{
		{"Blobs", testBlobs},
		{"BlobRange", testBlobRange},
		{"PushBlobVerifies", testPushBlobVerifies},
		{"PushBlobReadError", testPushBlobReadError},
		{"Chunked", testChunked},
		{"ChunkedResume", testChunkedResume},
		{"ChunkedCommitAlgorithms", testChunkedCommitAlgorithms},
		{"ChunkedCancel", testChunkedCancel},
		{"ChunkedLarge", testChunkedLarge},
		{"Mount", testMount},
		{"DeleteBlob", testDeleteBlob},
		{"Manifests", testManifests},
		{"ManifestDigestInvalid", testManifestDigestInvalid},
		{"TagsMove", testTagsMove},
		{"DeleteManifest", testDeleteManifest},
		{"DeleteTag", testDeleteTag},
		{"Repositories", testRepositories},
		{"Tags", testTags},
		{"Referrers", testReferrers},
		{"IteratorsStopEarly", testIteratorsStopEarly},
		{"IteratorsLetTheLoopCallTheStore", testIteratorsLetTheLoopCallTheStore},
		{"ResumeWaitsForTheHolder", testResumeWaits},
		{"ResumeWaitEndsWithContext", testResumeWaitCancelled},
		{"ConcurrentPushes", testConcurrentPushes},
		{"BlobLocator", testBlobLocator},
		{"RollbackBlobWriter", testRollback},
		{"SpaceReserver", testSpaceReserver},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.test(t, newStore(t))
		})
	}
}

// ctx is the context of calls that are not about contexts.
var ctx = context.Background()

// wantCode fails t unless err is the errcode code want.
func wantCode(t *testing.T, err error, want errcode.ErrorCode, what string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %s", what, want)
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %s", what, err, want)
	}
}

// wantOK fails t now when err is not nil.
func wantOK(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// pushBlob pushes content to repo and checks the descriptor it returns.
func pushBlob(t *testing.T, s registry.Interface, repo string, content []byte) registry.Descriptor {
	t.Helper()
	d := digest.FromBytes(content)
	desc, err := s.PushBlob(ctx, repo, registry.Descriptor{Digest: d, Size: int64(len(content))}, bytesReader(content))
	wantOK(t, err, fmt.Sprintf("PushBlob %s to %q", d, repo))
	if desc.Digest != d || desc.Size != int64(len(content)) {
		t.Fatalf("PushBlob %s to %q: described as %s of %d bytes", d, repo, desc.Digest, desc.Size)
	}
	return desc
}

// readAll reads r to its end and closes it.
func readAll(t *testing.T, r registry.BlobReader, what string) []byte {
	t.Helper()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: reading: %v", what, err)
	}
	if err := r.Close(); err != nil {
		t.Errorf("%s: Close: %v", what, err)
	}
	return b
}

// collect gathers what seq yields up to its first error.
func collect[V any](seq func(func(V, error) bool)) ([]V, error) {
	var out []V
	for v, err := range seq {
		if err != nil {
			return out, err
		}
		out = append(out, v)
	}
	return out, nil
}

// within runs f in a goroutine and fails when it has not returned after a
// while. A store that deadlocks ends the test binary at once, with a panic
// in a goroutine of its own, rather than hang until the test timeout: a
// failing test runs its cleanups, which would wait for the same locks.
func within(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		msg := fmt.Sprintf("%s: %s: still running after 10s: the store deadlocks", t.Name(), what)
		go panic(msg)
		select {}
	}
}

// unknownDigest is the digest of content no test pushes.
var unknownDigest = digest.FromString("content no test pushes")
