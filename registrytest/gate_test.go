package registrytest

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
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

// turnFree reports whether the registry reads a large body now: a push
// over 64 KiB, which needs one of the registry's turns to be read, is
// answered within two seconds. With one turn, a turn never given back
// fails it.
func turnFree(srv *Server) bool {
	content := bytes.Repeat([]byte("probe"), 20<<10)
	hc := &http.Client{Timeout: 2 * time.Second}
	resp, err := hc.Post(srv.URL+"/v2/probe/blobs/uploads/?digest="+digest.FromBytes(content).String(), "application/octet-stream", bytes.NewReader(content))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusCreated
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
	waitFor(t, "every turn to be given back", func() bool { return turnFree(srv) })
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
		waitFor(t, "the turn of "+step+" to be given back", func() bool { return turnFree(srv) })
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
