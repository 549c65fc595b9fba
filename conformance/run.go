package conformance

import (
	"context"
	"strings"
	"testing"
	"time"
)

// Run runs the suite against target and reports every check as a subtest
// of t named "<endpoint>/<check>", such as "end-2/get-blob": a failed check
// fails its subtest with the reason, the exchange and what the descriptors
// allow, and a skipped one is skipped with the reason. The whole suite runs
// before the subtests report, so "go test -run" selects what is reported,
// not what runs. Under a test deadline (go test -timeout), the suite stops
// a twentieth of the remaining time before it, so that the checks it
// reached are reported rather than lost to the test binary's panic.
func Run(t *testing.T, target Target, opts Options) {
	t.Helper()
	ctx := context.Background()
	if deadline, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, deadline.Add(-time.Until(deadline)/20))
		defer cancel()
	}
	rep := Check(ctx, target, opts)
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	// Subtests nest by endpoint, so that "-run Test/end-2/get-blob"
	// matches level by level.
	var endpoints []string
	byEndpoint := map[string][]Result{}
	for _, r := range rep.Results {
		if _, ok := byEndpoint[r.Endpoint]; !ok {
			endpoints = append(endpoints, r.Endpoint)
		}
		byEndpoint[r.Endpoint] = append(byEndpoint[r.Endpoint], r)
	}
	for _, e := range endpoints {
		t.Run(e, func(t *testing.T) {
			for _, r := range byEndpoint[e] {
				r := r
				t.Run(r.Check, func(t *testing.T) {
					switch r.Status {
					case Fail:
						t.Error(describeFailure(r))
					case Skip:
						t.Skip(r.Reason)
					}
				})
			}
		})
	}
}

// describeFailure renders a failed result on several lines: the reason,
// what the descriptors allow, the violations and the exchange.
func describeFailure(r Result) string {
	var b strings.Builder
	b.WriteString(r.Reason)
	if r.Allowed != "" {
		b.WriteString("\nallowed: " + r.Allowed)
	}
	for _, v := range r.Violations {
		b.WriteString("\nviolation: " + v.String())
	}
	if ex := r.Exchange; ex != nil {
		b.WriteString("\nrequest: " + ex.Method + " " + ex.URL)
		writeHeader(&b, "  ", ex.RequestHeader)
		b.WriteString("\nresponse: ")
		if ex.Status != 0 {
			b.WriteString(itoa(ex.Status))
		}
		writeHeader(&b, "  ", ex.Header)
		if ex.Body != "" {
			b.WriteString("\n  body: " + ex.Body)
		}
	}
	return b.String()
}
