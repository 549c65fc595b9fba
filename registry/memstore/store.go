package memstore

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// Options configures a Store. The zero value is a store without limits.
type Options struct {
	// MaxStorage bounds the bytes the store holds, at every moment: the
	// content of blobs (once, however many repositories link a blob),
	// manifests (once per repository holding them), tag names, the bytes
	// of open upload sessions and the reservations made through Reserve.
	// Memory is counted before it is taken. What would pass the bound is
	// refused with errcode.ErrorCodeDenied, after expired upload sessions
	// are dropped to make room. Not positive: no limit.
	MaxStorage int64

	// CountEachLink makes MaxStorage count a blob's size once more for
	// each repository that links it beyond the first, so that a mount, or
	// a push of content another repository holds, costs the blob's size:
	// the bound then limits what repositories are given, not only the
	// memory held.
	CountEachLink bool

	// MaxUploads bounds the open upload sessions: PushBlobChunked is
	// refused with errcode.ErrorCodeDenied when that many are open after
	// the expired ones are dropped. Not positive: no limit.
	MaxUploads int

	// UploadTTL is how long an upload session may stay idle, no writer
	// holding it, since a writer last added bytes to it (a writer that
	// added none, as a server's answer to where the session stands, does
	// not keep it): a session idle for longer is dropped, and its id is then
	// unknown (errcode.ErrorCodeBlobUploadUnknown). A session is never
	// dropped while a writer holds it. Not positive: sessions stay until
	// committed or cancelled.
	UploadTTL time.Duration

	// BlobDir, when set, keeps the content of blobs in files of this
	// directory, which must exist: one file a blob, written once the blob
	// is complete and verified (upload sessions stay in memory until
	// then), so that stored images take no memory. MaxStorage counts the
	// files as it counts memory. A file goes with its blob's last link,
	// and Close removes them all; the files of a process that was killed
	// stay.
	BlobDir string

	// Now returns the time by which sessions expire; nil means time.Now.
	Now func() time.Time
}

// Store is a registry.Interface that keeps everything in memory. Besides
// the Interface it implements registry.BlobLocator and
// registry.SpaceReserver, and its writers implement
// registry.RollbackBlobWriter. It is safe for concurrent use.
//
// Blob content is stored once however many repositories link it, and never
// changes once stored, so it is read without a lock: a slow reader delays
// no one. Descriptors, readers and iterators the store returns share the
// store's memory for annotations: callers must not change them.
type Store struct {
	opts  Options
	now   func() time.Time
	space space

	// mu guards the maps below; blob content is read without it.
	mu    sync.RWMutex
	repos map[string]*repository // nil once closed
	// blobs holds each blob once, whichever repositories link it.
	blobs map[digest.Digest]*blob
	// names is the sorted list of the repositories' names.
	names sortedCache

	sessions sessionTable

	// reserved is what Reserve holds, part of space's count.
	reserved atomic.Int64
}

// blob is stored content and the number of repositories linking it.
type blob struct {
	desc  registry.Descriptor
	data  chunks
	links int
	// file is the path of the content with Options.BlobDir; data then
	// holds only the count.
	file string
}

// repository is what one repository holds.
type repository struct {
	// blobs are the blobs the repository links. Keyed by the blob, a link
	// is a word where a digest key would be hashed again on every lookup.
	blobs     map[*blob]struct{}
	manifests map[digest.Digest]*manifest
	tags      map[string]*manifest
	// sortedTags is the sorted list of the tags.
	sortedTags sortedCache
	// referrers lists, for each subject, the manifests referring to it,
	// in digest order. A list is replaced, never changed, so that an
	// iterator reads it without the lock.
	referrers map[digest.Digest][]*manifest
}

// manifest is a stored manifest.
type manifest struct {
	desc registry.Descriptor
	// segs holds the content as a reader takes it, so that a read needs
	// no slice of its own.
	segs    [1][]byte
	subject digest.Digest // "" without a subject
}

