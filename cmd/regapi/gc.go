package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/regapi/regapi/registry/dirstore"
)

// runGC sweeps a registry directory whose registry is stopped: unlinked
// content, temporary files of killed processes and idle upload sessions.
// It exits 1 when the sweep fails and 2 for a usage error.
func runGC(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("gc", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: regapi gc -root DIR [-upload-ttl D]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Removes from the registry directory DIR, whose registry must be stopped, the blobs and")
		fmt.Fprintln(stderr, "manifests no repository links, the temporary files of killed processes and the upload")
		fmt.Fprintln(stderr, "sessions idle for longer than -upload-ttl, and prints what it freed.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	root := fs.String("root", "", "the registry `directory`")
	ttl := fs.Duration("upload-ttl", dirstore.DefaultUploadTTL, "remove upload sessions idle for longer than this `duration` (negative: keep them all)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch {
	case fs.NArg() != 0:
		fmt.Fprintf(stderr, "regapi gc: unexpected argument %q\n", fs.Arg(0))
	case *root == "":
		fmt.Fprintln(stderr, "regapi gc: -root is required")
	case *ttl == 0:
		fmt.Fprintln(stderr, "regapi gc: -upload-ttl must not be zero")
	default:
		return collect(*root, *ttl, stdout, stderr)
	}
	fs.Usage()
	return 2
}

// collect runs the sweep and prints what it freed.
func collect(root string, ttl time.Duration, stdout, stderr io.Writer) int {
	st, err := dirstore.Collect(root, dirstore.CollectOptions{UploadTTL: ttl})
	if err != nil {
		fmt.Fprintln(stderr, "regapi gc:", err)
		return 1
	}
	fmt.Fprintf(stdout, "freed %d bytes\n", st.Freed())
	fmt.Fprintf(stdout, "  %d unlinked blobs and manifests, %d bytes\n", st.Blobs, st.BlobBytes)
	fmt.Fprintf(stdout, "  %d idle upload sessions, %d bytes\n", st.Uploads, st.UploadBytes)
	fmt.Fprintf(stdout, "  %d temporary files, %d bytes\n", st.TempFiles, st.TempBytes)
	if st.JournalTasks > 0 {
		fmt.Fprintf(stdout, "completed %d interrupted manifest operations\n", st.JournalTasks)
	}
	return 0
}
