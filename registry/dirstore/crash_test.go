package dirstore_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/dirstore"
)

// The crash test runs a child process, this test binary again, that pushes
// to a store until it is killed with SIGKILL, and checks the store after
// each kill.
const (
	crashChildEnv   = "DIRSTORE_CRASH_CHILD" // the directory the child pushes to
	crashRoundEnv   = "DIRSTORE_CRASH_ROUND" // a name unique to the child, in its tags
	crashBlobSize   = 16 << 20               // each blob the child pushes in chunks
	crashChunkSize  = 1 << 20                // one chunk, one writer
	crashTagsPerPut = 16                     // tags given with each manifest
	crashRepo       = "crash/repo"           // where the child pushes
	crashKeptRepo   = "crash/kept"           // a blob pushed before, kept by Collect
	crashGoneRepo   = "crash/gone"           // a blob pushed before, deleted, freed by Collect
	crashBlobLine   = "blob "                // the child committed a blob: "blob <digest>"
	crashManLine    = "manifest "            // the child pushed a manifest: "manifest <i> <digest>"
	crashReadyLine  = "ready"                // the child opened the store
	crashManifestMT = "application/vnd.oci.image.manifest.v1+json"
)

// TestCrashChild is the child's body; it does nothing unless run as the
// child.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		return
	}
	s, err := dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	round := os.Getenv(crashRoundEnv)
	fmt.Println(crashReadyLine)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			d, err := pushGenerated(s, crashRepo, round, i)
			if err != nil {
				fmt.Println("blob:", err)
				os.Exit(1)
			}
			fmt.Println(crashBlobLine + d.String())
		}
	}()
	go func() {
		defer wg.Done()
		var prev *registry.Descriptor
		for i := 0; ; i++ {
			m := crashManifest(round, i, prev)
			if _, err := s.PushManifest(context.Background(), crashRepo, m, crashTags(round, i)...); err != nil {
				fmt.Println("manifest:", err)
				os.Exit(1)
			}
			fmt.Printf("%s%d %s\n", crashManLine, i, m.Digest)
			d := m.Descriptor
			prev = &d
		}
	}()
	wg.Wait()
}

// pushGenerated pushes the i-th blob of a round, crashBlobSize random
// bytes made one chunk at a time, so that the session starts at once.
func pushGenerated(s registry.Interface, repo, round string, i int) (digest.Digest, error) {
	ctx := context.Background()
	var seed [32]byte
	copy(seed[:], fmt.Sprintf("%s/%d", round, i))
	src := rand.NewChaCha8(seed)
	h := sha256.New()
	chunk := make([]byte, crashChunkSize)
	w, err := s.PushBlobChunked(ctx, repo)
	if err != nil {
		return "", err
	}
	id := w.ID()
	for off := 0; off < crashBlobSize; off += crashChunkSize {
		if off > 0 {
			if w, err = s.PushBlobChunkedResume(ctx, repo, id, int64(off)); err != nil {
				return "", err
			}
		}
		_, _ = src.Read(chunk)
		h.Write(chunk)
		for p := chunk; len(p) > 0; p = p[min(64<<10, len(p)):] {
			if _, err := w.Write(p[:min(64<<10, len(p))]); err != nil {
				return "", err
			}
		}
		if off+crashChunkSize < crashBlobSize {
			if err := w.Close(); err != nil {
				return "", err
			}
		}
	}
	desc, err := w.Commit(digest.NewDigest(digest.SHA256, h))
	return desc.Digest, err
}

// crashManifest is the i-th manifest of a round; every odd one has the one
// before as its subject.
func crashManifest(round string, i int, prev *registry.Descriptor) registry.Manifest {
	content := fmt.Sprintf(`{"schemaVersion":2,"round":%q,"i":%d}`, round, i)
	m := registry.Manifest{
		Descriptor: registry.Descriptor{MediaType: crashManifestMT, Digest: digest.FromString(content), Size: int64(len(content)), ArtifactType: "application/x-crash"},
		Content:    []byte(content),
	}
	if i%2 == 1 {
		m.Subject = prev
	}
	return m
}

