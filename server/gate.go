package server

import (
	"context"
	"runtime"
	"sync/atomic"
	"time"
)

// Reading a large request body is copying: out of the socket in the
// kernel, through the hash, into a segment. A few clients pushing large
// blobs at once keep every processor busy with it, and a small request
// (the HEAD that asks for a blob, the POST that opens a session) then
// waits for a processor for milliseconds, behind goroutines that give
// theirs up only when their socket runs dry. A server that reads fewer
// large bodies at once than there are processors leaves one for small
// requests and takes in as many bytes a second, since the copying is
// bound by memory, not by how many goroutines do it.
//
// A bodyGate hands out turns to read large bodies. A body holds its turn
// only while the bytes it reads are already waiting: a read that waits
// longer than turnIdle for the client gives the turn up (a timer does it,
// since the reader is blocked), so that a slow or stalled client never
// holds others back, and a body read for longer than turnSlice goes to
// the back of the queue, so that a huge blob does not hold back the small
// ones behind it. Either takes a turn again before its next read.
type bodyGate struct {
	turns chan struct{} // one element per turn taken
}

const (
	// largeBody is the size above which a body, or one of unknown size,
	// needs a turn: smaller ones are read in a few microseconds.
	largeBody = 64 << 10

	// turnIdle is how long a read may wait for the client's bytes before
	// its turn goes to another body.
	turnIdle = 2 * time.Millisecond

	// turnSlice is how long a body reads before it lets the bodies
	// waiting for a turn go first.
	turnSlice = 10 * time.Millisecond
)

// defaultBodyReaders is the number of large bodies read at once when
// Options.MaxBodyReaders is zero: one fewer than the processors Go uses,
// and at least one.
func defaultBodyReaders() int {
	return max(1, runtime.GOMAXPROCS(0)-1)
}

// newBodyGate returns a gate of n turns, or nil (every body reads at
// once) when n is negative.
func newBodyGate(n int) *bodyGate {
	if n < 0 {
		return nil
	}
	return &bodyGate{turns: make(chan struct{}, n)}
}

// needsTurn reports whether a body of the given Content-Length (negative
// when unknown) is read in turns.
func (g *bodyGate) needsTurn(length int64) bool {
	return g != nil && (length < 0 || length > largeBody)
}

// The states of a turn.
const (
	turnFree int32 = iota // not holding one of the gate's turns
	turnHeld              // holding one, since taken
)

// turn is one body's place at a gate. The reader takes and gives it up;
// its timer gives it up while a read waits. The state changes by
// compare-and-swap from held to free, so that a turn is given back once
// whichever of the two gives it up.
type turn struct {
	gate  *bodyGate
	state atomic.Int32
	taken time.Time   // when the turn was taken; only the reader uses it
	idle  *time.Timer // gives the turn up; made on the first read
}

// beforeRead takes a turn, unless the body holds one, and starts the
// timer that gives it up if the read waits. It returns ctx's error if the
// request ends while it waits.
func (t *turn) beforeRead(ctx context.Context) error {
	if t.state.Load() == turnFree {
		select {
		case t.gate.turns <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		t.taken = time.Now()
		t.state.Store(turnHeld)
	}
	if t.idle == nil {
		t.idle = time.AfterFunc(turnIdle, t.giveUp)
	} else {
		t.idle.Reset(turnIdle)
	}
	return nil
}

// afterRead stops the timer, and gives the turn up when the body ended
// (err not nil) or has read for its slice.
func (t *turn) afterRead(err error) {
	t.idle.Stop()
	if err != nil || time.Since(t.taken) > turnSlice {
		t.giveUp()
	}
}

// giveUp returns the turn to the gate if the body holds one. It may be
// called by the reader and the timer at once.
func (t *turn) giveUp() {
	if t.state.CompareAndSwap(turnHeld, turnFree) {
		<-t.gate.turns
	}
}

// end gives the turn up for good, when the request is answered, whether
// or not its body was read to the end.
func (t *turn) end() {
	if t.idle != nil {
		t.idle.Stop()
	}
	t.giveUp()
}
