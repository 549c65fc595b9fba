package registrytest

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"net/http"
	"sort"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
)

// ledger records what the clients of TestConcurrentUse were told the
// registry accepted and deleted.
type ledger struct {
	mu        sync.Mutex
	blobs     map[string]map[digest.Digest][]byte // repository, digest: content
	goneBlobs map[string]map[digest.Digest]bool
	manifests map[string]map[digest.Digest][]byte
	goneMans  map[string]map[digest.Digest]bool
	// tags holds every manifest pushed under each tag.
	tags     map[string]map[string]map[digest.Digest]bool
	goneTags map[string]map[string]bool // tags deleted by their only pusher
}

func newLedger() *ledger {
	return &ledger{
		blobs: map[string]map[digest.Digest][]byte{}, goneBlobs: map[string]map[digest.Digest]bool{},
		manifests: map[string]map[digest.Digest][]byte{}, goneMans: map[string]map[digest.Digest]bool{},
		tags: map[string]map[string]map[digest.Digest]bool{}, goneTags: map[string]map[string]bool{},
	}
}

func (l *ledger) blob(repo string, d digest.Digest, content []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.blobs[repo] == nil {
		l.blobs[repo] = map[digest.Digest][]byte{}
	}
	l.blobs[repo][d] = content
}

func (l *ledger) deleteBlob(repo string, d digest.Digest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.goneBlobs[repo] == nil {
		l.goneBlobs[repo] = map[digest.Digest]bool{}
	}
	l.goneBlobs[repo][d] = true
}

func (l *ledger) manifest(repo, tag string, d digest.Digest, content []byte) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.manifests[repo] == nil {
		l.manifests[repo] = map[digest.Digest][]byte{}
		l.tags[repo] = map[string]map[digest.Digest]bool{}
	}
	l.manifests[repo][d] = content
	if tag != "" {
		if l.tags[repo][tag] == nil {
			l.tags[repo][tag] = map[digest.Digest]bool{}
		}
		l.tags[repo][tag][d] = true
	}
}

func (l *ledger) deleteManifest(repo string, d digest.Digest) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.goneMans[repo] == nil {
		l.goneMans[repo] = map[digest.Digest]bool{}
	}
	l.goneMans[repo][d] = true
}

func (l *ledger) deleteTag(repo, tag string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.goneTags[repo] == nil {
		l.goneTags[repo] = map[string]bool{}
	}
	l.goneTags[repo][tag] = true
}

// randomContent returns n pseudo-random bytes after a prefix that makes the
// content unique to its pusher.
func randomContent(rng *rand.Rand, prefix string, n int) []byte {
	b := make([]byte, len(prefix)+n)
	copy(b, prefix)
	rng.Read(b[len(prefix):])
	return b
}

// TestConcurrentUse runs clients against a real loopback server at once:
// monolithic and chunked blob pushes, manifest pushes by tag and by digest
// (with a tag every client of a repository pushes), pulls, listings and
// deletes. Afterwards everything accepted and not deleted must read back
// byte for byte, everything deleted must be gone, and every listed tag must
// be one pushed, resolving to a manifest pushed under it. Every answer on the
// way is checked by client.do: no 5xx, no dropped connection, valid error
// envelopes. Run it with -race.
func TestConcurrentUse(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	const workers, rounds = 8, 12
	c := newClient(srv, workers)
	repos := []string{"shared/one", "shared/two", "three"}
	led := newLedger()

	var wg sync.WaitGroup
	errs := make(chan error, workers+8)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			if err := concurrentWorker(c, led, repos[w%len(repos)], w, rounds); err != nil {
				errs <- fmt.Errorf("worker %d: %w", w, err)
			}
		}(w)
	}
	// Listings and pulls by readers that push nothing, during the pushes.
	for r := 0; r < 2; r++ {
		wg.Add(1)
		go func(r int) {
			defer wg.Done()
			for i := 0; i < rounds*4; i++ {
				for _, path := range []string{"/v2/_catalog", "/v2/_catalog?n=1", "/v2/" + repos[r] + "/tags/list?n=3", "/v2/" + repos[r] + "/manifests/shared"} {
					res, err := c.do("GET", path, nil, nil)
					if err != nil {
						errs <- err
						return
					}
					if res.status != http.StatusOK && res.status != http.StatusNotFound {
						errs <- fmt.Errorf("GET %s: status %d", path, res.status)
						return
					}
				}
			}
		}(r)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	verifyLedger(t, c, led)
	if err := srv.Registry.checkAccounting(); err != nil {
		t.Error(err)
	}
}

