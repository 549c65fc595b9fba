package registryload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	ggcr "github.com/google/go-containerregistry/pkg/registry"

	"github.com/regapi/regapi/registrytest"
)

// Side is one registry under test: a name for the tables and a way to
// make a fresh, empty one.
type Side struct {
	Name string

	// New makes a fresh, empty registry. close, when not nil, releases
	// what it holds besides memory (a store's files, its directory) once
	// its server has stopped.
	New func() (h http.Handler, close func() error, err error)
}

// inMemory makes a Side of a registry that holds nothing but memory.
func inMemory(name string, newHandler func() http.Handler) Side {
	return Side{Name: name, New: func() (http.Handler, func() error, error) { return newHandler(), nil, nil }}
}

// Sides returns the registries compared, ours first: registrytest with
// its default options, which check manifests strictly, and
// go-containerregistry's registry with its in-memory blob handler and its
// request log silenced, since it writes a line per request to stderr by
// default and a test that uses it for speed would turn that off.
func Sides() []Side {
	return []Side{
		inMemory("registrytest", func() http.Handler { return registrytest.New(registrytest.Options{}) }),
		inMemory("go-containerregistry", func() http.Handler { return ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))) }),
	}
}

// RelaxedName is the name of the side Relaxed returns.
const RelaxedName = "registrytest-relaxed"

// Relaxed returns registrytest with the faithful behaviour that costs on
// every request turned off: manifests are not checked strictly
// (LenientManifests), requests are not logged (RequestLogSize -1), bodies
// have no timeout (BodyTimeout -1), and Location headers are paths
// (RelativeURLs). It is not one of Sides; run beside registrytest, it
// measures what that behaviour costs.
func Relaxed() Side {
	return inMemory(RelaxedName, func() http.Handler {
		return registrytest.New(registrytest.Options{LenientManifests: true, RequestLogSize: -1, BodyTimeout: -1, RelativeURLs: true})
	})
}

// The operations of a throughput case.
const (
	Push = "push"
	Pull = "pull"
)

// Case is one throughput workload: Images pushes or pulls of images with
// a layer of LayerSize bytes by Workers concurrent clients.
type Case struct {
	Op        string
	LayerSize int
	Workers   int
	Images    int
}

// Throughput is what a case measured, by side (in the order of
// Bench.Sides) and round: the images per second, and the CPU time the
// process spent per image, clients included.
type Throughput struct {
	Case
	Rates [][]float64
	CPU   [][]time.Duration
}

// Bench runs the comparisons.
type Bench struct {
	Sides []Side

	// Rounds is how many times each side runs a case; the sides take turns
	// (A, B, A, B, ...) so that a machine that slows down or speeds up
	// meanwhile affects both alike.
	Rounds int

	// Slices is the most slices a side's work in a round is cut into.
	// The slices of the sides alternate (A B B A A B ...), so that the
	// load other processes put on the machine, which comes and goes
	// within seconds, falls on both sides alike. A slice keeps at least
	// eight images per worker, so that workers waiting for the slowest at
	// its end weigh little.
	Slices int

	// PullStored is how many images the registries pulled from hold; the
	// pulls read them in turn.
	PullStored int

	// Progress, when not nil, receives a line per run.
	Progress io.Writer

	// ProfileLabels marks the goroutines of each side's servers and
	// clients with profiler labels ("registry": the side's name; "role":
	// "client", "server", or "server, untimed" outside the timed slices),
	// so that `go tool pprof -tags` splits a CPU profile of a run by side
	// and role. It costs each request a little, alike on both sides.
	ProfileLabels bool

	// timing is set while a timed slice runs.
	timing atomic.Bool
}

func (b *Bench) progress(format string, args ...any) {
	if b.Progress != nil {
		fmt.Fprintf(b.Progress, format+"\n", args...)
	}
}

// served is a fresh registry of one side behind a loopback server.
type served struct {
	URL     string
	srv     *httptest.Server
	release func() error // the side's close, or nil
}

