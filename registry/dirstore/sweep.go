package dirstore

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// sweepUploads removes the sessions that have been idle for longer than
// ttl at now, and reports how many it removed and the bytes they held. A
// session held by a writer is not idle, whatever its age.
func (s *Store) sweepUploads(now time.Time, ttl time.Duration) (removed int, bytes int64, err error) {
	names, err := readNames(s.uploads)
	if err != nil {
		return 0, 0, err
	}
	for _, name := range names {
		n, err := s.expireSession(filepath.Join(s.uploads, name), now, ttl)
		if err != nil {
			return removed, bytes, err
		}
		if n >= 0 {
			removed++
			bytes += n
		}
	}
	return removed, bytes, nil
}

// expireSession removes the session in dir if it is idle for longer than
// ttl and no writer holds it, and returns the bytes it held; -1 when it
// keeps it.
func (s *Store) expireSession(dir string, now time.Time, ttl time.Duration) (int64, error) {
	release, err := s.locks.lockFile(context.Background(), filepath.Join(dir, uploadLock), lockMode{noWait: true})
	switch {
	case errors.Is(err, errLockHeld):
		return -1, nil
	case errors.Is(err, fs.ErrNotExist):
		// A session whose creation was cut before its lock file:
		// nothing can hold it.
	case err != nil:
		return -1, err
	default:
		defer release()
	}
	last, err := lastActivity(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return -1, nil // removed meanwhile
	}
	if err != nil {
		return -1, err
	}
	if now.Sub(last) <= ttl {
		return -1, nil
	}
	n := dirSize(dir)
	if err := removeSession(dir); err != nil {
		return -1, err
	}
	return n, nil
}

// lastActivity returns the time the session in dir last received bytes:
// when its state was last saved, or, before it was first saved, when the
// directory was made.
func lastActivity(dir string) (time.Time, error) {
	fi, err := os.Stat(filepath.Join(dir, uploadState))
	if errors.Is(err, fs.ErrNotExist) {
		fi, err = os.Stat(dir)
	}
	if err != nil {
		return time.Time{}, err
	}
	return fi.ModTime(), nil
}

// dirSize returns the bytes of the files in dir, counting what it can
// read.
func dirSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if fi, err := d.Info(); err == nil {
				n += fi.Size()
			}
		}
		return nil
	})
	return n
}
