//go:build unix

package dirstore

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// writeTagFile makes the tag file path name dgst, atomically: a symbolic
// link whose target is the digest, made under a temporary name and renamed
// over the old one. A link rather than a regular file because ext4 starts
// writing out a regular file renamed over another (auto_da_alloc), which
// made moving a tag about twice as slow here, and because reading a link is
// one system call rather than three. Nothing follows these links: the
// target is a value, not a path.
func writeTagFile(path, dgst string) error {
	tmp := filepath.Join(filepath.Dir(path), tempPrefix+randomHex(12))
	err := os.Symlink(dgst, tmp)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			err = os.Symlink(dgst, tmp)
		}
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return nil
}

// readTagFile returns the digest the tag file path names.
func readTagFile(path string) (string, error) {
	return os.Readlink(path)
}
