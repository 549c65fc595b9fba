package memstore

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// With Options.BlobDir, a blob's content moves from memory to a file of
// that directory once the blob is complete and verified: one file a blob,
// named after its digest, whichever repositories link it. The file's bytes
// are counted against MaxStorage as the memory was. A file is written
// under a temporary name outside the store's lock, and renamed into place
// and removed under it, so that a push and a delete of one digest at once
// never leave a blob without its file.

// writeTemp writes content data to a temporary file of the blob directory
// and returns its path.
func (s *Store) writeTemp(data *chunks) (string, error) {
	f, err := os.CreateTemp(s.opts.BlobDir, ".blob-*")
	if err != nil {
		return "", fmt.Errorf("memstore: %w", err)
	}
	err = data.writeTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(f.Name())
		return "", fmt.Errorf("memstore: writing a blob file: %w", err)
	}
	return f.Name(), nil
}

// blobFile is the path of the file of blob dgst.
func (s *Store) blobFile(dgst digest.Digest) string {
	return filepath.Join(s.opts.BlobDir, string(dgst.Algorithm())+"-"+dgst.Encoded())
}

// moveToFile puts the temporary file tmp in place as the content of new
// blob b, whose memory it gives back, counting the file's bytes instead.
// The caller holds s.mu for writing.
func (s *Store) moveToFile(b *blob, tmp string) error {
	path := s.blobFile(b.desc.Digest)
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("memstore: %w", err)
	}
	n := b.data.n
	s.space.release(b.data.held - n)
	b.data = chunks{n: n, held: n}
	b.file = path
	return nil
}

// removeFile removes the file of a blob that is no longer stored. The
// caller holds s.mu for writing.
func (b *blob) removeFile() {
	if b.file != "" {
		_ = os.Remove(b.file)
	}
}

// fileReader reads bytes of a blob's file.
type fileReader struct {
	*io.SectionReader
	f    *os.File
	desc registry.Descriptor
}

func (r *fileReader) Descriptor() registry.Descriptor { return r.desc }
func (r *fileReader) Close() error                    { return r.f.Close() }

// openFile returns a reader of bytes [start, end) of b's file. A file
// removed meanwhile is a blob deleted meanwhile.
func openFile(b *blob, start, end int64) (registry.BlobReader, error) {
	f, err := os.Open(b.file)
	if os.IsNotExist(err) {
		return nil, errBlobUnknown
	}
	if err != nil {
		return nil, fmt.Errorf("memstore: %w", err)
	}
	return &fileReader{SectionReader: io.NewSectionReader(f, start, end-start), f: f, desc: b.desc}, nil
}

// errFileGone refuses a push that found its blob held and linked it after
// the blob's last link, and its file, went.
var errFileGone = fmt.Errorf("%w: the blob was deleted while it was pushed; push it again", errcode.ErrorCodeBlobUploadInvalid)
