package dirstore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// errLockHeld says a lock asked for without waiting is held by another.
var errLockHeld = errors.New("dirstore: lock held")

// lockMode says how to take a lock.
type lockMode struct {
	create bool // create the lock file (and its directory) when missing
	shared bool // a shared lock rather than an exclusive one
	noWait bool // fail with errLockHeld rather than wait
}

// lockFile takes a lock on the file at path, waiting under ctx for its
// holder unless mode.noWait. The returned function releases it. Without
// mode.create, a missing file is an error satisfying fs.ErrNotExist.
//
// A lock file is never removed while the store runs, except a session's,
// after the session has ended: a process that opened a removed lock file
// would lock a file no one else can find.
func (l *locker) lockFile(ctx context.Context, path string, mode lockMode) (release func(), err error) {
	flag := os.O_RDWR
	if mode.create {
		flag |= os.O_CREATE
	}
	f, err := os.OpenFile(path, flag, 0o644)
	if mode.create && errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			f, err = os.OpenFile(path, flag, 0o644)
		}
	}
	if err != nil {
		return nil, err
	}
	wait := time.Millisecond
	for {
		release, err := l.try(f, mode.shared)
		if err == nil {
			return release, nil
		}
		if !errors.Is(err, errLockHeld) || mode.noWait {
			f.Close()
			return nil, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			f.Close()
			return nil, ctx.Err()
		case <-t.C:
		}
		if wait < 20*time.Millisecond {
			wait *= 2
		}
	}
}
