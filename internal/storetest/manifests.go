package storetest

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

const (
	imageManifest = "application/vnd.oci.image.manifest.v1+json"
	imageIndex    = "application/vnd.oci.image.index.v1+json"
)

// newManifest makes an image manifest whose content names what, so that
// each what makes another digest, referring to subject when it is not nil.
func newManifest(what, artifactType string, subject *registry.Descriptor) registry.Manifest {
	config := registry.Descriptor{MediaType: "application/vnd.oci.empty.v1+json", Digest: digest.FromString("{}"), Size: 2}
	content := fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"config":{"mediaType":%q,"digest":%q,"size":2},"layers":[],"annotations":{"what":%q}`,
		imageManifest, config.MediaType, config.Digest, what)
	if artifactType != "" {
		content += fmt.Sprintf(`,"artifactType":%q`, artifactType)
	}
	if subject != nil {
		content += fmt.Sprintf(`,"subject":{"mediaType":%q,"digest":%q,"size":%d}`, subject.MediaType, subject.Digest, subject.Size)
	}
	content += "}"
	if artifactType == "" {
		artifactType = config.MediaType
	}
	return registry.Manifest{
		Descriptor: registry.Descriptor{
			MediaType:    imageManifest,
			Digest:       digest.FromString(content),
			Size:         int64(len(content)),
			ArtifactType: artifactType,
			Annotations:  map[string]string{"what": what},
		},
		Content:    []byte(content),
		Subject:    subject,
		References: []registry.Descriptor{config},
	}
}

// pushManifest pushes m to repo with tags and checks the descriptor it
// returns.
func pushManifest(t *testing.T, s registry.Interface, repo string, m registry.Manifest, tags ...string) registry.Descriptor {
	t.Helper()
	desc, err := s.PushManifest(ctx, repo, m, tags...)
	wantOK(t, err, fmt.Sprintf("PushManifest to %q with tags %q", repo, tags))
	if desc.Digest != m.Digest || desc.Size != int64(len(m.Content)) || desc.MediaType != m.MediaType {
		t.Fatalf("PushManifest described %s %s of %d bytes, want %s %s of %d", desc.MediaType, desc.Digest, desc.Size, m.MediaType, m.Digest, len(m.Content))
	}
	return desc
}

// wantManifest checks that reference names m in repo, through
// ResolveManifest and GetManifest.
func wantManifest(t *testing.T, s registry.Interface, repo, reference string, m registry.Manifest) {
	t.Helper()
	what := fmt.Sprintf("manifest %q of %q", reference, repo)
	desc, err := s.ResolveManifest(ctx, repo, reference)
	if err != nil {
		t.Errorf("ResolveManifest %s: %v", what, err)
		return
	}
	if desc.Digest != m.Digest || desc.Size != int64(len(m.Content)) || desc.MediaType != m.MediaType {
		t.Errorf("ResolveManifest %s: %s %s of %d bytes, want %s %s of %d", what, desc.MediaType, desc.Digest, desc.Size, m.MediaType, m.Digest, len(m.Content))
	}
	r, err := s.GetManifest(ctx, repo, reference)
	if err != nil {
		t.Errorf("GetManifest %s: %v", what, err)
		return
	}
	got := r.Descriptor()
	if content := readAll(t, r, "GetManifest "+what); !bytes.Equal(content, m.Content) {
		t.Errorf("GetManifest %s: read %q, want %q", what, content, m.Content)
	}
	if got.Digest != m.Digest || got.Size != int64(len(m.Content)) || got.MediaType != m.MediaType {
		t.Errorf("GetManifest %s: described as %s %s of %d bytes", what, got.MediaType, got.Digest, got.Size)
	}
}

// wantNoManifest checks that reference names nothing in repo.
func wantNoManifest(t *testing.T, s registry.Interface, repo, reference string) {
	t.Helper()
	_, err := s.ResolveManifest(ctx, repo, reference)
	wantCode(t, err, errcode.ErrorCodeManifestUnknown, fmt.Sprintf("ResolveManifest %q of %q", reference, repo))
	_, err = s.GetManifest(ctx, repo, reference)
	wantCode(t, err, errcode.ErrorCodeManifestUnknown, fmt.Sprintf("GetManifest %q of %q", reference, repo))
}

// wantTags checks the tags of repo.
func wantTags(t *testing.T, s registry.Interface, repo string, want ...string) {
	t.Helper()
	tags, err := collect(s.Tags(ctx, repo, ""))
	if err != nil {
		t.Errorf("Tags of %q: %v", repo, err)
	}
	if !equalStrings(tags, want) {
		t.Errorf("Tags of %q: %q, want %q", repo, tags, want)
	}
}

// testManifests pushes manifests and reads them by tag and by digest.
func testManifests(t *testing.T, s registry.Interface) {
	m := newManifest("first", "", nil)
	pushManifest(t, s, "man/repo", m, "v1", "latest")
	index := registry.Manifest{
		Descriptor: registry.Descriptor{MediaType: imageIndex, Size: -1},
		Content:    []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[{"mediaType":%q,"digest":%q,"size":%d}]}`, imageIndex, imageManifest, m.Digest, len(m.Content))),
	}
	index.Digest = digest.SHA512.FromBytes(index.Content)
	index.Size = int64(len(index.Content))
	index.References = []registry.Descriptor{m.Descriptor}
	pushManifest(t, s, "man/repo", index)

	for _, ref := range []string{"v1", "latest", m.Digest.String()} {
		wantManifest(t, s, "man/repo", ref, m)
	}
	wantManifest(t, s, "man/repo", index.Digest.String(), index)
	for _, tc := range []struct{ repo, ref string }{
		{"man/repo", "v2"},
		{"man/repo", "V1"},
		{"man/repo", unknownDigest.String()},
		{"man/repo", digest.SHA512.FromBytes(m.Content).String()}, // the content, but not the digest it was pushed by
		{"man/other", "v1"},
		{"man/other", m.Digest.String()},
		{"man", "v1"},
	} {
		wantNoManifest(t, s, tc.repo, tc.ref)
	}
	wantTags(t, s, "man/repo", "latest", "v1")

	// The store keeps its own copy: the caller may reuse its buffer.
	buf := []byte(newManifest("reused", "", nil).Content)
	reused := newManifest("reused", "", nil)
	reused.Content = buf
	pushManifest(t, s, "man/repo", reused, "reused")
	want := bytes.Clone(buf)
	for i := range buf {
		buf[i] = 'x'
	}
	reused.Content = want
	wantManifest(t, s, "man/repo", "reused", reused)

	// A repository that holds only a manifest exists.
	pushManifest(t, s, "man/only", m)
	names, err := collect(s.Repositories(ctx, ""))
	wantOK(t, err, "Repositories")
	if !equalStrings(names, []string{"man/only", "man/repo"}) {
		t.Errorf("Repositories lists %q", names)
	}
	wantTags(t, s, "man/only")
}

