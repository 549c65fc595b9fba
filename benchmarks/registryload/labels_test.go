package registryload

import (
	"bytes"
	"net/http"
	"runtime/pprof"
	"strings"
	"sync"
	"testing"

	"github.com/regapi/regapi/registrytest"
)

// goroutineLabels returns, for each goroutine whose stack holds a
// function named fn, the labels it carries, as the goroutine profile
// prints them. It may be called from any goroutine: a failure is
// reported with Errorf.
func goroutineLabels(t *testing.T, fn string) []string {
	t.Helper()
	var buf bytes.Buffer
	if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
		t.Errorf("goroutine profile: %v", err)
		return nil
	}
	var out []string
	for _, rec := range strings.Split(buf.String(), "\n\n") {
		if !strings.Contains(rec, fn) {
			continue
		}
		labels := ""
		for _, line := range strings.Split(rec, "\n") {
			if l, ok := strings.CutPrefix(line, "# labels: "); ok {
				labels = l
			}
		}
		out = append(out, labels)
	}
	return out
}

// labelProbe serves as the registry it wraps, first noting the labels of the
// goroutine serving the request: a type of its own, so that the goroutine
// profile tells that goroutine from the test's, whose stack holds the
// test function too.
type labelProbe struct {
	t      *testing.T
	mu     sync.Mutex
	reg    http.Handler
	server map[string]bool // "METHOD labels" of each request served
	client []string        // the labels of the workers, seen at the first PUT
}

func (p *labelProbe) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	for _, l := range goroutineLabels(p.t, "registryload.(*labelProbe).ServeHTTP") {
		p.server[r.Method+" "+l] = true
	}
	if r.Method == http.MethodPut && p.client == nil {
		p.client = goroutineLabels(p.t, "registryload.runWorkers.func")
	}
	p.mu.Unlock()
	p.reg.ServeHTTP(w, r)
}

// TestProfileLabelsMarkSidesAndRoles checks the labels that let a CPU
// profile of a run split by side and role: a request of a timed slice is
// served under the server role, one of the reading back under the
// untimed one, and the clients of a timed slice carry the client role;
// without ProfileLabels nothing is marked.
func TestProfileLabelsMarkSidesAndRoles(t *testing.T) {
	const side = "probe"
	for _, on := range []bool{true, false} {
		probe := &labelProbe{t: t, reg: registrytest.New(registrytest.Options{}), server: map[string]bool{}}
		b := &Bench{Sides: []Side{inMemory(side, func() http.Handler { return probe })}, Rounds: 1, PullStored: 1, ProfileLabels: on}
		if _, err := b.Throughput([]Case{{Op: Push, LayerSize: 1024, Workers: 2, Images: 3}}); err != nil {
			t.Fatal(err)
		}
		timed := `{"registry":"probe", "role":"server"}`
		untimed := `{"registry":"probe", "role":"server, untimed"}`
		asClient := `{"registry":"probe", "role":"client"}`
		if !on {
			timed, untimed, asClient = "", "", ""
		}
		for _, want := range []string{"PUT " + timed, "POST " + timed, "GET " + untimed} {
			if !probe.server[want] {
				t.Errorf("ProfileLabels %v: no request served as %q; served as %v", on, want, probe.server)
			}
		}
		if len(probe.client) == 0 {
			t.Fatalf("ProfileLabels %v: no worker goroutine seen", on)
		}
		for _, l := range probe.client {
			if l != asClient {
				t.Errorf("ProfileLabels %v: a worker of a timed slice carries %q, want %q", on, l, asClient)
			}
		}
	}
}
