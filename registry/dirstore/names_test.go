package dirstore_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/dirstore"
)

// TestNamesCannotEscapeTheRoot gives every method names that would reach
// outside the store's directory, or into its own files, as paths: each is
// refused, and nothing is written anywhere but under the root's own
// directories.
func TestNamesCannotEscapeTheRoot(t *testing.T) {
	ctx := context.Background()
	parent := t.TempDir()
	root := filepath.Join(parent, "root")
	s, err := dirstore.Open(root, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	content := []byte("escaping content")
	good := digest.FromBytes(content)
	if _, err := s.PushBlob(ctx, "ok", registry.Descriptor{Digest: good, Size: -1}, bytes.NewReader(content)); err != nil {
		t.Fatal(err)
	}

	badRepos := []string{
		"", ".", "..", "../x", "../../x", "a/..", "a/../..", "a/../../b", "/abs", "/etc/x",
		"a//b", "a/", "_blobs", "a/_manifests", "a/_lock", "A", "a/.hidden", `a\..\b`, "a\x00b",
		"ok/../../outside",
	}
	for _, repo := range badRepos {
		_, err := s.PushBlob(ctx, repo, registry.Descriptor{Digest: good, Size: -1}, bytes.NewReader(content))
		wantCode(t, err, errcode.ErrorCodeNameInvalid, "PushBlob to "+repo)
		_, err = s.PushBlobChunked(ctx, repo)
		wantCode(t, err, errcode.ErrorCodeNameInvalid, "PushBlobChunked to "+repo)
		_, err = s.MountBlob(ctx, "ok", repo, good)
		wantCode(t, err, errcode.ErrorCodeNameInvalid, "MountBlob to "+repo)
		_, err = s.MountBlob(ctx, repo, "ok2", good)
		wantCode(t, err, errcode.ErrorCodeBlobUnknown, "MountBlob from "+repo)
		_, err = s.PushManifest(ctx, repo, newManifest("m"), "t")
		wantCode(t, err, errcode.ErrorCodeNameInvalid, "PushManifest to "+repo)
		_, err = s.GetBlob(ctx, repo, good)
		wantCode(t, err, errcode.ErrorCodeBlobUnknown, "GetBlob from "+repo)
		wantCode(t, s.DeleteBlob(ctx, repo, good), errcode.ErrorCodeBlobUnknown, "DeleteBlob from "+repo)
		_, err = s.GetManifest(ctx, repo, "t")
		wantCode(t, err, errcode.ErrorCodeManifestUnknown, "GetManifest from "+repo)
		wantCode(t, s.DeleteTag(ctx, repo, "t"), errcode.ErrorCodeManifestUnknown, "DeleteTag in "+repo)
		wantCode(t, s.DeleteManifest(ctx, repo, good), errcode.ErrorCodeManifestUnknown, "DeleteManifest in "+repo)
		for _, err := range s.Tags(ctx, repo, "") {
			wantCode(t, err, errcode.ErrorCodeNameUnknown, "Tags of "+repo)
		}
		for d, err := range s.Referrers(ctx, repo, good, "", "") {
			t.Errorf("Referrers in %q: %v, %v", repo, d, err)
		}
	}

	badTags := []string{"..", "../x", "a/b", "/t", ".hidden", "", "t\x00"}
	for _, tag := range badTags {
		_, err := s.PushManifest(ctx, "ok", newManifest("m"), tag)
		wantCode(t, err, errcode.ErrorCodeTagInvalid, "PushManifest with tag "+tag)
		_, err = s.GetManifest(ctx, "ok", tag)
		wantCode(t, err, errcode.ErrorCodeManifestUnknown, "GetManifest of tag "+tag)
		wantCode(t, s.DeleteTag(ctx, "ok", tag), errcode.ErrorCodeManifestUnknown, "DeleteTag "+tag)
	}

	// Digests of content must be of an algorithm the store verifies, in
	// lower-case hex of its length; a subject need only be a digest of
	// the grammar, which no path can be.
	badDigests := []struct {
		d         digest.Digest
		asSubject bool // good enough to be a subject
	}{
		{"sha256:../../../x", false},
		{"../x:abc", false},
		{"sha256", false},
		{"/sha256:" + good[7:], false},
		{good + "/..", false},
		{"sha256:" + digest.Digest(bytes.Repeat([]byte("A"), 64)), true},
		{"md5:d41d8cd98f00b204e9800998ecf8427e", true},
		{"sha256:abc", true},
	}
	for _, tc := range badDigests {
		d := tc.d
		_, err := s.PushBlob(ctx, "ok", registry.Descriptor{Digest: d, Size: -1}, bytes.NewReader(content))
		wantCode(t, err, errcode.ErrorCodeDigestInvalid, "PushBlob of "+string(d))
		_, err = s.GetBlob(ctx, "ok", d)
		wantCode(t, err, errcode.ErrorCodeBlobUnknown, "GetBlob of "+string(d))
		_, err = s.GetManifest(ctx, "ok", string(d))
		wantCode(t, err, errcode.ErrorCodeManifestUnknown, "GetManifest of "+string(d))
		m := newManifest("m")
		m.Digest = d
		_, err = s.PushManifest(ctx, "ok", m)
		wantCode(t, err, errcode.ErrorCodeDigestInvalid, "PushManifest of "+string(d))
		m = newManifest("with a subject")
		m.Subject = &registry.Descriptor{Digest: d}
		if _, err = s.PushManifest(ctx, "ok", m); tc.asSubject {
			if err != nil {
				t.Errorf("PushManifest with subject %s: %v", d, err)
			}
			continue
		}
		wantCode(t, err, errcode.ErrorCodeDigestInvalid, "PushManifest with subject "+string(d))
		for desc, err := range s.Referrers(ctx, "ok", d, "", "") {
			t.Errorf("Referrers of %q: %v, %v", d, desc, err)
		}
	}
	for _, id := range []string{"../x", "..", "0123456789abcdef0123456789abcdef/..", "/tmp", ""} {
		_, err := s.PushBlobChunkedResume(ctx, "ok", id, -1)
		wantCode(t, err, errcode.ErrorCodeBlobUploadUnknown, "resume of "+id)
	}

	// Nothing beside the root, nothing in it but its own directories and
	// the one repository.
	if entries, _ := os.ReadDir(parent); len(entries) != 1 {
		t.Errorf("the root's parent holds %d entries, want only the root", len(entries))
	}
	var repos []string
	for r, err := range s.Repositories(ctx, "") {
		if err != nil {
			t.Fatal(err)
		}
		repos = append(repos, r)
	}
	if len(repos) != 1 || repos[0] != "ok" {
		t.Errorf("repositories after the refusals: %q, want [ok]", repos)
	}
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		rel, _ := filepath.Rel(root, path)
		if d != nil && d.IsDir() && filepath.Dir(rel) == "repositories" && d.Name() != "ok" {
			t.Errorf("a repository directory %s was made", rel)
		}
		return nil
	})
}

// wantCode fails t unless err is the errcode code want.
func wantCode(t *testing.T, err error, want errcode.ErrorCode, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: %v, want %s", what, err, want)
	}
}
