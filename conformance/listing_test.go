package conformance_test

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/regapi/regapi/conformance"
)

// listingShape is a listing a hostile registry may stuff: the requests
// that ask for it, and its JSON up to and within the array.
type listingShape struct {
	match func(*http.Request) bool
	head  string // the JSON up to the array's opening bracket
	entry string
	ct    string
}

func stuffedReferrers() listingShape {
	return listingShape{
		match: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "/referrers/") },
		head:  `{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[`,
		entry: "{}", ct: "application/vnd.oci.image.index.v1+json",
	}
}

func stuffedTags() listingShape {
	return listingShape{
		match: func(r *http.Request) bool {
			return strings.HasSuffix(r.URL.Path, "/tags/list") && !strings.Contains(r.URL.Path, "/missing/")
		},
		head:  `{"name":"x","tags":[`,
		entry: `"a"`, ct: "application/json",
	}
}

func stuffedCatalog() listingShape {
	return listingShape{
		match: func(r *http.Request) bool { return r.URL.Path == "/v2/_catalog" },
		head:  `{"repositories":[`,
		entry: `"a"`, ct: "application/json",
	}
}

// endlessListing answers the requests for its listing with pages of
// perPage entries, each with a Link to the next, without end, and serves
// the rest with h. It records the highest page asked for.
type endlessListing struct {
	shape   listingShape
	perPage int
	h       http.Handler

	mu      sync.Mutex
	highest int
}

func (l *endlessListing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || !l.shape.match(r) {
		l.h.ServeHTTP(w, r)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	l.mu.Lock()
	l.highest = max(l.highest, page)
	l.mu.Unlock()
	w.Header().Set("Content-Type", l.shape.ct)
	w.Header().Set("Link", fmt.Sprintf(`<%s?page=%d>; rel="next"`, r.URL.Path, page+1))
	entries := strings.TrimSuffix(strings.Repeat(l.shape.entry+",", l.perPage), ",")
	_, _ = w.Write([]byte(l.shape.head + entries + "]}"))
}

// TestListingsPastTheirBounds runs the suite against registries whose
// referrers, tags or catalog pages hold more entries than the bounds
// Options sets, a page of them or all the pages together: the check
// listings/entry-limits fails and names the bound, the step that read the
// listing fails, and no page past the bound is asked for.
func TestListingsPastTheirBounds(t *testing.T) {
	tests := []struct {
		name      string
		listing   listingShape
		perPage   int
		opts      conformance.Options
		reasonHas string
		step      string
		pages     int // the highest page index asked for
	}{
		{"referrers page", stuffedReferrers(), 1000, conformance.Options{MaxPageEntries: 10}, "more than 10 entries", "end-12a/referrers", 0},
		{"referrers listing", stuffedReferrers(), 5, conformance.Options{MaxListEntries: 12}, "past 12 entries", "end-12a/referrers", 2},
		{"tags page", stuffedTags(), 1000, conformance.Options{MaxPageEntries: 10}, "more than 10 entries", "end-8a/list-tags", 0},
		{"catalog page", stuffedCatalog(), 1000, conformance.Options{MaxPageEntries: 10}, "more than 10 entries", "catalog/list-catalog", 0},
		{"catalog listing", stuffedCatalog(), 5, conformance.Options{MaxListEntries: 12}, "past 12 entries", "catalog/list-catalog", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &endlessListing{shape: tt.listing, perPage: tt.perPage, h: registry()}
			opts := tt.opts
			opts.Enable = conformance.AllFeatures()
			rep := check(t, headSafe(l), opts)
			r, _ := rep.Result("listings", "entry-limits")
			if r.Status != conformance.Fail || !strings.Contains(r.Reason, tt.reasonHas) || r.Exchange == nil {
				t.Errorf("listings/entry-limits %s: %s; want a failure with %q and the exchange", r.Status, r.Reason, tt.reasonHas)
			}
			endpoint, chk, _ := strings.Cut(tt.step, "/")
			if s, _ := rep.Result(endpoint, chk); s.Status != conformance.Fail || !strings.Contains(s.Reason, tt.reasonHas) {
				t.Errorf("%s %s: %s; want a failure with %q", tt.step, s.Status, s.Reason, tt.reasonHas)
			}
			if l.highest != tt.pages {
				t.Errorf("the suite asked for page %d at most, want %d", l.highest, tt.pages)
			}
			if rep.OK() {
				t.Error("the report is OK")
			}
		})
	}
}

// TestListingsWithinTheirBounds runs the suite against the in-memory
// registry with the default bounds, and with bounds its listings just fit
// in (its longest, the tags after the tag parameters, has nine): the check
// listings/entry-limits passes and says what it saw.
func TestListingsWithinTheirBounds(t *testing.T) {
	tests := []struct {
		page, list int
		want       string
	}{
		{0, 0, "within 10000 entries a page and 100000 a listing; the largest page held 9, the longest listing 9"},
		{9, 9, "within 9 entries a page and 9 a listing; the largest page held 9, the longest listing 9"},
	}
	for _, tt := range tests {
		opts := conformance.Options{MaxPageEntries: tt.page, MaxListEntries: tt.list, Spec: conformance.SpecDev, Enable: conformance.AllFeatures()}
		rep := check(t, headSafe(registry()), opts)
		r, _ := rep.Result("listings", "entry-limits")
		if r.Status != conformance.Pass || !strings.Contains(r.Reason, tt.want) {
			t.Errorf("bounds %d and %d: listings/entry-limits %s: %s; want a pass %q", tt.page, tt.list, r.Status, r.Reason, tt.want)
		}
		if f := failures(rep); len(f) > 0 {
			t.Errorf("bounds %d and %d: failed %v", tt.page, tt.list, f)
		}
	}
}
