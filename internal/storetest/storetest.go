// Package storetest is the contract every store of package registry must
// meet, as tests: Run exercises each method of registry.Interface, each
// error code it documents, and the optional interfaces a store implements,
// against a fresh store for every test.
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

// within runs f in a goroutine and fails t when it has not returned after
// a while: a store that deadlocks fails rather than hangs.
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
		t.Fatalf("%s: still running after 10s", what)
	}
}

// unknownDigest is the digest of content no test pushes.
var unknownDigest = digest.FromString("content no test pushes")
