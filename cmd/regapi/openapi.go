package main

import (
	"fmt"
	"io"
)

// runOpenAPI is a placeholder until the OpenAPI generator lands.
func runOpenAPI(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "regapi openapi: not available in this build")
	return 1
}

// runMarkdown is a placeholder until the Markdown generator lands.
func runMarkdown(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "regapi markdown: not available in this build")
	return 1
}
