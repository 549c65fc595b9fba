package registry_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// readOnly serves the content of another store and refuses every change, as
// the public face of a mirror or a registry frozen for an audit. Embedding
// the store passes the reads through; the methods below override the
// writes. (Embedding hides the optional interfaces of the store beneath, such
// as registry.BlobRedirector: a view that wants them declares them too.)
type readOnly struct {
	registry.Interface
}

// errReadOnly is what a write gets: the server answers it 405 UNSUPPORTED,
// with this detail.
var errReadOnly = errcode.ErrorCodeUnsupported.WithDetail("the registry is read-only")

func (readOnly) PushBlob(context.Context, string, registry.Descriptor, io.Reader) (registry.Descriptor, error) {
	return registry.Descriptor{}, errReadOnly
}

func (readOnly) PushBlobChunked(context.Context, string) (registry.BlobWriter, error) {
	return nil, errReadOnly
}

func (readOnly) PushBlobChunkedResume(context.Context, string, string, int64) (registry.BlobWriter, error) {
	return nil, errReadOnly
}

func (readOnly) MountBlob(context.Context, string, string, digest.Digest) (registry.Descriptor, error) {
	return registry.Descriptor{}, errReadOnly
}

func (readOnly) DeleteBlob(context.Context, string, digest.Digest) error { return errReadOnly }

func (readOnly) PushManifest(context.Context, string, registry.Manifest, ...string) (registry.Descriptor, error) {
	return registry.Descriptor{}, errReadOnly
}

func (readOnly) DeleteManifest(context.Context, string, digest.Digest) error { return errReadOnly }

func (readOnly) DeleteTag(context.Context, string, string) error { return errReadOnly }

// A store of one's own in a few lines: a read-only view over another store,
// served by package server, which speaks the whole protocol over it.
func Example_readOnly() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	content := []byte("published")
	d := digest.FromBytes(content)
	desc := registry.Descriptor{MediaType: "application/octet-stream", Digest: d, Size: int64(len(content))}
	if _, err := store.PushBlob(context.Background(), "docs/site", desc, bytes.NewReader(content)); err != nil {
		panic(err)
	}

	srv := httptest.NewServer(server.New(readOnly{store}, server.Options{}))
	defer srv.Close()
	show := func(method, path string) {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			panic(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		fmt.Printf("%s %d %s\n", method, resp.StatusCode, bytes.TrimSpace(body))
	}
	show(http.MethodGet, "/v2/docs/site/blobs/"+d.String())
	show(http.MethodPost, "/v2/docs/site/blobs/uploads/")
	show(http.MethodDelete, "/v2/docs/site/blobs/"+d.String())
	// Output:
	// GET 200 published
	// POST 405 {"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported.","detail":"the registry is read-only"}]}
	// DELETE 405 {"errors":[{"code":"UNSUPPORTED","message":"The operation is unsupported.","detail":"the registry is read-only"}]}
}
