package endpointid

import (
	"slices"
	"testing"
)

func TestCompare(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"end-2", "end-10", -1},
		{"end-10", "end-2", 1},
		{"end-4a", "end-4b", -1},
		{"end-4", "end-4a", -1},
		{"end-12b", "end-12a", 1},
		{"end-7a", "end-7a", 0},
		{"end-14", "other", -1},
		{"other", "end-1", 1},
		{"abc", "abd", -1},
		{"end-", "end-1", 1},
		{"end-99999999999", "end-1", 1},
	} {
		if got := Compare(tc.a, tc.b); got != tc.want {
			t.Errorf("Compare(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

func TestCompareSortsTheSpecificationsTable(t *testing.T) {
	ids := []string{"end-14", "end-4b", "end-10", "end-1", "end-12a", "end-4a", "end-2", "end-12b", "end-4c"}
	slices.SortFunc(ids, Compare)
	want := []string{"end-1", "end-2", "end-4a", "end-4b", "end-4c", "end-10", "end-12a", "end-12b", "end-14"}
	if !slices.Equal(ids, want) {
		t.Errorf("sorted: %v, want %v", ids, want)
	}
}