// Close stops the server, then releases what the registry holds.
func (s *served) Close() error {
	s.srv.Close()
	if s.release == nil {
		return nil
	}
	return s.release()
}

// serve starts a fresh registry of side i on a loopback port.
func (b *Bench) serve(i int) (*served, error) {
	h, release, err := b.Sides[i].New()
	if err != nil {
		return nil, fmt.Errorf("%s: a fresh registry: %v", b.Sides[i].Name, err)
	}
	if b.ProfileLabels {
		h = b.labelServer(b.Sides[i].Name, h)
	}
	srv := httptest.NewServer(h)
	return &served{URL: srv.URL, srv: srv, release: release}, nil
}

// labelServer marks the goroutine that serves each request with the
// registry's name and with whether a timed slice is running, so that a
// CPU profile splits by side what the server did in the time measured
// from what it did before and after (filling, reading back). The mark
// stays on the connection's goroutine until its next request, so the
// next request's header reading counts with this one.
func (b *Bench) labelServer(name string, h http.Handler) http.Handler {
	timed := pprof.WithLabels(context.Background(), pprof.Labels("registry", name, "role", "server"))
	untimed := pprof.WithLabels(context.Background(), pprof.Labels("registry", name, "role", "server, untimed"))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if b.timing.Load() {
			pprof.SetGoroutineLabels(timed)
		} else {
			pprof.SetGoroutineLabels(untimed)
		}
		h.ServeHTTP(w, r)
	})
}

// asClient runs f, a timed slice of side i's clients. With ProfileLabels,
// f and the goroutines it starts, among them those of the connections
// its client dials, carry the registry's name and the client role.
func (b *Bench) asClient(i int, f func()) {
	b.timing.Store(true)
	defer b.timing.Store(false)
	if !b.ProfileLabels {
		f()
		return
	}
	pprof.Do(context.Background(), pprof.Labels("registry", b.Sides[i].Name, "role", "client"), func(context.Context) { f() })
}

// Throughput runs the cases, grouped by layer size so that the images of
// one size are made once and the registries pulled from are filled once.
// A case of an operation other than Push or Pull, or without workers,
// images or layer bytes, is an error and nothing runs.
func (b *Bench) Throughput(cases []Case) ([]Throughput, error) {
	for _, c := range cases {
		switch {
		case c.Op != Push && c.Op != Pull:
			return nil, fmt.Errorf("unknown operation %q: want %q or %q", c.Op, Push, Pull)
		case c.Workers < 1 || c.Images < 1 || c.LayerSize < 1:
			return nil, fmt.Errorf("case %+v: workers, images and layer size must be positive", c)
		}
	}
	var out []Throughput
	var sizes []int
	for _, c := range cases {
		if !containsInt(sizes, c.LayerSize) {
			sizes = append(sizes, c.LayerSize)
		}
	}
	for _, size := range sizes {
		need := b.PullStored
		for _, c := range cases {
			if c.LayerSize == size && c.Op == Push {
				need = max(need, c.Images)
			}
		}
		images := MakeImages(need, size, uint64(size))
		res, err := b.throughputOfSize(cases, size, images)
		if err != nil {
			return nil, err
		}
		out = append(out, res...)
	}
	return out, nil
}

