package dirstore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// tempPrefix starts the name of every file the store writes before renaming
// it into place. No name the store renames into place starts with a dot, so
// whatever starts with one was left by a process killed while writing it,
// or is being written now.
const tempPrefix = ".tmp-"

// isTemp reports whether a directory entry's name is a temporary file's.
func isTemp(name string) bool {
	return strings.HasPrefix(name, ".")
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// createTemp creates a new temporary file in dir, creating dir when it is
// missing.
func createTemp(dir string) (*os.File, error) {
	name := filepath.Join(dir, tempPrefix+randomHex(12))
	f, err := os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(dir, 0o755); err == nil {
			f, err = os.OpenFile(name, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
		}
	}
	return f, err
}

// writeFileAtomic makes path hold data: written to a temporary file beside
// it and renamed over it, so that a reader, or a process after a crash,
// sees the old content or the new, never a part.
func writeFileAtomic(path string, data []byte) error {
	f, err := createTemp(filepath.Dir(path))
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		_ = os.Remove(f.Name())
	}
	return err
}

// createEmpty makes the empty file path exist, creating its directory when
// it is missing. Creating an empty file is atomic by itself: the file
// exists or it does not, and there is no content to be half written.
func createEmpty(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if errors.Is(err, fs.ErrNotExist) {
		if err = os.MkdirAll(filepath.Dir(path), 0o755); err == nil {
			f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
		}
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// removeIfExists removes path, ignoring that it is already gone.
func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// exists reports whether path exists; an error other than its absence is
// returned.
func exists(path string) (bool, error) {
	_, err := os.Lstat(path)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return false, err
}

// hasEntries reports whether dir holds an entry that is not a temporary
// file. A missing dir holds none.
func hasEntries(dir string) (bool, error) {
	f, err := os.Open(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	defer f.Close()
	for {
		names, err := f.Readdirnames(32)
		for _, n := range names {
			if !isTemp(n) {
				return true, nil
			}
		}
		if err != nil {
			if errors.Is(err, io.EOF) {
				return false, nil
			}
			return false, err
		}
	}
}
