package conformance_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
)

func TestDefaultFeatures(t *testing.T) {
	tests := []struct {
		spec    conformance.SpecVersion
		on, off []conformance.Feature
	}{
		{conformance.SpecV1_1,
			[]conformance.Feature{conformance.FeatureReferrers, conformance.FeatureMount, conformance.FeatureDeleteBlob},
			[]conformance.Feature{conformance.FeatureUploadCancel, conformance.FeatureDigestAlgorithm, conformance.FeatureTagParam, conformance.FeatureSparseIndex}},
		{conformance.SpecDev,
			[]conformance.Feature{conformance.FeatureUploadCancel, conformance.FeatureDigestAlgorithm, conformance.FeatureSHA512},
			[]conformance.Feature{conformance.FeatureTagParam, conformance.FeatureReferrersFilter, conformance.FeatureBlobRange}},
	}
	for _, tt := range tests {
		got := conformance.DefaultFeatures(tt.spec)
		for _, f := range tt.on {
			if !slices.Contains(got, f) {
				t.Errorf("%s: %s is not on by default", tt.spec, f)
			}
		}
		for _, f := range tt.off {
			if slices.Contains(got, f) {
				t.Errorf("%s: %s is on by default", tt.spec, f)
			}
		}
	}
}

func TestInvalidOptions(t *testing.T) {
	tests := []struct {
		name   string
		target conformance.Target
		opts   conformance.Options
		want   string
	}{
		{"unknown version", conformance.Target{URL: "http://r.test"}, conformance.Options{Spec: "v2"}, "unknown specification version"},
		{"unknown feature", conformance.Target{URL: "http://r.test"}, conformance.Options{Enable: []conformance.Feature{"teleport"}}, "unknown feature"},
		{"unknown workflow", conformance.Target{URL: "http://r.test"}, conformance.Options{Workflows: []conformance.Workflow{"build"}}, "unknown workflow"},
		{"invalid repository", conformance.Target{URL: "http://r.test"}, conformance.Options{Repository: "Upper/Case"}, "not a valid repository"},
		{"one repository twice", conformance.Target{URL: "http://r.test"}, conformance.Options{Repository: "a", SecondRepository: "a"}, "must differ"},
		{"no target", conformance.Target{}, conformance.Options{}, "neither a URL nor a handler"},
		{"not http", conformance.Target{URL: "ftp://r.test"}, conformance.Options{}, "not an http or https URL"},
		{"a query", conformance.Target{URL: "http://r.test/?x=1"}, conformance.Options{}, "only scheme, host and path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := conformance.Check(context.Background(), tt.target, tt.opts)
			if rep.Err == nil || !strings.Contains(rep.Err.Error(), tt.want) {
				t.Fatalf("error %v, want one mentioning %q", rep.Err, tt.want)
			}
			if len(rep.Results) != 0 || rep.OK() {
				t.Errorf("a run with invalid options reports %d results, OK %v", len(rep.Results), rep.OK())
			}
		})
	}
}

func TestParseLists(t *testing.T) {
	fs, err := conformance.ParseFeatures(" tag-param,sha512 ,")
	if err != nil || !slices.Equal(fs, []conformance.Feature{conformance.FeatureTagParam, conformance.FeatureSHA512}) {
		t.Errorf("ParseFeatures: %v, %v", fs, err)
	}
	if _, err := conformance.ParseFeatures("tag-param,warp"); err == nil {
		t.Error("ParseFeatures accepted an unknown feature")
	}
	ws, err := conformance.ParseWorkflows("pull,discovery")
	if err != nil || !slices.Equal(ws, []conformance.Workflow{conformance.WorkflowPull, conformance.WorkflowDiscovery}) {
		t.Errorf("ParseWorkflows: %v, %v", ws, err)
	}
	if ws, err := conformance.ParseWorkflows(""); err != nil || ws != nil {
		t.Errorf("ParseWorkflows of nothing: %v, %v; want nil (every workflow)", ws, err)
	}
}

// TestChecksAreNamedOnce checks the catalogue: unique names, and four
// contract checks for every endpoint of the specification's table, in the
// table's order.
func TestChecksAreNamedOnce(t *testing.T) {
	seen := map[string]bool{}
	contract := map[string]int{}
	var order []string
	for _, c := range conformance.Checks() {
		name := c.Endpoint + "/" + c.Check
		if seen[name] {
			t.Errorf("%s listed twice", name)
		}
		seen[name] = true
		if strings.HasPrefix(c.Check, "contract-") {
			if contract[c.Endpoint] == 0 {
				order = append(order, c.Endpoint)
			}
			contract[c.Endpoint]++
		}
	}
	table := []string{"end-1", "end-2", "end-3", "end-4a", "end-4b", "end-4c", "end-5", "end-6", "end-7a", "end-7b",
		"end-8a", "end-8b", "end-9", "end-10", "end-11", "end-12a", "end-12b", "end-13", "end-14"}
	if !slices.Equal(order, table) {
		t.Errorf("contract checks cover %v, want the specification's table %v", order, table)
	}
	for _, e := range table {
		if contract[e] != 4 {
			t.Errorf("%s has %d contract checks, want 4", e, contract[e])
		}
	}
}
