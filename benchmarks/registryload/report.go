package registryload

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"
)

// Median returns the median of values (the mean of the middle two for an
// even count), or 0 for none.
func Median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	s := slices.Clone(values)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// Percentile returns the nearest-rank p-th percentile (0 < p <= 100) of
// durations: the smallest sample that at least p percent of the samples
// do not exceed.
func Percentile(durations []time.Duration, p float64) time.Duration {
	if len(durations) == 0 {
		return 0
	}
	s := slices.Clone(durations)
	slices.Sort(s)
	rank := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[min(max(rank, 0), len(s)-1)]
}

// RoundRatios returns, for each round, the rate of the first side divided
// by the second's: each pair ran back to back, so the ratio holds even
// when the machine's speed drifts between rounds.
func (t Throughput) RoundRatios() []float64 {
	return t.RoundRatiosOf(0, 1)
}

// RoundRatiosOf returns, for each round, the rate of side a (an index
// into Rates) divided by side b's; nil when either has no rates.
func (t Throughput) RoundRatiosOf(a, b int) []float64 {
	if max(a, b) >= len(t.Rates) || min(a, b) < 0 {
		return nil
	}
	n := min(len(t.Rates[a]), len(t.Rates[b]))
	out := make([]float64, n)
	for r := 0; r < n; r++ {
		out[r] = t.Rates[a][r] / t.Rates[b][r]
	}
	return out
}

// size renders a byte count in the units the tables use.
func size(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

// ms renders a duration in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f", float64(d)/float64(time.Millisecond))
}

// CPURatios returns, for each round, the CPU time per image of the
// second side divided by the first's: above 1 the first spends less.
func (t Throughput) CPURatios() []float64 {
	return t.CPURatiosOf(0, 1)
}

// CPURatiosOf returns, for each round, the CPU time per image of side b
// divided by side a's: above 1, a spends less.
func (t Throughput) CPURatiosOf(a, b int) []float64 {
	if max(a, b) >= len(t.CPU) || min(a, b) < 0 {
		return nil
	}
	n := min(len(t.CPU[a]), len(t.CPU[b]))
	out := make([]float64, n)
	for r := 0; r < n; r++ {
		out[r] = float64(t.CPU[b][r]) / float64(t.CPU[a][r])
	}
	return out
}

// Pair names two sides whose rates are compared: A's over B's.
type Pair struct{ A, B string }

