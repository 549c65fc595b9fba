package dirstore_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/dirstore"
)

// A registry kept in a directory: a blob pushed in two chunks, a manifest
// tagged, and both read back after the store is opened again, as a
// restarted process would.
func Example() {
	dir, err := os.MkdirTemp("", "registry")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()

	s, err := dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	w, err := s.PushBlobChunked(ctx, "library/hello")
	if err != nil {
		log.Fatal(err)
	}
	io.WriteString(w, "hello, ")
	w.Close() // the session stays, for this process or another
	w, err = s.PushBlobChunkedResume(ctx, "library/hello", w.ID(), 7)
	if err != nil {
		log.Fatal(err)
	}
	io.WriteString(w, "world")
	layer, err := w.Commit(digest.FromString("hello, world"))
	if err != nil {
		log.Fatal(err)
	}
	content := fmt.Sprintf(`{"schemaVersion":2,"layers":[{"digest":%q}]}`, layer.Digest)
	_, err = s.PushManifest(ctx, "library/hello", registry.Manifest{
		Descriptor: registry.Descriptor{
			MediaType: "application/vnd.oci.image.manifest.v1+json",
			Digest:    digest.FromString(content),
			Size:      int64(len(content)),
		},
		Content:    []byte(content),
		References: []registry.Descriptor{layer},
	}, "latest")
	if err != nil {
		log.Fatal(err)
	}
	s.Close()

	s, err = dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	m, err := s.GetManifest(ctx, "library/hello", "latest")
	if err != nil {
		log.Fatal(err)
	}
	b, _ := io.ReadAll(m)
	m.Close()
	fmt.Println(strings.Contains(string(b), layer.Digest.String()), m.Descriptor().MediaType)
	r, err := s.GetBlobRange(ctx, "library/hello", layer.Digest, 7, -1)
	if err != nil {
		log.Fatal(err)
	}
	b, _ = io.ReadAll(r)
	r.Close()
	fmt.Printf("%s of %d bytes\n", b, r.Descriptor().Size)
	// Output:
	// true application/vnd.oci.image.manifest.v1+json
	// world of 12 bytes
}
