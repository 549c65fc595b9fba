package registrytest

import (
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestLongRequestsNotKept sends requests whose lines or headers are close
// to a megabyte long, each leaving something behind that the registry
// keeps: a request log entry, a tag, a repository, a media type, an upload
// session, a blob and a mount. The registry must keep copies of what it
// keeps, not parts of the request line or header it came in: the live heap
// after a collection grows by far less than the requests' size.
func TestLongRequestsNotKept(t *testing.T) {
	const (
		requests = 24
		padSize  = 900 << 10
	)
	pad := "pad=" + strings.Repeat("a", padSize)
	index := func(i int) []byte {
		return []byte(fmt.Sprintf(`{"schemaVersion":2,"mediaType":%q,"manifests":[],"annotations":{"n":"%d"}}`, ociIndex, i))
	}
	indexType := map[string]string{"Content-Type": ociIndex}
	tests := []struct {
		name string
		send func(c *client, i int) error
	}{
		{"request log", func(c *client, i int) error {
			_, err := c.expect("GET", "/v2/?"+pad, nil, nil, http.StatusOK, "")
			return err
		}},
		{"tags", func(c *client, i int) error {
			_, err := c.expect("PUT", fmt.Sprintf("/v2/tagged/manifests/t%d?%s", i, pad), indexType, index(0), http.StatusCreated, "")
			return err
		}},
		{"repositories", func(c *client, i int) error {
			_, err := c.expect("PUT", fmt.Sprintf("/v2/repo%d/manifests/latest?%s", i, pad), indexType, index(0), http.StatusCreated, "")
			return err
		}},
		{"media types", func(c *client, i int) error {
			h := map[string]string{"Content-Type": ociIndex + "; " + pad}
			_, err := c.expect("PUT", fmt.Sprintf("/v2/typed/manifests/t%d", i), h, index(i), http.StatusCreated, "")
			return err
		}},
		{"upload sessions", func(c *client, i int) error {
			_, err := c.expect("POST", "/v2/sessions/blobs/uploads/?"+pad, nil, nil, http.StatusAccepted, "")
			return err
		}},
		{"blobs and mounts", func(c *client, i int) error {
			body := []byte(fmt.Sprintf("blob %d", i))
			d := digest.FromBytes(body)
			if _, err := c.expect("POST", "/v2/blobs/blobs/uploads/?digest="+d.String()+"&"+pad, nil, body, http.StatusCreated, ""); err != nil {
				return err
			}
			_, err := c.expect("POST", fmt.Sprintf("/v2/mounted%d/blobs/uploads/?mount=%s&from=blobs&%s", i, d, pad), nil, nil, http.StatusCreated, "")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := NewServer(Options{})
			defer srv.Close()
			c := newClient(srv, 1)
			if err := tt.send(c, -1); err != nil { // the server's and client's buffers warm up
				t.Fatal(err)
			}
			var ms runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&ms)
			before := ms.HeapAlloc
			for i := 0; i < requests; i++ {
				if err := tt.send(c, i); err != nil {
					t.Fatal(err)
				}
			}
			runtime.GC()
			runtime.ReadMemStats(&ms)
			grown := int64(ms.HeapAlloc) - int64(before)
			// The requests were 24 × 900 KiB, 21 MiB; what the registry
			// keeps of them is a few kilobytes, and 4 MiB leaves room for
			// the noise of the runtime and the test's own client.
			if grown > 4<<20 {
				t.Errorf("the live heap grew by %d bytes after %d requests of %d bytes", grown, requests, padSize)
			}
			runtime.KeepAlive(srv)
		})
	}
}
