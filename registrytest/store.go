package registrytest

import (
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/opencontainers/go-digest"
)

// store holds the repositories. Its lock guards the maps only: blob
// content never changes once stored and is read and written without it,
// so no request waits for another's body.
type store struct {
	mu    sync.RWMutex
	repos map[string]*repository
	// blobs holds each blob's content once, whichever repositories link
	// it, so that a mount or a second push of the same bytes costs no
	// memory. It is the only map keyed by a blob's digest: a repository
	// keeps its links by the blob itself (see repository.blobs).
	blobs map[digest.Digest]*blob
	space *space
	// pushes counts the manifests stored, to number each: the referrers
	// list is paged by these numbers, which deletes do not shift.
	pushes uint64

	// sortedNames is the sorted list of the repositories' names, made by the
	// first catalog request after a repository came or went, so that a
	// catalog read page by page is not sorted again for each page.
	sortedNames sortedCache
}

// sortedCache holds a sorted list made from a map, until the map's keys
// change. A reader holding the store's read lock makes it; a writer
// holding the write lock clears it. The list is never changed once made:
// readers keep using it after the lock is released.
type sortedCache struct {
	list atomic.Pointer[[]string]
}

// get returns the list, made by sorted when there is none.
func (c *sortedCache) get(sorted func() []string) []string {
	if p := c.list.Load(); p != nil {
		return *p
	}
	list := sorted()
	// Readers at once may each make it: they make the same list.
	c.list.Store(&list)
	return list
}

// clear drops the list, after the keys changed.
func (c *sortedCache) clear() { c.list.Store(nil) }

// sortedKeys returns the keys of m, sorted.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// blob is stored content and the number of repositories linking it.
type blob struct {
	data  content
	links int
}

// repository is the content of one repository.
type repository struct {
	// blobs are the blobs the repository links, found by digest in
	// store.blobs. Keyed by pointer, a link costs a map entry of a word
	// where a digest key would cost hashing its 71 bytes again, on every
	// lookup and every time the map grows.
	blobs     map[*blob]struct{}
	manifests map[digest.Digest]*manifest
	tags      map[string]digest.Digest
	// sortedTags is the sorted list of the tags, made by the first tags
	// list request after a tag came or went.
	sortedTags sortedCache
	// referrers maps a subject digest to the manifests referring to it,
	// in push order, which is the order of their numbers (manifest.seq).
	// A manifest is in the list while it is in manifests.
	referrers map[digest.Digest][]digest.Digest
}

func newStore(s *space) *store {
	return &store{repos: map[string]*repository{}, blobs: map[digest.Digest]*blob{}, space: s}
}

func (r *repository) empty() bool {
	return len(r.blobs) == 0 && len(r.manifests) == 0 && len(r.tags) == 0
}

// repo returns repository name, creating it when create is set. The caller
// holds s.mu (for writing when create is set).
func (s *store) repo(name string, create bool) *repository {
	rp := s.repos[name]
	if rp == nil && create {
		// Names, tags and digests come from request lines and queries of
		// up to a megabyte: a copy is kept, not a part of the request.
		name = strings.Clone(name)
		rp = &repository{
			blobs:     map[*blob]struct{}{},
			manifests: map[digest.Digest]*manifest{},
			tags:      map[string]digest.Digest{},
			referrers: map[digest.Digest][]digest.Digest{},
		}
		s.repos[name] = rp
		s.sortedNames.clear()
	}
	return rp
}

// dropIfEmpty forgets repository name once it holds nothing. The caller
// holds s.mu for writing.
func (s *store) dropIfEmpty(name string) {
	if rp := s.repos[name]; rp != nil && rp.empty() {
		delete(s.repos, name)
		s.sortedNames.clear()
	}
}

// linked returns blob d when repository rp (which may be nil) links it,
// else nil. The caller holds s.mu.
func (s *store) linked(rp *repository, d digest.Digest) *blob {
	if rp == nil {
		return nil
	}
	b := s.blobs[d]
	if b == nil {
		return nil
	}
	if _, ok := rp.blobs[b]; !ok {
		return nil
	}
	return b
}

// blob returns the content of blob d of repository name, or nil.
func (s *store) blob(name string, d digest.Digest) content {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if b := s.linked(s.repos[name], d); b != nil {
		return b.data
	}
	return nil
}

// stored reports whether the store holds the bytes of blob d, in any
// repository.
func (s *store) stored(d digest.Digest) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.blobs[d] != nil
}

// linkNew links new content, which holds held bytes of space, as blob d of
// repository name. The space becomes the link's; where the repository
// links the blob already, or another repository stored the same bytes,
// the new content is dropped and only the link is counted.
func (s *store) linkNew(name string, d digest.Digest, data content, held int64) {
	size := data.size()
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repo(name, true)
	b := s.blobs[d]
	if _, linked := rp.blobs[b]; linked && b != nil {
		// Linked already: the new content is dropped.
		s.space.release(held)
		return
	}
	if b == nil {
		b = &blob{data: data}
		s.blobs[cloneDigest(d)] = b
	}
	b.links++
	rp.blobs[b] = struct{}{}
	// The link counts the blob's size; what the writer could not trim
	// goes back to the count, though the memory stays until the blob goes.
	s.space.release(held - size)
}

