package conformance

import (
	"fmt"
	"strings"
)

// Rule is the part of the contract a Violation breaks. Each rule is
// reported as its own check of an endpoint, named "contract-" and the rule.
type Rule string

// The rules a response is held to.
const (
	// RuleStatus: the status is one the request's variant lists.
	RuleStatus Rule = "status"
	// RuleHeaders: the headers the response's descriptor marks required,
	// and those the chosen specification version requires, are present;
	// every header the descriptor lists is well-formed; the body agrees
	// with the method, the status and Content-Length.
	RuleHeaders Rule = "headers"
	// RuleDigest: a Docker-Content-Digest verifies the content it names,
	// the request's digest or the body.
	RuleDigest Rule = "digest"
	// RuleErrors: a 4xx error whose body is JSON carries the error
	// envelope, with codes the descriptor lists for the status.
	RuleErrors Rule = "errors"
)

// rules lists the rules in the order of the contract checks.
var rules = []Rule{RuleStatus, RuleHeaders, RuleDigest, RuleErrors}

// checkName returns the name of the contract check of the rule.
func (r Rule) checkName() string {
	return "contract-" + string(r)
}

// Violation is one way a response breaks the contract the descriptors
// describe for its request.
type Violation struct {
	// Endpoint is the OCI endpoint ID of the request's variant, or the
	// route name for routes the specification does not number (the
	// catalog).
	Endpoint string

	// Route and Variant name the route and the request descriptor the
	// request was matched to by regapi.MatchRequest.
	Route, Variant string

	// Rule is the part of the contract broken.
	Rule Rule

	// Method, URL and Status identify the exchange.
	Method string
	URL    string
	Status int

	// Message says what is wrong.
	Message string

	// Allowed says what the descriptors allow instead.
	Allowed string
}

// String renders the violation on one line.
func (v Violation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s: %d: %s: %s", v.Endpoint, v.Method, v.URL, v.Status, v.Rule, v.Message)
	if v.Allowed != "" {
		fmt.Fprintf(&b, " (allowed: %s)", v.Allowed)
	}
	return b.String()
}
