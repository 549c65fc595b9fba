// Command regapi prints the registry API as this package describes it, runs
// an in-memory registry built from it, and checks registries against it.
//
// Usage:
//
//	regapi routes             the route table: name, methods, path template
//	regapi match PATH         the route and variables a request path matches
//	regapi openapi [-o FILE]  the OpenAPI 3.1 document of the API (JSON)
//	regapi markdown [-o FILE] the API reference in Markdown
//	regapi serve [flags]      an in-memory registry (see regapi serve -h)
//	regapi check [flags] URL  the OCI conformance suite against a registry (see regapi check -h)
package main

import (
	"fmt"
	"io"
	"os"
)

// command is one subcommand: it gets its arguments and the streams to use,
// and returns the process exit status.
type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

func commands() []command {
	return []command{
		{"routes", "print the route table derived from the descriptors", runRoutes},
		{"match", "print the route and variables a request path matches", runMatch},
		{"openapi", "print the OpenAPI 3.1 document of the API as JSON (-o FILE to write it)", runOpenAPI},
		{"markdown", "print the API reference in Markdown (-o FILE to write it)", runMarkdown},
		{"serve", "run an in-memory registry", runServe},
		{"check", "run the OCI conformance suite against a registry and print a table of the checks", runCheck},
		{"gc", "remove unlinked blobs, leftovers and idle uploads from a stopped registry's directory", runGC},
	}
}

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(args[1:], stdout, stderr)
		}
	}
	fmt.Fprintf(stderr, "regapi: unknown command %q\n\n", args[0])
	usage(stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: regapi <command> [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
}
