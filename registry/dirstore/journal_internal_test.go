package dirstore

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
)

// TestJournalCompletesAfterACrash leaves an operation in the journal as a
// process killed after writing it would, with some of its changes made,
// and checks that the next Open, or the next operation on the repository
// in a running store, completes it.
func TestJournalCompletesAfterACrash(t *testing.T) {
	ctx := context.Background()
	content := `{"schemaVersion":2}`
	m := registry.Manifest{
		Descriptor: registry.Descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromString(content), Size: int64(len(content))},
		Content:    []byte(content),
	}
	subject := digest.FromString("subject")
	m.Subject = &registry.Descriptor{MediaType: m.MediaType, Digest: subject, Size: 7}
	tags := []string{"a", "b", "c"}

	for _, tc := range []struct {
		name    string
		applied int  // how many of the put's changes the killed process made: record, referrer entry, tags
		reopen  bool // recovered by Open, else by the next operation of a running store
	}{
		{"nothing applied, reopened", 0, true},
		{"record applied, reopened", 1, true},
		{"record, entry and a tag applied, reopened", 3, true},
		{"nothing applied, running", 0, false},
		{"all but a tag applied, running", 4, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() { s.Close() }()
			if err := writeFileAtomic(s.contentPath(m.Digest), m.Content); err != nil {
				t.Fatal(err)
			}
			rec := manifestRecord{Descriptor: m.Descriptor, Subject: m.Subject}
			e := journalEntry{Op: opPut, Repository: "j/r", Manifest: rec, Tags: tags}
			raw, _ := json.Marshal(e)
			if err := writeFileAtomic(s.journalPath("j/r"), raw); err != nil {
				t.Fatal(err)
			}
			// The changes the killed process made.
			recRaw, _ := json.Marshal(rec)
			entryRaw, _ := json.Marshal(m.Descriptor)
			steps := []func() error{
				func() error { return writeFileAtomic(s.manifestLinkPath("j/r", m.Digest), recRaw) },
				func() error {
					return writeFileAtomic(filepath.Join(s.referrersDir("j/r", subject), referrerName(m.Digest)), entryRaw)
				},
				func() error { return writeFileAtomic(s.tagPath("j/r", "a"), []byte(m.Digest)) },
				func() error { return writeFileAtomic(s.tagPath("j/r", "b"), []byte(m.Digest)) },
			}
			for _, step := range steps[:tc.applied] {
				if err := step(); err != nil {
					t.Fatal(err)
				}
			}
			if tc.reopen {
				s.Close()
				if s, err = Open(dir, Options{}); err != nil {
					t.Fatal(err)
				}
			} else {
				// Another repository's operations leave it alone.
				if _, err := s.PushManifest(ctx, "j/other", m, "x"); err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(s.journalPath("j/r")); err != nil {
					t.Fatalf("the journal entry of j/r: %v, want it kept", err)
				}
				if err := s.DeleteTag(ctx, "j/other", "x"); err != nil {
					t.Fatal(err)
				}
				// Pushing a blob is no manifest operation.
				if _, err := s.PushBlob(ctx, "j/r", registry.Descriptor{Digest: digest.FromString("x"), Size: 1}, strings.NewReader("x")); err != nil {
					t.Fatal(err)
				}
				if _, err := os.Stat(s.journalPath("j/r")); err != nil {
					t.Fatalf("the journal entry of j/r: %v, want it kept", err)
				}
				// This repository's next manifest operation completes it.
				other := `{"schemaVersion":2,"other":true}`
				m2 := registry.Manifest{Descriptor: registry.Descriptor{MediaType: m.MediaType, Digest: digest.FromString(other)}, Content: []byte(other)}
				if _, err := s.PushManifest(ctx, "j/r", m2); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := os.Stat(s.journalPath("j/r")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the journal entry: %v, want it removed", err)
			}
			for _, tag := range tags {
				desc, err := s.ResolveManifest(ctx, "j/r", tag)
				if err != nil || desc.Digest != m.Digest {
					t.Errorf("tag %s: %v, %v", tag, desc.Digest, err)
				}
			}
			n := 0
			for desc, err := range s.Referrers(ctx, "j/r", subject, "", "") {
				if err != nil || desc.Digest != m.Digest {
					t.Errorf("referrer: %v, %v", desc.Digest, err)
				}
				n++
			}
			if n != 1 {
				t.Errorf("%d referrers, want 1", n)
			}
		})
	}
}
