package server

import (
	"strings"
	"testing"

	"github.com/regapi/regapi/internal/manifest"
)

// TestAcceptOfManyItems checks that the Accept header, which the client
// writes, is read in place: an item far down a header of many thousand
// items is found, and reading it takes no memory.
func TestAcceptOfManyItems(t *testing.T) {
	s := &Server{opts: Options{InterchangeableManifestTypes: true}}
	long := strings.Repeat("application/x-other;q=0.5, ", 50000)
	tests := []struct {
		name   string
		accept []string
		want   bool
	}{
		{"found last", []string{long + manifest.MediaTypeOCIManifest}, true},
		{"counterpart found last", []string{long + strings.ToUpper(manifest.MediaTypeDockerManifest)}, true},
		{"not found", []string{long}, false},
		{"refused last", []string{long + manifest.MediaTypeOCIManifest + ";q=0"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.acceptable(tt.accept, manifest.MediaTypeOCIManifest); got != tt.want {
				t.Fatalf("acceptable = %v, want %v", got, tt.want)
			}
			if allocs := testing.AllocsPerRun(5, func() { s.acceptable(tt.accept, manifest.MediaTypeOCIManifest) }); allocs != 0 {
				t.Errorf("%v allocations for a header of %d bytes, want 0", allocs, len(tt.accept[0]))
			}
		})
	}
}
