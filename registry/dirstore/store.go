package dirstore

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// The directories and files of the layout; see the package documentation.
const (
	dirBlobs     = "_blobs"     // a repository's blob links
	dirManifests = "_manifests" // a repository's manifest records
	dirTags      = "_tags"      // a repository's tags
	dirReferrers = "_referrers" // a repository's referrer entries
	fileRepoLock = "_lock"      // serialises a repository's manifest and tag changes
	fileRootLock = "lock"       // held shared by every open Store, exclusively by Collect
)

const (
	// DefaultMaxUploads is the number of upload sessions that may be open
	// in a directory at once when Options.MaxUploads is zero.
	DefaultMaxUploads = 1000

	// DefaultUploadTTL is how long a session may go without receiving a
	// byte when Options.UploadTTL is zero.
	DefaultUploadTTL = time.Hour
)

// Options configures a Store. The zero value is ready to use. The limits are
// each process's: two processes sharing a directory may be given different
// ones.
type Options struct {
	// MaxUploads is the number of upload sessions that may be open in the
	// directory at once; a new session beyond it is refused with DENIED.
	// Sessions are counted in the directory, whichever process opened
	// them, when a session is opened; two processes opening sessions at
	// the same moment may each take the last place. Zero means
	// DefaultMaxUploads and a negative value means no limit.
	MaxUploads int

	// UploadTTL is how long an upload session may go without receiving a
	// byte: a session idle for longer is removed, and a request to it
	// gets BLOB_UPLOAD_UNKNOWN. A session held by a writer is never
	// removed. The store removes such sessions itself while it is open.
	// Zero means DefaultUploadTTL and a negative value means sessions last
	// until they are committed or cancelled (or removed by Collect).
	UploadTTL time.Duration
}

// Store is a registry kept in a directory. It implements
// registry.Interface, registry.BlobLocator, and its writers
// registry.RollbackBlobWriter. It holds nothing in memory that another
// process could change: every call reads the directory.
type Store struct {
	root     string
	blobs    string // root/blobs
	repos    string // root/repositories
	uploads  string // root/uploads
	journal  string // root/journal
	opts     Options
	locks    locker
	rootLock func()

	closeOnce sync.Once
	stop      chan struct{} // closed by Close, to end the sweeper
	swept     sync.WaitGroup
}

var (
	_ registry.Interface   = (*Store)(nil)
	_ registry.BlobLocator = (*Store)(nil)
)

// Open opens the registry in dir, creating dir and its layout when they are
// missing. It completes the manifest operations that a process killed in
// their midst left in the journal, and starts, until Close, removing idle
// upload sessions (unless opts.UploadTTL is negative) and completing the
// journal entries of processes killed meanwhile, in the background.
func Open(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("dirstore: no directory")
	}
	if opts.MaxUploads == 0 {
		opts.MaxUploads = DefaultMaxUploads
	}
	if opts.UploadTTL == 0 {
		opts.UploadTTL = DefaultUploadTTL
	}
	s := newStore(dir, opts)
	for _, d := range []string{s.blobs, s.repos, s.uploads, s.journal} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("dirstore: %w", err)
		}
	}
	release, err := s.locks.lockFile(context.Background(), filepath.Join(s.root, fileRootLock), lockMode{create: true, shared: true, noWait: true})
	if errors.Is(err, errLockHeld) {
		return nil, fmt.Errorf("dirstore: %s is being collected", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("dirstore: %w", err)
	}
	s.rootLock = release
	if err := s.recoverJournals(context.Background()); err != nil {
		release()
		return nil, fmt.Errorf("dirstore: completing the journal: %w", err)
	}
	s.swept.Add(1)
	go s.sweepLoop()
	return s, nil
}

func newStore(dir string, opts Options) *Store {
	return &Store{
		root:    dir,
		blobs:   filepath.Join(dir, "blobs"),
		repos:   filepath.Join(dir, "repositories"),
		uploads: filepath.Join(dir, "uploads"),
		journal: filepath.Join(dir, "journal"),
		opts:    opts,
		stop:    make(chan struct{}),
	}
}

// Close stops the background removal of idle sessions and lets Collect run
// on the directory once no other Store has it open. Writers still open
// keep working; Close does not wait for them.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.swept.Wait()
		if s.rootLock != nil {
			s.rootLock()
		}
	})
	return nil
}

// sweepLoop, until Close, removes expired sessions and completes the
// journal entries of processes killed while this one runs, every so often.
func (s *Store) sweepLoop() {
	defer s.swept.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel()
	}()
	every := time.Minute
	if s.opts.UploadTTL > 0 {
		every = min(max(s.opts.UploadTTL/4, time.Second), time.Minute)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			// A failing sweep is tried again at the next tick: what it
			// leaves is space held, or an entry the next operation on
			// its repository completes.
			if s.opts.UploadTTL > 0 {
				_, _, _ = s.sweepUploads(time.Now(), s.opts.UploadTTL)
			}
			_ = s.recoverJournals(ctx)
		}
	}
}

// codeError returns code wrapped with a detail, so that errors.Is(err,
// code) holds.
func codeError(code errcode.ErrorCode, format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{code}, args...)...)
}
