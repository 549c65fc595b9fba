package dirstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/opencontainers/go-digest"
)

// CollectOptions configures Collect.
type CollectOptions struct {
	// UploadTTL is how long an upload session may have been idle and be
	// kept. Zero means DefaultUploadTTL and a negative value keeps every
	// session.
	UploadTTL time.Duration
}

// CollectStats says what Collect removed.
type CollectStats struct {
	Blobs        int   // content files (blobs and manifests) no repository linked
	BlobBytes    int64 // their bytes
	TempFiles    int   // temporary files killed processes left
	TempBytes    int64 // their bytes
	Uploads      int   // upload sessions idle for longer than the TTL
	UploadBytes  int64 // their bytes
	JournalTasks int   // manifest operations completed from the journal
}

// Freed returns the bytes Collect freed in all.
func (c CollectStats) Freed() int64 {
	return c.BlobBytes + c.TempBytes + c.UploadBytes
}

// Collect sweeps the registry in dir, which no Store may have open: it
// completes the operations left in the journal, removes the content files
// (blobs and manifests) that no repository links, the temporary files of
// killed processes and the upload sessions idle for longer than
// opts.UploadTTL. It fails, removing nothing, while a Store of any process
// on the host has dir open.
//
// Blobs are marked by links only: a blob that a manifest refers to but
// that its repository no longer links (it was deleted) is removed.
func Collect(dir string, opts CollectOptions) (CollectStats, error) {
	var st CollectStats
	if opts.UploadTTL == 0 {
		opts.UploadTTL = DefaultUploadTTL
	}
	if fi, err := os.Stat(dir); err != nil {
		return st, fmt.Errorf("dirstore: %w", err)
	} else if !fi.IsDir() {
		return st, fmt.Errorf("dirstore: %s is not a directory", dir)
	}
	s := newStore(dir, Options{UploadTTL: opts.UploadTTL})
	release, err := s.locks.lockFile(context.Background(), filepath.Join(dir, fileRootLock), lockMode{create: true, noWait: true})
	if errors.Is(err, errLockHeld) {
		return st, fmt.Errorf("dirstore: %s is open in a running registry; stop it first", dir)
	}
	if err != nil {
		return st, fmt.Errorf("dirstore: %w", err)
	}
	defer release()

	pending, err := readNames(s.journal)
	if err != nil {
		return st, err
	}
	if err := s.recoverJournals(context.Background()); err != nil {
		return st, fmt.Errorf("dirstore: completing the journal: %w", err)
	}
	st.JournalTasks = len(pending)

	// Nothing runs, so every temporary file is a killed process's.
	for _, d := range []string{s.repos, s.journal, s.uploads} {
		if err := removeTemps(d, &st); err != nil {
			return st, err
		}
	}
	live, err := s.markLinked()
	if err != nil {
		return st, err
	}
	if err := s.sweepContent(live, &st); err != nil {
		return st, err
	}
	if opts.UploadTTL > 0 {
		st.Uploads, st.UploadBytes, err = s.sweepUploads(time.Now(), opts.UploadTTL)
	}
	return st, err
}

// removeTemps removes every temporary file under dir.
func removeTemps(dir string, st *CollectStats) error {
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() || !isTemp(d.Name()) {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if err := os.Remove(path); err != nil {
			return err
		}
		st.TempFiles++
		st.TempBytes += fi.Size()
		return nil
	})
}

// markLinked returns the digests that some repository links as a blob or
// a manifest: the files <alg>/<hex> under a _blobs or _manifests directory.
func (s *Store) markLinked() (map[digest.Digest]bool, error) {
	live := make(map[digest.Digest]bool)
	err := filepath.WalkDir(s.repos, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		algDir := filepath.Dir(path)
		if kind := filepath.Base(filepath.Dir(algDir)); kind != dirBlobs && kind != dirManifests {
			return nil
		}
		dgst := digest.Digest(filepath.Base(algDir) + ":" + d.Name())
		if validContentDigest(dgst) {
			live[dgst] = true
		}
		return nil
	})
	return live, err
}

// sweepContent removes the content files not in live, and the temporary
// files beside them.
func (s *Store) sweepContent(live map[digest.Digest]bool, st *CollectStats) error {
	algs, err := readNames(s.blobs)
	if err != nil {
		return err
	}
	if err := removeTemps(s.blobs, st); err != nil {
		return err
	}
	for _, alg := range algs {
		dir := filepath.Join(s.blobs, alg)
		names, err := readNames(dir)
		if err != nil {
			return err
		}
		for _, name := range names {
			if live[digest.Digest(alg+":"+name)] {
				continue
			}
			path := filepath.Join(dir, name)
			fi, err := os.Lstat(path)
			if err != nil {
				return err
			}
			if fi.IsDir() {
				continue
			}
			if err := os.Remove(path); err != nil {
				return err
			}
			st.Blobs++
			st.BlobBytes += fi.Size()
		}
	}
	return nil
}