// WriteRatios writes, per case and for each pair of sides, the median of
// the round ratios of A's rate over B's (above 1, A is faster) with their
// range, and the median of the rounds' CPU ratios (B's CPU time per image
// over A's: above 1, A spends less). A pair naming a side not in sides is
// an error and nothing is written.
func WriteRatios(w io.Writer, sides []Side, results []Throughput, pairs []Pair) error {
	index := func(name string) int {
		for i, s := range sides {
			if s.Name == name {
				return i
			}
		}
		return -1
	}
	cols := []string{"operation", "layer", "workers"}
	for _, p := range pairs {
		if index(p.A) < 0 || index(p.B) < 0 {
			return fmt.Errorf("pair %s/%s: no such side among those run", p.A, p.B)
		}
		cols = append(cols, p.A+" ÷ "+p.B, "round ratios", "CPU ratio")
	}
	align := []string{"---"}
	for range cols[1:] {
		align = append(align, "---:")
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(cols, " | "), strings.Join(align, "|"))
	for _, t := range results {
		row := []string{t.Op, size(t.LayerSize), fmt.Sprint(t.Workers)}
		for _, p := range pairs {
			a, b := index(p.A), index(p.B)
			rr := t.RoundRatiosOf(a, b)
			spread := ""
			if len(rr) > 0 {
				spread = fmt.Sprintf("%.2f–%.2f", slices.Min(rr), slices.Max(rr))
			}
			row = append(row, fmt.Sprintf("%.2f", Median(rr)), spread, fmt.Sprintf("%.2f", Median(t.CPURatiosOf(a, b))))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	return nil
}

// WriteThroughput writes the throughput table: per case the median images
// per second of each side and, with two sides, the median of the round
// ratios (first side over second: above 1 the first is faster) and their
// range; then the median CPU time per image of each side, in
// microseconds, and the median of its round ratios (second over first:
// above 1 the first spends less).
func WriteThroughput(w io.Writer, sides []Side, results []Throughput) {
	two := len(sides) == 2
	cols := []string{"operation", "layer", "workers", "images per run"}
	for _, s := range sides {
		cols = append(cols, s.Name+" images/s")
	}
	if two {
		cols = append(cols, "ratio", "round ratios")
	}
	for _, s := range sides {
		cols = append(cols, s.Name+" CPU µs/image")
	}
	if two {
		cols = append(cols, "CPU ratio")
	}
	align := []string{"---"}
	for range cols[1:] {
		align = append(align, "---:")
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(cols, " | "), strings.Join(align, "|"))
	for _, t := range results {
		row := []string{t.Op, size(t.LayerSize), fmt.Sprint(t.Workers), fmt.Sprint(t.Images)}
		for i := range sides {
			row = append(row, fmt.Sprintf("%.0f", Median(t.Rates[i])))
		}
		if two {
			rr := t.RoundRatios()
			row = append(row, fmt.Sprintf("%.2f", Median(rr)), fmt.Sprintf("%.2f–%.2f", slices.Min(rr), slices.Max(rr)))
		}
		for i := range sides {
			us := make([]float64, len(t.CPU[i]))
			for r, d := range t.CPU[i] {
				us[r] = float64(d) / float64(time.Microsecond)
			}
			row = append(row, fmt.Sprintf("%.0f", Median(us)))
		}
		if two {
			row = append(row, fmt.Sprintf("%.2f", Median(t.CPURatios())))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
}

// WriteLatency writes the latency table: per probe the p50 and p99 of
// each side in milliseconds and, with two sides, the second side's p50
// and p99 over the first's (above 1 the first answers sooner), then the
// push rates meanwhile.
func WriteLatency(w io.Writer, results []Latency) {
	if len(results) == 0 {
		return
	}
	cols := []string{"small request"}
	align := []string{"---"}
	for _, l := range results {
		cols = append(cols, l.Side+" p50 ms", l.Side+" p99 ms")
		align = append(align, "---:", "---:")
	}
	two := len(results) == 2
	if two {
		cols = append(cols, "p50 ratio", "p99 ratio")
		align = append(align, "---:", "---:")
	}
	fmt.Fprintf(w, "| %s |\n|%s|\n", strings.Join(cols, " | "), strings.Join(align, "|"))
	for _, probe := range results[0].Probes {
		var counts []string
		for _, l := range results {
			counts = append(counts, fmt.Sprint(len(l.Samples[probe])))
		}
		row := []string{fmt.Sprintf("%s (%s samples)", probe, strings.Join(counts, " / "))}
		for _, l := range results {
			row = append(row, ms(Percentile(l.Samples[probe], 50)), ms(Percentile(l.Samples[probe], 99)))
		}
		if two {
			a, b := results[0].Samples[probe], results[1].Samples[probe]
			row = append(row,
				fmt.Sprintf("%.2f", float64(Percentile(b, 50))/float64(Percentile(a, 50))),
				fmt.Sprintf("%.2f", float64(Percentile(b, 99))/float64(Percentile(a, 99))))
		}
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	var rates []string
	for _, l := range results {
		rates = append(rates, fmt.Sprintf("%s %.0f", l.Side, Median(l.PushRates)))
	}
	fmt.Fprintf(w, "\nImages pushed per second meanwhile (median over rounds): %s.\n", strings.Join(rates, ", "))
}

// WriteMemory writes the memory table: per side the bytes stored, the
// growth of the live heap and their ratio.
func WriteMemory(w io.Writer, results []Memory) {
	fmt.Fprintf(w, "| registry | images | bytes stored | live heap growth | growth / stored |\n|---|---:|---:|---:|---:|\n")
	for _, m := range results {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %.3f |\n", m.Side, m.Images, m.Stored, m.Growth, float64(m.Growth)/float64(m.Stored))
	}
}