// testManifestDigestInvalid pushes manifests whose content is not their
// digest's: nothing is stored, tags included.
func testManifestDigestInvalid(t *testing.T, s registry.Interface) {
	good := newManifest("good", "", nil)
	pushManifest(t, s, "bad/held", good, "kept")
	for _, tc := range []struct {
		name string
		m    func() registry.Manifest
	}{
		{"another manifest's digest", func() registry.Manifest {
			m := newManifest("bad", "", nil)
			m.Digest = good.Digest
			return m
		}},
		{"a digest of no content", func() registry.Manifest {
			m := newManifest("bad", "", nil)
			m.Digest = unknownDigest
			return m
		}},
		{"a sha512 digest of other content", func() registry.Manifest {
			m := newManifest("bad", "", nil)
			m.Digest = digest.SHA512.FromString("other")
			return m
		}},
		{"a digest not verified", func() registry.Manifest {
			m := newManifest("bad", "", nil)
			m.Digest = digest.Digest("sha1:0123456789abcdef0123456789abcdef01234567")
			return m
		}},
	} {
		for _, repo := range []string{"bad/held", "bad/fresh"} {
			m := tc.m()
			subject := good.Descriptor
			m.Subject = &subject
			_, err := s.PushManifest(ctx, repo, m, "bad", "kept")
			wantCode(t, err, errcode.ErrorCodeDigestInvalid, fmt.Sprintf("PushManifest with %s to %q", tc.name, repo))
			wantNoManifest(t, s, repo, "bad")
			if refs, err := collect(s.Referrers(ctx, repo, good.Digest, "", "")); err != nil || len(refs) != 0 {
				t.Errorf("after a refused push, the subject's referrers: %v, %v", refs, err)
			}
		}
		wantManifest(t, s, "bad/held", "kept", good)
		_, err := collect(s.Tags(ctx, "bad/fresh", ""))
		wantCode(t, err, errcode.ErrorCodeNameUnknown, "Tags of a repository only refused pushes went to")
	}
}

