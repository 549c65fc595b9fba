package registrytest

import (
	"crypto/rand"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// fileWriter is a blobWriter that keeps the bytes in a file of
// Options.BlobDir, so that blobs of gigabytes can be tested without the
// memory. Space is reserved against MaxStorage for each read before it is
// made, and what the read did not fill is given back.
type fileWriter struct {
	space *space
	f     *os.File
	n     int64
}

// copyBuffers are the buffers bytes go through on their way to a file.
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// newFileWriter creates the file of a new writer in dir.
func newFileWriter(s *space, dir string) (*fileWriter, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var name [16]byte
	if _, err := rand.Read(name[:]); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, hex.EncodeToString(name[:])), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	return &fileWriter{space: s, f: f}, nil
}

func (w *fileWriter) size() int64 { return w.n }
func (w *fileWriter) held() int64 { return w.n }

func (w *fileWriter) readFrom(r io.Reader, max, _ int64) (int64, error) {
	bp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bp)
	var total int64
	for {
		buf := *bp
		if max >= 0 {
			if total >= max {
				return total, endOrMore(r)
			}
			buf = buf[:min(int64(len(buf)), max-total)]
		}
		if !w.space.reserve(int64(len(buf))) {
			return total, errNoSpace
		}
		k, err := r.Read(buf)
		w.space.release(int64(len(buf) - k))
		if k > 0 {
			if _, werr := w.f.WriteAt(buf[:k], w.n); werr != nil {
				w.space.release(int64(k))
				return total, werr
			}
			w.n += int64(k)
			total += int64(k)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

func (w *fileWriter) truncate(n int64) {
	if n >= w.n {
		return
	}
	// Should the file keep the bytes past n, they are never read: the
	// size says where the blob ends.
	_ = w.f.Truncate(n)
	w.space.release(w.n - n)
	w.n = n
}

func (w *fileWriter) writeTo(dst io.Writer) error {
	_, err := io.Copy(dst, io.NewSectionReader(w.f, 0, w.n))
	return err
}

func (w *fileWriter) finish() (content, int64) {
	name, n := w.f.Name(), w.n
	_ = w.f.Close()
	w.f, w.n = nil, 0
	return &fileContent{path: name, n: n}, n
}

func (w *fileWriter) discard() {
	if w.f == nil {
		return
	}
	name := w.f.Name()
	_ = w.f.Close()
	_ = os.Remove(name)
	w.space.release(w.n)
	w.f, w.n = nil, 0
}

// fileContent is a blob held in a file.
type fileContent struct {
	path string
	n    int64
}

func (c *fileContent) size() int64 { return c.n }

// writeRange copies from the file through a reader the HTTP server can
// hand to the kernel (sendfile), where the connection allows it.
func (c *fileContent) writeRange(w io.Writer, off, n int64) (int64, error) {
	f, err := os.Open(c.path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if _, err := f.Seek(off, io.SeekStart); err != nil {
		return 0, err
	}
	written, err := io.Copy(w, &io.LimitedReader{R: f, N: n})
	if err == nil && written < n {
		err = io.ErrUnexpectedEOF
	}
	return written, err
}

// free removes the file. A reader that opened it may still finish.
func (c *fileContent) free() {
	_ = os.Remove(c.path)
}
