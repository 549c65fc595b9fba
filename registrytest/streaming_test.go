package registrytest

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// stepReader hands out its chunks one Read at a time, calling before with
// the chunk's index before each, and then ends.
type stepReader struct {
	chunks [][]byte
	before func(i int)
	i      int
}

func (s *stepReader) Read(p []byte) (int, error) {
	if s.i == len(s.chunks) {
		return 0, io.EOF
	}
	if s.before != nil {
		s.before(s.i)
	}
	n := copy(p, s.chunks[s.i])
	s.chunks[s.i] = s.chunks[s.i][n:]
	if len(s.chunks[s.i]) == 0 {
		s.i++
	}
	return n, nil
}

// TestUploadTTLCountsFromLastByte streams a PATCH for three times the TTL,
// a byte every half TTL, and checks that it succeeds, that the session is
// never forgotten while the request writes to it (even during a pause longer
// than the TTL), and that it expires once idle for longer than the TTL.
func TestUploadTTLCountsFromLastByte(t *testing.T) {
	const ttl = time.Minute
	reg := New(Options{UploadTTL: ttl})
	clock := stoppedClock(reg)
	loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))

	content := []byte("abcdef")
	var chunks [][]byte
	for _, c := range content {
		chunks = append(chunks, []byte{c})
	}
	body := &stepReader{chunks: chunks, before: func(i int) {
		clock.advance(ttl / 2)
		if i == 3 {
			// A pause of twice the TTL while the request holds the
			// session. (A GET of the session's state would wait for the
			// PATCH: requests to one session take turns.)
			clock.advance(2 * ttl)
			// Expiry sweeps run when a session opens; none may take
			// the held session.
			run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted})
		}
	}}
	req := httptest.NewRequest("PATCH", "http://registry.test"+loc, body)
	rec := httptest.NewRecorder()
	reg.ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted || rec.Header().Get("Range") != "0-5" {
		t.Fatalf("streaming PATCH longer than the TTL: %d Range %q %s", rec.Code, rec.Header().Get("Range"), rec.Body)
	}
	clock.advance(ttl)
	run(t, reg, call{method: "GET", path: loc, status: http.StatusNoContent, headers: map[string]string{"Range": "0-5"}})
	run(t, reg, call{method: "PUT", path: loc + "?digest=" + digest.FromBytes(content).String(), status: http.StatusCreated})

	// An idle session goes after the TTL.
	loc = location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	run(t, reg, call{method: "PATCH", path: loc, body: []byte("x"), status: http.StatusAccepted})
	clock.advance(ttl)
	run(t, reg, call{method: "GET", path: loc, status: http.StatusNoContent})
	clock.advance(time.Nanosecond)
	run(t, reg, call{method: "GET", path: loc, status: http.StatusNotFound, code: "BLOB_UPLOAD_UNKNOWN"})
	if err := reg.checkAccounting(); err != nil {
		t.Fatal(err)
	}
}

// TestDefaultUploadTTL checks that sessions expire by default, so that
// abandoned sessions free their slots.
func TestDefaultUploadTTL(t *testing.T) {
	reg := New(Options{MaxUploads: 2})
	clock := stoppedClock(reg)
	for i := 0; i < 2; i++ {
		run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted})
	}
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusTooManyRequests, code: "TOOMANYREQUESTS"})
	clock.advance(DefaultUploadTTL + time.Second)
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted})

	never := New(Options{MaxUploads: 1, UploadTTL: -1})
	clock = stoppedClock(never)
	run(t, never, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted})
	clock.advance(1000 * time.Hour)
	run(t, never, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusTooManyRequests, code: "TOOMANYREQUESTS"})
}

// rawRequest writes an HTTP/1.1 request head and part of its body to a new
// connection to srv, and returns the connection.
func rawRequest(t *testing.T, srv *Server, method, target string, header map[string]string, body []byte) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Host)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, srv.Host)
	for k, v := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	b.WriteString("\r\n")
	if _, err := conn.Write(append([]byte(b.String()), body...)); err != nil {
		t.Fatal(err)
	}
	return conn
}

