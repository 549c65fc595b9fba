package conformance_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
)

// sampleReport is a report of three checks, one of each outcome.
func sampleReport() conformance.Report {
	return conformance.Report{
		Target: "http://registry.test", Spec: conformance.SpecDev,
		Results: []conformance.Result{
			{Endpoint: "end-1", Check: "api-version", Status: conformance.Pass},
			{Endpoint: "end-2", Check: "get-blob", Status: conformance.Fail, Reason: "the body <differs> & more",
				Exchange: &conformance.Exchange{Method: "GET", URL: "http://registry.test/v2/a/blobs/x", Status: 200}},
			{Endpoint: "end-2", Check: "get-blob-sha512", Status: conformance.Skip, Reason: "feature sha512 is not enabled"},
		},
	}
}

func TestWriteJUnit(t *testing.T) {
	rep := sampleReport()
	var buf bytes.Buffer
	if err := rep.WriteJUnit(&buf); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Skipped  int `xml:"skipped,attr"`
		Suites   []struct {
			Name  string `xml:"name,attr"`
			Cases []struct {
				Name    string `xml:"name,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Skipped *struct{} `xml:"skipped"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("not XML: %v\n%s", err, buf.String())
	}
	if doc.Tests != 3 || doc.Failures != 1 || doc.Skipped != 1 || len(doc.Suites) != 2 {
		t.Fatalf("tests %d failures %d skipped %d suites %d; want 3, 1, 1, 2", doc.Tests, doc.Failures, doc.Skipped, len(doc.Suites))
	}
	f := doc.Suites[1].Cases[0].Failure
	if doc.Suites[1].Name != "end-2" || f == nil || f.Message != "the body <differs> & more" || !strings.Contains(f.Text, "GET http://registry.test/v2/a/blobs/x") {
		t.Errorf("failure case: suite %q, %+v", doc.Suites[1].Name, f)
	}
	if doc.Suites[1].Cases[1].Skipped == nil {
		t.Error("the skipped check is not marked skipped")
	}
}

func TestWriteTable(t *testing.T) {
	rep := sampleReport()
	var buf bytes.Buffer
	if err := rep.WriteTable(&buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"ENDPOINT", "end-1", "api-version", "PASS",
		"get-blob", "FAIL", "the body <differs> & more",
		"SKIP", "feature sha512 is not enabled",
		"1 checks passed, 1 failed, 1 skipped",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the table lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 6 {
		t.Errorf("%d lines, want header, 3 rows, a blank line and the summary:\n%s", lines, out)
	}
}

func TestWriteReportOfAnError(t *testing.T) {
	rep := conformance.Report{Err: errors.New("conformance: unknown feature \"x\"")}
	var table, junit bytes.Buffer
	if err := rep.WriteTable(&table); err != nil || !strings.Contains(table.String(), "unknown feature") {
		t.Errorf("table %q, %v", table.String(), err)
	}
	if err := rep.WriteJUnit(&junit); err != nil || !strings.Contains(junit.String(), `failures="1"`) {
		t.Errorf("junit %q, %v", junit.String(), err)
	}
}
