package registrytest

import (
	"errors"
	"io"
)

// content is the bytes of a stored blob. It never changes once stored, so
// it is read without a lock.
type content interface {
	// size is the number of bytes.
	size() int64

	// writeRange writes n bytes from offset off to w.
	writeRange(w io.Writer, off, n int64) (int64, error)

	// free gives the bytes back, once nothing links the blob any more.
	// Readers that hold the content may still finish.
	free()
}

// blobWriter collects the bytes of a blob as they arrive, for an upload
// session or a monolithic upload. Every byte it keeps is reserved with the
// registry's space first, so that MaxStorage bounds what all writers hold.
// A writer is used by one request at a time.
type blobWriter interface {
	// size is the number of bytes received.
	size() int64

	// held is the space the writer holds reserved: at least size.
	held() int64

	// readFrom appends what r yields until EOF. It refuses to keep more
	// than max bytes (no limit when negative) with errTooLarge, and memory
	// it cannot reserve with errNoSpace; on those, and on a read error, the
	// bytes read before stay appended. hint, when positive, is how many
	// bytes are expected, to size memory to.
	readFrom(r io.Reader, max, hint int64) (int64, error)

	// truncate drops the bytes after the first n.
	truncate(n int64)

	// writeTo writes the bytes received so far to w.
	writeTo(w io.Writer) error

	// finish returns the content and the space the writer held for it, and
	// ends the writer. The space is the content's size, unless the writer
	// could not trim its memory to it for lack of space.
	finish() (content, int64)

	// discard gives back everything the writer holds and ends it.
	discard()
}

// The errors readFrom stops with, besides the reader's own.
var (
	errTooLarge = errors.New("content exceeds the size limit")
	errNoSpace  = errors.New("no space left within the storage limit")
)

// endOrMore reads one byte past a limit: it returns nil at the end of r,
// errTooLarge when r has more, and the read's error otherwise.
func endOrMore(r io.Reader) error {
	var probe [1]byte
	k, err := io.ReadFull(r, probe[:])
	switch {
	case k > 0:
		return errTooLarge
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return nil
	}
	return err
}

// Memory is taken in segments: what a request announces, at most
// maxSegment at a time, and unknownSegment at a time when it announces
// nothing. A segment is never grown, so no byte is ever copied to make
// room, and a slow client holds no more than it has sent plus one segment.
// A segment but the first is at least minSegment (within what the writer
// may hold), and the next request of an upload session fills the room a
// request left: a blob sent in chunks of a byte would otherwise take a
// segment, and some 40 bytes of memory, for each byte it counts against
// MaxStorage. The first segment is what the request announces, so that a
// body of up to maxSegment read in one request (a manifest, most
// monolithic uploads) takes just its size.
const (
	maxSegment     = 1 << 20
	unknownSegment = 256 << 10
	minSegment     = 4 << 10
)

// memWriter is a blobWriter that keeps the bytes in memory.
type memWriter struct {
	space *space
	// limit is the most bytes the writer may hold (no limit when
	// negative): no segment reaches past it.
	limit int64
	segs  [][]byte
	n     int64 // bytes received
	hold  int64 // space reserved: the capacity of segs
}

// newMemWriter returns a writer that holds at most limit bytes (no limit
// when negative), reserving its memory with s.
func newMemWriter(s *space, limit int64) *memWriter {
	return &memWriter{space: s, limit: limit}
}

func (w *memWriter) size() int64 { return w.n }
func (w *memWriter) held() int64 { return w.hold }

