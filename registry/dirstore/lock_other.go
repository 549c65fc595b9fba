//go:build !unix

package dirstore

import (
	"os"
	"path/filepath"
	"sync"
)

// locker takes locks that hold only between the goroutines of one Store:
// this system has no flock(2), so two processes, or two Stores of one
// process, must not share a directory here. Shared locks are not counted:
// they always succeed.
type locker struct {
	mu   sync.Mutex
	held map[string]bool
}

// try locks f's path within this Store without waiting. On success the
// lock is released, and f closed, by the returned function; on failure f
// stays open.
func (l *locker) try(f *os.File, shared bool) (func(), error) {
	if shared {
		return func() { f.Close() }, nil
	}
	key, err := filepath.Abs(f.Name())
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[key] {
		return nil, errLockHeld
	}
	if l.held == nil {
		l.held = make(map[string]bool)
	}
	l.held[key] = true
	return func() {
		l.mu.Lock()
		delete(l.held, key)
		l.mu.Unlock()
		f.Close()
	}, nil
}
