package conformance

import "testing"

// TestLargestLayerKeptWhole checks that the chunked layer made for the
// largest chunk size the suite accepts is no longer than the bodies the
// client keeps, so that pulling it back compares it whole instead of
// failing for its length.
func TestLargestLayerKeptWhole(t *testing.T) {
	d := newDataSet("run", "conformance/a", "conformance/b")
	d.setChunk(maxChunk)
	if d.chunk != maxChunk {
		t.Fatalf("chunk size %d, want the largest accepted, %d", d.chunk, maxChunk)
	}
	if n := len(d.chunkLayer.data); n > maxKeep {
		t.Errorf("the chunked layer is %d bytes, the client keeps %d", n, maxKeep)
	}
}