// TestCutChunkKeepsWhatArrived sends chunks whose connections close before
// their last byte, announced by Content-Range or not, and checks that the
// bytes that arrived stay in the session, that Range says so, and that the
// upload resumes from there to a blob of the right content.
func TestCutChunkKeepsWhatArrived(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	c := newClient(srv, 1)
	content := bytes.Repeat([]byte("0123456789"), 10)

	res, err := c.expect("POST", "/v2/cut/blobs/uploads/", nil, nil, http.StatusAccepted, "")
	if err != nil {
		t.Fatal(err)
	}
	loc := strings.TrimPrefix(res.header.Get("Location"), srv.URL)

	// 40 of the 60 bytes a chunk announces, then the client goes away.
	conn := rawRequest(t, srv, "PATCH", loc, map[string]string{"Content-Range": "0-59", "Content-Length": "60"}, content[:40])
	waitForRange(t, c, loc, "0-39")
	conn.Close()
	waitForRange(t, c, loc, "0-39")

	// A stream of unknown length cut after 20 more bytes.
	conn = rawRequest(t, srv, "PATCH", loc, map[string]string{"Transfer-Encoding": "chunked"}, []byte("14\r\n"+string(content[40:60])+"\r\n"))
	waitForRange(t, c, loc, "0-59")
	conn.Close()

	if _, err := c.expect("PATCH", loc, map[string]string{"Content-Range": "60-99"}, content[60:], http.StatusAccepted, ""); err != nil {
		t.Fatal(err)
	}
	d := digest.FromBytes(content)
	if _, err := c.expect("PUT", loc+"?digest="+d.String(), nil, nil, http.StatusCreated, ""); err != nil {
		t.Fatal(err)
	}
	if err := c.checkBlob("cut", d, content); err != nil {
		t.Fatal(err)
	}
	if err := srv.Registry.checkAccounting(); err != nil {
		t.Fatal(err)
	}
}

// waitForRange polls the session until its Range is want, failing after
// ten seconds: the server reads what a connection sent in its own time.
func waitForRange(t *testing.T, c *client, loc, want string) {
	t.Helper()
	waitFor(t, "Range "+want+" of "+loc, func() bool {
		res, err := c.expect("GET", loc, nil, nil, http.StatusNoContent, "")
		if err != nil {
			t.Fatal(err)
		}
		return res.header.Get("Range") == want
	})
}

// TestBodyTimeoutCutsStalledClients opens many connections that send part
// of a chunk and then nothing, and checks that other requests are answered
// meanwhile, that every stalled request is cut (a 408 or a closed
// connection) once it has sent nothing for BodyTimeout, and that each
// session keeps what arrived and can be resumed.
func TestBodyTimeoutCutsStalledClients(t *testing.T) {
	const stalled = 40
	srv := NewServer(Options{BodyTimeout: 300 * time.Millisecond, MaxUploads: stalled + 10})
	defer srv.Close()
	c := newClient(srv, 8)

	type session struct {
		loc  string
		conn net.Conn
	}
	var sessions []session
	for i := 0; i < stalled; i++ {
		res, err := c.expect("POST", "/v2/slow/blobs/uploads/", nil, nil, http.StatusAccepted, "")
		if err != nil {
			t.Fatal(err)
		}
		loc := strings.TrimPrefix(res.header.Get("Location"), srv.URL)
		conn := rawRequest(t, srv, "PATCH", loc, map[string]string{"Content-Range": "0-999", "Content-Length": "1000"}, []byte("0123456789"))
		sessions = append(sessions, session{loc, conn})
	}

	// Other clients are served while the stalled connections wait.
	content := []byte("not stalled")
	for i := 0; i < 20; i++ {
		if _, err := c.expect("GET", "/v2/", nil, nil, http.StatusOK, ""); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.pushMonolithic("fast", content); err != nil {
		t.Fatal(err)
	}

	// Every stalled request is cut: the answer is a 408, or the
	// connection closes.
	for i, s := range sessions {
		_ = s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(s.conn), nil)
		switch {
		case err == nil:
			if resp.StatusCode != http.StatusRequestTimeout {
				t.Fatalf("stalled request %d: status %d, want 408", i, resp.StatusCode)
			}
			resp.Body.Close()
		case strings.Contains(err.Error(), "timeout"):
			t.Fatalf("stalled request %d was not cut: %v", i, err)
		}
		s.conn.Close()
	}

	// Each session kept its ten bytes and resumes.
	for _, s := range sessions[:3] {
		waitForRange(t, c, s.loc, "0-9")
		rest := bytes.Repeat([]byte("x"), 990)
		if _, err := c.expect("PATCH", s.loc, map[string]string{"Content-Range": "10-999"}, rest, http.StatusAccepted, ""); err != nil {
			t.Fatal(err)
		}
		whole := append([]byte("0123456789"), rest...)
		if _, err := c.expect("PUT", s.loc+"?digest="+digest.FromBytes(whole).String(), nil, nil, http.StatusCreated, ""); err != nil {
			t.Fatal(err)
		}
	}
}

