package registryload

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestEveryKnownSideTakesAndGivesBackImages runs a little of each
// throughput case on every side the command can run: each takes the
// pushes, and every image pulled, pushed ones read back included, has the
// bytes and digests pushed (Client.Pull checks them).
func TestEveryKnownSideTakesAndGivesBackImages(t *testing.T) {
	b := &Bench{Sides: Known(), Rounds: 1, Slices: 2, PullStored: 3}
	cases := []Case{
		{Op: Push, LayerSize: 4 << 10, Workers: 2, Images: 4},
		{Op: Pull, LayerSize: 4 << 10, Workers: 2, Images: 5},
		{Op: Push, LayerSize: 1 << 20, Workers: 2, Images: 2},
		{Op: Pull, LayerSize: 1 << 20, Workers: 2, Images: 3},
	}
	res, err := b.Throughput(cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		for i, rates := range r.Rates {
			if len(rates) != 1 || !(rates[0] > 0) {
				t.Errorf("%+v: %s rates %v", r.Case, b.Sides[i].Name, rates)
			}
		}
	}
}

// TestDirectorySidesLeaveNothing checks that the sides that keep their
// registry in a temporary directory remove it when released, so that a
// long comparison does not fill the disk.
func TestDirectorySidesLeaveNothing(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	for _, side := range []Side{ServerDirstore(), DistributionFS()} {
		t.Run(side.Name, func(t *testing.T) {
			h, release, err := side.New()
			if err != nil {
				t.Fatal(err)
			}
			if h == nil || release == nil {
				t.Fatalf("handler %v, release nil: %v", h, release == nil)
			}
			dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "registryload-*"))
			if len(dirs) != 1 {
				t.Fatalf("%d directories made: %v", len(dirs), dirs)
			}
			if err := release(); err != nil {
				t.Fatal(err)
			}
			if _, err := os.Stat(dirs[0]); !os.IsNotExist(err) {
				t.Errorf("%s is still there: %v", dirs[0], err)
			}
		})
	}
}

// TestWriteRatios checks the ratios of named pairs of sides: the median
// of the rounds' rate ratios and their range, the median CPU ratio, and a
// pair naming a side that did not run refused.
func TestWriteRatios(t *testing.T) {
	sides := []Side{{Name: "a"}, {Name: "b"}, {Name: "c"}}
	ms := time.Millisecond
	res := []Throughput{{
		Case:  Case{Op: Push, LayerSize: 4096, Workers: 16, Images: 10},
		Rates: [][]float64{{4, 9, 5}, {2, 3, 1}, {1, 3, 2}},
		CPU:   [][]time.Duration{{ms, ms, ms}, {2 * ms, 3 * ms, 4 * ms}, {ms, ms, ms}},
	}}
	var out bytes.Buffer
	if err := WriteRatios(&out, sides, res, []Pair{{"a", "b"}, {"c", "a"}}); err != nil {
		t.Fatal(err)
	}
	want := "| push | 4 KiB | 16 | 3.00 | 2.00–5.00 | 3.00 | 0.33 | 0.25–0.40 | 1.00 |\n"
	if lines := strings.SplitAfter(out.String(), "\n"); len(lines) != 4 || lines[2] != want {
		t.Errorf("got\n%s\nwant the row\n%s", out.String(), want)
	}
	if err := WriteRatios(&out, sides, res, []Pair{{"a", "d"}}); err == nil {
		t.Error("a pair with a side not run: no error")
	}
}
