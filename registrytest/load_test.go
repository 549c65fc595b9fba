package registrytest

import (
	"bytes"
	"fmt"
	"math/rand"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/opencontainers/go-digest"
)

// loadBlobSize is the size of the blobs BenchmarkLoad pushes and pulls.
const loadBlobSize = 4 << 10

// BenchmarkLoad measures a Server under parallel clients on loopback
// (SetParallelism(4): four clients per GOMAXPROCS): monolithic blob pushes,
// blob pulls, and a mix of one push to four pulls. Every pull is compared
// with the bytes pushed, and every answer goes through client.do's checks.
// The rates are reported as pushes/s and pulls/s.
func BenchmarkLoad(b *testing.B) {
	for _, bc := range []struct {
		name      string
		pushEvery int // one operation in pushEvery is a push, the others pulls; 1 is pushes only, 0 pulls only
	}{
		{"push", 1},
		{"pull", 0},
		{"mixed", 5},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := NewServer(Options{})
			defer srv.Close()
			c := newClient(srv, 64)

			// Blobs for the pulls, in a few repositories.
			const stored = 64
			rng := rand.New(rand.NewSource(1))
			type blob struct {
				path    string
				content []byte
			}
			blobs := make([]blob, stored)
			for i := range blobs {
				repo := fmt.Sprintf("load/r%d", i%4)
				content := randomContent(rng, fmt.Sprintf("stored %d ", i), loadBlobSize)
				d, err := c.pushMonolithic(repo, content)
				if err != nil {
					b.Fatal(err)
				}
				blobs[i] = blob{"/v2/" + repo + "/blobs/" + d.String(), content}
			}

			var pushes, pulls, seq atomic.Int64
			b.SetParallelism(4)
			b.SetBytes(loadBlobSize)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				body := make([]byte, loadBlobSize)
				for pb.Next() {
					n := seq.Add(1)
					if bc.pushEvery > 0 && n%int64(bc.pushEvery) == 0 {
						// Unique content: the sequence number up front.
						copy(body, fmt.Sprintf("pushed %020d", n))
						d := digest.FromBytes(body)
						res, err := c.do("POST", "/v2/load/p/blobs/uploads/?digest="+d.String(), nil, body)
						if err != nil || res.status != http.StatusCreated {
							b.Errorf("push: status %d, %v", res.status, err)
							return
						}
						pushes.Add(1)
						continue
					}
					bl := blobs[n%stored]
					res, err := c.do("GET", bl.path, nil, nil)
					if err != nil || res.status != http.StatusOK || !bytes.Equal(res.body, bl.content) {
						b.Errorf("pull %s: status %d, %d bytes, %v", bl.path, res.status, len(res.body), err)
						return
					}
					pulls.Add(1)
				}
			})
			secs := b.Elapsed().Seconds()
			if p := pushes.Load(); p > 0 {
				b.ReportMetric(float64(p)/secs, "pushes/s")
			}
			if p := pulls.Load(); p > 0 {
				b.ReportMetric(float64(p)/secs, "pulls/s")
			}
		})
	}
}