// concurrentWorker is one client of TestConcurrentUse.
func concurrentWorker(c *client, led *ledger, repo string, w, rounds int) error {
	rng := rand.New(rand.NewSource(int64(w) + 1))
	type pushed struct {
		config, layer digest.Digest
		manifest      digest.Digest
		tag           string
	}
	var history []pushed
	for i := 0; i < rounds; i++ {
		prefix := fmt.Sprintf("worker %d round %d ", w, i)
		config := randomContent(rng, prefix+"config ", rng.Intn(512))
		cd, err := c.pushMonolithic(repo, config)
		if err != nil {
			return err
		}
		led.blob(repo, cd, config)
		layer := randomContent(rng, prefix+"layer ", 1+rng.Intn(16<<10))
		ld, err := c.pushChunked(repo, layer, 2+rng.Intn(3))
		if err != nil {
			return err
		}
		led.blob(repo, ld, layer)

		body := imageManifest(config, [][]byte{layer}, fmt.Sprintf(`"annotations":{"worker":"%d","round":"%d"}`, w, i))
		md := digest.FromBytes(body)
		tag := fmt.Sprintf("w%d-r%d", w, i)
		mt := map[string]string{"Content-Type": "application/vnd.oci.image.manifest.v1+json"}
		if _, err := c.expect("PUT", "/v2/"+repo+"/manifests/"+tag, mt, body, http.StatusCreated, ""); err != nil {
			return err
		}
		led.manifest(repo, tag, md, body)
		// Every worker of the repository moves the tag "shared".
		res, err := c.expect("PUT", "/v2/"+repo+"/manifests/"+md.String()+"?tag=shared", mt, body, http.StatusCreated, "")
		if err != nil {
			return err
		}
		if got := res.header.Get("OCI-Tag"); got != "shared" {
			return fmt.Errorf("push by digest with ?tag=shared: OCI-Tag %q", got)
		}
		led.manifest(repo, "shared", md, body)
		history = append(history, pushed{cd, ld, md, tag})

		// Pull something pushed earlier.
		old := history[rng.Intn(len(history))]
		led.mu.Lock()
		content, gone := led.blobs[repo][old.layer], led.goneBlobs[repo][old.layer]
		led.mu.Unlock()
		if !gone {
			if err := c.checkBlob(repo, old.layer, content); err != nil {
				return err
			}
		}

		// Deletes of this worker's own earlier content, so that no other
		// worker's expectations change.
		if i == 0 {
			continue
		}
		prev := history[i-1]
		switch i % 3 {
		case 0:
			if _, err := c.expect("DELETE", "/v2/"+repo+"/blobs/"+prev.config.String(), nil, nil, http.StatusAccepted, ""); err != nil {
				return err
			}
			led.deleteBlob(repo, prev.config)
		case 1:
			if _, err := c.expect("DELETE", "/v2/"+repo+"/manifests/"+prev.manifest.String(), nil, nil, http.StatusAccepted, ""); err != nil {
				return err
			}
			led.deleteManifest(repo, prev.manifest)
		case 2:
			if _, err := c.expect("DELETE", "/v2/"+repo+"/manifests/"+prev.tag, nil, nil, http.StatusAccepted, ""); err != nil {
				return err
			}
			led.deleteTag(repo, prev.tag)
		}
	}
	return nil
}