// patternReader yields n bytes of a repeating pattern without holding them,
// at most 64 KiB a read, pausing before each read for pause. A read waits
// while gate, if set, is locked for writing.
type patternReader struct {
	left  int64
	pause time.Duration
	gate  *sync.RWMutex
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		return 0, io.EOF
	}
	if p.gate != nil {
		p.gate.RLock()
		defer p.gate.RUnlock()
	}
	time.Sleep(p.pause)
	b = b[:min(int64(len(b)), p.left, 64<<10)]
	for i := range b {
		b[i] = byte(i)
	}
	p.left -= int64(len(b))
	return len(b), nil
}

// TestMemoryBoundedByMaxStorage sends four 64 MiB chunked uploads at once to
// a registry of 8 MiB over loopback and checks that each is refused with 403
// DENIED, and that the live heap, measured after a collection while they
// run, stays within MaxStorage plus 256 KiB per concurrent request (and a
// megabyte for the test's own clients and connections). The clients send
// at about a gigabyte a second together and stop while the heap is
// measured, so that what is allocated between the end of a collection and
// the reading of the heap's size is not counted.
func TestMemoryBoundedByMaxStorage(t *testing.T) {
	const (
		maxStorage = 8 << 20
		uploads    = 4
		size       = 64 << 20
	)
	srv := NewServer(Options{MaxStorage: maxStorage})
	defer srv.Close()
	c := newClient(srv, uploads)

	var locs []string
	for i := 0; i < uploads; i++ {
		res, err := c.expect("POST", "/v2/big/blobs/uploads/", nil, nil, http.StatusAccepted, "")
		if err != nil {
			t.Fatal(err)
		}
		locs = append(locs, res.header.Get("Location"))
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapAlloc

	// The sampler stops the clients while it measures, so that what they
	// would send meanwhile is not counted.
	var gate sync.RWMutex
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
			gate.Lock()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			gate.Unlock()
			if ms.HeapAlloc > base && ms.HeapAlloc-base > peak.Load() {
				peak.Store(ms.HeapAlloc - base)

			}
		}
	}()

	var wg sync.WaitGroup
	statuses := make([]int, uploads)
	for i, loc := range locs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Without a length, so that the registry cannot refuse the
			// body before reading it.
			req, _ := http.NewRequest("PATCH", loc, io.NopCloser(&patternReader{left: size, pause: 250 * time.Microsecond, gate: &gate}))
			req.ContentLength = -1
			resp, err := srv.Client().Do(req)
			if err != nil {
				statuses[i] = -1
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}()
	}
	wg.Wait()
	close(done)
	<-sampled

	for i, s := range statuses {
		// A client may see its connection closed before it reads the
		// answer, when the server stops reading an oversized body.
		if s != http.StatusForbidden && s != -1 {
			t.Errorf("upload %d: status %d, want 403", i, s)
		}
	}
	bound := uint64(maxStorage + uploads*256<<10 + 1<<20)
	t.Logf("peak live heap above the start: %d bytes (bound %d)", peak.Load(), bound)
	if peak.Load() > bound {
		t.Errorf("peak live heap %d bytes above the start, over %d", peak.Load(), bound)
	}
	if err := srv.Registry.checkAccounting(); err != nil {
		t.Fatal(err)
	}
	if used, err := srv.Registry.heldBytes(); err != nil || used != 0 {
		t.Errorf("%d bytes still counted after refused uploads (%v)", used, err)
	}
}

