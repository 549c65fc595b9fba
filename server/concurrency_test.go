package server_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/server"
)

// TestConcurrentChunks sends the same chunk to one session from several
// clients at once, over each store: the first appends it and the others
// find that it no longer starts where the session ends (416), and the
// session then closes with the content of one chunk.
func TestConcurrentChunks(t *testing.T) {
	const clients = 8
	for _, store := range stores {
		t.Run(store.name, func(t *testing.T) {
			srv, _ := newTestServer(t, store.open(t), server.Options{})
			chunk := []byte("0123456789")
			for round := 0; round < 5; round++ {
				session := do(t, http.MethodPost, srv.URL+"/v2/r/blobs/uploads/", nil, nil).header.Get("Location")
				statuses := make([]int, clients)
				var wg sync.WaitGroup
				for i := range clients {
					wg.Add(1)
					go func() {
						defer wg.Done()
						req, _ := http.NewRequest(http.MethodPatch, session, readCloser{streamOf(chunk)})
						req.ContentLength = int64(len(chunk))
						req.Header.Set("Content-Range", "0-9")
						resp, err := http.DefaultClient.Do(req)
						if err != nil {
							t.Error(err)
							return
						}
						resp.Body.Close()
						statuses[i] = resp.StatusCode
					}()
				}
				wg.Wait()
				slices.Sort(statuses)
				want := append([]int{http.StatusAccepted}, slices.Repeat([]int{http.StatusRequestedRangeNotSatisfiable}, clients-1)...)
				if !slices.Equal(statuses, want) {
					t.Fatalf("statuses %v, want one 202 and 416 for the others", statuses)
				}
				if resp := do(t, http.MethodPut, session+"?digest="+digest.FromBytes(chunk).String(), nil, nil); resp.status != http.StatusCreated {
					t.Fatalf("closing: %d %s", resp.status, resp.body)
				}
			}
		})
	}
}
