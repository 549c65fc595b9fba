package registrytest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// waitFor polls cond until it holds, failing the test after a generous
// time: the conditions it waits for come within milliseconds unless the
// registry is broken.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("still waiting for %s", what)
		}
	}
}

// turnsTaken is how many of the registry's turns are held.
func (reg *Registry) turnsTaken() int {
	return len(reg.gate.turns)
}

// bodyStarted reports whether the registry has begun to answer a request
// of the method to the path.
func (reg *Registry) bodyStarted(method, path string) bool {
	for _, r := range reg.Requests() {
		if r.Method == method && r.Path == path {
			return true
		}
	}
	return false
}

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
		reg := New(Options{MaxBodyReaders: tt.set})
		got := -1
		if reg.gate != nil {
			got = cap(reg.gate.turns)
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
		t.Error("a registry without a gate needs no turn")
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

// TestStalledBodyHoldsNoTurn starts a large push whose client stalls with
// the registry's only turn and checks that other large pushes go through
// meanwhile, long before the body timeout, and that the stalled push
// completes when its client goes on.
func TestStalledBodyHoldsNoTurn(t *testing.T) {
	srv := NewServer(Options{MaxBodyReaders: 1, BodyTimeout: 10 * time.Minute})
	defer srv.Close()
	c := newClient(srv, 2)
	// Far sooner than the body timeout: pushes held back by the stalled
	// one fail rather than wait for it.
	c.hc.Timeout = 20 * time.Second

	whole := bytes.Repeat([]byte("stalled "), 128<<10) // 1 MiB
	d := digest.FromBytes(whole)
	path := "/v2/slow/blobs/uploads/"
	conn := rawRequest(t, srv, "POST", path+"?digest="+d.String(),
		map[string]string{"Content-Length": strconv.Itoa(len(whole))}, whole[:200<<10])
	defer conn.Close()
	waitFor(t, "the stalled push to be read", func() bool { return srv.Registry.bodyStarted("POST", path) })

	for i := 0; i < 4; i++ {
		content := bytes.Repeat([]byte{byte('a' + i)}, 1<<20)
		if _, err := c.pushMonolithic("fast", content); err != nil {
			t.Fatal(err)
		}
	}

	if _, err := conn.Write(whole[200<<10:]); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("stalled push: status %d, want 201", resp.StatusCode)
	}
	if _, err := c.expect("HEAD", "/v2/slow/blobs/"+d.String(), nil, nil, http.StatusOK, ""); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every turn to be given back", func() bool { return srv.Registry.turnsTaken() == 0 })
}

// TestTurnsGivenBack ends large bodies in every way a request can end,
// read whole or not, with a registry of one turn: each request after
// the first is answered only if the ones before gave their turn back.
func TestTurnsGivenBack(t *testing.T) {
	srv := NewServer(Options{MaxBodyReaders: 1, MaxBlobSize: 512 << 10, MaxManifestSize: 256 << 10})
	defer srv.Close()
	c := newClient(srv, 1)
	c.hc.Timeout = 20 * time.Second
	// A turn not given back would hold the next large request; each step
	// checks that it was, so that the test fails there, with the step.
	givenBack := func(step string) {
		t.Helper()
		waitFor(t, "the turn of "+step+" to be given back", func() bool { return srv.Registry.turnsTaken() == 0 })
	}
	big := bytes.Repeat([]byte("z"), 300<<10)
	tooBig := bytes.Repeat([]byte("y"), 600<<10)

	steps := []struct {
		name   string
		method string
		target string
		header map[string]string
		body   []byte
		status int
	}{
		{"monolithic push", "POST", "/v2/r/blobs/uploads/?digest=" + digest.FromBytes(big).String(), nil, big, http.StatusCreated},
		{"wrong digest", "POST", "/v2/r/blobs/uploads/?digest=" + digest.FromBytes(tooBig).String(), nil, big, http.StatusBadRequest},
		{"over the blob limit", "POST", "/v2/r/blobs/uploads/?digest=" + digest.FromBytes(tooBig).String(), nil, tooBig, http.StatusRequestEntityTooLarge},
		{"manifest over its limit", "PUT", "/v2/r/manifests/latest", map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, tooBig, http.StatusRequestEntityTooLarge},
		{"manifest not JSON", "PUT", "/v2/r/manifests/latest", map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}, big[:200<<10], http.StatusBadRequest},
		{"push of a stored blob", "POST", "/v2/s/blobs/uploads/?digest=" + digest.FromBytes(big).String(), nil, big, http.StatusCreated},
	}
	for _, s := range steps {
		res, err := c.raw(s.method, s.target, s.header, s.body)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if res.status != s.status {
			t.Fatalf("%s: status %d, want %d", s.name, res.status, s.status)
		}
		givenBack(s.name)
	}

	// A body of unknown length over the limit: the registry stops reading
	// it at the limit, before its end.
	for _, target := range []string{"/v2/r/blobs/uploads/?digest=" + digest.FromBytes(tooBig).String(), "/v2/r/manifests/latest"} {
		req, err := http.NewRequest("PUT", srv.URL+target, io.MultiReader(bytes.NewReader(tooBig)))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(target, "/blobs/") {
			req.Method = "POST"
		} else {
			req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		}
		resp, err := c.hc.Do(req)
		if err != nil {
			t.Fatalf("%s %s of unknown length: %v", req.Method, target, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("%s %s of unknown length: status %d, want 413", req.Method, target, resp.StatusCode)
		}
		givenBack(req.Method + " of unknown length over the limit")
	}

	// A client that goes away in the middle of its body.
	conn := rawRequest(t, srv, "POST", "/v2/gone/blobs/uploads/?digest="+digest.FromBytes(big).String(),
		map[string]string{"Content-Length": strconv.Itoa(len(big))}, big[:100<<10])
	waitFor(t, "the abandoned push to be read", func() bool { return srv.Registry.bodyStarted("POST", "/v2/gone/blobs/uploads/") })
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	conn.Close()
	givenBack("an abandoned push")

	if _, err := c.pushMonolithic("after", big[1:]); err != nil {
		t.Fatal(err)
	}
	givenBack("the last push")
}
