package conformance

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadKept reads bodies shorter than, as long as and longer than
// their Content-Length, or without one, in small reads and large: the
// bytes up to maxKeep+1, never more.
func TestReadKept(t *testing.T) {
	long := strings.Repeat("x", maxKeep+10)
	tests := []struct {
		name          string
		body          string
		contentLength int64
		want          int
	}{
		{"empty", "", 0, 0},
		{"as said", "hello", 5, 5},
		{"no length", "hello", -1, 5},
		{"longer than said", "hello, world", 5, 12},
		{"shorter than said", "he", 5, 2},
		{"past the bound", long, int64(len(long)), maxKeep + 1},
		{"past the bound, no length", long, -1, maxKeep + 1},
	}
	for _, tt := range tests {
		for _, half := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tt.body)
			if half {
				r = iotest.HalfReader(r)
			}
			got, err := readKept(r, tt.contentLength)
			if err != nil || len(got) != tt.want || !bytes.Equal(got, []byte(tt.body[:tt.want])) {
				t.Errorf("%s (half reads %v): %d bytes, %v; want %d", tt.name, half, len(got), err, tt.want)
			}
		}
	}
}
