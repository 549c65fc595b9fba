package memstore

import (
	"fmt"
	"math"
	"sync/atomic"

	"github.com/regapi/regapi/errcode"
)

// space counts the bytes the store holds against Options.MaxStorage. Bytes
// are counted before memory is taken, with a compare-and-swap rather than a
// lock, so that a writer filling a session never waits for another.
type space struct {
	max  int64 // no limit when not positive
	used atomic.Int64

	// reclaim, when set, is called once when a reservation does not fit,
	// to free what can be freed (expired upload sessions) before refusing.
	reclaim func()
}

// reserve counts n more bytes, or reports false, counting nothing, when
// they would take the total over the limit even after reclaiming.
func (s *space) reserve(n int64) bool {
	if n <= 0 || s.tryReserve(n) {
		return true
	}
	if s.reclaim == nil {
		return false
	}
	s.reclaim()
	return s.tryReserve(n)
}

func (s *space) tryReserve(n int64) bool {
	if s.max <= 0 {
		s.used.Add(n)
		return true
	}
	for {
		cur := s.used.Load()
		if cur+n > s.max || cur+n < cur {
			return false
		}
		if s.used.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// left returns how many bytes may still be reserved.
func (s *space) left() int64 {
	if s.max <= 0 {
		return math.MaxInt64
	}
	return max(s.max-s.used.Load(), 0)
}

// release gives back n bytes.
func (s *space) release(n int64) {
	if n > 0 {
		s.used.Add(-n)
	}
}

// full is the error for content refused for lack of space.
func (s *space) full() error {
	return fmt.Errorf("%w: the store's limit of %d bytes is reached", errcode.ErrorCodeDenied, s.max)
}

// onceFlag reports true to the first of any number of callers.
type onceFlag struct{ done atomic.Bool }

func (f *onceFlag) first() bool { return f.done.CompareAndSwap(false, true) }
