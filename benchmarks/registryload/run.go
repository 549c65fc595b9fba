package registryload

import (
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"runtime"
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
	New  func() http.Handler
}

// Sides returns the registries compared, ours first: registrytest with
// its default options, which check manifests strictly, and
// go-containerregistry's registry with its in-memory blob handler and its
// request log silenced, since it writes a line per request to stderr by
// default and a test that uses it for speed would turn that off.
func Sides() []Side {
	return []Side{
		{Name: "registrytest", New: func() http.Handler { return registrytest.New(registrytest.Options{}) }},
		{Name: "go-containerregistry", New: func() http.Handler { return ggcr.New(ggcr.Logger(log.New(io.Discard, "", 0))) }},
	}
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

// Throughput is what a case measured: the images per second of each side
// (in the order of Bench.Sides) in each round.
type Throughput struct {
	Case
	Rates [][]float64
}

// Bench runs the comparisons.
type Bench struct {
	Sides []Side

	// Rounds is how many times each side runs a case; the sides take turns
	// (A, B, A, B, ...) so that a machine that slows down or speeds up
	// meanwhile affects both alike.
	Rounds int

	// PullStored is how many images the registries pulled from hold; the
	// pulls read them in turn.
	PullStored int

	// Progress, when not nil, receives a line per run.
	Progress io.Writer
}

func (b *Bench) progress(format string, args ...any) {
	if b.Progress != nil {
		fmt.Fprintf(b.Progress, format+"\n", args...)
	}
}

// serve starts a fresh registry of side i on a loopback port.
func (b *Bench) serve(i int) *httptest.Server {
	return httptest.NewServer(b.Sides[i].New())
}

// Throughput runs the cases, grouped by layer size so that the images of
// one size are made once and the registries pulled from are filled once.
func (b *Bench) Throughput(cases []Case) ([]Throughput, error) {
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

func (b *Bench) throughputOfSize(cases []Case, size int, images []Image) ([]Throughput, error) {
	var pullFrom []*httptest.Server
	defer func() {
		for _, srv := range pullFrom {
			srv.Close()
		}
	}()
	for _, c := range cases {
		if c.LayerSize == size && c.Op == Pull && pullFrom == nil {
			stored := images[:b.PullStored]
			for i := range b.Sides {
				srv := b.serve(i)
				pullFrom = append(pullFrom, srv)
				cl := NewClient(srv.URL, 4)
				_, err := runWorkers(4, len(stored), func(k int, _ []byte) error { return cl.Push(&stored[k]) })
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
		t := Throughput{Case: c, Rates: make([][]float64, len(b.Sides))}
		for round := 0; round < b.Rounds; round++ {
			for i := range b.Sides {
				var rate float64
				var err error
				if c.Op == Push {
					rate, err = b.pushRun(i, c, images[:c.Images])
				} else {
					rate, err = b.pullRun(pullFrom[i], c, images[:b.PullStored])
				}
				if err != nil {
					return nil, fmt.Errorf("%s, %s of %d-byte layers by %d workers: %v", b.Sides[i].Name, c.Op, c.LayerSize, c.Workers, err)
				}
				t.Rates[i] = append(t.Rates[i], rate)
				b.progress("%s %s layer=%d workers=%d round %d: %.0f images/s", b.Sides[i].Name, c.Op, c.LayerSize, c.Workers, round+1, rate)
			}
		}
		out = append(out, t)
	}
	return out, nil
}

// pushRun pushes the images into a fresh registry of side i and returns
// the images pushed per second. Then, untimed, it pulls every image back
// and checks it.
func (b *Bench) pushRun(i int, c Case, images []Image) (float64, error) {
	srv := b.serve(i)
	defer srv.Close()
	cl := NewClient(srv.URL, c.Workers)
	defer cl.Close()
	// The garbage of the previous run is collected now rather than during
	// this one.
	runtime.GC()
	elapsed, err := runWorkers(c.Workers, len(images), func(k int, _ []byte) error { return cl.Push(&images[k]) })
	if err != nil {
		return 0, err
	}
	if _, err := runWorkers(c.Workers, len(images), func(k int, buf []byte) error { return cl.Pull(&images[k], buf) }); err != nil {
		return 0, fmt.Errorf("reading back: %v", err)
	}
	return float64(len(images)) / elapsed.Seconds(), nil
}

// pullRun pulls c.Images images from srv, which holds stored, taking them
// in turn, and returns the images pulled per second.
func (b *Bench) pullRun(srv *httptest.Server, c Case, stored []Image) (float64, error) {
	cl := NewClient(srv.URL, c.Workers)
	defer cl.Close()
	runtime.GC()
	elapsed, err := runWorkers(c.Workers, c.Images, func(k int, buf []byte) error { return cl.Pull(&stored[k%len(stored)], buf) })
	if err != nil {
		return 0, err
	}
	return float64(c.Images) / elapsed.Seconds(), nil
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
// probes leave theirs open, as a client that gave up would.
const maxProbeUploads = 500

// Latency measures small requests while workers push the images into a
// fresh registry of each side, in rounds that alternate between the
// sides. One goroutine probes meanwhile, on a connection of its own: it
// opens an upload session, then checks that a small blob exists, pausing
// between requests so that it measures the registry rather than loading
// it, until the pushes are done.
func (b *Bench) Latency(images []Image, workers int, pause time.Duration) ([]Latency, error) {
	out := make([]Latency, len(b.Sides))
	for i, s := range b.Sides {
		out[i] = Latency{Side: s.Name, Probes: []string{ProbeStartUpload, ProbeHeadBlob}, Samples: map[string][]time.Duration{}}
	}
	small := MakeImages(1, 512, 1)[0]
	for round := 0; round < b.Rounds; round++ {
		for i := range b.Sides {
			rate, samples, err := b.latencyRun(i, images, workers, pause, small)
			if err != nil {
				return nil, fmt.Errorf("%s, latency under pushes: %v", b.Sides[i].Name, err)
			}
			out[i].PushRates = append(out[i].PushRates, rate)
			for k, v := range samples {
				out[i].Samples[k] = append(out[i].Samples[k], v...)
			}
			b.progress("%s latency round %d: %.0f images/s pushed, %d probes", b.Sides[i].Name, round+1, rate, len(samples[ProbeHeadBlob]))
		}
	}
	return out, nil
}

func (b *Bench) latencyRun(i int, images []Image, workers int, pause time.Duration, small Image) (float64, map[string][]time.Duration, error) {
	srv := b.serve(i)
	defer srv.Close()
	pusher := NewClient(srv.URL, workers)
	defer pusher.Close()
	prober := NewClient(srv.URL, 1)
	defer prober.Close()
	if err := prober.PushBlob(small.Repo, small.Layer, small.LayerDigest); err != nil {
		return 0, nil, err
	}
	runtime.GC()

	samples := map[string][]time.Duration{}
	var stop atomic.Bool
	probeErr := make(chan error, 1)
	go func() {
		var err error
		for n := 0; n < maxProbeUploads && !stop.Load() && err == nil; n++ {
			t := time.Now()
			_, err = prober.StartUpload(small.Repo)
			samples[ProbeStartUpload] = append(samples[ProbeStartUpload], time.Since(t))
			time.Sleep(pause)
			if err != nil || stop.Load() {
				break
			}
			t = time.Now()
			err = prober.HeadBlob(small.Repo, small.LayerDigest)
			samples[ProbeHeadBlob] = append(samples[ProbeHeadBlob], time.Since(t))
			time.Sleep(pause)
		}
		probeErr <- err
	}()
	elapsed, err := runWorkers(workers, len(images), func(k int, _ []byte) error { return pusher.Push(&images[k]) })
	stop.Store(true)
	// The probe's error counts only once its goroutine has ended, which
	// also makes its samples safe to read.
	err = errors.Join(err, <-probeErr)
	if err != nil {
		return 0, nil, err
	}
	return float64(len(images)) / elapsed.Seconds(), samples, nil
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
		h := s.New()
		srv := httptest.NewServer(h)
		cl := NewClient(srv.URL, workers)
		_, err := runWorkers(workers, len(images), func(k int, _ []byte) error { return cl.Push(&images[k]) })
		cl.Close()
		srv.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %v", s.Name, err)
		}
		after := liveHeap()
		// The registry must still be reachable when the heap is measured.
		runtime.KeepAlive(h)
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
