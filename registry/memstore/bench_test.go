package memstore

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
)

// BenchmarkPushBlob pushes new blobs whole, each to its own repository,
// then deletes them, so that memory stays flat.
func BenchmarkPushBlob(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			s := New(Options{MaxStorage: 1 << 30})
			content := bytes.Repeat([]byte("x"), size)
			d := digest.FromBytes(content)
			desc := registry.Descriptor{Digest: d, Size: int64(size)}
			r := bytes.NewReader(content)
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for range b.N {
				r.Reset(content)
				if _, err := s.PushBlob(ctx, "bench", desc, struct{ io.Reader }{r}); err != nil {
					b.Fatal(err)
				}
				if err := s.DeleteBlob(ctx, "bench", d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkChunkedPush pushes a blob through a session written in 32 KiB
// writes, as io.Copy from a request body does, and commits it.
func BenchmarkChunkedPush(b *testing.B) {
	const size = 1 << 20
	s := New(Options{MaxStorage: 1 << 30})
	content := bytes.Repeat([]byte("y"), size)
	d := digest.FromBytes(content)
	b.SetBytes(size)
	b.ReportAllocs()
	for range b.N {
		w, err := s.PushBlobChunked(ctx, "bench")
		if err != nil {
			b.Fatal(err)
		}
		for off := 0; off < size; off += 32 << 10 {
			if _, err := w.Write(content[off : off+32<<10]); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := w.Commit(d); err != nil {
			b.Fatal(err)
		}
		if err := s.DeleteBlob(ctx, "bench", d); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetBlob reads a stored blob through io.Copy.
func BenchmarkGetBlob(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20} {
		b.Run(fmt.Sprint(size), func(b *testing.B) {
			s := New(Options{})
			content := bytes.Repeat([]byte("z"), size)
			d := digest.FromBytes(content)
			if _, err := s.PushBlob(ctx, "bench", registry.Descriptor{Digest: d, Size: int64(size)}, bytes.NewReader(content)); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				r, err := s.GetBlob(ctx, "bench", d)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				_ = r.Close()
			}
		})
	}
}