// content returns the manifest's bytes.
func (m *manifest) content() []byte { return m.segs[0] }

// blobMediaType is the media type of every blob's descriptor: the store
// keeps bytes, not what they are.
const blobMediaType = "application/octet-stream"

var errClosed = errors.New("memstore: the store is closed")

// Errors returned on paths taken often, made once: a HEAD or GET of a blob
// before it is pushed is how clients ask whether to push it.
var (
	errBlobUnknown     error = errcode.ErrorCodeBlobUnknown
	errManifestUnknown error = errcode.ErrorCodeManifestUnknown
)

// New returns an empty store configured by opts.
func New(opts Options) *Store {
	s := &Store{
		opts:  opts,
		now:   opts.Now,
		repos: map[string]*repository{},
		blobs: map[digest.Digest]*blob{},
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.space.max = opts.MaxStorage
	s.space.reclaim = s.expireSessions
	s.sessions.byID = map[string]*session{}
	return s
}

// Close drops everything the store holds and ends its upload sessions.
// Calls after Close fail; readers obtained before it still read.
func (s *Store) Close() error {
	s.mu.Lock()
	for _, b := range s.blobs {
		b.data.free(&s.space)
		b.removeFile()
	}
	s.repos, s.blobs = nil, nil
	s.names.clear()
	s.mu.Unlock()
	s.sessions.closeAll(&s.space)
	return nil
}

// repo returns repository name, creating it when create is set. The caller
// holds s.mu, for writing when create is set.
func (s *Store) repo(name string, create bool) *repository {
	rp := s.repos[name]
	if rp == nil && create {
		// Names come from requests: a copy is kept, not a part of one.
		rp = &repository{
			blobs:     map[*blob]struct{}{},
			manifests: map[digest.Digest]*manifest{},
			tags:      map[string]*manifest{},
			referrers: map[digest.Digest][]*manifest{},
		}
		s.repos[strings.Clone(name)] = rp
		s.names.clear()
	}
	return rp
}

// dropIfEmpty forgets repository name once it holds nothing. The caller
// holds s.mu for writing.
func (s *Store) dropIfEmpty(name string) {
	if rp := s.repos[name]; rp != nil && len(rp.blobs) == 0 && len(rp.manifests) == 0 {
		delete(s.repos, name)
		s.names.clear()
	}
}

// linked returns blob d when repository rp (which may be nil) links it.
// The caller holds s.mu.
func (s *Store) linked(rp *repository, d digest.Digest) *blob {
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

// linkCost is what a new link to b counts against MaxStorage, besides the
// blob's own bytes.
func (s *Store) linkCost(b *blob) int64 {
	if s.opts.CountEachLink && b.links > 0 {
		return b.desc.Size
	}
	return 0
}

// unlink removes the link of rp to b, giving back what it counted. The
// caller holds s.mu for writing.
func (s *Store) unlink(rp *repository, b *blob) {
	delete(rp.blobs, b)
	b.links--
	if b.links == 0 {
		// The bytes stay for readers, and for a push that found the blob
		// before it went (linkHeld); they are no longer counted.
		delete(s.blobs, b.desc.Digest)
		s.space.release(b.data.held)
		b.removeFile()
		return
	}
	if s.opts.CountEachLink {
		s.space.release(b.desc.Size)
	}
}

// sortedCache holds a sorted list made from a map's keys until they
// change. A reader holding the store's read lock makes it; a writer holding
// the write lock clears it. A list is never changed once made, so
// iterators use it after the lock is released.
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

// cloneDigest returns a copy of d that shares no memory with the request
// it came from, to be kept.
func cloneDigest(d digest.Digest) digest.Digest {
	return digest.Digest(strings.Clone(string(d)))
}

// Interface checks.
var (
	_ registry.Interface          = (*Store)(nil)
	_ registry.BlobLocator        = (*Store)(nil)
	_ registry.SpaceReserver      = (*Store)(nil)
	_ registry.RollbackBlobWriter = (*writer)(nil)
)
