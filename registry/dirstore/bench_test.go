package dirstore_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/dirstore"
)

// The cost of the store's own work per operation, without HTTP: a blob
// pushed and read back, a manifest pushed with a tag and read by it.

func BenchmarkPushBlob(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			s := openBench(b)
			content := make([]byte, size)
			b.SetBytes(int64(size))
			for i := 0; i < b.N; i++ {
				// A new blob each time: its first bytes count.
				copy(content, fmt.Sprint(i))
				d := digest.FromBytes(content)
				if _, err := s.PushBlob(context.Background(), "bench/repo", registry.Descriptor{Digest: d, Size: int64(size)}, bytes.NewReader(content)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkGetBlob(b *testing.B) {
	for _, size := range []int{4 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			s := openBench(b)
			content := make([]byte, size)
			rand.Read(content)
			d := digest.FromBytes(content)
			if _, err := s.PushBlob(context.Background(), "bench/repo", registry.Descriptor{Digest: d, Size: int64(size)}, bytes.NewReader(content)); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ResetTimer()
			for range b.N {
				r, err := s.GetBlob(context.Background(), "bench/repo", d)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, r); err != nil {
					b.Fatal(err)
				}
				r.Close()
			}
		})
	}
}

func BenchmarkPushManifestWithTag(b *testing.B) {
	s := openBench(b)
	for i := 0; i < b.N; i++ {
		m := newManifest(fmt.Sprintf(`{"schemaVersion":2,"n":%d}`, i))
		if _, err := s.PushManifest(context.Background(), "bench/repo", m, "latest"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkGetManifestByTag(b *testing.B) {
	s := openBench(b)
	if _, err := s.PushManifest(context.Background(), "bench/repo", newManifest(`{"schemaVersion":2}`), "latest"); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		r, err := s.GetManifest(context.Background(), "bench/repo", "latest")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, r); err != nil {
			b.Fatal(err)
		}
		r.Close()
	}
}

func openBench(b *testing.B) *dirstore.Store {
	b.Helper()
	s, err := dirstore.Open(b.TempDir(), dirstore.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
