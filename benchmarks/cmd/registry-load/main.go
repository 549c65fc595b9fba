// Command registry-load compares registrytest's in-memory registry with
// go-containerregistry's pkg/registry, both served in this process over
// loopback, and prints Markdown tables (-side chooses other registries;
// see below):
//
//   - throughput: image pushes and pulls (4 KiB and 1 MiB layers, 4 and 16
//     concurrent clients), each side running the same fixed work in
//     alternating rounds; the median images/s of each side and the median
//     of the per-round ratios;
//   - latency: p50 and p99 of small requests (opening an upload session,
//     checking a blob) while 16 clients push 1 MiB images;
//   - memory: live heap growth per byte stored after pushing 1 MiB images.
//
// Run it from the benchmarks module (bench.sh does):
//
//	go run ./cmd/registry-load
//
// Flags narrow the run, for profiling one registry under one workload:
//
//	go run ./cmd/registry-load -parts throughput -ops push -sizes 4096 -workers 4 \
//	    -side registrytest -scale 4 -cpuprofile cpu.out
//
// or choose what is compared: registrytest beside registrytest-relaxed, its
// faithful behaviour that costs on every request turned off (see
// registryload.Relaxed), shows what that behaviour costs:
//
//	go run ./cmd/registry-load -parts throughput -ops push -sizes 4096 -side registrytest,registrytest-relaxed
//
// With -cpuprofile, the goroutines of each side carry profiler labels, so
// that the profile of a run of both sides splits by side and role, client
// or server, what the timed slices of the throughput part cost:
//
//	go run ./cmd/registry-load -parts throughput -ops push -sizes 4096 -cpuprofile cpu.out
//	go tool pprof -tags cpu.out
//	go tool pprof -tagfocus registry=registrytest -tagignore 'role=client|untimed' -top cpu.out
//
// (pprof keeps only the last of several -tagfocus flags, so the role is
// narrowed with -tagignore.)
//
// Besides those, -side takes package server over a memory store
// (server-memstore) and over a directory store in a temporary directory
// (server-dirstore, what `regapi serve -root` serves), and distribution's
// registry with its filesystem driver in a temporary directory
// (distribution-fs), all in this process too. With more than two sides,
// -ratios names the pairs whose ratios to print:
//
//	go run ./cmd/registry-load -parts throughput -workers 16 \
//	    -side server-dirstore,distribution-fs,server-memstore,registrytest,go-containerregistry \
//	    -ratios server-dirstore/distribution-fs,server-memstore/registrytest,server-memstore/go-containerregistry
package main

import (
	"flag"
	"fmt"
	"log"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"strconv"
	"strings"
	"time"

	"github.com/regapi/regapi/benchmarks/registryload"
)

