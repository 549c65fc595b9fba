package registryload

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"time"
)

// LoadMeter tells how busy other processes kept the machine's CPUs while
// the comparison ran: on a shared machine that is what makes single
// numbers move, and what the ratios of alternating runs are meant to
// withstand.
type LoadMeter struct {
	start       time.Time
	busy, total uint64
	own         time.Duration
	ok          bool
}

// StartLoadMeter starts measuring.
func StartLoadMeter() *LoadMeter {
	m := &LoadMeter{start: time.Now(), own: cpuTime()}
	m.busy, m.total, m.ok = cpuJiffies()
	return m
}

// Others returns the CPUs other processes, and the hypervisor, kept busy
// on average since the meter started, and false where the machine does
// not say (it is read from Linux's /proc/stat).
func (m *LoadMeter) Others() (float64, bool) {
	busy, total, ok := cpuJiffies()
	if !m.ok || !ok || total <= m.total {
		return 0, false
	}
	secs := time.Since(m.start).Seconds()
	// /proc/stat counts in USER_HZ, 100 per second on every Linux port
	// in use.
	all := float64(busy-m.busy) / 100 / secs
	own := (cpuTime() - m.own).Seconds() / secs
	return max(all-own, 0), true
}

// cpuJiffies reads the time all CPUs spent busy (steal included) and in
// total from the first line of /proc/stat.
func cpuJiffies() (busy, total uint64, ok bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, false
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, 0, false
	}
	// user nice system idle iowait irq softirq steal: idle and iowait are
	// the idle ones. guest time is already in user.
	for i, f := range fields[1:9] {
		v, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		total += v
		if i != 3 && i != 4 {
			busy += v
		}
	}
	return busy, total, true
}
