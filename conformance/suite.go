package conformance

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/regapi/regapi"
)

// defaultHandlerURL is the base URL of a target served in process without
// one of its own.
const defaultHandlerURL = "http://registry.test"

// Check runs the suite against target and reports every check. It never
// returns early for a failing registry: a check whose prerequisite failed
// is skipped with the reason. Cancelling ctx stops the requests, and the
// remaining checks fail with the context's error.
func Check(ctx context.Context, target Target, opts Options) Report {
	if ctx == nil {
		ctx = context.Background()
	}
	start := time.Now()
	runID := newRunID()
	rep := Report{}
	set, err := opts.resolve(runID)
	if err != nil {
		rep.Err = err
		return rep
	}
	rep.Spec, rep.Features = set.spec, set.featureList()
	base, err := targetURL(target)
	if err != nil {
		rep.Err = err
		return rep
	}
	rep.Target = base.String()

	s := newSuite(ctx, set, base, target, opts, runID)
	s.runAll()
	rep.Results = s.report()
	rep.Duration = time.Since(start)
	return rep
}

// newRunID returns a name unique to the run, for its repositories and
// content.
func newRunID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return fmt.Sprintf("%x", time.Now().UnixNano())
	}
	return hex.EncodeToString(b[:])
}

// targetURL checks and returns the base URL of target, without a final
// slash.
func targetURL(target Target) (*url.URL, error) {
	raw := target.URL
	if raw == "" && target.Handler != nil {
		raw = defaultHandlerURL
	}
	if raw == "" {
		return nil, errors.New("conformance: the target has neither a URL nor a handler")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("conformance: target URL: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, fmt.Errorf("conformance: target URL %q is not an http or https URL with a host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, fmt.Errorf("conformance: target URL %q may hold only scheme, host and path", raw)
	}
	u.Path = strings.TrimSuffix(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

// suite is one run: the client, the results so far and the content.
type suite struct {
	ctx  context.Context
	set  settings
	c    *client
	urls *regapi.URLBuilder // below the target's base URL
	ct   contract
	data *dataSet
	// limits bounds the listings read, and keeps what they came to.
	limits listingLimits

	info    map[string]CheckInfo
	results map[string]*Result
	passed  map[string]bool
	note    string // set by a step to explain how it passed

	// seen counts the responses of each endpoint; violations keeps the
	// first few of each endpoint and rule, and broken counts them all.
	seen       map[string]int
	violations map[string][]Violation
	broken     map[string]int
}

// maxViolations bounds the violations a contract check keeps.
const maxViolations = 5

func newSuite(ctx context.Context, set settings, base *url.URL, target Target, opts Options, runID string) *suite {
	s := &suite{
		ctx: ctx, set: set,
		ct:         contract{spec: set.spec, prefix: base.Path, knownPrefix: true},
		limits:     listingLimits{page: set.maxPage, list: set.maxList},
		info:       map[string]CheckInfo{},
		results:    map[string]*Result{},
		passed:     map[string]bool{},
		seen:       map[string]int{},
		violations: map[string][]Violation{},
		broken:     map[string]int{},
	}
	for _, ci := range Checks() {
		s.info[ci.Endpoint+"/"+ci.Check] = ci
	}
	var transport http.RoundTripper = handlerTransport{h: target.Handler}
	if target.Handler == nil {
		transport = suiteTransport(opts.Transport)
	}
	timeout := opts.RequestTimeout
	if timeout == 0 {
		timeout = DefaultRequestTimeout
	}
	s.urls = regapi.NewURLBuilder(base, false)
	s.c = &client{
		base:    base,
		timeout: timeout,
		http: &http.Client{
			Transport: authTransport(transport, base, opts.Username, opts.Password),
			// Redirects are followed by the client, which checks each.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		observe: s.observe,
	}
	s.data = newDataSet(runID, set.repo, set.repo2)
	return s
}

// observe holds a response to the contract and counts it for the contract
// checks of its endpoint.
func (s *suite) observe(r *response) {
	rm, ok, vs := s.ct.check(r.observation())
	if !ok || rm.EndpointID == "" {
		return
	}
	s.seen[rm.EndpointID]++
	for _, v := range vs {
		key := v.Endpoint + "/" + v.Rule.checkName()
		s.broken[key]++
		if len(s.violations[key]) < maxViolations {
			s.violations[key] = append(s.violations[key], v)
		}
	}
}

// runAll runs the workflows in order. The first check, the API version,
// is everyone's prerequisite.
func (s *suite) runAll() {
	s.step("end-1/api-version", nil, s.apiVersion)
	s.push()
	s.pull()
	s.discovery()
	s.management()
}

// stepError is a failed assertion and the response it is about.
type stepError struct {
	msg     string
	resp    *response
	allowed string
}

func (e *stepError) Error() string { return e.msg }

// skipError ends a step that cannot run because content it needs is not
// in the registry; the step is recorded as skipped.
type skipError struct{ reason string }

func (e *skipError) Error() string { return e.reason }

// needBlobs returns a skip unless each blob was stored in the first
// repository by an earlier step.
func (s *suite) needBlobs(bs ...*blob) error {
	for _, b := range bs {
		if b == nil || !s.data.stored[b.digest] {
			return &skipError{"needs content an earlier push did not store: " + labelOf(b)}
		}
	}
	return nil
}

// needManifests returns a skip unless each manifest was stored in the
// first repository by an earlier step.
func (s *suite) needManifests(ms ...*manifest) error {
	for _, m := range ms {
		if m == nil || !containsManifest(s.data.manifests, m) {
			label := "a manifest"
			if m != nil {
				label = m.label
			}
			return &skipError{"needs content an earlier push did not store: " + label}
		}
	}
	return nil
}

// labelOf names a blob for a message.
func labelOf(b *blob) string {
	if b == nil {
		return "a blob"
	}
	return b.label
}

// failf returns a failure of a step about resp, which may be nil.
func failf(resp *response, format string, args ...any) error {
	return &stepError{msg: fmt.Sprintf(format, args...), resp: resp}
}

// step runs the check name unless its feature is disabled or a check it
// needs did not pass, records the outcome when the check's workflow is
// reported, and reports whether it passed. Steps of workflows not
// reported still run, as the setup of those that are.
func (s *suite) step(name string, needs []string, fn func() error) bool {
	ci, known := s.info[name]
	if !known {
		s.record(name, Result{Status: Fail, Reason: "the suite has no such check (a bug of the suite)"})
		return false
	}
	reported := ci.Workflow == "" || s.set.workflows[ci.Workflow]
	if ci.Feature != "" && !s.set.features[ci.Feature] {
		if reported {
			s.record(name, Result{Status: Skip, Reason: fmt.Sprintf("feature %s is not enabled", ci.Feature)})
		}
		return false
	}
	for _, n := range append([]string{"end-1/api-version"}, needs...) {
		if n == name || s.passed[n] {
			continue
		}
		if reported {
			s.record(name, Result{Status: Skip, Reason: "needs " + n + ", which did not pass" + s.whyNot(n)})
		}
		return false
	}
	if err := s.ctx.Err(); err != nil {
		if reported {
			s.record(name, Result{Status: Fail, Reason: err.Error()})
		}
		return false
	}
	s.note = ""
	err := fn()
	s.passed[name] = err == nil
	if !reported {
		if err != nil {
			// Remembered for the reason of the checks that need it.
			s.results[name] = &Result{Status: Fail, Reason: err.Error()}
		}
		return err == nil
	}
	var skip *skipError
	if errors.As(err, &skip) {
		s.record(name, Result{Status: Skip, Reason: skip.reason})
		return false
	}
	res := Result{Status: Pass, Reason: s.note}
	if err != nil {
		res = Result{Status: Fail, Reason: err.Error()}
		var se *stepError
		if errors.As(err, &se) && se.resp != nil {
			res.Exchange = se.resp.exchange()
			res.Allowed = se.allowed
		}
	}
	s.record(name, res)
	return err == nil
}

// whyNot returns ": <reason>" for a check that did not pass, or "".
func (s *suite) whyNot(name string) string {
	if r := s.results[name]; r != nil && r.Reason != "" {
		return ": " + truncate(r.Reason, 200)
	}
	return ""
}

// record stores the result of the check name.
func (s *suite) record(name string, r Result) {
	ci := s.info[name]
	r.Endpoint, r.Check, r.Workflow = ci.Endpoint, ci.Check, ci.Workflow
	if r.Endpoint == "" {
		r.Endpoint, r.Check, _ = strings.Cut(name, "/")
	}
	s.results[name] = &r
}

// report returns the results in the order of Checks, with the contract
// checks made from the responses observed.
func (s *suite) report() []Result {
	var out []Result
	for _, ci := range Checks() {
		name := ci.Endpoint + "/" + ci.Check
		if ci == limitsCheck {
			out = append(out, s.limits.result())
			continue
		}
		if ci.Workflow == "" && ci.Check != "api-version" {
			out = append(out, s.contractResult(ci))
			continue
		}
		if r := s.results[name]; r != nil && (ci.Workflow == "" || s.set.workflows[ci.Workflow]) {
			out = append(out, *r)
		}
	}
	return out
}

// contractResult is the outcome of a contract check.
func (s *suite) contractResult(ci CheckInfo) Result {
	key := ci.Endpoint + "/" + ci.Check
	r := Result{Endpoint: ci.Endpoint, Check: ci.Check}
	n := s.seen[ci.Endpoint]
	vs := s.violations[key]
	switch {
	case n == 0:
		r.Status, r.Reason = Skip, "no request of this endpoint was made"
	case len(vs) == 0:
		r.Status = Pass
		r.Reason = fmt.Sprintf("%d responses checked", n)
	default:
		r.Status, r.Violations = Fail, vs
		r.Reason = fmt.Sprintf("%d of the responses break it; first: %d %s %s: %s", s.broken[key], vs[0].Status, vs[0].Method, vs[0].URL, vs[0].Message)
		r.Allowed = vs[0].Allowed
	}
	return r
}

// do sends a request and returns the response, or a failure of the step.
func (s *suite) do(rq request) (*response, error) {
	resp, err := s.c.do(s.ctx, rq)
	if err != nil {
		return nil, failf(nil, "%v", err)
	}
	return resp, nil
}