func crashTags(round string, i int) []string {
	tags := make([]string, crashTagsPerPut)
	for k := range tags {
		tags[k] = fmt.Sprintf("%s-%d-%d", round, i, k)
	}
	return tags
}

// pushChunked pushes content through a session in two chunks, each with
// a writer of its own.
func pushChunked(s registry.Interface, repo string, content []byte) (digest.Digest, error) {
	ctx := context.Background()
	w, err := s.PushBlobChunked(ctx, repo)
	if err != nil {
		return "", err
	}
	half := len(content) / 2
	if _, err := w.Write(content[:half]); err != nil {
		return "", err
	}
	if err := w.Close(); err != nil {
		return "", err
	}
	if w, err = s.PushBlobChunkedResume(ctx, repo, w.ID(), int64(half)); err != nil {
		return "", err
	}
	if _, err := w.Write(content[half:]); err != nil {
		return "", err
	}
	desc, err := w.Commit(digest.FromBytes(content))
	return desc.Digest, err
}

// crashChild is a running child and what it reported.
type crashChild struct {
	cmd  *exec.Cmd
	done chan struct{}

	mu    sync.Mutex
	blobs []digest.Digest
	mans  map[int]digest.Digest
	ready bool
}

func startCrashChild(t *testing.T, dir, round string) *crashChild {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, crashRoundEnv+"="+round)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &crashChild{cmd: cmd, done: make(chan struct{}), mans: make(map[int]digest.Digest)}
	readyCh := make(chan struct{})
	go func() {
		defer close(c.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			c.mu.Lock()
			switch {
			case line == crashReadyLine:
				c.ready = true
				close(readyCh)
			case strings.HasPrefix(line, crashBlobLine):
				c.blobs = append(c.blobs, digest.Digest(strings.TrimPrefix(line, crashBlobLine)))
			case strings.HasPrefix(line, crashManLine):
				var i int
				var d string
				if _, err := fmt.Sscanf(strings.TrimPrefix(line, crashManLine), "%d %s", &i, &d); err == nil {
					c.mans[i] = digest.Digest(d)
				}
			default:
				t.Errorf("child: %s", line)
			}
			c.mu.Unlock()
		}
	}()
	select {
	case <-readyCh:
	case <-c.done:
		t.Fatal("the child ended before opening the store")
	case <-time.After(30 * time.Second):
		t.Fatal("the child did not open the store")
	}
	return c
}

// kill kills the child with SIGKILL and waits for it.
func (c *crashChild) kill(t *testing.T) {
	t.Helper()
	if err := c.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-c.done
	_ = c.cmd.Wait()
}

