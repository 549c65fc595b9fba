package memstore

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
)

// TestAccountingUnderLoad runs every kind of call at once from several
// goroutines against a store kept near its limit, then checks that the
// count is what the store holds: no path loses or keeps bytes, whatever
// interleaves with it.
func TestAccountingUnderLoad(t *testing.T) {
	for _, each := range []bool{false, true} {
		const limit = 256 << 10
		s := New(Options{MaxStorage: limit, CountEachLink: each, MaxUploads: 6})
		blobs := make([][]byte, 6)
		for i := range blobs {
			blobs[i] = bytes.Repeat([]byte{byte('a' + i)}, 1000*(i+1)*(i+1))
		}
		var wg sync.WaitGroup
		for g := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rnd := rand.New(rand.NewPCG(uint64(g), 1))
				for range 300 {
					b := blobs[rnd.IntN(len(blobs))]
					d := digest.FromBytes(b)
					repo := fmt.Sprint("r", rnd.IntN(3))
					switch rnd.IntN(7) {
					case 0:
						_, _ = s.PushBlob(ctx, repo, registry.Descriptor{Digest: d, Size: -1}, bytes.NewReader(b))
					case 1:
						w, err := s.PushBlobChunked(ctx, repo)
						if err != nil {
							continue
						}
						half := len(b) / 2
						_, _ = w.Write(b[:half])
						_ = w.Close()
						w, err = s.PushBlobChunkedResume(ctx, repo, w.ID(), -1)
						if err != nil {
							t.Errorf("resuming a session of this goroutine: %v", err)
							continue
						}
						_, _ = w.Write(b[half:])
						switch rnd.IntN(3) {
						case 0:
							_ = w.(registry.RollbackBlobWriter).Rollback()
							_ = w.Cancel()
						case 1:
							_, _ = w.Commit(d)
						default:
							_ = w.Cancel()
						}
					case 2:
						_ = s.DeleteBlob(ctx, repo, d)
					case 3:
						_, _ = s.MountBlob(ctx, fmt.Sprint("r", rnd.IntN(3)), repo, d)
					case 4:
						content := fmt.Sprintf(`{"n":%d}`, rnd.IntN(5))
						m := registry.Manifest{Descriptor: registry.Descriptor{MediaType: "application/json", Digest: digest.FromString(content)}, Content: []byte(content)}
						_, _ = s.PushManifest(ctx, repo, m, fmt.Sprint("t", rnd.IntN(4)), fmt.Sprint("u", rnd.IntN(4)))
					case 5:
						_ = s.DeleteManifest(ctx, repo, digest.FromString(fmt.Sprintf(`{"n":%d}`, rnd.IntN(5))))
						_ = s.DeleteTag(ctx, repo, fmt.Sprint("t", rnd.IntN(4)))
					case 6:
						if release, err := s.Reserve(ctx, int64(rnd.IntN(50000))); err == nil {
							_, _ = s.ResolveBlob(ctx, repo, d)
							release()
						}
					}
					if used := s.space.used.Load(); used > limit {
						t.Errorf("the store counts %d bytes, past its limit of %d", used, limit)
					}
				}
			}()
		}
		wg.Wait()
		if err := s.checkAccounting(); err != nil {
			t.Errorf("CountEachLink %v: %v", each, err)
		}
	}
}