func (w *memWriter) readFrom(r io.Reader, max, hint int64) (int64, error) {
	var total int64
	var probe [1]byte
	for {
		if max >= 0 && total >= max {
			// Nothing more may be kept: the body must end here.
			return total, endOrMore(r)
		}
		last := len(w.segs) - 1
		if last < 0 || len(w.segs[last]) == cap(w.segs[last]) {
			// Before taking memory past what was expected, a one-byte
			// read tells the end of the body from more bytes.
			probed := false
			if hint > 0 && total >= hint {
				k, err := io.ReadFull(r, probe[:])
				if k == 0 {
					if err == io.EOF || err == io.ErrUnexpectedEOF {
						return total, nil
					}
					return total, err
				}
				probed = true
			}
			if err := w.grow(max, hint, total); err != nil {
				return total, err
			}
			last = len(w.segs) - 1
			if probed {
				w.segs[last] = append(w.segs[last], probe[0])
				w.n++
				total++
				continue
			}
		}
		seg := w.segs[last]
		room := seg[len(seg):cap(seg)]
		if max >= 0 && int64(len(room)) > max-total {
			room = room[:max-total]
		}
		k, err := r.Read(room)
		w.segs[last] = seg[:len(seg)+k]
		w.n += int64(k)
		total += int64(k)
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// grow adds a segment, its space reserved, for a read that may keep
// allowed bytes (no limit when negative), expects hint (when positive) and
// has kept total: sized to what is expected and, unless it is the first,
// at least minSegment within the writer's limit. When the space for that
// is not left, a segment of just what is expected will do, as long as
// there is space for it.
func (w *memWriter) grow(allowed, hint, total int64) error {
	size := int64(unknownSegment)
	if hint > total {
		size = min(hint-total, maxSegment)
	}
	exact := size
	if allowed >= 0 {
		exact = min(exact, allowed-total)
	}
	if w.n > 0 {
		size = max(size, minSegment)
		if w.limit >= 0 {
			size = min(size, w.limit-w.n)
		}
	}
	size = max(size, exact)
	if !w.space.reserve(size) {
		if size == exact || !w.space.reserve(exact) {
			return errNoSpace
		}
		size = exact
	}
	w.hold += size
	w.segs = append(w.segs, make([]byte, 0, size))
	return nil
}

func (w *memWriter) truncate(n int64) {
	if n >= w.n {
		return
	}
	w.n = n
	for i, seg := range w.segs {
		if n <= int64(len(seg)) {
			if n == 0 {
				// Nothing of this segment stays: it goes too.
				i--
			} else {
				w.segs[i] = seg[:n]
			}
			// The segments after it go, with their space.
			for _, rest := range w.segs[i+1:] {
				w.hold -= int64(cap(rest))
				w.space.release(int64(cap(rest)))
			}
			clear(w.segs[i+1:])
			w.segs = w.segs[:i+1]
			return
		}
		n -= int64(len(seg))
	}
}

func (w *memWriter) writeTo(dst io.Writer) error {
	for _, seg := range w.segs {
		if _, err := dst.Write(seg); err != nil {
			return err
		}
	}
	return nil
}

func (w *memWriter) finish() (content, int64) {
	w.compact()
	c, held := &memContent{segs: w.segs, n: w.n}, w.hold
	w.segs, w.hold, w.n = nil, 0, 0
	return c, held
}

func (w *memWriter) discard() {
	w.space.release(w.hold)
	w.segs, w.hold, w.n = nil, 0, 0
}

// compact makes the segments hold exactly the bytes, so that a stored blob
// takes as much space as it counts. Only the last segment can have room
// left (readFrom fills a segment before it takes another), so it alone is
// copied into one of its exact size; when the segments are many and small
// (a blob sent in tiny chunks), all are copied into segments as large as
// allowed. The copy is reserved before it is made; without the space the
// segments stay as they are, still counted whole.
func (w *memWriter) compact() {
	if len(w.segs) == 0 {
		return
	}
	from := len(w.segs) - 1
	if len(w.segs) > 1 && w.n/int64(len(w.segs)) < 4<<10 {
		from = 0
	} else if len(w.segs[from]) == cap(w.segs[from]) {
		return
	}
	var old int64 // the capacity being replaced
	var rest int64
	for _, s := range w.segs[from:] {
		old += int64(cap(s))
		rest += int64(len(s))
	}
	if !w.space.reserve(rest) {
		return
	}
	var out [][]byte
	for left := rest; left > 0; left -= maxSegment {
		out = append(out, make([]byte, 0, min(left, maxSegment)))
	}
	i := 0
	for _, s := range w.segs[from:] {
		for len(s) > 0 {
			dst := out[i]
			k := copy(dst[len(dst):cap(dst)], s)
			out[i] = dst[:len(dst)+k]
			s = s[k:]
			if len(out[i]) == cap(out[i]) {
				i++
			}
		}
	}
	w.space.release(old)
	w.hold += rest - old
	w.segs = append(w.segs[:from], out...)
}

// memContent is a blob held in memory. The space it takes is counted by
// the store, once per repository linking it.
type memContent struct {
	segs [][]byte
	n    int64
}

func (c *memContent) size() int64 { return c.n }

func (c *memContent) writeRange(w io.Writer, off, n int64) (int64, error) {
	var written int64
	for _, seg := range c.segs {
		if n == 0 {
			break
		}
		if off >= int64(len(seg)) {
			off -= int64(len(seg))
			continue
		}
		part := seg[off:]
		off = 0
		if int64(len(part)) > n {
			part = part[:n]
		}
		k, err := w.Write(part)
		written += int64(k)
		n -= int64(k)
		if err != nil {
			return written, err
		}
	}
	if n > 0 {
		return written, io.ErrUnexpectedEOF
	}
	return written, nil
}

// free gives back nothing: the space of a stored blob is counted per link
// and given back as links go. The garbage collector takes the memory once
// the last reader is done.
func (c *memContent) free() {}
