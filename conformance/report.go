package conformance

import (
	"net/http"
	"time"
)

// Status is the outcome of one check.
type Status int

// The outcomes of a check.
const (
	// Skip means the check did not run: its feature or workflow is not
	// enabled, a step it needs failed, or no request of its endpoint was
	// made.
	Skip Status = iota
	// Pass means every assertion of the check held.
	Pass
	// Fail means an assertion did not hold; the Result says which.
	Fail
)

// String returns "pass", "fail" or "skip".
func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	}
	return "skip"
}

// Result is the outcome of one check of one endpoint.
type Result struct {
	// Endpoint is the OCI endpoint ID the check is about, such as "end-2".
	Endpoint string

	// Check names the check within the endpoint, such as "get-blob" or
	// "contract-headers".
	Check string

	// Workflow is the workflow the check belongs to, or empty for the
	// contract checks, which cover every response of the endpoint.
	Workflow Workflow

	// Status is the outcome.
	Status Status

	// Reason says, in one line, why the check failed or was skipped, and
	// may note how a passing check passed (for example that a registry
	// answered a single-request upload with 202).
	Reason string

	// Exchange is the request that failed and what came back, when a
	// failure comes from one.
	Exchange *Exchange

	// Allowed says what the descriptors allow for the failing exchange:
	// statuses, required headers or error codes.
	Allowed string

	// Violations lists the contract violations of a failed contract check,
	// at most a few per check.
	Violations []Violation
}

// Name returns "<endpoint>/<check>", the name of the check's subtest.
func (r Result) Name() string {
	return r.Endpoint + "/" + r.Check
}

// Exchange is one request and its response as the suite saw them, for the
// report of a failure.
type Exchange struct {
	Method string
	URL    string

	// RequestHeader holds the request's headers, Authorization redacted.
	RequestHeader http.Header

	// Status is the response status, zero when no response came.
	Status int

	// Header holds the response headers.
	Header http.Header

	// Body is the start of the response body, at most 1 KiB.
	Body string
}

// Report is the outcome of a run of the suite.
type Report struct {
	// Target is the base URL tested ("http://registry.test" for a handler
	// without one).
	Target string

	// Spec is the version of the specification applied.
	Spec SpecVersion

	// Features lists the features that were enabled.
	Features []Feature

	// Results lists every check in a fixed order: by workflow step, then
	// the contract checks by endpoint.
	Results []Result

	// Err is set when the suite could not run at all, for invalid options;
	// Results is then empty.
	Err error

	// Duration is how long the run took.
	Duration time.Duration
}

// Counts returns how many checks passed, failed and were skipped.
func (r *Report) Counts() (passed, failed, skipped int) {
	for _, res := range r.Results {
		switch res.Status {
		case Pass:
			passed++
		case Fail:
			failed++
		default:
			skipped++
		}
	}
	return passed, failed, skipped
}

// OK reports whether the suite ran and no check failed.
func (r *Report) OK() bool {
	_, failed, _ := r.Counts()
	return r.Err == nil && failed == 0
}

// Result returns the result of the check named endpoint and check.
func (r *Report) Result(endpoint, check string) (Result, bool) {
	for _, res := range r.Results {
		if res.Endpoint == endpoint && res.Check == check {
			return res, true
		}
	}
	return Result{}, false
}
