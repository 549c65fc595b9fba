package server_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// fakeStore is a small map-based store for the server's tests: it keeps
// everything in memory under one lock, verifies what it is given, and
// implements RollbackBlobWriter and BlobLocator.
type fakeStore struct {
	mu       sync.Mutex
	blobs    map[digest.Digest][]byte
	repos    map[string]*fakeRepo
	sessions map[string]*fakeSession
}

type fakeRepo struct {
	blobs     map[digest.Digest]bool
	manifests map[digest.Digest]*fakeManifest
	tags      map[string]digest.Digest
}

type fakeManifest struct {
	desc    registry.Descriptor
	content []byte
	subject digest.Digest
}

type fakeSession struct {
	repo string
	data []byte
	hold chan struct{} // holds a token while a writer has the session
}

func newFakeStore() *fakeStore {
	return &fakeStore{blobs: map[digest.Digest][]byte{}, repos: map[string]*fakeRepo{}, sessions: map[string]*fakeSession{}}
}

func (s *fakeStore) repo(name string) *fakeRepo {
	r := s.repos[name]
	if r == nil {
		r = &fakeRepo{blobs: map[digest.Digest]bool{}, manifests: map[digest.Digest]*fakeManifest{}, tags: map[string]digest.Digest{}}
		s.repos[name] = r
	}
	return r
}

// dropIfEmpty forgets a repository that holds nothing any more.
func (s *fakeStore) dropIfEmpty(name string) {
	if r := s.repos[name]; r != nil && len(r.blobs) == 0 && len(r.manifests) == 0 {
		delete(s.repos, name)
	}
}

func (s *fakeStore) linked(repo string, d digest.Digest) ([]byte, bool) {
	r := s.repos[repo]
	if r == nil || !r.blobs[d] {
		return nil, false
	}
	return s.blobs[d], true
}

type fakeReader struct {
	*bytes.Reader
	desc registry.Descriptor
}

func (r fakeReader) Close() error                    { return nil }
func (r fakeReader) Descriptor() registry.Descriptor { return r.desc }

func blobDesc(d digest.Digest, size int64) registry.Descriptor {
	return registry.Descriptor{MediaType: "application/octet-stream", Digest: d, Size: size}
}

func (s *fakeStore) GetBlob(ctx context.Context, repo string, d digest.Digest) (registry.BlobReader, error) {
	return s.GetBlobRange(ctx, repo, d, 0, -1)
}

func (s *fakeStore) GetBlobRange(ctx context.Context, repo string, d digest.Digest, start, end int64) (registry.BlobReader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.linked(repo, d)
	if !ok {
		return nil, errcode.ErrorCodeBlobUnknown.WithDetail(map[string]string{"digest": d.String()})
	}
	size := int64(len(b))
	if start > size || (start == size && size > 0) {
		return nil, errcode.ErrorCodeRangeInvalid
	}
	if end < 0 || end > size {
		end = size
	}
	return fakeReader{bytes.NewReader(b[start:end]), blobDesc(d, size)}, nil
}

func (s *fakeStore) ResolveBlob(ctx context.Context, repo string, d digest.Digest) (registry.Descriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.linked(repo, d)
	if !ok {
		return registry.Descriptor{}, errcode.ErrorCodeBlobUnknown.WithDetail(map[string]string{"digest": d.String()})
	}
	return blobDesc(d, int64(len(b))), nil
}

func verify(d digest.Digest, b []byte) error {
	switch d.Algorithm() {
	case digest.SHA256, digest.SHA384, digest.SHA512:
	default:
		return errcode.ErrorCodeDigestInvalid
	}
	if d.Algorithm().FromBytes(b) != d {
		return errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": d.String()})
	}
	return nil
}

func (s *fakeStore) PushBlob(ctx context.Context, repo string, desc registry.Descriptor, r io.Reader) (registry.Descriptor, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return registry.Descriptor{}, err
	}
	if err := verify(desc.Digest, b); err != nil {
		return registry.Descriptor{}, err
	}
	if desc.Size >= 0 && desc.Size != int64(len(b)) {
		return registry.Descriptor{}, errcode.ErrorCodeSizeInvalid
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.blobs[desc.Digest] = b
	s.repo(repo).blobs[desc.Digest] = true
	return blobDesc(desc.Digest, int64(len(b))), nil
}

