package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// manifest returns the manifest reference, a tag or a digest, names in
// repo.
func (s *Store) manifest(repo, reference string) (*manifest, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.repos == nil {
		return nil, errClosed
	}
	rp := s.repos[repo]
	if rp == nil {
		return nil, errManifestUnknown
	}
	var m *manifest
	if strings.IndexByte(reference, ':') >= 0 {
		// A tag has no colon; a digest always has one.
		m = rp.manifests[digest.Digest(reference)]
	} else {
		m = rp.tags[reference]
	}
	if m == nil {
		return nil, errManifestUnknown
	}
	return m, nil
}

// holdsManifest reports whether repo holds manifest dgst.
func (s *Store) holdsManifest(repo string, dgst digest.Digest) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.repos[repo] != nil && s.repos[repo].manifests[dgst] != nil
}

// GetManifest returns the manifest reference names in repo.
func (s *Store) GetManifest(ctx context.Context, repo, reference string) (registry.BlobReader, error) {
	m, err := s.manifest(repo, reference)
	if err != nil {
		return nil, err
	}
	n := int64(len(m.content))
	return newReader([][]byte{m.content}, 0, n, m.desc), nil
}

// ResolveManifest describes the manifest reference names in repo.
func (s *Store) ResolveManifest(ctx context.Context, repo, reference string) (registry.Descriptor, error) {
	m, err := s.manifest(repo, reference)
	if err != nil {
		return registry.Descriptor{}, err
	}
	return m.desc, nil
}

// PushManifest stores a copy of m in repo and points tags at it, all or
// none. The stored descriptor's Size is the length of m.Content.
func (s *Store) PushManifest(ctx context.Context, repo string, m registry.Manifest, tags ...string) (registry.Descriptor, error) {
	if !verifiable(m.Digest) {
		return registry.Descriptor{}, algorithmInvalid(m.Digest)
	}
	if !contentMatches(m.Digest, m.Content) {
		return registry.Descriptor{}, digestInvalid(m.Digest)
	}
	// The copy is made, and counted, before the lock, unless the
	// repository holds the manifest already: most pushes are of new
	// manifests, and copying a large one should not hold up others.
	size := int64(len(m.Content))
	var content []byte
	if !s.holdsManifest(repo, m.Digest) {
		if !s.space.reserve(size) {
			return registry.Descriptor{}, s.space.full()
		}
		content = slices.Clone(m.Content)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos == nil {
		if content != nil {
			s.space.release(size)
		}
		return registry.Descriptor{}, errClosed
	}
	rp := s.repo(repo, false)
	var held *manifest
	if rp != nil {
		held = rp.manifests[m.Digest]
	}
	if held == nil && content == nil {
		// Deleted since it was found: counted and copied now.
		if !s.space.reserve(size) {
			return registry.Descriptor{}, s.space.full()
		}
		content = slices.Clone(m.Content)
	}
	// Tag names are counted, all of them or none, before anything
	// changes.
	tagBytes := newTagBytes(rp, tags)
	if !s.space.reserve(tagBytes) {
		if content != nil {
			s.space.release(size)
		}
		return registry.Descriptor{}, s.space.full()
	}
	if rp == nil {
		rp = s.repo(repo, true)
	}
	if held != nil {
		if content != nil {
			s.space.release(size)
		}
	} else {
		held = &manifest{
			desc: registry.Descriptor{
				MediaType:    strings.Clone(m.MediaType),
				Digest:       cloneDigest(m.Digest),
				Size:         size,
				ArtifactType: strings.Clone(m.ArtifactType),
				Annotations:  maps.Clone(m.Annotations),
			},
			content: content,
		}
		rp.manifests[held.desc.Digest] = held
		if m.Subject != nil {
			held.subject = cloneDigest(m.Subject.Digest)
			rp.referrers[held.subject] = insertReferrer(rp.referrers[held.subject], held)
		}
	}
	for _, t := range tags {
		if rp.tags[t] == nil {
			t = strings.Clone(t)
			rp.sortedTags.clear()
		}
		rp.tags[t] = held
	}
	return held.desc, nil
}

// newTagBytes returns the length of the names in tags that rp (which may
// be nil) does not have, each counted once.
func newTagBytes(rp *repository, tags []string) int64 {
	var seen map[string]bool
	if len(tags) > 8 {
		// Past a few, a set rather than a scan of those before.
		seen = make(map[string]bool, len(tags))
	}
	var n int64
	for i, t := range tags {
		if rp != nil && rp.tags[t] != nil {
			continue
		}
		if seen != nil {
			if seen[t] {
				continue
			}
			seen[t] = true
		} else if slices.Contains(tags[:i], t) {
			continue
		}
		n += int64(len(t))
	}
	return n
}

// insertReferrer returns a new list of list and m, in digest order.
func insertReferrer(list []*manifest, m *manifest) []*manifest {
	i, _ := slices.BinarySearchFunc(list, m.desc.Digest, func(x *manifest, d digest.Digest) int {
		return strings.Compare(string(x.desc.Digest), string(d))
	})
	out := make([]*manifest, 0, len(list)+1)
	out = append(out, list[:i]...)
	out = append(out, m)
	return append(out, list[i:]...)
}

// DeleteManifest deletes manifest dgst from repo, with its tags and its
// entry among its subject's referrers.
func (s *Store) DeleteManifest(ctx context.Context, repo string, dgst digest.Digest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos == nil {
		return errClosed
	}
	rp := s.repos[repo]
	var m *manifest
	if rp != nil {
		m = rp.manifests[dgst]
	}
	if m == nil {
		return fmt.Errorf("%w: no manifest %.200s in %.300q", errcode.ErrorCodeManifestUnknown, dgst, repo)
	}
	delete(rp.manifests, dgst)
	s.space.release(int64(len(m.content)))
	for t, tm := range rp.tags {
		if tm == m {
			delete(rp.tags, t)
			s.space.release(int64(len(t)))
			rp.sortedTags.clear()
		}
	}
	if m.subject != "" {
		list := rp.referrers[m.subject]
		if i := slices.Index(list, m); i >= 0 {
			if len(list) == 1 {
				delete(rp.referrers, m.subject)
			} else {
				// A new list: iterators may be reading the old one.
				rp.referrers[m.subject] = slices.Delete(slices.Clone(list), i, i+1)
			}
		}
	}
	s.dropIfEmpty(repo)
	return nil
}

// DeleteTag deletes tag from repo; the manifest it named stays.
func (s *Store) DeleteTag(ctx context.Context, repo, tag string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.repos == nil {
		return errClosed
	}
	rp := s.repos[repo]
	if rp == nil || rp.tags[tag] == nil {
		return fmt.Errorf("%w: no tag %.200q in %.300q", errcode.ErrorCodeManifestUnknown, tag, repo)
	}
	delete(rp.tags, tag)
	s.space.release(int64(len(tag)))
	rp.sortedTags.clear()
	return nil
}