func containsInt(list []int, v int) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (b *Bench) throughputOfSize(cases []Case, size int, images []Image) (_ []Throughput, err error) {
	var pullFrom []*served
	defer func() {
		for _, srv := range pullFrom {
			err = errors.Join(err, srv.Close())
		}
	}()
	for _, c := range cases {
		if c.LayerSize == size && c.Op == Pull && pullFrom == nil {
			stored := images[:b.PullStored]
			for i := range b.Sides {
				srv, err := b.serve(i)
				if err != nil {
					return nil, err
				}
				pullFrom = append(pullFrom, srv)
				cl := NewClient(srv.URL, 4)
				_, err = runWorkers(4, len(stored), func(k int, _ []byte) error { return cl.Push(&stored[k]) })
				cl.Close()
				if err != nil {
					return nil, fmt.Errorf("%s: filling the registry to pull from: %v", b.Sides[i].Name, err)
				}
			}
		}
	}
	var out []Throughput
	for _, c := range cases {
		if c.LayerSize != size {
			continue
		}
		t := Throughput{Case: c, Rates: make([][]float64, len(b.Sides)), CPU: make([][]time.Duration, len(b.Sides))}
		for round := 0; round < b.Rounds; round++ {
			rates, cpu, err := b.round(c, images, pullFrom)
			if err != nil {
				return nil, fmt.Errorf("%s of %d-byte layers by %d workers: %v", c.Op, c.LayerSize, c.Workers, err)
			}
			for i := range b.Sides {
				t.Rates[i] = append(t.Rates[i], rates[i])
				t.CPU[i] = append(t.CPU[i], cpu[i])
				b.progress("%s %s layer=%d workers=%d round %d: %.0f images/s, %v CPU per image",
					b.Sides[i].Name, c.Op, c.LayerSize, c.Workers, round+1, rates[i], cpu[i])
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// slices returns how many slices the work of case c is cut into.
func (b *Bench) slices(c Case) int {
	return max(1, min(b.Slices, c.Images/(8*c.Workers)))
}

// round runs case c once on every side and returns, by side, the images
// per second and the CPU time per image. A push goes into a fresh
// registry, from which every image is then pulled back and checked,
// untimed; a pull reads the images pullFrom holds in turn.
func (b *Bench) round(c Case, images []Image, pullFrom []*served) (_ []float64, _ []time.Duration, err error) {
	n := len(b.Sides)
	clients := make([]*Client, n)
	urls := make([]string, n)
	for i := range b.Sides {
		if c.Op == Push {
			srv, err := b.serve(i)
			if err != nil {
				return nil, nil, err
			}
			defer func() { err = errors.Join(err, srv.Close()) }()
			urls[i] = srv.URL
		} else {
			urls[i] = pullFrom[i].URL
		}
		clients[i] = NewClient(urls[i], c.Workers)
		defer clients[i].Close()
	}
	op := func(i, k int, buf []byte) error {
		if c.Op == Push {
			return clients[i].Push(&images[k])
		}
		stored := images[:b.PullStored]
		return clients[i].Pull(&stored[k%len(stored)], buf)
	}

	elapsed := make([]time.Duration, n)
	cpu := make([]time.Duration, n)
	slices := b.slices(c)
	for s := 0; s < slices; s++ {
		lo, hi := c.Images*s/slices, c.Images*(s+1)/slices
		for j := 0; j < n; j++ {
			i := j
			if s%2 == 1 {
				i = n - 1 - j
			}
			// The garbage of what ran before is collected now rather
			// than during this slice.
			runtime.GC()
			cpu0 := cpuTime()
			var d time.Duration
			var err error
			b.asClient(i, func() {
				d, err = runWorkers(c.Workers, hi-lo, func(k int, buf []byte) error { return op(i, lo+k, buf) })
			})
			cpu[i] += cpuTime() - cpu0
			elapsed[i] += d
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %v", b.Sides[i].Name, err)
			}
		}
	}
	if c.Op == Push {
		for i := range b.Sides {
			// A client of its own, whose connections carry no labels of
			// the timed slices.
			cl := NewClient(urls[i], c.Workers)
			_, err := runWorkers(c.Workers, c.Images, func(k int, buf []byte) error { return cl.Pull(&images[k], buf) })
			cl.Close()
			if err != nil {
				return nil, nil, fmt.Errorf("%s: reading back: %v", b.Sides[i].Name, err)
			}
		}
	}
	rates := make([]float64, n)
	for i := range rates {
		rates[i] = float64(c.Images) / elapsed[i].Seconds()
		cpu[i] /= time.Duration(c.Images)
	}
	return rates, cpu, nil
}

// runWorkers calls op for 0 to n-1 from workers goroutines, each index
// once, each goroutine with a copy buffer of its own, and returns the time
// it took. On the first error the workers stop and it is returned.
func runWorkers(workers, n int, op func(k int, buf []byte) error) (time.Duration, error) {
	var next atomic.Int64
	var failed atomic.Bool
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 32<<10)
			for !failed.Load() {
				k := int(next.Add(1) - 1)
				if k >= n {
					return
				}
				if err := op(k, buf); err != nil {
					once.Do(func() { firstErr = err })
					failed.Store(true)
					return
				}
			}
		}()
	}
	wg.Wait()
	return time.Since(start), firstErr
}

