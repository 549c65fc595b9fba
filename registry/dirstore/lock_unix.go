//go:build unix

package dirstore

import (
	"errors"
	"os"
	"syscall"
)

// locker takes locks that hold between processes: flock(2) on a lock file,
// which the kernel drops when its holder closes the file or dies. flock is
// not reliable on network filesystems, which the store does not support.
type locker struct{}

// try locks f without waiting. On success the lock is released by closing
// f; on failure f stays open.
func (*locker) try(f *os.File, shared bool) (func(), error) {
	how := syscall.LOCK_EX
	if shared {
		how = syscall.LOCK_SH
	}
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		switch {
		case err == nil:
			return func() { f.Close() }, nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return nil, errLockHeld
		default:
			return nil, &os.PathError{Op: "flock", Path: f.Name(), Err: err}
		}
	}
}
