package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/regapi/regapi/conformance"
)

// runCheck runs the conformance suite against a running registry, prints a
// table of the checks and writes JUnit XML on request. It exits 1 when a
// check fails and 2 for a usage error.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: regapi check [flags] URL")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Runs the OCI distribution conformance workflows against the registry at URL")
		fmt.Fprintln(stderr, "(scheme, host and any path prefix in front of /v2/) and holds every response to")
		fmt.Fprintln(stderr, "the route descriptors. Prints one row per endpoint and check; exits 1 when a check fails.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "features:")
		for _, f := range conformance.AllFeatures() {
			fmt.Fprintln(stderr, "  "+string(f))
		}
	}
	var opts conformance.Options
	fs.StringVar(&opts.Username, "user", "", "user `name` sent with Basic authentication when the registry asks")
	fs.StringVar(&opts.Password, "password", "", "`password` for -user (default: $REGAPI_PASSWORD)")
	spec := fs.String("spec", string(conformance.SpecV1_1), "specification `version` to hold the registry to: v1.1 or dev")
	enable := fs.String("enable", "", "comma-separated optional `features` to test beyond the version's defaults (all: every one)")
	disable := fs.String("disable", "", "comma-separated optional `features` not to test")
	workflows := fs.String("workflows", "", "comma-separated `workflows` to report: push, pull, discovery, management (default: all)")
	fs.StringVar(&opts.Repository, "repo", "", "`repository` to push to (default: one unique to the run, below conformance/)")
	fs.StringVar(&opts.SecondRepository, "repo2", "", "second `repository`, for mounts (default: one unique to the run)")
	junit := fs.String("junit", "", "write the results as JUnit XML to `file`")
	insecure := fs.Bool("insecure", false, "do not verify the registry's TLS certificate")
	timeout := fs.Duration("timeout", 10*time.Minute, "give up after this `duration`")
	fs.DurationVar(&opts.RequestTimeout, "request-timeout", conformance.DefaultRequestTimeout, "fail a request that has no complete answer within this `duration` (negative: no bound)")
	fs.IntVar(&opts.MaxPageEntries, "max-page-entries", conformance.DefaultMaxPageEntries, "fail a page of a tag, referrers or catalog listing holding more than `n` entries, and stop decoding it there")
	fs.IntVar(&opts.MaxListEntries, "max-list-entries", conformance.DefaultMaxListEntries, "fail a tag, referrers or catalog listing holding more than `n` entries in all its pages")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return 2
	}
	opts.Spec = conformance.SpecVersion(*spec)
	if opts.Password == "" {
		opts.Password = os.Getenv("REGAPI_PASSWORD")
	}
	var err error
	if *enable == "all" {
		opts.Enable = conformance.AllFeatures()
	} else if opts.Enable, err = conformance.ParseFeatures(*enable); err != nil {
		fmt.Fprintln(stderr, "regapi check: -enable:", err)
		return 2
	}
	if opts.Disable, err = conformance.ParseFeatures(*disable); err != nil {
		fmt.Fprintln(stderr, "regapi check: -disable:", err)
		return 2
	}
	if opts.Workflows, err = conformance.ParseWorkflows(*workflows); err != nil {
		fmt.Fprintln(stderr, "regapi check: -workflows:", err)
		return 2
	}
	if *insecure {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.TLSClientConfig = &tls.Config{InsecureSkipVerify: true}
		opts.Transport = tr
	}

	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	rep := conformance.Check(ctx, conformance.Target{URL: strings.TrimSpace(fs.Arg(0))}, opts)
	if rep.Err != nil {
		fmt.Fprintln(stderr, "regapi check:", rep.Err)
		return 2
	}
	if err := rep.WriteTable(stdout); err != nil {
		fmt.Fprintln(stderr, "regapi check:", err)
		return 1
	}
	if *junit != "" {
		if err := writeJUnitFile(*junit, &rep); err != nil {
			fmt.Fprintln(stderr, "regapi check:", err)
			return 1
		}
	}
	if !rep.OK() {
		return 1
	}
	return 0
}

// writeJUnitFile writes the report as JUnit XML to path.
func writeJUnitFile(path string, rep *conformance.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteJUnit(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