// testTagsMove pushes manifests over the tags of others: the tags move.
func testTagsMove(t *testing.T, s registry.Interface) {
	m1 := newManifest("one", "", nil)
	m2 := newManifest("two", "", nil)
	pushManifest(t, s, "move", m1, "a", "b")
	pushManifest(t, s, "move", m2, "b", "c")
	for _, tc := range []struct {
		ref string
		m   registry.Manifest
	}{{"a", m1}, {"b", m2}, {"c", m2}, {m1.Digest.String(), m1}, {m2.Digest.String(), m2}} {
		wantManifest(t, s, "move", tc.ref, tc.m)
	}
	// Pushed again, a manifest moves tags back, and keeps those it has.
	pushManifest(t, s, "move", m1, "c", "c", "d")
	for _, tc := range []struct {
		ref string
		m   registry.Manifest
	}{{"a", m1}, {"b", m2}, {"c", m1}, {"d", m1}, {m2.Digest.String(), m2}} {
		wantManifest(t, s, "move", tc.ref, tc.m)
	}
	pushManifest(t, s, "move", m2)
	wantManifest(t, s, "move", "b", m2)
	wantTags(t, s, "move", "a", "b", "c", "d")
}

// testDeleteManifest deletes a manifest: its tags and its referrer entry
// go, the rest stays.
func testDeleteManifest(t *testing.T, s registry.Interface) {
	base := newManifest("base", "", nil)
	baseDesc := pushManifest(t, s, "delm", base, "base")
	ref := newManifest("referrer", "application/example", &baseDesc)
	pushManifest(t, s, "delm", ref, "a", "b")
	other := newManifest("other", "application/example", &baseDesc)
	pushManifest(t, s, "delm", other, "c")

	wantOK(t, s.DeleteManifest(ctx, "delm", ref.Digest), "DeleteManifest")
	for _, r := range []string{"a", "b", ref.Digest.String()} {
		wantNoManifest(t, s, "delm", r)
	}
	wantManifest(t, s, "delm", "c", other)
	wantManifest(t, s, "delm", "base", base)
	wantTags(t, s, "delm", "base", "c")
	refs, err := collect(s.Referrers(ctx, "delm", base.Digest, "", ""))
	wantOK(t, err, "Referrers")
	if len(refs) != 1 || refs[0].Digest != other.Digest {
		t.Errorf("after DeleteManifest, the referrers are %v, want only %s", refs, other.Digest)
	}
	for _, tc := range []struct {
		repo string
		dgst digest.Digest
	}{
		{"delm", ref.Digest},    // deleted already
		{"delm", unknownDigest}, // never pushed
		{"none", base.Digest},   // no such repository
	} {
		wantCode(t, s.DeleteManifest(ctx, tc.repo, tc.dgst), errcode.ErrorCodeManifestUnknown, fmt.Sprintf("DeleteManifest %s of %q", tc.dgst, tc.repo))
	}

	// A repository holding a blob stays when its manifests go; one
	// holding nothing more is gone.
	pushManifest(t, s, "delm/blob", base, "x")
	pushBlob(t, s, "delm/blob", []byte("a blob"))
	for _, m := range []registry.Manifest{base, other} {
		wantOK(t, s.DeleteManifest(ctx, "delm", m.Digest), "DeleteManifest")
	}
	wantOK(t, s.DeleteManifest(ctx, "delm/blob", base.Digest), "DeleteManifest")
	names, err := collect(s.Repositories(ctx, ""))
	wantOK(t, err, "Repositories")
	if !equalStrings(names, []string{"delm/blob"}) {
		t.Errorf("Repositories lists %q, want only the one still holding a blob", names)
	}
	_, err = collect(s.Tags(ctx, "delm", ""))
	wantCode(t, err, errcode.ErrorCodeNameUnknown, "Tags of a repository whose manifests all went")
	wantTags(t, s, "delm/blob")
}

// testDeleteTag deletes tags: the manifests stay.
func testDeleteTag(t *testing.T, s registry.Interface) {
	m := newManifest("tagged", "", nil)
	pushManifest(t, s, "delt", m, "a", "b")
	wantOK(t, s.DeleteTag(ctx, "delt", "a"), "DeleteTag")
	wantNoManifest(t, s, "delt", "a")
	wantManifest(t, s, "delt", "b", m)
	wantManifest(t, s, "delt", m.Digest.String(), m)
	wantTags(t, s, "delt", "b")
	for _, tc := range []struct{ repo, tag string }{
		{"delt", "a"}, // deleted already
		{"delt", "B"}, // never pushed
		{"none", "b"}, // no such repository
	} {
		wantCode(t, s.DeleteTag(ctx, tc.repo, tc.tag), errcode.ErrorCodeManifestUnknown, fmt.Sprintf("DeleteTag %q of %q", tc.tag, tc.repo))
	}
	wantOK(t, s.DeleteTag(ctx, "delt", "b"), "DeleteTag of the last tag")
	wantManifest(t, s, "delt", m.Digest.String(), m)
	wantTags(t, s, "delt")
	names, err := collect(s.Repositories(ctx, ""))
	wantOK(t, err, "Repositories")
	if !equalStrings(names, []string{"delt"}) {
		t.Errorf("a repository whose tags went but not its manifest: Repositories lists %q", names)
	}
}