// mount links blob d into repository name from repository from, or from
// any repository holding it when from is empty. It reports whether the
// blob was found, and an error when it was but the link does not fit in
// the storage limit.
func (s *store) mount(name, from string, d digest.Digest) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b *blob
	if from != "" {
		b = s.linked(s.repos[from], d)
	} else {
		b = s.blobs[d]
	}
	return s.linkFound(name, b)
}

// mountFirst links blob d into repository name from the first of sources
// that links it. It reports whether one did, and an error when the link
// does not fit in the storage limit.
func (s *store) mountFirst(name string, sources []string, d digest.Digest) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, from := range sources {
		if b := s.linked(s.repos[from], d); b != nil {
			return s.linkFound(name, b)
		}
	}
	return false, nil
}

// linkFound links blob b, found for a mount, into repository name; a nil
// b was not found. The caller holds s.mu.
func (s *store) linkFound(name string, b *blob) (bool, error) {
	if b == nil {
		return false, nil
	}
	rp := s.repo(name, true)
	if _, ok := rp.blobs[b]; ok {
		return true, nil
	}
	if !s.space.reserve(b.data.size()) {
		s.dropIfEmpty(name)
		return true, s.space.full()
	}
	b.links++
	rp.blobs[b] = struct{}{}
	return true, nil
}

// unlinkBlob removes blob d from repository name and reports whether it
// was there. The blob's content goes when no repository links it.
func (s *store) unlinkBlob(name string, d digest.Digest) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[name]
	b := s.linked(rp, d)
	if b == nil {
		return false
	}
	delete(rp.blobs, b)
	s.space.release(b.data.size())
	if b.links--; b.links == 0 {
		delete(s.blobs, d)
		b.data.free()
	}
	s.dropIfEmpty(name)
	return true
}

// tags returns the tags of repository name, sorted, and whether it exists.
// The list is shared: the caller must not change it.
func (s *store) tags(name string) ([]string, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rp := s.repos[name]
	if rp == nil {
		return nil, false
	}
	return rp.sortedTags.get(func() []string { return sortedKeys(rp.tags) }), true
}

// names returns the names of the repositories, sorted. The list is shared:
// the caller must not change it.
func (s *store) names() []string {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.sortedNames.get(func() []string { return sortedKeys(s.repos) })
}

// manifest returns the manifest of repository name that the tag, or else
// the digest, names; the repository is nil when it does not exist.
func (s *store) manifest(name, tag string, d digest.Digest) (*repository, *manifest) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rp := s.repos[name]
	if rp == nil {
		return nil, nil
	}
	if tag != "" {
		d = rp.tags[tag]
	}
	return rp, rp.manifests[d]
}

// referrers returns a page of the manifests of repository name whose
// subject is d, in push order: those pushed after the manifest numbered
// after, of artifactType unless it is empty, at most limit of them (all
// when limit is not positive), and whether more follow. The list is in
// push order, so in the order of the manifests' numbers: the page starts
// at the cursor found by binary search, and costs the same whatever page
// it is.
func (s *store) referrers(name string, d digest.Digest, after uint64, artifactType string, limit int) (page []*manifest, more bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	rp := s.repos[name]
	if rp == nil {
		return nil, false
	}
	list := rp.referrers[d]
	start := sort.Search(len(list), func(i int) bool { return rp.manifests[list[i]].seq > after })
	for _, r := range list[start:] {
		m := rp.manifests[r]
		if artifactType != "" && m.artifactType != artifactType {
			continue
		}
		if limit > 0 && len(page) == limit {
			return page, true
		}
		page = append(page, m)
	}
	return page, false
}

// deleteManifest removes the tag, or else the manifest of digest d with
// every tag pointing at it, from repository name. It reports whether the
// repository exists and whether the tag or manifest was there.
func (s *store) deleteManifest(name, tag string, d digest.Digest) (exists, found bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[name]
	if rp == nil {
		return false, false
	}
	if tag != "" {
		if _, found = rp.tags[tag]; found {
			delete(rp.tags, tag)
			rp.sortedTags.clear()
			s.space.release(int64(len(tag)))
		}
	} else if m := rp.manifests[d]; m != nil {
		found = true
		delete(rp.manifests, d)
		s.space.release(int64(len(m.data)))
		for t, td := range rp.tags {
			if td == d {
				delete(rp.tags, t)
				rp.sortedTags.clear()
				s.space.release(int64(len(t)))
			}
		}
		if m.subject != "" {
			// In place: readers copy what they need of the list under
			// the lock.
			list := slices.DeleteFunc(rp.referrers[m.subject], func(x digest.Digest) bool { return x == d })
			if len(list) == 0 {
				delete(rp.referrers, m.subject)
			} else {
				rp.referrers[m.subject] = list
			}
		}
	}
	if found {
		s.dropIfEmpty(name)
	}
	return true, found
}

// cloneDigest returns a copy of d that shares no memory with the request
// it came from, to be kept as a key.
func cloneDigest(d digest.Digest) digest.Digest {
	return digest.Digest(strings.Clone(string(d)))
}
