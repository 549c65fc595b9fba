package memstore

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"
	"time"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// sessionTable holds the open upload sessions. Its lock guards the map
// and the sessions' state; the writer holding a session writes its bytes
// without any lock.
type sessionTable struct {
	mu   sync.Mutex
	byID map[string]*session // nil once closed
	// swept is when expired sessions were last dropped, in unix
	// nanoseconds.
	swept int64
}

// session is an open upload session.
type session struct {
	id, repo string

	// hold has one value in it while a writer holds the session; a writer
	// resuming it waits to put its own, under its context.
	hold chan struct{}

	// Owned by the writer holding the session, and by the table while
	// none does.
	data chunks
	sha  hash.Hash // the sha256 of data, as it arrives

	// Guarded by sessionTable.mu.
	used int64 // unix nanoseconds when the last writer let go
	held bool  // a writer holds the session
	gone bool  // the session ended: committed, cancelled, expired or closed
}

// newID returns a fresh session id: 128 random bits in hex, so that ids
// cannot be guessed.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic("memstore: reading random bytes: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// idle reports whether the session has been let go for longer than ttl at
// now. A held session is never idle. The caller holds the table's lock.
func (ses *session) idle(now int64, ttl time.Duration) bool {
	return ttl > 0 && !ses.held && now-ses.used > int64(ttl)
}

// uploadUnknown is the error for a session that is not open.
func uploadUnknown(id string) error {
	return fmt.Errorf("%w: no open session %.100q", errcode.ErrorCodeBlobUploadUnknown, id)
}

// PushBlobChunked opens an upload session in repo and returns a writer
// holding it. It is refused with errcode.ErrorCodeDenied when
// Options.MaxUploads sessions are open; errors.Is then also matches
// errcode.ErrorCodeTooManyRequests, to tell that from a full store.
func (s *Store) PushBlobChunked(ctx context.Context, repo string) (registry.BlobWriter, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now := s.now().UnixNano()
	ses := &session{id: newID(), repo: strings.Clone(repo), hold: make(chan struct{}, 1), sha: sha256.New(), held: true, used: now}
	ses.hold <- struct{}{}
	t := &s.sessions
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.byID == nil {
		return nil, errClosed
	}
	if ttl := s.opts.UploadTTL; ttl > 0 && now-t.swept > int64(ttl) {
		// Now and then, rather than only when a limit is reached, so
		// that forgotten sessions do not hold memory for ever.
		t.expireLocked(&s.space, now, ttl)
	}
	if max := s.opts.MaxUploads; max > 0 && len(t.byID) >= max {
		t.expireLocked(&s.space, now, s.opts.UploadTTL)
		if len(t.byID) >= max {
			// DENIED, as package registry says, and TOOMANYREQUESTS,
			// which a server may look for to answer 429 with
			// Retry-After: the limit passes as sessions end.
			return nil, fmt.Errorf("%w: %w: %d upload sessions are open, the most the store allows",
				errcode.ErrorCodeDenied, errcode.ErrorCodeTooManyRequests, max)
		}
	}
	t.byID[ses.id] = ses
	return s.newWriter(ctx, ses), nil
}

// PushBlobChunkedResume returns a writer holding session id of repo,
// waiting under ctx for the writer that holds it to let go.
func (s *Store) PushBlobChunkedResume(ctx context.Context, repo, id string, offset int64) (registry.BlobWriter, error) {
	t := &s.sessions
	now := s.now().UnixNano()
	t.mu.Lock()
	ses := t.findLocked(&s.space, repo, id, now, s.opts.UploadTTL)
	t.mu.Unlock()
	if ses == nil {
		return nil, uploadUnknown(id)
	}
	select {
	case ses.hold <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	t.mu.Lock()
	if ses.gone {
		t.mu.Unlock()
		<-ses.hold
		return nil, uploadUnknown(id)
	}
	ses.held = true
	t.mu.Unlock()
	if offset >= 0 && offset != ses.data.n {
		size := ses.data.n
		t.letGo(ses, -1, &s.space)
		return nil, fmt.Errorf("%w: the session holds %d bytes, not %d", errcode.ErrorCodeRangeInvalid, size, offset)
	}
	return s.newWriter(ctx, ses), nil
}

// findLocked returns session id of repo, or nil when there is none or it
// expired, which it then drops. The caller holds t.mu.
func (t *sessionTable) findLocked(sp *space, repo, id string, now int64, ttl time.Duration) *session {
	ses := t.byID[id]
	if ses == nil || ses.repo != repo {
		return nil
	}
	if ses.idle(now, ttl) {
		t.dropLocked(sp, ses)
		return nil
	}
	return ses
}

// letGo ends a writer's hold of ses at now, or, when now is negative,
// leaves the time the session was last used as it was. A session that ended while
// held (the store closed) gives its memory back here.
func (t *sessionTable) letGo(ses *session, now int64, sp *space) {
	t.mu.Lock()
	ses.held = false
	if now >= 0 {
		ses.used = now
	}
	if ses.gone {
		ses.data.free(sp)
	}
	t.mu.Unlock()
	<-ses.hold
}

// end ends ses, which the caller holds, and lets go of it. It reports
// false when the session had ended already (the store closed), and its
// memory is then given back.
func (t *sessionTable) end(ses *session, sp *space) bool {
	t.mu.Lock()
	defer func() { <-ses.hold }()
	defer t.mu.Unlock()
	ses.held = false
	if ses.gone {
		ses.data.free(sp)
		return false
	}
	ses.gone = true
	delete(t.byID, ses.id)
	return true
}

// dropLocked ends a session no writer holds and gives its memory back.
// The caller holds t.mu.
func (t *sessionTable) dropLocked(sp *space, ses *session) {
	ses.gone = true
	delete(t.byID, ses.id)
	ses.data.free(sp)
}

// expireLocked drops the sessions idle for longer than ttl at now. The
// caller holds t.mu.
func (t *sessionTable) expireLocked(sp *space, now int64, ttl time.Duration) {
	t.swept = now
	if ttl <= 0 {
		return
	}
	for _, ses := range t.byID {
		if ses.idle(now, ttl) {
			t.dropLocked(sp, ses)
		}
	}
}

// expireSessions drops the expired sessions, to make room.
func (s *Store) expireSessions() {
	t := &s.sessions
	now := s.now().UnixNano()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expireLocked(&s.space, now, s.opts.UploadTTL)
}

// closeAll ends every session; those held give their memory back when
// their writers let go.
func (t *sessionTable) closeAll(sp *space) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, ses := range t.byID {
		ses.gone = true
		if !ses.held {
			ses.data.free(sp)
		}
	}
	t.byID = nil
}
