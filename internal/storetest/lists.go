package storetest

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// testRepositories lists repositories, whole and from a name.
func testRepositories(t *testing.T, s registry.Interface) {
	if names, err := collect(s.Repositories(ctx, "")); err != nil || len(names) != 0 {
		t.Fatalf("an empty store lists %q, %v", names, err)
	}
	names := []string{"b", "a/b", "a", "a-b", "ab", "a.b", "a_b", "c/d/e", "a/b/c", "0"}
	for i, name := range names {
		if i%2 == 0 {
			pushBlob(t, s, name, []byte("blob of "+name))
		} else {
			pushManifest(t, s, name, newManifest(name, "", nil), "t")
		}
	}
	pushBlob(t, s, "a", []byte("a second blob")) // listed once
	sorted := slices.Clone(names)
	sort.Strings(sorted)
	for _, after := range []string{"", "0", "a", "a/b", "a0", "aa", "b", "c/d/e", "zzz", " "} {
		got, err := collect(s.Repositories(ctx, after))
		wantOK(t, err, "Repositories")
		var want []string
		for _, n := range sorted {
			if n > after {
				want = append(want, n)
			}
		}
		if !equalStrings(got, want) {
			t.Errorf("Repositories after %q: %q, want %q", after, got, want)
		}
	}
}

// testTags lists tags, whole and from a tag.
func testTags(t *testing.T, s registry.Interface) {
	tags := []string{"v1", "V2", "1.0", "latest", "a_b", "a-b", "a.b", "_x", "v1.0"}
	m1 := newManifest("one", "", nil)
	m2 := newManifest("two", "", nil)
	pushManifest(t, s, "tags", m1, tags[:4]...)
	pushManifest(t, s, "tags", m2, tags[4:]...)
	sorted := slices.Clone(tags)
	sort.Strings(sorted)
	for _, after := range []string{"", "1.0", "V2", "Z", "a-b", "a_b", "latest", "v1.0", "zzz"} {
		got, err := collect(s.Tags(ctx, "tags", after))
		wantOK(t, err, "Tags")
		var want []string
		for _, tag := range sorted {
			if tag > after {
				want = append(want, tag)
			}
		}
		if !equalStrings(got, want) {
			t.Errorf("Tags after %q: %q, want %q", after, got, want)
		}
	}
	for _, repo := range []string{"none", "tag", "tags/more"} {
		got, err := collect(s.Tags(ctx, repo, ""))
		wantCode(t, err, errcode.ErrorCodeNameUnknown, fmt.Sprintf("Tags of %q", repo))
		if len(got) != 0 {
			t.Errorf("Tags of unknown %q listed %q", repo, got)
		}
	}
	// A repository of blobs alone has no tags, and no error.
	pushBlob(t, s, "blobs", []byte("untagged"))
	wantTags(t, s, "blobs")
}

// testReferrers lists the referrers of a subject, filtered and from a
// digest.
func testReferrers(t *testing.T, s registry.Interface) {
	subject := newManifest("subject", "", nil)
	subjectDesc := registry.Descriptor{MediaType: subject.MediaType, Digest: subject.Digest, Size: subject.Size}
	// The subject need not be pushed: a referrer may come first.
	var refs []registry.Manifest
	for i := range 8 {
		at := "application/one"
		if i%3 == 0 {
			at = "application/two"
		}
		m := newManifest(fmt.Sprintf("referrer %d", i), at, &subjectDesc)
		m.Annotations["index"] = fmt.Sprint(i)
		refs = append(refs, m)
		pushManifest(t, s, "refs", m)
	}
	// One of the empty config's media type, its effective artifact type.
	plain := newManifest("plain referrer", "", &subjectDesc)
	refs = append(refs, plain)
	pushManifest(t, s, "refs", plain, "plain")
	// Referrers of another subject, and in another repository.
	otherSubject := registry.Descriptor{MediaType: imageManifest, Digest: unknownDigest, Size: 10}
	pushManifest(t, s, "refs", newManifest("elsewhere", "application/one", &otherSubject))
	pushManifest(t, s, "refs/other", newManifest("other repository", "application/one", &subjectDesc))
	// A referrer pushed twice is listed once.
	pushManifest(t, s, "refs", refs[0], "again")
	pushManifest(t, s, "refs", subject, "subject")

	byDigest := slices.Clone(refs)
	slices.SortFunc(byDigest, func(a, b registry.Manifest) int {
		switch {
		case a.Digest < b.Digest:
			return -1
		case a.Digest > b.Digest:
			return 1
		}
		return 0
	})
	middle := byDigest[4].Digest
	for _, tc := range []struct {
		artifactType string
		after        digest.Digest
	}{
		{"", ""},
		{"application/one", ""},
		{"application/two", ""},
		{"application/vnd.oci.empty.v1+json", ""},
		{"application/none", ""},
		{"", middle},
		{"application/one", middle},
		{"", byDigest[0].Digest},
		{"", byDigest[len(byDigest)-1].Digest},
		{"", "sha256:8000000000000000000000000000000000000000000000000000000000000000"},
		{"", "sha256:"},
		{"", "sha512:0"},
	} {
		var want []registry.Manifest
		for _, m := range byDigest {
			if (tc.artifactType == "" || m.ArtifactType == tc.artifactType) && m.Digest > tc.after {
				want = append(want, m)
			}
		}
		got, err := collect(s.Referrers(ctx, "refs", subject.Digest, tc.artifactType, tc.after))
		what := fmt.Sprintf("Referrers of type %q after %q", tc.artifactType, tc.after)
		wantOK(t, err, what)
		if len(got) != len(want) {
			t.Errorf("%s: %d referrers, want %d", what, len(got), len(want))
			continue
		}
		for i, d := range got {
			w := want[i]
			if d.Digest != w.Digest || d.MediaType != w.MediaType || d.Size != int64(len(w.Content)) ||
				d.ArtifactType != w.ArtifactType || !maps.Equal(d.Annotations, w.Annotations) {
				t.Errorf("%s: referrer %d is %+v, want %s %s of %d bytes, type %q, annotations %v",
					what, i, d, w.MediaType, w.Digest, len(w.Content), w.ArtifactType, w.Annotations)
			}
		}
	}
	for _, tc := range []struct {
		repo    string
		subject digest.Digest
	}{
		{"none", subject.Digest},
		{"refs", unknownDigest.Algorithm().FromString("no referrers")},
		{"refs", refs[0].Digest},
		{"ref", subject.Digest},
	} {
		got, err := collect(s.Referrers(ctx, tc.repo, tc.subject, "", ""))
		if err != nil || len(got) != 0 {
			t.Errorf("Referrers of %s in %q: %v, %v; want nothing and no error", tc.subject, tc.repo, got, err)
		}
	}
}
