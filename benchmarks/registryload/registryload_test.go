package registryload

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/regapi/regapi/registrytest"
)

// The tests run every part of the comparison on a little work: they check
// that both registries take the pushes and give back what was pushed, not
// how fast. Speed is measured by command registry-load.

func TestThroughputRunsOnBothRegistries(t *testing.T) {
	b := &Bench{Sides: Sides(), Rounds: 2, PullStored: 4}
	cases := []Case{
		{Op: Push, LayerSize: 4 << 10, Workers: 3, Images: 7},
		{Op: Pull, LayerSize: 4 << 10, Workers: 3, Images: 9},
		{Op: Push, LayerSize: 1 << 20, Workers: 2, Images: 4},
		{Op: Pull, LayerSize: 1 << 20, Workers: 2, Images: 5},
	}
	res, err := b.Throughput(cases)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(cases) {
		t.Fatalf("%d results for %d cases", len(res), len(cases))
	}
	for _, r := range res {
		for i, rates := range r.Rates {
			if len(rates) != b.Rounds {
				t.Errorf("%+v: %s ran %d rounds", r.Case, b.Sides[i].Name, len(rates))
			}
			for _, rate := range rates {
				if !(rate > 0) {
					t.Errorf("%+v: %s rate %v", r.Case, b.Sides[i].Name, rate)
				}
			}
		}
	}
	var out bytes.Buffer
	WriteThroughput(&out, b.Sides, res)
	if got := strings.Count(out.String(), "\n"); got != 2+len(cases) {
		t.Errorf("the table has %d lines:\n%s", got, out.String())
	}
}

// TestThroughputRefusesBadCases checks that cases a command line can
// spell wrong are refused before anything runs, rather than panic.
func TestThroughputRefusesBadCases(t *testing.T) {
	b := &Bench{Sides: Sides(), Rounds: 1, PullStored: 1}
	for _, c := range []Case{
		{Op: "pul", LayerSize: 4096, Workers: 1, Images: 1},
		{Op: "", LayerSize: 4096, Workers: 1, Images: 1},
		{Op: Pull, LayerSize: 4096, Workers: 0, Images: 1},
		{Op: Push, LayerSize: 4096, Workers: 1, Images: 0},
		{Op: Push, LayerSize: 0, Workers: 1, Images: 1},
	} {
		if res, err := b.Throughput([]Case{c}); err == nil {
			t.Errorf("%+v: no error, %d results", c, len(res))
		}
	}
}

func TestLatencyAndMemoryRun(t *testing.T) {
	b := &Bench{Sides: Sides(), Rounds: 1}
	images := MakeImages(6, 64<<10, 9)
	lat, err := b.Latency(images, 4, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range lat {
		if len(l.Samples[ProbeStartUpload]) == 0 || len(l.PushRates) != 1 {
			t.Errorf("%s: %d probes, %d rates", l.Side, len(l.Samples[ProbeStartUpload]), len(l.PushRates))
		}
	}
	mem, err := b.Memory(images, 2)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range mem {
		if m.Stored <= 6<<16 {
			t.Errorf("%s: %d bytes stored", m.Side, m.Stored)
		}
	}
	var out bytes.Buffer
	WriteLatency(&out, lat)
	WriteMemory(&out, mem)
	t.Log("\n" + out.String())
}

// serveSide starts a fresh registry of side s for the test, stopped and
// released at its end.
func serveSide(t *testing.T, s Side) (*httptest.Server, http.Handler) {
	t.Helper()
	h, release, err := s.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		if release != nil {
			if err := release(); err != nil {
				t.Errorf("releasing %s: %v", s.Name, err)
			}
		}
	})
	return srv, h
}