// Latency is what the probes of one side measured while large images
// were pushed: the duration of each small request, by probe, and the
// images pushed per second meanwhile, by round.
type Latency struct {
	Side      string
	Probes    []string
	Samples   map[string][]time.Duration
	PushRates []float64
}

// The small requests the probes make.
const (
	ProbeStartUpload = "POST upload"
	ProbeHeadBlob    = "HEAD blob"
)

// maxProbeUploads bounds the upload sessions the probes open in one
// registry: registrytest allows 1000 open sessions by default, and the
// probes leave theirs open, as a client that gave up would. Past it the
// probes only check the blob.
const maxProbeUploads = 500

// Latency measures small requests while workers push the images into a
// fresh registry of each side. One goroutine probes meanwhile, on a
// connection of its own: it opens an upload session, then checks that a
// small blob exists, pausing between requests so that it measures the
// registry rather than loading it, until the pushes are done. As for
// throughput, each round's pushes are cut into slices that alternate
// between the sides.
func (b *Bench) Latency(images []Image, workers int, pause time.Duration) (_ []Latency, err error) {
	out := make([]Latency, len(b.Sides))
	for i, s := range b.Sides {
		out[i] = Latency{Side: s.Name, Probes: []string{ProbeStartUpload, ProbeHeadBlob}, Samples: map[string][]time.Duration{}}
	}
	small := MakeImages(1, 512, 1)[0]
	// Each slice keeps at least four images per worker.
	slices := max(1, min(b.Slices, len(images)/(4*workers)))
	for round := 0; round < b.Rounds; round++ {
		targets := make([]*probeTarget, len(b.Sides))
		for i := range b.Sides {
			t, err := b.newProbeTarget(i, workers, small)
			if err != nil {
				return nil, fmt.Errorf("%s, latency under pushes: %v", b.Sides[i].Name, err)
			}
			defer func() { err = errors.Join(err, t.close()) }()
			targets[i] = t
		}
		elapsed := make([]time.Duration, len(b.Sides))
		for s := 0; s < slices; s++ {
			lo, hi := len(images)*s/slices, len(images)*(s+1)/slices
			for j := range b.Sides {
				i := j
				if s%2 == 1 {
					i = len(b.Sides) - 1 - j
				}
				d, samples, err := targets[i].pushAndProbe(images[lo:hi], workers, pause, small)
				if err != nil {
					return nil, fmt.Errorf("%s, latency under pushes: %v", b.Sides[i].Name, err)
				}
				elapsed[i] += d
				for k, v := range samples {
					out[i].Samples[k] = append(out[i].Samples[k], v...)
				}
			}
		}
		for i, t := range targets {
			rate := float64(len(images)) / elapsed[i].Seconds()
			out[i].PushRates = append(out[i].PushRates, rate)
			b.progress("%s latency round %d: %.0f images/s pushed, %d uploads opened by the probes", b.Sides[i].Name, round+1, rate, t.uploads)
			if err := t.close(); err != nil {
				return nil, fmt.Errorf("%s, latency under pushes: %v", b.Sides[i].Name, err)
			}
		}
	}
	return out, nil
}

// probeTarget is a fresh registry pushed to and probed in one round.
type probeTarget struct {
	srv            *served
	pusher, prober *Client
	uploads        int // sessions the probes opened
	closed         bool
}

