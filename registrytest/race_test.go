//go:build race

package registrytest

// raceEnabled reports whether the tests run under the race detector, whose
// sync.Pool drops items at random, so that counts of allocations through
// a pool (encoding/json's) vary from run to run.
const raceEnabled = true