// TestImagesAreValid checks what makes the comparison one with strict
// checks: each strict registry, as the comparison runs it, accepts the
// images, and refuses a manifest whose layer is missing or, where it
// checks sizes, of another size than its descriptor says.
func TestImagesAreValid(t *testing.T) {
	for _, tc := range []struct {
		side       Side
		checksSize bool
	}{
		{Sides()[0], true},
		{ServerMemstore(), true},
		{ServerDirstore(), true},
		{DistributionFS(), false}, // it takes a descriptor's size on trust
	} {
		t.Run(tc.side.Name, func(t *testing.T) {
			srv, _ := serveSide(t, tc.side)
			c := NewClient(srv.URL, 1)
			defer c.Close()
			images := MakeImages(3, 1000, 7)
			if err := c.Push(&images[0]); err != nil {
				t.Fatal(err)
			}
			if err := c.Pull(&images[0], make([]byte, 512)); err != nil {
				t.Fatal(err)
			}

			// The config alone: the manifest names a layer the registry lacks.
			im := images[1]
			if err := c.PushBlob(im.Repo, im.Config, im.ConfigDigest); err != nil {
				t.Fatal(err)
			}
			if _, err := c.do(http.MethodPut, c.path("/v2/"+im.Repo+"/manifests/x"), manifestPush, im.Manifest, http.StatusBadRequest); err != nil {
				t.Errorf("manifest without its layer: %v", err)
			}
			if !tc.checksSize {
				return
			}

			// All blobs, and a manifest that gives the layer another size.
			if err := c.PushBlob(im.Repo, im.Layer, im.LayerDigest); err != nil {
				t.Fatal(err)
			}
			var m manifest
			if err := json.Unmarshal(im.Manifest, &m); err != nil {
				t.Fatal(err)
			}
			m.Layers[0].Size++
			wrong, _ := json.Marshal(m)
			if _, err := c.do(http.MethodPut, c.path("/v2/"+im.Repo+"/manifests/x"), manifestPush, wrong, http.StatusBadRequest); err != nil {
				t.Errorf("manifest with a wrong layer size: %v", err)
			}
		})
	}
}

func TestImagesDiffer(t *testing.T) {
	a, b := MakeImages(2, 100, 1), MakeImages(1, 100, 2)
	seen := map[string]bool{}
	for _, im := range append(a, b...) {
		for _, d := range []string{im.ConfigDigest.String(), im.LayerDigest.String(), im.ManifestDigest.String()} {
			if seen[d] {
				t.Errorf("%s appears twice", d)
			}
			seen[d] = true
		}
	}
}

func TestStatistics(t *testing.T) {
	if got := Median([]float64{3, 1, 2}); got != 2 {
		t.Errorf("median of 3 values: %v", got)
	}
	if got := Median([]float64{4, 1, 2, 3}); got != 2.5 {
		t.Errorf("median of 4 values: %v", got)
	}
	var d []time.Duration
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(201-i))
	}
	if p50, p99 := Percentile(d, 50), Percentile(d, 99); p50 != 100 || p99 != 198 {
		t.Errorf("p50 %v, p99 %v of 1..200", p50, p99)
	}
	if got := Percentile(d[:1], 99); got != 200 {
		t.Errorf("p99 of one sample: %v", got)
	}
}

// TestRelaxedSide checks that Relaxed turns off what it says, and only on
// its own side: the registry of Sides keeps it on. The body timeout, which
// only a stalled client shows, is left to registrytest's tests of the
// option.
func TestRelaxedSide(t *testing.T) {
	im := MakeImages(1, 64, 9)[0] // its blobs are never pushed
	for _, tc := range []struct {
		side         Side
		manifest     int  // the status of a manifest whose blobs are missing
		relative     bool // whether Location is a path
		logsRequests bool
	}{
		{Sides()[0], http.StatusBadRequest, false, true},
		{Relaxed(), http.StatusCreated, true, false},
	} {
		t.Run(tc.side.Name, func(t *testing.T) {
			srv, h := serveSide(t, tc.side)
			res, err := http.Post(srv.URL+"/v2/"+im.Repo+"/blobs/uploads/", "", nil)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if loc := res.Header.Get("Location"); strings.HasPrefix(loc, "/") != tc.relative {
				t.Errorf("Location %q, want a path: %v", loc, tc.relative)
			}
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/v2/"+im.Repo+"/manifests/"+im.Tag, bytes.NewReader(im.Manifest))
			req.Header.Set("Content-Type", MediaTypeManifest)
			res, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			if res.StatusCode != tc.manifest {
				t.Errorf("manifest without its blobs: status %d, want %d", res.StatusCode, tc.manifest)
			}
			reg, ok := h.(interface{ Requests() []registrytest.Request })
			if !ok {
				t.Fatalf("%T has no request log", h)
			}
			if logged := len(reg.Requests()) > 0; logged != tc.logsRequests {
				t.Errorf("requests logged: %v, want %v", logged, tc.logsRequests)
			}
		})
	}
}
