// Package conformance checks a registry against the OCI distribution
// specification and against the route descriptors of package regapi.
//
// Check runs the specification's workflows (pull, push, content discovery
// and content management) with its data sets: small, chunked, streamed and
// empty blobs, mounts, sha512 content, an image index, manifests with a
// subject (present or missing), referrers with and without an artifactType
// filter, tags given as parameters of a push, a sparse index and cancelled
// uploads. It reports one Result per OCI endpoint ID and check, passed,
// failed or skipped. Run turns the same results into subtests named
// "<endpoint>/<check>", so that "go test -run" selects them.
//
// # Two kinds of checks
//
// Workflow checks assert what a step must achieve: content round-trips byte
// for byte, a digest names the content, a tag list is sorted and paged as
// asked. Contract checks look at every response the suite receives from
// the registry, whatever the step: the request is matched to its variant of
// the API with regapi.MatchRequest, as a registry built on this module would
// match it, and the response must have a status that variant lists, the
// headers its descriptor marks required, well-formed values in every header
// it describes, a Docker-Content-Digest that verifies the content whenever
// one is sent, and, for a 4xx error with a JSON body, the error envelope
// with codes the descriptor lists for the status. They are reported per endpoint
// as contract-status, contract-headers, contract-digest and contract-errors.
//
// One more check, listings/entry-limits, holds every tag, referrers and
// catalog listing the suite reads to Options.MaxPageEntries entries a page
// and Options.MaxListEntries in all, counted as they are decoded.
//
// The descriptors list 500, 502, 503 and 504 on every request, and 408
// wherever a body is read, and the specification constrains no 5xx body: a
// registry that fails honestly breaks no contract. Such an answer fails the workflow check of the step (which
// expected something else) and passes the contract checks; the reason of
// the failed check names the status and, where the body is an error
// envelope, its codes.
//
// # Checking a server's own tests
//
// CheckResponse checks one request and response against the descriptors,
// and Middleware checks every response a handler writes, passing the bytes
// through unchanged, so that a server's existing tests report contract
// violations without running the workflows.
//
// # Versions and features
//
// Options.Spec chooses the version of the specification the checks hold
// the registry to: SpecV1_1, the released 1.1, or SpecDev, the main branch,
// which requires Docker-Content-Digest on manifest and blob GET and HEAD
// responses and Content-Length on HEAD, and adds the digest-algorithm
// parameter (end-4c), tags given as parameters (end-7b) and upload
// cancellation (end-14). Optional behaviours are Features, enabled or
// disabled over the version's defaults.
package conformance
