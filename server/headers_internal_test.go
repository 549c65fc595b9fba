package server

import (
	"net/http"
	"reflect"
	"testing"
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
