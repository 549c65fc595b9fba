package memstore_test

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/memstore"
)

// Push a blob to a store in memory and read it back.
func Example() {
	ctx := context.Background()
	store := memstore.New(memstore.Options{MaxStorage: 64 << 20})
	defer store.Close()

	content := "hello, registry"
	desc := registry.Descriptor{Digest: digest.FromString(content), Size: int64(len(content))}
	if _, err := store.PushBlob(ctx, "library/hello", desc, strings.NewReader(content)); err != nil {
		fmt.Println(err)
		return
	}

	r, err := store.GetBlob(ctx, "library/hello", desc.Digest)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s: %q, %d bytes\n", r.Descriptor().Digest, b, r.Descriptor().Size)
	// Output:
	// sha256:d4ceac3b8b759b17b86618c4165bb23a506c157c81a034147cf8e3510691aa1c: "hello, registry", 15 bytes
}
