package conformance

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestRecorderBoundsWhatItKeeps checks that the middleware's recorder keeps
// at most maxInspect+1 bytes of a long body and still hashes all of it.
func TestRecorderBoundsWhatItKeeps(t *testing.T) {
	body := bytes.Repeat([]byte{7}, 3*maxInspect)
	want := digest.SHA256.FromBytes(body)
	rec := &recorder{ResponseWriter: httptest.NewRecorder()}
	rec.Header().Set("Docker-Content-Digest", want.String())
	for b := body; len(b) > 0; b = b[min(len(b), 1<<20):] {
		if _, err := rec.Write(b[:min(len(b), 1<<20)]); err != nil {
			t.Fatal(err)
		}
	}
	if len(rec.kept) > maxInspect+1 {
		t.Errorf("kept %d bytes, want at most %d", len(rec.kept), maxInspect+1)
	}
	if rec.n != int64(len(body)) {
		t.Errorf("counted %d bytes, want %d", rec.n, len(body))
	}
	if got := digest.NewDigest(rec.alg, rec.hash); got != want {
		t.Errorf("digest %s, want %s", got, want)
	}
}
