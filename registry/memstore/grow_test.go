package memstore

import (
	"bytes"
	"io"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
)

// boundedReader yields r in reads of at most step bytes, as a request body
// arrives, and records the most the store counted while it was read.
type boundedReader struct {
	r    io.Reader
	step int
	s    *Store
	peak int64
}

func (b *boundedReader) Read(p []byte) (int, error) {
	b.peak = max(b.peak, b.s.space.used.Load())
	return b.r.Read(p[:min(len(p), b.step)])
}

// TestGrow checks that a size announced by Grow lays a blob out in
// segments of that size, so that a pull writes it in few calls, and that
// a size larger than what arrives (a Content-Length that lies) sets aside
// no more than MaxStorage while the body is read and nothing once the
// writer is closed.
func TestGrow(t *testing.T) {
	const mib = 1 << 20
	for _, tc := range []struct {
		name      string
		max       int64
		size      int   // bytes that arrive
		grow      int64 // size announced; 0 for none
		wantSegs  int   // segments of the committed blob
		wantSess  int64 // bytes counted for the session once closed
		wantPeak  int64 // most counted while reading, at most
		commitAll bool
	}{
		{name: "announced 1 MiB", size: mib, grow: mib, wantSegs: 1, wantPeak: mib, commitAll: true},
		{name: "announced 300 KiB", size: 300 << 10, grow: 300 << 10, wantSegs: 1, wantPeak: 300 << 10, commitAll: true},
		{name: "announced 2.5 MiB", size: 5 * mib / 2, grow: 5 * mib / 2, wantSegs: 3, wantPeak: 5 * mib / 2, commitAll: true},
		{name: "announced less than arrives", size: 64 << 10, grow: 16 << 10, wantSegs: 3, wantPeak: 80 << 10, commitAll: true},
		{name: "a lie past the limit", max: 256 << 10, size: 10, grow: 1 << 40, wantSess: 10, wantPeak: 256 << 10},
		{name: "a lie within the limit", size: 100, grow: 900 << 10, wantSess: 100, wantPeak: 900 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(Options{MaxStorage: tc.max})
			defer s.Close()
			content := bytes.Repeat([]byte("regapi"), tc.size/6+1)[:tc.size]
			w, err := s.PushBlobChunked(ctx, "r")
			if err != nil {
				t.Fatal(err)
			}
			g, ok := w.(registry.GrowBlobWriter)
			if !ok {
				t.Fatal("the writer is not a registry.GrowBlobWriter")
			}
			g.Grow(tc.grow)
			body := &boundedReader{r: bytes.NewReader(content), step: 32 << 10, s: s}
			if n, err := io.Copy(w, body); err != nil || n != int64(tc.size) {
				t.Fatalf("io.Copy: %d, %v", n, err)
			}
			body.peak = max(body.peak, s.space.used.Load())
			if body.peak > tc.wantPeak || (tc.max > 0 && body.peak > tc.max) {
				t.Errorf("the store counted %d bytes while reading, want at most %d (limit %d)", body.peak, tc.wantPeak, tc.max)
			}
			if !tc.commitAll {
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
				if got := s.space.used.Load(); got != tc.wantSess {
					t.Errorf("the closed session counts %d bytes, want %d", got, tc.wantSess)
				}
				if err := s.checkAccounting(); err != nil {
					t.Error(err)
				}
				return
			}
			dgst := digest.FromBytes(content)
			if _, err := w.Commit(dgst); err != nil {
				t.Fatal(err)
			}
			s.mu.RLock()
			segs := len(s.blobs[dgst].data.segs)
			s.mu.RUnlock()
			if segs != tc.wantSegs {
				t.Errorf("the blob is kept in %d segments, want %d", segs, tc.wantSegs)
			}
			if got := s.space.used.Load(); got != int64(tc.size) {
				t.Errorf("the store counts %d bytes, want %d", got, tc.size)
			}
			if err := s.checkAccounting(); err != nil {
				t.Error(err)
			}
		})
	}
}
