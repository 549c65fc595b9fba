//go:build !race

package registrytest

// raceEnabled reports whether the tests run under the race detector.
const raceEnabled = false
