package dirstore

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// The files of an upload session, in uploads/<id>/.
const (
	uploadLock  = "lock"  // held by the session's writer
	uploadData  = "data"  // the bytes written, possibly followed by a chunk a killed process did not finish
	uploadState = "state" // the session's record; its modification time is the session's last activity
)

// uploadRecord is the state file of a session: what the data file holds
// up to Size, and the sha256 state after those bytes, so that a writer
// resumed in any process goes on hashing without reading them again.
type uploadRecord struct {
	Repository string `json:"repository"`
	Size       int64  `json:"size"`
	SHA256     []byte `json:"sha256"` // the binary state of crypto/sha256
}

// PushBlobChunked opens an upload session in repo: the directory
// uploads/<id> with its lock, data and state files. The session creates no
// repository.
// Errors: DENIED when Options.MaxUploads sessions are open in the
// directory; NAME_INVALID for a name that is not a repository's.
func (s *Store) PushBlobChunked(ctx context.Context, repo string) (registry.BlobWriter, error) {
	if !validRepository(repo) {
		return nil, codeError(errcode.ErrorCodeNameInvalid, "%q", repo)
	}
	if err := s.checkUploadRoom(); err != nil {
		return nil, err
	}
	id := randomHex(16)
	dir := filepath.Join(s.uploads, id)
	if err := os.Mkdir(dir, 0o755); err != nil {
		return nil, err
	}
	w, err := s.newSession(ctx, repo, id, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return w, nil
}

func (s *Store) newSession(ctx context.Context, repo, id, dir string) (*blobWriter, error) {
	release, err := s.locks.lockFile(ctx, filepath.Join(dir, uploadLock), lockMode{create: true, noWait: true})
	if err != nil {
		return nil, err
	}
	data, err := os.OpenFile(filepath.Join(dir, uploadData), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		release()
		return nil, err
	}
	w := &blobWriter{s: s, ctx: ctx, repo: repo, id: id, dir: dir, release: release, data: data, hash: sha256.New(), dirty: true}
	if err := w.saveState(); err != nil {
		w.closeFiles()
		return nil, err
	}
	w.dirty = false
	if err := w.mark(); err != nil {
		w.closeFiles()
		return nil, err
	}
	return w, nil
}

// checkUploadRoom refuses a new session when the directory holds
// Options.MaxUploads, after removing the expired ones.
func (s *Store) checkUploadRoom() error {
	if s.opts.MaxUploads < 0 {
		return nil
	}
	for attempt := 0; ; attempt++ {
		n, err := countEntries(s.uploads, s.opts.MaxUploads)
		if err != nil {
			return err
		}
		if n < s.opts.MaxUploads {
			return nil
		}
		if attempt > 0 || s.opts.UploadTTL < 0 {
			return codeError(errcode.ErrorCodeDenied, "%d upload sessions are open", n)
		}
		if _, _, err := s.sweepUploads(time.Now(), s.opts.UploadTTL); err != nil {
			return err
		}
	}
}

// countEntries counts the entries of dir, reading no more than limit.
func countEntries(dir string, limit int) (int, error) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	names, err := f.Readdirnames(limit)
	if err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	return len(names), nil
}

// PushBlobChunkedResume returns a writer for session id of repo, once the
// writer that holds it, in this process or another, lets it go.
// Errors: BLOB_UPLOAD_UNKNOWN for an unknown, expired or ended session, or
// one of another repository; RANGE_INVALID for an offset that is not the
// session's size.
func (s *Store) PushBlobChunkedResume(ctx context.Context, repo, id string, offset int64) (registry.BlobWriter, error) {
	unknown := codeError(errcode.ErrorCodeBlobUploadUnknown, "%s", id)
	if !isUploadID(id) || !validRepository(repo) {
		return nil, unknown
	}
	dir := filepath.Join(s.uploads, id)
	release, err := s.locks.lockFile(ctx, filepath.Join(dir, uploadLock), lockMode{})
	if errors.Is(err, fs.ErrNotExist) {
		return nil, unknown
	}
	if err != nil {
		return nil, err
	}
	w, err := s.openSession(ctx, repo, id, dir, release)
	if err != nil {
		release()
		return nil, err
	}
	if offset >= 0 && offset != w.size {
		w.closeFiles()
		return nil, codeError(errcode.ErrorCodeRangeInvalid, "session %s holds %d bytes, not %d", id, w.size, offset)
	}
	return w, nil
}

