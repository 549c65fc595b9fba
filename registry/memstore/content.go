package memstore

import (
	"errors"
	"io"
)

// Memory is taken in segments that are never grown, so no byte is copied
// to make room and a slow writer holds little more than it has written. A
// segment is as large as the content before it, between minSegment and
// maxSegment, or what a writer announced, up to maxSegment: a session
// written in small chunks takes few segments, and a blob of known size
// takes one segment of that size when it fits in one.
const (
	minSegment = 4 << 10
	maxSegment = 1 << 20
)

var errFull = errors.New("memstore: no space left within the storage limit")

// chunks is content in memory: a blob or an upload session. Every byte of
// its capacity is counted with the store's space before it is allocated.
type chunks struct {
	segs [][]byte
	n    int64 // bytes held
	held int64 // bytes counted: the capacity of segs
}

// room returns the free capacity of the last segment.
func (c *chunks) room() []byte {
	if len(c.segs) == 0 {
		return nil
	}
	last := c.segs[len(c.segs)-1]
	return last[len(last):cap(last)]
}

// preferred returns the size of the next segment for content of c.n bytes.
func (c *chunks) preferred() int64 {
	return min(max(c.n, minSegment), maxSegment)
}

// grow adds a segment of size bytes, or of fallback bytes when size does
// not fit in sp; it reports false, adding nothing, when neither fits.
func (c *chunks) grow(sp *space, size, fallback int64) bool {
	if !sp.reserve(size) {
		if fallback >= size || fallback <= 0 || !sp.reserve(fallback) {
			return false
		}
		size = fallback
	}
	c.held += size
	c.segs = append(c.segs, make([]byte, 0, size))
	return true
}

// appendBytes appends p, all or nothing: errFull, and nothing appended,
// when the memory it needs does not fit in sp.
func (c *chunks) appendBytes(sp *space, p []byte) error {
	room := c.room()
	fresh := false
	if len(p) > len(room) {
		need := int64(len(p) - len(room))
		if !c.grow(sp, max(need, c.preferred()), need) {
			return errFull
		}
		fresh = true
	}
	if len(room) > 0 {
		i := len(c.segs) - 1
		if fresh {
			i--
		}
		k := copy(room, p)
		c.segs[i] = c.segs[i][:len(c.segs[i])+k]
		c.n += int64(k)
		p = p[k:]
	}
	if len(p) > 0 {
		i := len(c.segs) - 1
		c.segs[i] = append(c.segs[i], p...) // within its capacity
		c.n += int64(len(p))
	}
	return nil
}

// readFrom appends what r yields until EOF, passing each part read to
// sum. It keeps at most limit bytes (no limit when negative): errTooLong,
// past them, when r has more. hint, when positive, is how many bytes are
// expected. It stops with errFull when memory does not fit in sp. On any
// error the bytes read before it stay appended.
func (c *chunks) readFrom(sp *space, r io.Reader, limit, hint int64, sum func([]byte)) (int64, error) {
	var total int64
	var probe [1]byte
	for {
		if limit >= 0 && total >= limit {
			return total, endOrMore(r)
		}
		room := c.room()
		probed := false
		if len(room) == 0 {
			// Before taking memory, one byte tells the end of r from
			// more: content that ends at a segment's end takes no other.
			k, err := io.ReadFull(r, probe[:])
			if k == 0 {
				if err == io.EOF || err == io.ErrUnexpectedEOF {
					return total, nil
				}
				return total, err
			}
			probed = true
			// Without room for the whole segment, what is left is
			// taken; a hinted segment falls back to no more than an
			// unhinted one, so that a hint larger than what arrives
			// cannot take the last of the limit.
			size := c.preferred()
			if limit >= 0 {
				size = min(size, limit-total)
			}
			fallback := min(size, sp.left())
			if hint > total {
				size = min(hint-total, maxSegment)
				if limit >= 0 {
					size = min(size, limit-total)
				}
			}
			if !c.grow(sp, size, fallback) {
				return total, errFull
			}
			room = c.room()
		}
		last := len(c.segs) - 1
		seg := c.segs[last]
		if probed {
			room[0] = probe[0]
			seg = seg[:len(seg)+1]
			c.segs[last] = seg
			c.n++
			total++
			sum(probe[:])
			room = room[1:]
			if len(room) == 0 {
				continue
			}
		}
		if limit >= 0 && int64(len(room)) > limit-total {
			room = room[:limit-total]
		}
		k, err := r.Read(room)
		if k > 0 {
			sum(room[:k])
			c.segs[last] = seg[:len(seg)+k]
			c.n += int64(k)
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

var errTooLong = errors.New("memstore: content longer than its size")

// endOrMore reads one byte past a limit: nil at the end of r, errTooLong
// when r has more, and the read's error otherwise.
func endOrMore(r io.Reader) error {
	var probe [1]byte
	k, err := io.ReadFull(r, probe[:])
	switch {
	case k > 0:
		return errTooLong
	case err == io.EOF || err == io.ErrUnexpectedEOF:
		return nil
	}
	return err
}

// truncate drops the bytes after the first n, giving back the segments
// that then hold nothing.
func (c *chunks) truncate(sp *space, n int64) {
	if n >= c.n {
		return
	}
	c.n = n
	keep := 0
	for keep < len(c.segs) && n > 0 {
		seg := c.segs[keep]
		if n < int64(len(seg)) {
			c.segs[keep] = seg[:n]
		}
		n -= int64(len(c.segs[keep]))
		keep++
	}
	for _, seg := range c.segs[keep:] {
		c.held -= int64(cap(seg))
		sp.release(int64(cap(seg)))
	}
	clear(c.segs[keep:])
	c.segs = c.segs[:keep]
}

// trim makes the last segment hold exactly its bytes, so that stored
// content counts what it holds: the last segment alone can have room (a
// segment is filled before another is taken), and it is copied into one
// of its size when the copy fits in sp; otherwise it stays, counted whole.
func (c *chunks) trim(sp *space) {
	if len(c.room()) == 0 {
		if len(c.segs) > 0 && len(c.segs[len(c.segs)-1]) == 0 {
			c.segs = c.segs[:len(c.segs)-1]
		}
		return
	}
	last := c.segs[len(c.segs)-1]
	if len(last) == 0 {
		c.segs[len(c.segs)-1] = nil
		c.segs = c.segs[:len(c.segs)-1]
		c.held -= int64(cap(last))
		sp.release(int64(cap(last)))
		return
	}
	if !sp.reserve(int64(len(last))) {
		return
	}
	exact := make([]byte, len(last))
	copy(exact, last)
	c.segs[len(c.segs)-1] = exact
	c.held += int64(len(last)) - int64(cap(last))
	sp.release(int64(cap(last)))
}

// free gives back everything c holds.
func (c *chunks) free(sp *space) {
	sp.release(c.held)
	*c = chunks{}
}

// writeTo writes the bytes of c to w.
func (c *chunks) writeTo(w io.Writer) error {
	for _, seg := range c.segs {
		if _, err := w.Write(seg); err != nil {
			return err
		}
	}
	return nil
}
