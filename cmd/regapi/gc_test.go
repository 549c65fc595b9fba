package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/dirstore"
)

func TestGCCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	push := func(repo, content string) digest.Digest {
		t.Helper()
		d := digest.FromString(content)
		if _, err := s.PushBlob(ctx, repo, registry.Descriptor{Digest: d, Size: -1}, strings.NewReader(content)); err != nil {
			t.Fatal(err)
		}
		return d
	}
	kept := push("gc/kept", "kept content")
	gone := push("gc/gone", "deleted from its only repository") // 32 bytes
	if err := s.DeleteBlob(ctx, "gc/gone", gone); err != nil {
		t.Fatal(err)
	}
	w, err := s.PushBlobChunked(ctx, "gc/upload")
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("abandoned")) // 9 bytes
	w.Close()

	// While the registry runs, gc refuses and removes nothing.
	var stdout, stderr bytes.Buffer
	if code := run([]string{"gc", "-root", dir, "-upload-ttl", "1ns"}, &stdout, &stderr); code != 1 {
		t.Fatalf("gc of an open registry: exit status %d, want 1", code)
	}
	if !strings.Contains(stderr.String(), "stop it first") {
		t.Errorf("gc of an open registry says %q", stderr.String())
	}
	s.Close()

	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"gc", "-root", dir, "-upload-ttl", "1ns"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{
		"  1 unlinked blobs and manifests, 32 bytes\n",
		"  1 idle upload sessions, ",
		"  0 temporary files, 0 bytes\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	var freed, sessionBytes int64
	if _, err := fmt.Sscanf(out, "freed %d bytes", &freed); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if i := strings.Index(out, "idle upload sessions, "); i >= 0 {
		fmt.Sscanf(out[i+len("idle upload sessions, "):], "%d", &sessionBytes)
	}
	if sessionBytes < 9 || freed != 32+sessionBytes {
		t.Errorf("freed %d bytes with sessions of %d; want 32 and the session's", freed, sessionBytes)
	}

	s, err = dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.ResolveBlob(ctx, "gc/kept", kept); err != nil {
		t.Errorf("the kept blob after gc: %v", err)
	}
}

func TestGCCommandUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		says string
	}{
		{[]string{"gc"}, 2, "-root is required"},
		{[]string{"gc", "-root", t.TempDir(), "extra"}, 2, "unexpected argument"},
		{[]string{"gc", "-root", t.TempDir(), "-upload-ttl", "0"}, 2, "must not be zero"},
		{[]string{"gc", "-nonsense"}, 2, "flag provided but not defined"},
		{[]string{"gc", "-h"}, 0, "usage: regapi gc"},
		{[]string{"gc", "-root", "/nonexistent/registry"}, 1, "no such file"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(tc.args, &stdout, &stderr); code != tc.code || !strings.Contains(stderr.String(), tc.says) {
			t.Errorf("%q: exit status %d, stderr %q; want %d and %q", tc.args, code, stderr.String(), tc.code, tc.says)
		}
	}
}
