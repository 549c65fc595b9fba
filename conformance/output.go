package conformance

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// itoa renders an integer.
func itoa(n int) string { return strconv.Itoa(n) }

// writeHeader writes h one field a line, sorted, each line prefixed.
func writeHeader(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			b.WriteString("\n" + prefix + k + ": " + v)
		}
	}
}

// WriteTable writes the report as a table, one row per check: endpoint,
// check, result and reason, then a summary line.
func (r *Report) WriteTable(w io.Writer) error {
	if r.Err != nil {
		_, err := fmt.Fprintf(w, "error: %v\n", r.Err)
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ENDPOINT\tCHECK\tRESULT\tREASON")
	for _, res := range r.Results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", res.Endpoint, res.Check, strings.ToUpper(res.Status.String()), oneLine(res.Reason))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	passed, failed, skipped := r.Counts()
	_, err := fmt.Fprintf(w, "\n%s, spec %s: %d checks passed, %d failed, %d skipped in %s\n",
		r.Target, r.Spec, passed, failed, skipped, r.Duration.Round(1e6))
	return err
}

// oneLine flattens s to one line.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// The JUnit XML schema, as CI systems read it: one test suite per
// endpoint, one test case per check.
type (
	junitSuites struct {
		XMLName  xml.Name     `xml:"testsuites"`
		Name     string       `xml:"name,attr"`
		Tests    int          `xml:"tests,attr"`
		Failures int          `xml:"failures,attr"`
		Skipped  int          `xml:"skipped,attr"`
		Time     string       `xml:"time,attr"`
		Suites   []junitSuite `xml:"testsuite"`
	}
	junitSuite struct {
		Name     string      `xml:"name,attr"`
		Tests    int         `xml:"tests,attr"`
		Failures int         `xml:"failures,attr"`
		Skipped  int         `xml:"skipped,attr"`
		Cases    []junitCase `xml:"testcase"`
	}
	junitCase struct {
		Name      string        `xml:"name,attr"`
		ClassName string        `xml:"classname,attr"`
		Failure   *junitFailure `xml:"failure,omitempty"`
		Skipped   *junitSkipped `xml:"skipped,omitempty"`
	}
	junitFailure struct {
		Message string `xml:"message,attr"`
		Text    string `xml:",chardata"`
	}
	junitSkipped struct {
		Message string `xml:"message,attr"`
	}
)

// WriteJUnit writes the report as JUnit XML: a test suite per endpoint and
// a test case per check, failures with their reason and exchange.
func (r *Report) WriteJUnit(w io.Writer) error {
	doc := junitSuites{Name: "OCI distribution conformance (" + string(r.Spec) + ") " + r.Target,
		Time: strconv.FormatFloat(r.Duration.Seconds(), 'f', 3, 64)}
	if r.Err != nil {
		doc.Suites = append(doc.Suites, junitSuite{Name: "setup", Tests: 1, Failures: 1, Cases: []junitCase{{
			Name: "options", ClassName: "setup", Failure: &junitFailure{Message: r.Err.Error()}}}})
	}
	index := map[string]int{}
	for _, res := range r.Results {
		i, ok := index[res.Endpoint]
		if !ok {
			i = len(doc.Suites)
			index[res.Endpoint] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: res.Endpoint})
		}
		s := &doc.Suites[i]
		c := junitCase{Name: res.Check, ClassName: res.Endpoint}
		switch res.Status {
		case Fail:
			c.Failure = &junitFailure{Message: oneLine(res.Reason), Text: describeFailure(res)}
			s.Failures++
		case Skip:
			c.Skipped = &junitSkipped{Message: oneLine(res.Reason)}
			s.Skipped++
		}
		s.Tests++
		s.Cases = append(s.Cases, c)
	}
	for _, s := range doc.Suites {
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Skipped += s.Skipped
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
