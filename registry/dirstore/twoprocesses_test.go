package dirstore_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry/dirstore"
)

const holdChildEnv = "DIRSTORE_HOLD_CHILD" // the directory the holding child opens

// TestHoldChild is the body of a child process that opens a session,
// writes "held " to it and holds it until its standard input ends; it does
// nothing unless run as that child.
func TestHoldChild(t *testing.T) {
	dir := os.Getenv(holdChildEnv)
	if dir == "" {
		return
	}
	s, err := dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		fmt.Println("open:", err)
		os.Exit(1)
	}
	w, err := s.PushBlobChunked(context.Background(), "proc/repo")
	if err != nil {
		fmt.Println("session:", err)
		os.Exit(1)
	}
	w.Write([]byte("held "))
	fmt.Println(w.ID())
	io.Copy(io.Discard, os.Stdin)
	if err := w.Close(); err != nil {
		fmt.Println("close:", err)
		os.Exit(1)
	}
	s.Close()
}

// startHolder starts a child that holds a session and returns the
// session's id.
func startHolder(t *testing.T, dir string) (*exec.Cmd, io.WriteCloser, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHoldChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), holdChildEnv+"="+dir)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	id, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || len(id) != 33 {
		cmd.Process.Kill()
		t.Fatalf("the child said %q, %v", id, err)
	}
	return cmd, stdin, id[:32]
}

// TestTwoProcesses holds a session in a child process: this process waits
// for it, then resumes it where the child left it; a child killed while
// holding a session lets it go, with what it had saved.
func TestTwoProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("runs child processes")
	}
	ctx := context.Background()
	s, dir := openTemp(t, dirstore.Options{})

	cmd, stdin, id := startHolder(t, dir)
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	if _, err := s.PushBlobChunkedResume(short, "proc/repo", id, -1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("resume of a session another process holds: %v, want the context's deadline", err)
	}
	stdin.Close() // the child closes its writer and exits
	w, err := s.PushBlobChunkedResume(ctx, "proc/repo", id, 5)
	if err != nil {
		t.Fatalf("resume once the other process let go: %v", err)
	}
	cmd.Wait()
	w.Write([]byte("and resumed"))
	if _, err := w.Commit(digest.FromString("held and resumed")); err != nil {
		t.Fatal(err)
	}

	// Killed while holding: the lock dies with it, and the bytes it wrote
	// after its last save are not in the session.
	cmd, _, id = startHolder(t, dir)
	cmd.Process.Kill()
	cmd.Wait()
	w, err = s.PushBlobChunkedResume(ctx, "proc/repo", id, -1)
	if err != nil {
		t.Fatalf("resume of a killed holder's session: %v", err)
	}
	if w.Size() != 0 {
		t.Errorf("the killed holder's session holds %d bytes, want the 0 it saved", w.Size())
	}
	w.Cancel()
}