func main() {
	rounds := flag.Int("rounds", 5, "rounds per workload and registry")
	slices := flag.Int("slices", 4, "most slices a side's work in a round is cut into, alternating with the other side's")
	scale := flag.Float64("scale", 1, "multiplies the images pushed or pulled per run")
	parts := flag.String("parts", "throughput,latency,memory", "comma-separated parts to run")
	ops := flag.String("ops", "push,pull", "throughput operations")
	sizes := flag.String("sizes", "4096,1048576", "layer sizes in bytes")
	workers := flag.String("workers", "4,16", "concurrent clients")
	side := flag.String("side", "", "run only the registries of these comma-separated names ("+strings.Join(sideNames(), ", ")+")")
	ratios := flag.String("ratios", "", "comma-separated pairs A/B of registries run whose throughput ratios (A's rate over B's) to print")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	mutexprofile := flag.String("mutexprofile", "", "write a profile of lock contention to this file")
	tracefile := flag.String("trace", "", "write an execution trace of the whole run to this file")
	memprofile := flag.String("memprofile", "", "write a profile of the allocations of the whole run to this file")
	verbose := flag.Bool("v", false, "report every run on stderr")
	flag.Parse()

	b := &registryload.Bench{Rounds: *rounds, Slices: *slices, PullStored: 64, ProfileLabels: *cpuprofile != ""}
	b.Sides = registryload.Sides()
	if *side != "" {
		b.Sides = nil
		known := registryload.Known()
	names:
		for _, name := range strings.Split(*side, ",") {
			for _, s := range known {
				if s.Name == strings.TrimSpace(name) {
					b.Sides = append(b.Sides, s)
					continue names
				}
			}
			log.Fatalf("no registry named %q", name)
		}
	}
	pairs, err := parsePairs(*ratios, b.Sides)
	if err != nil {
		log.Fatal(err)
	}
	if *verbose {
		b.Progress = os.Stderr
	}
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			log.Fatal(err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			log.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	if *mutexprofile != "" {
		runtime.SetMutexProfileFraction(1)
		defer writeProfile("mutex", *mutexprofile)
	}

	if *tracefile != "" {
		f, err := os.Create(*tracefile)
		if err != nil {
			log.Fatal(err)
		}
		if err := trace.Start(f); err != nil {
			log.Fatal(err)
		}
		defer trace.Stop()
	}
	if *memprofile != "" {
		// Sampling every 64 KiB allocated, rather than every 512 KiB, so
		// that the small allocations of a request are counted too.
		runtime.MemProfileRate = 64 << 10
		defer writeProfile("allocs", *memprofile)
	}

	want := map[string]bool{}
	for _, p := range strings.Split(*parts, ",") {
		want[strings.TrimSpace(p)] = true
	}

	fmt.Printf("go: %s, GOMAXPROCS %d; %s; %d rounds, up to %d slices, scale %g\n\n",
		runtime.Version(), runtime.GOMAXPROCS(0), peerVersion(), *rounds, *slices, *scale)
	load := registryload.StartLoadMeter()
	defer func() {
		if others, ok := load.Others(); ok {
			fmt.Printf("Other processes kept %.1f of the machine's %d CPUs busy on average during the run.\n", others, runtime.NumCPU())
		}
	}()

	if want["throughput"] {
		var cases []registryload.Case
		for _, size := range ints(*sizes) {
			for _, w := range ints(*workers) {
				for _, op := range strings.Split(*ops, ",") {
					cases = append(cases, registryload.Case{Op: op, LayerSize: size, Workers: w, Images: imagesPerRun(op, size, *scale)})
				}
			}
		}
		res, err := b.Throughput(cases)
		if err != nil {
			log.Fatal(err)
		}
		if len(b.Sides) == 2 {
			fmt.Printf("Throughput (images/s, median over rounds; ratio: median of the rounds' %[1]s ÷ %[2]s, above 1 %[1]s is faster):\n\n", b.Sides[0].Name, b.Sides[1].Name)
		} else {
			fmt.Printf("Throughput (images/s, median over rounds):\n\n")
		}
		registryload.WriteThroughput(os.Stdout, b.Sides, res)
		fmt.Println()
		if len(pairs) > 0 {
			fmt.Printf("Ratios (median of the rounds' A ÷ B, above 1 A is faster; their range; CPU ratio: B's CPU per image ÷ A's, above 1 A spends less):\n\n")
			if err := registryload.WriteRatios(os.Stdout, b.Sides, res, pairs); err != nil {
				log.Fatal(err)
			}
			fmt.Println()
		}
	}
	if want["latency"] {
		const workers, size = 16, 1 << 20
		images := registryload.MakeImages(imagesPerRun("latency", size, *scale), size, 2)
		res, err := b.Latency(images, workers, time.Millisecond)
		if err != nil {
			log.Fatal(err)
		}
		if len(b.Sides) == 2 {
			fmt.Printf("Small requests while %d clients push %d images of 1 MiB (milliseconds; ratios: %s ÷ %s, above 1 %[4]s answers sooner):\n\n", workers, len(images), b.Sides[1].Name, b.Sides[0].Name)
		} else {
			fmt.Printf("Small requests while %d clients push %d images of 1 MiB (milliseconds):\n\n", workers, len(images))
		}
		registryload.WriteLatency(os.Stdout, res)
		fmt.Println()
	}
	if want["memory"] {
		const size = 1 << 20
		images := registryload.MakeImages(imagesPerRun("memory", size, *scale), size, 3)
		res, err := b.Memory(images, 4)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("Memory after pushing %d images of 1 MiB into a fresh registry (live heap, after garbage collection):\n\n", len(images))
		registryload.WriteMemory(os.Stdout, res)
		fmt.Println()
	}
}

// imagesPerRun is the fixed work of one run: enough that a run takes a
// good fraction of a second on a small machine, so that the start of a
// run (connections, the first allocations) weighs little, and little
// enough that the whole comparison takes a few minutes.
func imagesPerRun(op string, size int, scale float64) int {
	n := 0
	switch op {
	case registryload.Push:
		n = min(1500, max(32, (96<<20)/size))
	case registryload.Pull:
		n = min(3000, max(64, (192<<20)/size))
	case "latency":
		n = 256
	case "memory":
		n = 64
	}
	return max(1, int(float64(n)*scale))
}

// sideNames lists the names -side takes.
func sideNames() []string {
	var names []string
	for _, s := range registryload.Known() {
		names = append(names, s.Name)
	}
	return names
}

// parsePairs parses -ratios: comma-separated A/B, each a registry run.
func parsePairs(s string, sides []registryload.Side) ([]registryload.Pair, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	run := map[string]bool{}
	for _, side := range sides {
		run[side.Name] = true
	}
	var out []registryload.Pair
	for _, f := range strings.Split(s, ",") {
		a, b, ok := strings.Cut(strings.TrimSpace(f), "/")
		if !ok || !run[a] || !run[b] {
			return nil, fmt.Errorf("-ratios: %q is not A/B of two registries run", f)
		}
		out = append(out, registryload.Pair{A: a, B: b})
	}
	return out, nil
}

// ints parses a comma-separated list of integers.
func ints(s string) []int {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil {
			log.Fatalf("%q is not a number", f)
		}
		out = append(out, n)
	}
	return out
}

// peerVersion names the versions of the peer registries built in.
func peerVersion() string {
	peers := []string{"github.com/google/go-containerregistry", "github.com/distribution/distribution/v3"}
	versions := map[string]string{}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, m := range info.Deps {
			versions[m.Path] = m.Version
		}
	}
	for i, p := range peers {
		if v := versions[p]; v != "" {
			peers[i] = p + " " + v
		}
	}
	return strings.Join(peers, ", ")
}

func writeProfile(name, file string) {
	f, err := os.Create(file)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	if err := pprof.Lookup(name).WriteTo(f, 0); err != nil {
		log.Fatal(err)
	}
}
