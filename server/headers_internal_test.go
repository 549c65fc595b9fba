package server

import (
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestHeaderValuesApart checks that adding to one header set from
// headerValues leaves the others as they were.
func TestHeaderValuesApart(t *testing.T) {
	vs := headerValues("a", "b", "c")
	h := http.Header{"X": vs[0], "Y": vs[1], "Z": vs[2]}
	h.Add("X", "a2")
	h.Add("Y", "b2")
	if got := [3][]string{h["X"], h["Y"], h["Z"]}; !reflect.DeepEqual(got, [3][]string{{"a", "a2"}, {"b", "b2"}, {"c"}}) {
		t.Errorf("after Add: %q", got)
	}
}

// TestEtagAndLength checks the ETag and Content-Length cut from one
// string, for the digests the server verifies and sizes of every width.
func TestEtagAndLength(t *testing.T) {
	for _, tt := range []struct {
		dgst   digest.Digest
		size   int64
		allocs float64 // two past the stack buffer, which fits sha512
	}{
		{digest.FromString("a"), 0, 1},
		{digest.FromString("a"), 4096, 1},
		{digest.SHA512.FromString("a"), 1 << 62, 1},
		{digest.Digest("sha256:" + strings.Repeat("0", 200)), 7, 2},
	} {
		etag, length := etagAndLength(tt.dgst, tt.size)
		if want := `"` + tt.dgst.String() + `"`; etag != want {
			t.Errorf("ETag %q, want %q", etag, want)
		}
		if want := strconv.FormatInt(tt.size, 10); length != want {
			t.Errorf("Content-Length %q, want %q", length, want)
		}
		if n := testing.AllocsPerRun(10, func() { etagAndLength(tt.dgst, tt.size) }); n > tt.allocs {
			t.Errorf("%s, %d: %.0f allocations, want %.0f", tt.dgst, tt.size, n, tt.allocs)
		}
	}
}
