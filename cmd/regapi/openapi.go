package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/regapi/regapi/apidoc"
)

// runOpenAPI prints the OpenAPI 3.1 document of the API, or writes it to
// the file named by -o.
func runOpenAPI(args []string, stdout, stderr io.Writer) int {
	return runDocument("openapi", apidoc.OpenAPI, args, stdout, stderr)
}

// runMarkdown prints the API reference in Markdown, or writes it to the file
// named by -o.
func runMarkdown(args []string, stdout, stderr io.Writer) int {
	return runDocument("markdown", apidoc.Markdown, args, stdout, stderr)
}

// runDocument generates a document and writes it to stdout or to -o FILE.
// A file whose content is already the document is left untouched, so that
// go generate does not change modification times for nothing.
func runDocument(name string, generate func() ([]byte, error), args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("regapi "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the document to `file` instead of standard output")
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "usage: regapi %s [-o file]\n", name)
		return 2
	}
	doc, err := generate()
	if err != nil {
		fmt.Fprintf(stderr, "regapi %s: %v\n", name, err)
		return 1
	}
	if *out == "" {
		if _, err := stdout.Write(doc); err != nil {
			fmt.Fprintf(stderr, "regapi %s: %v\n", name, err)
			return 1
		}
		return 0
	}
	if old, err := os.ReadFile(*out); err == nil && bytes.Equal(old, doc) {
		return 0
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		fmt.Fprintf(stderr, "regapi %s: %v\n", name, err)
		return 1
	}
	return 0
}