// openSession reads the state of the session in dir, whose lock the
// caller holds, and returns a writer at its end. A session that expired,
// or whose data a crash cut short of its record, is removed.
func (s *Store) openSession(ctx context.Context, repo, id, dir string, release func()) (*blobWriter, error) {
	unknown := codeError(errcode.ErrorCodeBlobUploadUnknown, "%s", id)
	statePath := filepath.Join(dir, uploadState)
	raw, err := os.ReadFile(statePath)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, unknown // ended, or never finished starting
	}
	if err != nil {
		return nil, err
	}
	var rec uploadRecord
	if err := json.Unmarshal(raw, &rec); err != nil {
		return nil, fmt.Errorf("dirstore: session %s: %w", id, err)
	}
	if rec.Repository != repo {
		return nil, unknown
	}
	fi, err := os.Stat(statePath)
	if err != nil {
		return nil, err
	}
	if s.opts.UploadTTL > 0 && time.Since(fi.ModTime()) > s.opts.UploadTTL {
		if err := removeSession(dir); err != nil {
			return nil, err
		}
		return nil, unknown
	}
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(rec.SHA256); err != nil {
		return nil, fmt.Errorf("dirstore: session %s: %w", id, err)
	}
	data, err := os.OpenFile(filepath.Join(dir, uploadData), os.O_RDWR, 0)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var dfi os.FileInfo
	if err == nil {
		dfi, err = data.Stat()
		if err != nil {
			data.Close()
			return nil, err
		}
	}
	if data == nil || dfi.Size() < rec.Size {
		// Committed by a process killed before it removed the session,
		// or cut short: what the record says is not there.
		if data != nil {
			data.Close()
		}
		if err := removeSession(dir); err != nil {
			return nil, err
		}
		return nil, unknown
	}
	if dfi.Size() > rec.Size {
		// A chunk a killed process did not finish: its bytes were never
		// counted.
		if err := data.Truncate(rec.Size); err != nil {
			data.Close()
			return nil, err
		}
	}
	w := &blobWriter{s: s, ctx: ctx, repo: repo, id: id, dir: dir, release: release, data: data, hash: h, size: rec.Size}
	if err := w.mark(); err != nil {
		data.Close()
		return nil, err
	}
	return w, nil
}

// removeSession ends the session in dir: the state file first, so that no
// one finds a session that is half removed, then the rest.
func removeSession(dir string) error {
	if err := removeIfExists(filepath.Join(dir, uploadState)); err != nil {
		return err
	}
	return os.RemoveAll(dir)
}

// blobWriter writes an upload session. It holds the session's lock from
// the moment it is obtained until Close, Commit or Cancel.
type blobWriter struct {
	s       *Store
	ctx     context.Context
	repo    string
	id      string
	dir     string
	release func()
	data    *os.File
	hash    hash.Hash // sha256 of data[:size]
	size    int64
	dirty   bool // size or content changed since the state was saved
	done    bool

	markSize int64  // the size when the writer was obtained
	markHash []byte // the hash state then
}

var _ registry.RollbackBlobWriter = (*blobWriter)(nil)

// errWriterDone is returned by a writer used after Close, Commit or Cancel.
var errWriterDone = errors.New("dirstore: upload writer is closed")

// mark remembers the session as it is, for Rollback.
func (w *blobWriter) mark() error {
	st, err := w.hash.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return err
	}
	w.markSize, w.markHash = w.size, st
	return nil
}

// Write appends p to the session's data and hash.
func (w *blobWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errWriterDone
	}
	if err := w.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := w.data.WriteAt(p, w.size)
	w.hash.Write(p[:n])
	w.size += int64(n)
	if n > 0 {
		w.dirty = true
	}
	return n, err
}