func (s *fakeStore) PushBlobChunked(ctx context.Context, repo string) (registry.BlobWriter, error) {
	var id [16]byte
	_, _ = rand.Read(id[:])
	sess := &fakeSession{repo: repo, hold: make(chan struct{}, 1)}
	sess.hold <- struct{}{}
	s.mu.Lock()
	s.sessions[hex.EncodeToString(id[:])] = sess
	s.mu.Unlock()
	return &fakeWriter{s: s, id: hex.EncodeToString(id[:]), sess: sess}, nil
}

func (s *fakeStore) PushBlobChunkedResume(ctx context.Context, repo, id string, offset int64) (registry.BlobWriter, error) {
	s.mu.Lock()
	sess := s.sessions[id]
	s.mu.Unlock()
	if sess == nil || sess.repo != repo {
		return nil, errcode.ErrorCodeBlobUploadUnknown.WithDetail(map[string]string{"uuid": id})
	}
	select {
	case sess.hold <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	alive := s.sessions[id] == sess
	s.mu.Unlock()
	if !alive {
		<-sess.hold
		return nil, errcode.ErrorCodeBlobUploadUnknown
	}
	if offset >= 0 && offset != int64(len(sess.data)) {
		<-sess.hold
		return nil, errcode.ErrorCodeRangeInvalid
	}
	return &fakeWriter{s: s, id: id, sess: sess, start: len(sess.data)}, nil
}

func (s *fakeStore) MountBlob(ctx context.Context, from, to string, d digest.Digest) (registry.Descriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b, ok := s.linked(from, d)
	if !ok {
		return registry.Descriptor{}, errcode.ErrorCodeBlobUnknown
	}
	s.repo(to).blobs[d] = true
	return blobDesc(d, int64(len(b))), nil
}

func (s *fakeStore) DeleteBlob(ctx context.Context, repo string, d digest.Digest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.linked(repo, d); !ok {
		return errcode.ErrorCodeBlobUnknown
	}
	delete(s.repos[repo].blobs, d)
	s.dropIfEmpty(repo)
	return nil
}

func (s *fakeStore) manifest(repo, ref string) (*fakeManifest, error) {
	r := s.repos[repo]
	if r == nil {
		return nil, errcode.ErrorCodeManifestUnknown
	}
	d := digest.Digest(ref)
	if !strings.Contains(ref, ":") {
		d = r.tags[ref]
	}
	m := r.manifests[d]
	if m == nil {
		return nil, errcode.ErrorCodeManifestUnknown.WithDetail(map[string]string{"reference": ref})
	}
	return m, nil
}

func (s *fakeStore) GetManifest(ctx context.Context, repo, ref string) (registry.BlobReader, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.manifest(repo, ref)
	if err != nil {
		return nil, err
	}
	return fakeReader{bytes.NewReader(m.content), m.desc}, nil
}

func (s *fakeStore) ResolveManifest(ctx context.Context, repo, ref string) (registry.Descriptor, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.manifest(repo, ref)
	if err != nil {
		return registry.Descriptor{}, err
	}
	return m.desc, nil
}

func (s *fakeStore) PushManifest(ctx context.Context, repo string, m registry.Manifest, tags ...string) (registry.Descriptor, error) {
	if err := verify(m.Digest, m.Content); err != nil {
		return registry.Descriptor{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repo(repo)
	if r.manifests[m.Digest] == nil {
		fm := &fakeManifest{desc: m.Descriptor, content: m.Content}
		if m.Subject != nil {
			fm.subject = m.Subject.Digest
		}
		r.manifests[m.Digest] = fm
	}
	for _, t := range tags {
		r.tags[t] = m.Digest
	}
	return m.Descriptor, nil
}

func (s *fakeStore) DeleteManifest(ctx context.Context, repo string, d digest.Digest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil || r.manifests[d] == nil {
		return errcode.ErrorCodeManifestUnknown
	}
	delete(r.manifests, d)
	for t, td := range r.tags {
		if td == d {
			delete(r.tags, t)
		}
	}
	s.dropIfEmpty(repo)
	return nil
}

func (s *fakeStore) DeleteTag(ctx context.Context, repo, tag string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil || r.tags[tag] == "" {
		return errcode.ErrorCodeManifestUnknown
	}
	delete(r.tags, tag)
	return nil
}

// sortedAfter lists keys in order, from the first after after.
func sortedAfter(keys []string, after string) iter.Seq2[string, error] {
	slices.Sort(keys)
	return func(yield func(string, error) bool) {
		for _, k := range keys {
			if k > after && !yield(k, nil) {
				return
			}
		}
	}
}

func (s *fakeStore) Repositories(ctx context.Context, after string) iter.Seq2[string, error] {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n := range s.repos {
		names = append(names, n)
	}
	return sortedAfter(names, after)
}

func (s *fakeStore) Tags(ctx context.Context, repo, after string) iter.Seq2[string, error] {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.repos[repo]
	if r == nil {
		return func(yield func(string, error) bool) { yield("", errcode.ErrorCodeNameUnknown) }
	}
	var tags []string
	for t := range r.tags {
		tags = append(tags, t)
	}
	return sortedAfter(tags, after)
}

func (s *fakeStore) Referrers(ctx context.Context, repo string, subject digest.Digest, artifactType string, after digest.Digest) iter.Seq2[registry.Descriptor, error] {
	s.mu.Lock()
	defer s.mu.Unlock()
	var list []registry.Descriptor
	if r := s.repos[repo]; r != nil {
		for d, m := range r.manifests {
			if m.subject == subject && d > after && (artifactType == "" || m.desc.ArtifactType == artifactType) {
				list = append(list, m.desc)
			}
		}
	}
	slices.SortFunc(list, func(a, b registry.Descriptor) int { return strings.Compare(string(a.Digest), string(b.Digest)) })
	return func(yield func(registry.Descriptor, error) bool) {
		for _, d := range list {
			if !yield(d, nil) {
				return
			}
		}
	}
}

func (s *fakeStore) BlobRepositories(ctx context.Context, d digest.Digest) iter.Seq2[string, error] {
	s.mu.Lock()
	defer s.mu.Unlock()
	var names []string
	for n, r := range s.repos {
		if r.blobs[d] {
			names = append(names, n)
		}
	}
	return sortedAfter(names, "")
}

// fakeWriter holds a session until Close, Commit or Cancel.
type fakeWriter struct {
	s     *fakeStore
	id    string
	sess  *fakeSession
	start int // the session's size when the writer was obtained
	done  bool
}

func (w *fakeWriter) Write(p []byte) (int, error) {
	w.sess.data = append(w.sess.data, p...)
	return len(p), nil
}

func (w *fakeWriter) ID() string  { return w.id }
func (w *fakeWriter) Size() int64 { return int64(len(w.sess.data)) }
func (w *fakeWriter) Rollback() error {
	w.sess.data = w.sess.data[:w.start]
	return nil
}

func (w *fakeWriter) release() {
	if !w.done {
		w.done = true
		<-w.sess.hold
	}
}

func (w *fakeWriter) Close() error {
	w.release()
	return nil
}

func (w *fakeWriter) Commit(d digest.Digest) (registry.Descriptor, error) {
	if err := verify(d, w.sess.data); err != nil {
		return registry.Descriptor{}, err
	}
	w.s.mu.Lock()
	delete(w.s.sessions, w.id)
	w.s.blobs[d] = w.sess.data
	w.s.repo(w.sess.repo).blobs[d] = true
	w.s.mu.Unlock()
	w.release()
	return blobDesc(d, int64(len(w.sess.data))), nil
}

func (w *fakeWriter) Cancel() error {
	w.s.mu.Lock()
	delete(w.s.sessions, w.id)
	w.s.mu.Unlock()
	w.release()
	return nil
}

var (
	_ registry.Interface          = (*fakeStore)(nil)
	_ registry.BlobLocator        = (*fakeStore)(nil)
	_ registry.RollbackBlobWriter = (*fakeWriter)(nil)
)
