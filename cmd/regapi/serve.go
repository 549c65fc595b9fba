package main

import (
	"fmt"
	"io"
)

// runServe is a placeholder until registrytest lands.
func runServe(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "regapi serve: not available in this build")
	return 1
}
