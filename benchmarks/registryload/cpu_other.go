//go:build !unix

package registryload

import "time"

// cpuTime reports nothing where getrusage is missing; the tables then
// show no CPU time.
func cpuTime() time.Duration { return 0 }
