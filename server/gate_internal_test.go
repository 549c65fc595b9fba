package server

import (
	"context"
	"fmt"
	"runtime"
	"testing"
	"time"
)

func TestMaxBodyReadersDefault(t *testing.T) {
	tests := []struct {
		set  int
		want int // turns of the gate; -1 for no gate
	}{
		{0, max(1, runtime.GOMAXPROCS(0)-1)},
		{1, 1},
		{5, 5},
		{-1, -1},
	}
	for _, tt := range tests {
		s := New(nil, Options{MaxBodyReaders: tt.set})
		got := -1
		if s.gate != nil {
			got = cap(s.gate.turns)
		}
		if got != tt.want {
			t.Errorf("MaxBodyReaders %d: %d turns, want %d", tt.set, got, tt.want)
		}
	}
}

func TestNeedsTurn(t *testing.T) {
	g := newBodyGate(1)
	tests := []struct {
		length int64
		want   bool
	}{
		{-1, true},
		{0, false},
		{4096, false},
		{largeBody, false},
		{largeBody + 1, true},
		{1 << 30, true},
	}
	for _, tt := range tests {
		if got := g.needsTurn(tt.length); got != tt.want {
			t.Errorf("needsTurn(%d) = %v, want %v", tt.length, got, tt.want)
		}
	}
	if (*bodyGate)(nil).needsTurn(-1) {
		t.Error("a server without a gate needs no turn")
	}
}

// TestTurnGivenUpOnce gives a turn up from every path at once, many
// times: the gate gets each turn back exactly once (twice would block
// for ever in giveUp, or free a turn another body holds).
func TestTurnGivenUpOnce(t *testing.T) {
	g := newBodyGate(1)
	ctx := context.Background()
	for i := 0; i < 1000; i++ {
		tn := &turn{gate: g}
		if err := tn.beforeRead(ctx); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { tn.giveUp(); close(done) }()
		tn.afterRead(fmt.Errorf("body ended"))
		tn.end()
		<-done
		if n := len(g.turns); n != 0 {
			t.Fatalf("round %d: %d turns held after the body ended", i, n)
		}
	}
}

// TestTurnSlice checks that a body keeps its turn between reads within
// its slice, and lets others go first after it.
func TestTurnSlice(t *testing.T) {
	g := newBodyGate(1)
	tn := &turn{gate: g}
	if err := tn.beforeRead(context.Background()); err != nil {
		t.Fatal(err)
	}
	tn.afterRead(nil)
	if tn.state.Load() != turnHeld || len(g.turns) != 1 {
		t.Fatal("a body that read within its slice gave its turn up")
	}
	tn.taken = time.Now().Add(-2 * turnSlice)
	tn.afterRead(nil)
	if tn.state.Load() != turnFree || len(g.turns) != 0 {
		t.Fatal("a body that read past its slice kept its turn")
	}
	tn.end()
}

// TestWaitForTurnEndsWithRequest checks that a body waiting for a turn
// stops waiting when its request ends.
func TestWaitForTurnEndsWithRequest(t *testing.T) {
	g := newBodyGate(1)
	holder := &turn{gate: g}
	if err := holder.beforeRead(context.Background()); err != nil {
		t.Fatal(err)
	}
	holder.idle.Stop() // it reads for ever
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	waiter := &turn{gate: g}
	if err := waiter.beforeRead(ctx); err != context.Canceled {
		t.Fatalf("beforeRead of an ended request = %v, want %v", err, context.Canceled)
	}
	if waiter.state.Load() != turnFree {
		t.Fatal("a body that did not get a turn holds one")
	}
	holder.end()
}
