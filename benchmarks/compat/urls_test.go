package compat

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	upstream "github.com/distribution/distribution/v3/registry/api/v2"
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi"
)

// upstreamFromString is distribution's NewURLBuilderFromString. It returns
// a nil builder with the error of a root that does not parse.
func upstreamFromString(root string, relative bool) (Builder, error) {
	b, err := upstream.NewURLBuilderFromString(root, relative)
	if err != nil {
		return nil, err
	}
	return b, nil
}

func oursFromString(root string, relative bool) (*regapi.URLBuilder, error) {
	return regapi.NewURLBuilderFromString(root, relative)
}

func TestURLBuildingMatchesUpstream(t *testing.T) {
	cases := URLCases()
	if len(cases) < 1000 {
		t.Fatalf("only %d cases", len(cases))
	}
	var identical, slashFixed, errorsSeen int
	for _, c := range cases {
		upB, upErr := upstreamFromString(c.Root, c.Relative)
		ourB, ourErr := oursFromString(c.Root, c.Relative)
		if ErrorText(upErr) != ErrorText(ourErr) {
			t.Errorf("root %q: constructor error ours %v, upstream %v", c.Root, ourErr, upErr)
			continue
		}
		if upErr != nil {
			continue
		}
		want, wantErr := Call(upB, c.Call)
		got, gotErr := Call(ourB, c.Call)
		if strings.HasPrefix(ErrorText(wantErr), "case error") {
			t.Fatalf("%+v: %v", c.Call, wantErr)
		}
		if wantErr != nil {
			errorsSeen++
		}

		slashRoot, fixed := SlashRoot(c.Root)
		if fixed && !c.Relative && wantErr == nil {
			// The deliberate difference: the last segment of a root path
			// without a final slash is kept, as if the slash were there.
			slashB, err := upstreamFromString(slashRoot, false)
			if err != nil {
				t.Fatalf("root %q: %v", slashRoot, err)
			}
			fixedWant, fixedErr := Call(slashB, c.Call)
			if got != fixedWant || ErrorText(gotErr) != ErrorText(fixedErr) {
				t.Errorf("root %q %+v: ours %q (%v), upstream with root %q %q (%v)", c.Root, c.Call, got, gotErr, slashRoot, fixedWant, fixedErr)
			}
			if got == want {
				t.Errorf("root %q %+v: ours %q equals upstream's, which drops the last path segment", c.Root, c.Call, got)
			}
			slashFixed++
			continue
		}
		if got != want || ErrorText(gotErr) != ErrorText(wantErr) {
			t.Errorf("root %q relative=%v %+v:\n ours     %q (%v)\n upstream %q (%v)", c.Root, c.Relative, c.Call, got, gotErr, want, wantErr)
			continue
		}
		identical++
	}
	if slashFixed == 0 || errorsSeen == 0 {
		t.Errorf("cases do not exercise the root fix (%d) or errors (%d)", slashFixed, errorsSeen)
	}
	t.Logf("%d URL cases: %d identical, %d with the root path fix, %d errors", len(cases), identical, slashFixed, errorsSeen)
}

func TestURLBuildingFromRequestMatchesUpstream(t *testing.T) {
	cases := RequestCases()
	var kept int
	for _, c := range cases {
		r, err := c.Request.Request()
		if err != nil {
			t.Fatalf("%+v: %v", c.Request, err)
		}
		want, wantErr := Call(upstream.NewURLBuilderFromRequest(r, c.Relative), c.Call)
		r2, _ := c.Request.Request()
		got, gotErr := Call(regapi.NewURLBuilderFromRequest(r2, c.Relative), c.Call)
		if wantErr == nil && c.Relative && HasPathPrefix(r) {
			// distribution's relative builder drops the prefix; this
			// module's writes the absolute URL without its origin.
			abs, _ := Call(upstream.NewURLBuilderFromRequest(r, false), c.Call)
			want = WithoutOrigin(abs)
			kept++
		} else if wantErr == nil {
			want = ExpectedFromRequest(want, func() string {
				direct, _ := c.Request.Request()
				direct.Header = http.Header{}
				u, _ := Call(upstream.NewURLBuilderFromRequest(direct, c.Relative), c.Call)
				return u
			})
		}
		if got != want || ErrorText(gotErr) != ErrorText(wantErr) {
			t.Errorf("%+v relative=%v %+v:\n ours     %q (%v)\n upstream %q (%v)", c.Request, c.Relative, c.Call, got, gotErr, want, wantErr)
		}
	}
	if kept == 0 {
		t.Error("no relative case has a path prefix")
	}
	t.Logf("%d request cases, %d relative below a prefix", len(cases), kept)
}

// TestReferrersURLHasBlobShape checks BuildReferrersURL, which distribution
// lacks, against distribution's blob URL for the same root and reference:
// the same URL with "referrers" in place of "blobs", and the query
// distribution builds for the same values.
func TestReferrersURLHasBlobShape(t *testing.T) {
	var n int
	for _, c := range URLCases() {
		if c.Call.Method != "BuildTagsURL" || c.Relative && c.Root != "" {
			continue
		}
		root := c.Root
		if fixed, ok := SlashRoot(root); ok && !c.Relative {
			root = fixed
		}
		upB, err := upstreamFromString(root, c.Relative)
		if err != nil {
			continue
		}
		ourB, err := oursFromString(c.Root, c.Relative)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range urlDigests {
			named, _ := reference.WithName(c.Call.Name)
			canonical, _ := reference.WithDigest(named, digest.Digest(d))
			blobURL, err := upB.BuildBlobURL(canonical)
			if err != nil {
				t.Fatal(err)
			}
			tagsURL, err := upB.BuildTagsURL(named, c.Call.Values...)
			if err != nil {
				t.Fatal(err)
			}
			i := strings.LastIndex(blobURL, "/blobs/")
			want := blobURL[:i] + "/referrers/" + blobURL[i+len("/blobs/"):]
			if tu, _ := url.Parse(tagsURL); tu.RawQuery != "" {
				want += "?" + tu.RawQuery
			}
			got, err := ourB.BuildReferrersURL(canonical, c.Call.Values...)
			if err != nil || got != want {
				t.Errorf("root %q %s: BuildReferrersURL = %q (%v), want %q", c.Root, canonical, got, err, want)
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("only %d referrers URLs checked", n)
	}
}