// newProbeTarget starts a registry of side i that holds the small blob
// the probes check.
func (b *Bench) newProbeTarget(i, workers int, small Image) (*probeTarget, error) {
	srv, err := b.serve(i)
	if err != nil {
		return nil, err
	}
	t := &probeTarget{srv: srv, pusher: NewClient(srv.URL, workers), prober: NewClient(srv.URL, 1)}
	if err := t.prober.PushBlob(small.Repo, small.Layer, small.LayerDigest); err != nil {
		return nil, errors.Join(err, t.close())
	}
	return t, nil
}

// close stops the registry and releases what it holds; it may be called
// more than once, and reports an error of releasing only the first time.
func (t *probeTarget) close() error {
	t.pusher.Close()
	t.prober.Close()
	if t.closed {
		return nil
	}
	t.closed = true
	return t.srv.Close()
}

// pushAndProbe pushes the images by workers concurrent clients while the
// probe runs, and returns the time the pushes took and the probes'
// durations.
func (t *probeTarget) pushAndProbe(images []Image, workers int, pause time.Duration, small Image) (time.Duration, map[string][]time.Duration, error) {
	runtime.GC()
	samples := map[string][]time.Duration{}
	var stop atomic.Bool
	probeErr := make(chan error, 1)
	go func() {
		var err error
		for !stop.Load() && err == nil {
			if t.uploads < maxProbeUploads {
				start := time.Now()
				_, err = t.prober.StartUpload(small.Repo)
				samples[ProbeStartUpload] = append(samples[ProbeStartUpload], time.Since(start))
				t.uploads++
				time.Sleep(pause)
				if err != nil || stop.Load() {
					break
				}
			}
			start := time.Now()
			err = t.prober.HeadBlob(small.Repo, small.LayerDigest)
			samples[ProbeHeadBlob] = append(samples[ProbeHeadBlob], time.Since(start))
			time.Sleep(pause)
		}
		probeErr <- err
	}()
	elapsed, err := runWorkers(workers, len(images), func(k int, _ []byte) error { return t.pusher.Push(&images[k]) })
	stop.Store(true)
	// The probe's error counts only once its goroutine has ended, which
	// also makes its samples safe to read.
	if err := errors.Join(err, <-probeErr); err != nil {
		return 0, nil, err
	}
	return elapsed, samples, nil
}

// Memory is the live heap a registry grew by to hold images.
type Memory struct {
	Side   string
	Images int
	Stored int64 // bytes of the images' blobs and manifests
	Growth int64 // live heap after the pushes less live heap before
}

// Memory pushes the images into a fresh registry of each side, one side
// after the other, each from a collected heap, and measures how much the
// live heap grew. The images are made by the caller, before, so that
// only what the registry keeps is counted; its server is closed before
// the measure, so that connection buffers are not.
func (b *Bench) Memory(images []Image, workers int) ([]Memory, error) {
	var stored int64
	for k := range images {
		stored += images[k].Size()
	}
	var out []Memory
	for i, s := range b.Sides {
		before := liveHeap()
		h, release, err := s.New()
		if err != nil {
			return nil, fmt.Errorf("%s: a fresh registry: %v", s.Name, err)
		}
		srv := httptest.NewServer(h)
		cl := NewClient(srv.URL, workers)
		_, err = runWorkers(workers, len(images), func(k int, _ []byte) error { return cl.Push(&images[k]) })
		cl.Close()
		srv.Close()
		after := liveHeap()
		// The registry must still be reachable when the heap is measured.
		runtime.KeepAlive(h)
		if release != nil {
			err = errors.Join(err, release())
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %v", s.Name, err)
		}
		out = append(out, Memory{Side: s.Name, Images: len(images), Stored: stored, Growth: after - before})
		b.progress("%s memory: %d bytes stored, heap grew by %d", b.Sides[i].Name, stored, after-before)
	}
	return out, nil
}

// liveHeap collects garbage and returns the bytes of live heap objects.
// Two collections let finalizers queued by the first free what they hold.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapAlloc)
}