// verifyLedger checks the registry against what its clients were told.
func verifyLedger(t *testing.T, c *client, led *ledger) {
	t.Helper()
	blobs, manifests := 0, 0
	for repo, m := range led.blobs {
		for d, content := range m {
			if led.goneBlobs[repo][d] {
				if _, err := c.expect("GET", "/v2/"+repo+"/blobs/"+d.String(), nil, nil, http.StatusNotFound, "BLOB_UNKNOWN"); err != nil {
					t.Error(err)
				}
				continue
			}
			blobs++
			if err := c.checkBlob(repo, d, content); err != nil {
				t.Error(err)
			}
		}
	}
	for repo, m := range led.manifests {
		for d, content := range m {
			if led.goneMans[repo][d] {
				if _, err := c.expect("GET", "/v2/"+repo+"/manifests/"+d.String(), nil, nil, http.StatusNotFound, "MANIFEST_UNKNOWN"); err != nil {
					t.Error(err)
				}
				continue
			}
			manifests++
			if err := c.checkManifest(repo, d.String(), d, content); err != nil {
				t.Error(err)
			}
		}

		res, err := c.expect("GET", "/v2/"+repo+"/tags/list", nil, nil, http.StatusOK, "")
		if err != nil {
			t.Error(err)
			continue
		}
		var list struct {
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(res.body, &list); err != nil {
			t.Errorf("tags of %s: %v", repo, err)
			continue
		}
		listed := map[string]bool{}
		for _, tag := range list.Tags {
			listed[tag] = true
			pushedUnder := led.tags[repo][tag]
			if len(pushedUnder) == 0 || led.goneTags[repo][tag] {
				t.Errorf("%s lists tag %q, which was never pushed or was deleted", repo, tag)
				continue
			}
			res, err := c.expect("GET", "/v2/"+repo+"/manifests/"+tag, nil, nil, http.StatusOK, "")
			if err != nil {
				t.Error(err)
				continue
			}
			d := digest.Digest(res.header.Get("Docker-Content-Digest"))
			if !pushedUnder[d] || led.goneMans[repo][d] {
				t.Errorf("%s tag %q resolves to %s, not a live manifest pushed under it", repo, tag, d)
				continue
			}
			if err := c.checkManifest(repo, tag, d, led.manifests[repo][d]); err != nil {
				t.Error(err)
			}
		}
		// Tags of one pusher whose manifest and tag were not deleted are
		// listed; those that were are gone.
		var want []string
		for tag, ds := range led.tags[repo] {
			if tag == "shared" {
				continue
			}
			for d := range ds {
				live := !led.goneTags[repo][tag] && !led.goneMans[repo][d]
				if live {
					want = append(want, tag)
				}
				if live != listed[tag] {
					t.Errorf("%s tag %q (manifest %s): listed %v, want %v", repo, tag, d, listed[tag], live)
				}
			}
		}
		sort.Strings(want)
		if len(want) == 0 {
			t.Errorf("%s: no tag left to check", repo)
		}
	}
	if blobs == 0 || manifests == 0 {
		t.Errorf("only %d blobs and %d manifests left to verify", blobs, manifests)
	}
}

// TestConcurrentSession races requests on one upload session: of identical
// chunks sent at once exactly one is appended, the others get 416
// RANGE_INVALID; of closing PUTs sent at once exactly one creates the blob,
// the others find the session gone (404 BLOB_UPLOAD_UNKNOWN).
func TestConcurrentSession(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	const racers = 6
	c := newClient(srv, racers)
	content := []byte("0123456789")
	d := digest.FromBytes(content)
	for round := 0; round < 5; round++ {
		res, err := c.expect("POST", "/v2/race/blobs/uploads/", nil, nil, http.StatusAccepted, "")
		if err != nil {
			t.Fatal(err)
		}
		loc := res.header.Get("Location")
		for _, step := range []struct {
			method, target string
			header         map[string]string
			winner         int
			loser          int
			loserCode      string
		}{
			{"PATCH", loc, map[string]string{"Content-Range": "0-9"}, http.StatusAccepted, http.StatusRequestedRangeNotSatisfiable, "RANGE_INVALID"},
			{"PUT", loc + "?digest=" + d.String(), nil, http.StatusCreated, http.StatusNotFound, "BLOB_UPLOAD_UNKNOWN"},
		} {
			statuses := make(chan int, racers)
			errs := make(chan error, racers)
			var wg sync.WaitGroup
			for r := 0; r < racers; r++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					var body []byte
					if step.method == "PATCH" {
						body = content
					}
					res, err := c.do(step.method, step.target, step.header, body)
					if err != nil {
						errs <- err
						return
					}
					if res.status != step.winner {
						if codes, _ := checkErrorBody(res.status, res.header, res.body); res.status != step.loser || len(codes) == 0 || codes[0] != step.loserCode {
							errs <- fmt.Errorf("%s: status %d %q, want %d or %d %s", step.method, res.status, codes, step.winner, step.loser, step.loserCode)
							return
						}
					}
					statuses <- res.status
				}()
			}
			wg.Wait()
			close(errs)
			close(statuses)
			for err := range errs {
				t.Fatal(err)
			}
			winners := 0
			for s := range statuses {
				if s == step.winner {
					winners++
				}
			}
			if winners != 1 {
				t.Fatalf("round %d: %d of %d racing %s requests got %d, want exactly 1", round, winners, racers, step.method, step.winner)
			}
		}
		if err := c.checkBlob("race", d, content); err != nil {
			t.Fatal(err)
		}
		if err := srv.Registry.checkAccounting(); err != nil {
			t.Fatal(err)
		}
	}
}