// TestNoLockWhileReading holds a PATCH whose body stalls and checks that
// the registry serves every other kind of request meanwhile, including
// pushes and reads of the same repository.
func TestNoLockWhileReading(t *testing.T) {
	reg := New(Options{BodyTimeout: -1})
	loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
	pr, pw := io.Pipe()
	patched := make(chan int)
	go func() {
		req := httptest.NewRequest("PATCH", "http://registry.test"+loc, pr)
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, req)
		patched <- rec.Code
	}()
	if _, err := pw.Write([]byte("first bytes")); err != nil {
		t.Fatal(err)
	}

	done := make(chan struct{})
	go func() {
		defer close(done)
		im := newTestImage("meanwhile", "")
		im.push(t, reg, "a", "v1")
		run(t, reg, call{method: "GET", path: "/v2/a/manifests/v1", status: http.StatusOK})
		run(t, reg, call{method: "GET", path: "/v2/a/blobs/" + digest.FromBytes(im.config).String(), status: http.StatusOK})
		run(t, reg, call{method: "GET", path: "/v2/_catalog", status: http.StatusOK})
		run(t, reg, call{method: "GET", path: "/v2/a/tags/list", status: http.StatusOK})
		other := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
		run(t, reg, call{method: "PATCH", path: other, body: []byte("x"), status: http.StatusAccepted})
		// (A GET of the stalled session's state would wait for the PATCH:
		// requests to one session take turns.)
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("requests waited for a stalled body")
	}
	pw.Close()
	if code := <-patched; code != http.StatusAccepted {
		t.Fatalf("the stalled PATCH ended with %d", code)
	}
	if err := reg.checkAccounting(); err != nil {
		t.Fatal(err)
	}

}

// TestEveryBodyHasDeadline sends requests of every kind that reads a body,
// each announcing more than it sends and then stalling: the registry stops
// waiting for each after BodyTimeout, whichever code reads the body.
func TestEveryBodyHasDeadline(t *testing.T) {
	srv := NewServer(Options{BodyTimeout: 200 * time.Millisecond, FaultEndpoint: true,
		Auth: Auth{Mode: AuthToken, Users: testUsers, AnonymousPull: true}})
	defer srv.Close()
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "1000"}
	token, res := tokenFor(t, srv.Registry, basic("alice", "s3cret"), "repository:r:pull,push")
	if token == "" {
		t.Fatalf("token: %d %s", res.status, res.body)
	}
	bearer := "Bearer " + token
	for _, tt := range []struct {
		name, method, path string
		header             map[string]string
	}{
		{"token POST", "POST", "/token", form},
		{"faults POST", "POST", faultEndpointPath, map[string]string{"Content-Length": "1000"}},
		{"manifest PUT", "PUT", "/v2/r/manifests/v1", map[string]string{"Content-Type": ociManifest, "Content-Length": "1000", "Authorization": bearer}},
		{"monolithic blob POST", "POST", "/v2/r/blobs/uploads/?digest=" + digest.FromString("x").String(), map[string]string{"Content-Length": "1000", "Authorization": bearer}},
	} {
		conn := rawRequest(t, srv, tt.method, tt.path, tt.header, []byte("grant_type=pass"))
		_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		switch {
		case err == nil:
			if resp.StatusCode < 400 || resp.StatusCode > 499 {
				t.Errorf("%s: status %d, want a 4xx", tt.name, resp.StatusCode)
			}
			resp.Body.Close()
		case strings.Contains(err.Error(), "timeout"):
			t.Errorf("%s: the registry kept waiting for a stalled body", tt.name)
		}
		conn.Close()
	}
}
