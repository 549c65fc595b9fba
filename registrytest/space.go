package registrytest

import (
	"fmt"
	"sync/atomic"

	"github.com/regapi/regapi/errcode"
)

// space counts the bytes the registry holds against Options.MaxStorage:
// stored content (a blob once per repository it is linked into, manifests,
// tag names) and the memory that upload sessions and bodies being read
// hold. Space is reserved before memory is taken, without a lock, so that
// reading a body never waits for another request.
type space struct {
	max  int64 // no limit when not positive
	used atomic.Int64

	// reclaim, when set, is called once when a reservation does not fit,
	// to free what can be freed (idle upload sessions) before refusing.
	reclaim func()
}

// reserve counts n more bytes, or reports false, counting nothing, when they
// would take the total over the limit even after reclaiming.
func (s *space) reserve(n int64) bool {
	if n <= 0 {
		return true
	}
	if s.tryReserve(n) {
		return true
	}
	if s.reclaim == nil {
		return false
	}
	s.reclaim()
	return s.tryReserve(n)
}

func (s *space) tryReserve(n int64) bool {
	for {
		cur := s.used.Load()
		if s.max > 0 && cur+n > s.max {
			return false
		}
		if s.used.CompareAndSwap(cur, cur+n) {
			return true
		}
	}
}

// release gives back n bytes.
func (s *space) release(n int64) {
	if n > 0 {
		s.used.Add(-n)
	}
}

// full returns the error answering content refused for lack of space: 403
// DENIED, as registries answer a quota.
func (s *space) full() error {
	return errcode.ErrorCodeDenied.WithMessage(fmt.Sprintf("the registry's storage limit of %d bytes is reached", s.max))
}