// TestCrash kills a process pushing blobs in chunks and manifests with
// tags, at several moments, and checks after each kill that every blob and
// manifest in the directory is complete and verified, that every manifest
// has all its tags or none, that everything the process reported done is
// served, and that the next push succeeds. Then Collect frees the killed
// uploads and a blob deleted from its only repository, and everything else
// is still served.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	ctx := context.Background()
	dir := t.TempDir()

	// Before the children: a blob kept, and a blob that will be deleted
	// from its only repository.
	s, err := dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := s.PushBlob(ctx, crashKeptRepo, registry.Descriptor{Digest: digest.FromString("kept"), Size: 4}, strings.NewReader("kept"))
	if err != nil {
		t.Fatal(err)
	}
	goneContent := bytes.Repeat([]byte("gone"), 1<<18)
	gone, err := s.PushBlob(ctx, crashGoneRepo, registry.Descriptor{Digest: digest.FromBytes(goneContent), Size: -1}, bytes.NewReader(goneContent))
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	type reported struct {
		round string
		blobs []digest.Digest
		mans  map[int]digest.Digest
	}
	var all []reported
	journalsLeft, sessionsLeft := 0, 0
	for n, delay := range []time.Duration{0, 15 * time.Millisecond, 40 * time.Millisecond, 100 * time.Millisecond, 250 * time.Millisecond, 600 * time.Millisecond, 1200 * time.Millisecond} {
		round := fmt.Sprintf("r%d", n)
		c := startCrashChild(t, dir, round)
		time.Sleep(delay)
		c.kill(t)
		c.mu.Lock()
		all = append(all, reported{round, c.blobs, c.mans})
		c.mu.Unlock()

		journalsLeft += countFiles(t, filepath.Join(dir, "journal"))
		sessionsLeft += countFiles(t, filepath.Join(dir, "uploads"))

		s, err := dirstore.Open(dir, dirstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		checkContentFiles(t, dir)
		for _, r := range all {
			for _, d := range r.blobs {
				checkBlob(t, s, crashRepo, d)
			}
			checkManifests(t, s, r.round, r.mans)
		}
		// The next push succeeds.
		next := []byte("after the kill of " + round)
		if d, err := pushChunked(s, crashRepo, next); err != nil || d != digest.FromBytes(next) {
			t.Fatalf("push after the kill: %v, %v", d, err)
		}
		if _, err := s.PushManifest(ctx, crashRepo, newManifest("after "+round), "after-"+round, "also-"+round); err != nil {
			t.Fatalf("manifest push after the kill: %v", err)
		}
		s.Close()
	}
	t.Logf("kills that left a manifest operation in the journal: %d; upload sessions found after the kills: %d", journalsLeft, sessionsLeft)
	if journalsLeft == 0 {
		t.Error("no kill interrupted a manifest push: the journal's recovery was not exercised")
	}
	if sessionsLeft == 0 {
		t.Error("no kill interrupted an upload")
	}

	// Delete the blob from its only repository, then collect with a TTL
	// shorter than the sessions' idleness.
	s, err = dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteBlob(ctx, crashGoneRepo, gone.Digest); err != nil {
		t.Fatal(err)
	}
	s.Close()
	time.Sleep(10 * time.Millisecond)
	before := diskUsage(t, dir)
	st, err := dirstore.Collect(dir, dirstore.CollectOptions{UploadTTL: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	after := diskUsage(t, dir)
	t.Logf("Collect: %+v; %d bytes before, %d after", st, before, after)
	if st.Uploads == 0 || st.UploadBytes == 0 {
		t.Errorf("Collect removed %d sessions of %d bytes; want the killed uploads", st.Uploads, st.UploadBytes)
	}
	// Besides the deleted blob, the content of a manifest whose push was
	// killed before it was linked may go.
	if st.Blobs < 1 || st.BlobBytes < gone.Size {
		t.Errorf("Collect removed %d content files of %d bytes; want the deleted blob, of %d, among them", st.Blobs, st.BlobBytes, gone.Size)
	}
	if before-after != st.Freed() {
		t.Errorf("Collect says it freed %d bytes; the files shrank by %d", st.Freed(), before-after)
	}
	if n := countFiles(t, filepath.Join(dir, "uploads")); n != 0 {
		t.Errorf("%d sessions left after Collect", n)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs", "sha256", gone.Digest.Encoded())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the deleted blob's content: %v, want it removed", err)
	}

	// Everything else is still served.
	s, err = dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkContentFiles(t, dir)
	checkBlob(t, s, crashKeptRepo, kept.Digest)
	for _, r := range all {
		for _, d := range r.blobs {
			checkBlob(t, s, crashRepo, d)
		}
		checkManifests(t, s, r.round, r.mans)
	}
	if d, err := pushChunked(s, crashRepo, goneContent); err != nil || d != gone.Digest {
		t.Fatalf("push after Collect: %v, %v", d, err)
	}
}

// countFiles counts the entries of dir.
func countFiles(t *testing.T, dir string) int {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return len(entries)
}

// diskUsage adds up the sizes of the files under dir.
func diskUsage(t *testing.T, dir string) int64 {
	t.Helper()
	var n int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			n += fi.Size()
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// checkContentFiles hashes every content file in dir: each is complete
// and verified, whatever moment a process was killed at.
func checkContentFiles(t *testing.T, dir string) {
	t.Helper()
	for _, alg := range []string{"sha256", "sha384", "sha512"} {
		entries, err := os.ReadDir(filepath.Join(dir, "blobs", alg))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") {
				continue // a killed process's temporary file, not content
			}
			var h hash.Hash
			switch alg {
			case "sha256":
				h = sha256.New()
			case "sha384":
				h = sha512.New384()
			default:
				h = sha512.New()
			}
			f, err := os.Open(filepath.Join(dir, "blobs", alg, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			_, err = io.Copy(h, f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprintf("%x", h.Sum(nil)); got != e.Name() {
				t.Errorf("content file %s/%s holds content of %s", alg, e.Name(), got)
			}
		}
	}
}

// checkBlob reads blob d from repo and verifies it.
func checkBlob(t *testing.T, s registry.Interface, repo string, d digest.Digest) {
	t.Helper()
	r, err := s.GetBlob(context.Background(), repo, d)
	if err != nil {
		t.Errorf("GetBlob %s: %v", d, err)
		return
	}
	defer r.Close()
	v := d.Verifier()
	n, err := io.Copy(v, r)
	if err != nil || !v.Verified() || n != r.Descriptor().Size {
		t.Errorf("blob %s: read %d bytes of %d, %v, verified %v", d, n, r.Descriptor().Size, err, v.Verified())
	}
}

// checkManifests checks the manifests a round's child pushed or was
// pushing: each reported one is served by digest and by every tag, and
// each of the others, up to two past the last reported, has all its tags
// or none, and is listed among its subject's referrers exactly when it is
// there.
func checkManifests(t *testing.T, s registry.Interface, round string, reported map[int]digest.Digest) {
	t.Helper()
	ctx := context.Background()
	last := -1
	for i := range reported {
		last = max(last, i)
	}
	var prev *registry.Descriptor
	for i := 0; i <= last+2; i++ {
		m := crashManifest(round, i, prev)
		d := m.Descriptor
		prev = &d
		tagged := 0
		for _, tag := range crashTags(round, i) {
			desc, err := s.ResolveManifest(ctx, crashRepo, tag)
			switch {
			case err == nil && desc.Digest == m.Digest:
				tagged++
			case errors.Is(err, errcode.ErrorCodeManifestUnknown):
			default:
				t.Errorf("tag %s: %v, %v", tag, desc.Digest, err)
			}
		}
		r, err := s.GetManifest(ctx, crashRepo, string(m.Digest))
		present := err == nil
		if present {
			b, _ := io.ReadAll(r)
			r.Close()
			if !bytes.Equal(b, m.Content) {
				t.Errorf("manifest %d reads %q, want %q", i, b, m.Content)
			}
		} else if !errors.Is(err, errcode.ErrorCodeManifestUnknown) {
			t.Errorf("manifest %d: %v", i, err)
		}
		if _, ok := reported[i]; ok && (!present || tagged != crashTagsPerPut) {
			t.Errorf("manifest %d of %s, reported pushed: present %v, %d of %d tags", i, round, present, tagged, crashTagsPerPut)
		}
		if tagged != 0 && tagged != crashTagsPerPut || (tagged == crashTagsPerPut) != present {
			t.Errorf("manifest %d of %s: present %v with %d of its %d tags; want all or none", i, round, present, tagged, crashTagsPerPut)
		}
		if m.Subject != nil {
			listed := false
			for desc, err := range s.Referrers(ctx, crashRepo, m.Subject.Digest, "", "") {
				if err != nil {
					t.Fatal(err)
				}
				listed = listed || desc.Digest == m.Digest
			}
			if listed != present {
				t.Errorf("manifest %d of %s: present %v, listed among its subject's referrers %v", i, round, present, listed)
			}
		}
	}
}
