package memstore

import (
	"errors"
	"io"

	"github.com/regapi/regapi/registry"
)

var errReaderClosed = errors.New("memstore: read after Close")

// reader reads stored content, which never changes once stored, without
// any lock. It implements io.WriterTo, so that io.Copy sends the segments
// as they are, through no buffer.
type reader struct {
	segs [][]byte // from the segment holding the next byte
	off  int      // the next byte's offset in segs[0]
	left int64    // bytes still to read
	desc registry.Descriptor
	done bool
}

// newReader returns a reader of bytes [start, end) of segs, described by
// desc. The caller has checked 0 <= start <= end <= the content's size.
func newReader(segs [][]byte, start, end int64, desc registry.Descriptor) *reader {
	left := end - start
	for len(segs) > 0 && start >= int64(len(segs[0])) {
		start -= int64(len(segs[0]))
		segs = segs[1:]
	}
	return &reader{segs: segs, off: int(start), left: left, desc: desc}
}

func (r *reader) Descriptor() registry.Descriptor { return r.desc }

// next returns the unread bytes of the current segment, at most left.
func (r *reader) next() []byte {
	for len(r.segs) > 0 && r.off >= len(r.segs[0]) {
		r.segs, r.off = r.segs[1:], 0
	}
	if len(r.segs) == 0 {
		return nil
	}
	p := r.segs[0][r.off:]
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	return p
}

func (r *reader) Read(p []byte) (int, error) {
	if r.done {
		return 0, errReaderClosed
	}
	n := 0
	for n < len(p) && r.left > 0 {
		part := r.next()
		if len(part) == 0 {
			break
		}
		k := copy(p[n:], part)
		n += k
		r.off += k
		r.left -= int64(k)
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

func (r *reader) WriteTo(w io.Writer) (int64, error) {
	if r.done {
		return 0, errReaderClosed
	}
	var total int64
	for r.left > 0 {
		part := r.next()
		if len(part) == 0 {
			break
		}
		k, err := w.Write(part)
		total += int64(k)
		r.off += k
		r.left -= int64(k)
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (r *reader) Close() error {
	r.done, r.segs = true, nil
	return nil
}