// ID returns the session's id: 32 hex digits.
func (w *blobWriter) ID() string { return w.id }

// Size returns the number of bytes in the session.
func (w *blobWriter) Size() int64 { return w.size }

// Rollback returns the session to what it was when the writer was
// obtained.
func (w *blobWriter) Rollback() error {
	if w.done {
		return errWriterDone
	}
	if err := w.hash.(encoding.BinaryUnmarshaler).UnmarshalBinary(w.markHash); err != nil {
		return err
	}
	if err := w.data.Truncate(w.markSize); err != nil {
		return err
	}
	w.dirty = w.dirty || w.size != w.markSize
	w.size = w.markSize
	return nil
}

// saveState writes the session's record, which also marks its activity.
func (w *blobWriter) saveState() error {
	st, err := w.hash.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		return err
	}
	raw, err := json.Marshal(uploadRecord{Repository: w.repo, Size: w.size, SHA256: st})
	if err != nil {
		return err
	}
	return writeFileAtomic(filepath.Join(w.dir, uploadState), raw)
}

// closeFiles closes the data file and lets the session go.
func (w *blobWriter) closeFiles() error {
	w.done = true
	err := w.data.Close()
	w.release()
	return err
}

// Close saves the session's state, when it changed, and lets the session
// go for another writer.
func (w *blobWriter) Close() error {
	if w.done {
		return nil
	}
	var err error
	if w.dirty {
		err = w.saveState()
	}
	if cerr := w.closeFiles(); err == nil {
		err = cerr
	}
	return err
}

// Cancel removes the session.
func (w *blobWriter) Cancel() error {
	if w.done {
		return nil
	}
	w.data.Close()
	err := removeSession(w.dir)
	w.done = true
	w.release()
	return err
}

// Commit verifies the session's content against dgst, renames its data
// file into place as the blob's content, links it into the session's
// repository and removes the session.
// Errors: DIGEST_INVALID, with the session kept as it was.
func (w *blobWriter) Commit(dgst digest.Digest) (registry.Descriptor, error) {
	if w.done {
		return registry.Descriptor{}, errWriterDone
	}
	if err := w.ctx.Err(); err != nil {
		return registry.Descriptor{}, err
	}
	h := contentHash(dgst)
	if h == nil {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeDigestInvalid, "%q is not a digest the store verifies", dgst)
	}
	var got digest.Digest
	if dgst.Algorithm() == digest.SHA256 {
		got = digest.NewDigest(digest.SHA256, w.hash)
	} else {
		// Only sha256 is hashed as bytes arrive; the others, rare, read
		// the session again.
		if _, err := io.Copy(h, io.NewSectionReader(w.data, 0, w.size)); err != nil {
			return registry.Descriptor{}, err
		}
		got = digest.NewDigest(dgst.Algorithm(), h)
	}
	if got != dgst {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeDigestInvalid, "content is %s, not %s", got, dgst)
	}
	// The data file holds exactly the verified bytes: Write appends at
	// size, and a resumed writer cut what a killed one left past it.
	if err := w.data.Close(); err != nil {
		return registry.Descriptor{}, err
	}
	w.done = true
	defer w.release()
	if err := w.s.storeSession(w.dir, w.repo, dgst); err != nil {
		if w.dirty {
			// Keep the record true to the data for a later attempt; when
			// the data is already in place, the session reads as ended.
			_ = w.saveState()
		}
		return registry.Descriptor{}, err
	}
	return registry.Descriptor{MediaType: blobMediaType, Digest: dgst, Size: w.size}, nil
}

// storeSession renames the verified data of the session in dir into place
// as content dgst, links it into repo and removes the session. Killed
// between these steps, a process leaves a session whose data is gone, which
// reads as ended.
func (s *Store) storeSession(dir, repo string, dgst digest.Digest) error {
	target := s.contentPath(dgst)
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	if err := placeContent(filepath.Join(dir, uploadData), target); err != nil {
		return err
	}
	if err := createEmpty(s.blobLinkPath(repo, dgst)); err != nil {
		return err
	}
	return removeSession(dir)
}
