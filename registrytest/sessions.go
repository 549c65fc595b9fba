package registrytest

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/opencontainers/go-digest"
)

// uploadTable holds the open upload sessions. Its lock guards the map and
// the sessions' claims only: the request that claimed a session reads its
// body and writes its bytes without any lock.
type uploadTable struct {
	mu       sync.Mutex
	sessions map[string]*upload
}

func newUploadTable() *uploadTable {
	return &uploadTable{sessions: map[string]*upload{}}
}

// upload is an open blob upload session.
type upload struct {
	id, name string

	// size and lastByte are written by the request holding the session
	// as bytes arrive, and read by anyone.
	size     atomic.Int64
	lastByte atomic.Int64 // unix nanoseconds of the last byte received

	// write is held by the request writing to the session; others that
	// want to write wait for it, so that chunks go in turn.
	write sync.Mutex

	// Guarded by uploadTable.mu.
	busy bool // a request holds the session
	gone bool // the session ended: closed, cancelled or expired

	// Owned by the request holding the session, and by the table while
	// none does.
	w      blobWriter
	hashes *hashSet // nil when a refused chunk could not be undone in them
}

// newID returns a fresh random upload session id: 128 bits, so that ids
// cannot be guessed.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic("registrytest: reading random bytes: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// idle reports whether the session has received nothing for longer than
// ttl at now. A held session is never idle. The caller holds t.mu.
func (up *upload) idle(now time.Time, ttl time.Duration) bool {
	return ttl > 0 && !up.busy && now.UnixNano()-up.lastByte.Load() > int64(ttl)
}

// open adds a session of repository name unless max sessions are open
// (max not positive: no limit), forgetting idle sessions first.
func (t *uploadTable) open(name string, w blobWriter, algo digest.Algorithm, now time.Time, ttl time.Duration, max int) (*upload, bool) {
	up := &upload{id: newID(), name: strings.Clone(name), w: w, hashes: newHashSet(algo)}
	up.lastByte.Store(now.UnixNano())
	t.mu.Lock()
	defer t.mu.Unlock()
	if max > 0 && len(t.sessions) >= max {
		t.expireLocked(now, ttl)
		if len(t.sessions) >= max {
			return nil, false
		}
	}
	t.sessions[up.id] = up
	return up, true
}

// find returns session id of repository name, or nil when there is none or
// it is idle for longer than ttl, which it then forgets.
func (t *uploadTable) find(name, id string, now time.Time, ttl time.Duration) *upload {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.findLocked(name, id, now, ttl)
}

func (t *uploadTable) findLocked(name, id string, now time.Time, ttl time.Duration) *upload {
	up := t.sessions[id]
	if up == nil || up.name != name {
		return nil
	}
	if up.idle(now, ttl) {
		t.dropLocked(up)
		return nil
	}
	return up
}

// claim finds the session as find does and takes hold of it for writing,
// waiting for a request that holds it. The caller must call release or
// close. It returns nil when the session is not open, or ended while the
// caller waited.
func (t *uploadTable) claim(name, id string, now time.Time, ttl time.Duration) *upload {
	up := t.find(name, id, now, ttl)
	if up == nil {
		return nil
	}
	up.write.Lock()
	t.mu.Lock()
	defer t.mu.Unlock()
	if up.gone {
		up.write.Unlock()
		return nil
	}
	up.busy = true
	return up
}

// release ends the caller's hold of a session, which received its last
// byte at now. It reports false when the session was cancelled meanwhile,
// and then gives its memory back.
func (t *uploadTable) release(up *upload, now time.Time) bool {
	up.lastByte.Store(now.UnixNano())
	return t.endHold(up, false)
}

// close ends a session the caller holds, to make its bytes a blob. It
// reports false when the session was cancelled meanwhile.
func (t *uploadTable) close(up *upload) bool {
	return t.endHold(up, true)
}

// endHold ends the caller's hold of a session, and the session too when
// closing. A session cancelled while held gives its memory back here.
func (t *uploadTable) endHold(up *upload, closing bool) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	defer up.write.Unlock()
	up.busy = false
	if up.gone {
		up.w.discard()
		return false
	}
	if closing {
		up.gone = true
		delete(t.sessions, up.id)
	}
	return true
}

// cancel forgets session id of repository name and reports whether it was
// open. A session a request holds goes when that request is done with it.
func (t *uploadTable) cancel(name, id string, now time.Time, ttl time.Duration) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	up := t.findLocked(name, id, now, ttl)
	if up == nil {
		return false
	}
	if up.busy {
		// The request holding it gives its memory back when done.
		up.gone = true
		delete(t.sessions, up.id)
		return true
	}
	t.dropLocked(up)
	return true
}

// dropLocked forgets a session no request holds and gives its memory back.
// The caller holds t.mu.
func (t *uploadTable) dropLocked(up *upload) {
	up.gone = true
	delete(t.sessions, up.id)
	up.w.discard()
}

// expire forgets the sessions idle for longer than ttl at now.
func (t *uploadTable) expire(now time.Time, ttl time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.expireLocked(now, ttl)
}

func (t *uploadTable) expireLocked(now time.Time, ttl time.Duration) {
	for _, up := range t.sessions {
		if up.idle(now, ttl) {
			t.dropLocked(up)
		}
	}
}
