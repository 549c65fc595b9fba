package conformance

import (
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"
)

// observation is one request and its response, as much as the observer saw
// of them: the suite's client, CheckResponse or Middleware.
type observation struct {
	method    string
	url       *url.URL // absolute: scheme and host included
	reqHeader http.Header
	// reqDigests are digests of the request body, when the observer knows
	// them (a manifest push).
	reqDigests []digest.Digest

	status int
	header http.Header
	// body is what the observer kept of the response body; complete says
	// whether it is all of it.
	body     []byte
	complete bool
	// bodyLen is the number of body bytes seen in all.
	bodyLen int64
	// bodyDigest is the digest of the whole body in the algorithm of the
	// response's Docker-Content-Digest, when the observer computed it.
	bodyDigest digest.Digest
}

// contract holds responses to what the descriptors allow. Its zero value
// applies SpecV1_1 and finds the API below any prefix.
type contract struct {
	spec SpecVersion
	// prefix is the path in front of /v2/ when known (the suite's target);
	// otherwise anything in front of the first "/v2/" is taken for one.
	prefix      string
	knownPrefix bool
}

// apiPath returns the request path with the registry's prefix removed, or
// false for a path outside the API.
func (c contract) apiPath(path string) (string, bool) {
	if c.knownPrefix {
		rest, ok := strings.CutPrefix(path, c.prefix)
		return rest, ok && strings.HasPrefix(rest, "/v2")
	}
	if strings.HasPrefix(path, "/v2/") || path == "/v2" {
		return path, true
	}
	i := strings.Index(path, "/v2/")
	if i < 0 {
		return "", false
	}
	return path[i:], true
}

// match finds the variant of the API the request is, as a registry built
// on regapi would.
func (c contract) match(o *observation) (regapi.RequestMatch, bool) {
	path, ok := c.apiPath(o.url.Path)
	if !ok {
		return regapi.RequestMatch{}, false
	}
	pm, ok := regapi.MatchPath(path)
	if !ok {
		return regapi.RequestMatch{}, false
	}
	return regapi.MatchRequest(o.method, pm, o.url.Query(), o.reqHeader)
}

// check matches the request and holds the response to its variant. It
// reports false for requests outside the API, which no descriptor covers.
func (c contract) check(o *observation) (regapi.RequestMatch, bool, []Violation) {
	rm, ok := c.match(o)
	if !ok {
		return rm, false, nil
	}
	endpoint := rm.EndpointID
	if endpoint == "" {
		endpoint = rm.Route
	}
	var out []Violation
	add := func(rule Rule, allowed, format string, args ...any) {
		out = append(out, Violation{
			Endpoint: endpoint, Route: rm.Route, Variant: rm.Request.Name, Rule: rule,
			Method: o.method, URL: o.url.String(), Status: o.status,
			Message: fmt.Sprintf(format, args...), Allowed: allowed,
		})
	}

	resps := responsesFor(rm.Request, o.status)
	if len(resps) == 0 && !c.redirectAllowed(o) {
		add(RuleStatus, allowedStatuses(rm.Request), "status %d is not one the descriptors list for %q", o.status, rm.Request.Name)
	}
	for _, msg := range c.headerProblems(rm, resps, o) {
		add(RuleHeaders, requiredHeaders(resps, o.status), "%s", msg)
	}
	for _, msg := range digestProblems(rm, o) {
		add(RuleDigest, "", "%s", msg)
	}
	if len(resps) > 0 {
		for _, msg := range errorBodyProblems(o, resps) {
			add(RuleErrors, allowedCodes(resps, o.status), "%s", msg)
		}
	}
	return rm, true, out
}

// redirectAllowed reports whether a redirect the descriptors do not list is
// allowed anyway: the main branch of the specification lets registries
// redirect any request.
func (c contract) redirectAllowed(o *observation) bool {
	if c.spec != SpecDev {
		return false
	}
	return isRedirect(o.status) && o.header.Get("Location") != ""
}

// responsesFor returns the responses of req with the given status.
func responsesFor(req *regapi.RequestDescriptor, status int) []regapi.ResponseDescriptor {
	var out []regapi.ResponseDescriptor
	for _, list := range [][]regapi.ResponseDescriptor{req.Successes, req.Failures} {
		for _, r := range list {
			if r.StatusCode == status {
				out = append(out, r)
			}
		}
	}
	return out
}

// allowedStatuses renders the statuses a variant lists.
func allowedStatuses(req *regapi.RequestDescriptor) string {
	list := func(rs []regapi.ResponseDescriptor) string {
		var codes []int
		for _, r := range rs {
			if !slices.Contains(codes, r.StatusCode) {
				codes = append(codes, r.StatusCode)
			}
		}
		slices.Sort(codes)
		s := make([]string, len(codes))
		for i, c := range codes {
			s[i] = strconv.Itoa(c)
		}
		return strings.Join(s, ", ")
	}
	return fmt.Sprintf("%q answers %s on success and %s on failure", req.Name, list(req.Successes), list(req.Failures))
}

// headerRule is a header as the responses of one status describe it.
type headerRule struct {
	param    regapi.ParameterDescriptor
	required bool
}

// headerRules merges the headers of the responses of one status: a header
// is required when every one of them requires it.
func headerRules(resps []regapi.ResponseDescriptor) (names []string, rules map[string]headerRule) {
	rules = map[string]headerRule{}
	for i, r := range resps {
		for _, h := range r.Headers {
			name := textproto.CanonicalMIMEHeaderKey(h.Name)
			if _, ok := rules[name]; !ok {
				names = append(names, name)
				// A header the earlier responses did not list is not
				// required by them.
				rules[name] = headerRule{param: h, required: h.Required && i == 0}
			}
		}
	}
	for _, name := range names {
		hr := rules[name]
		if !hr.required {
			continue
		}
		for _, r := range resps[1:] {
			if !listsRequired(r.Headers, name) {
				hr.required = false
			}
		}
		rules[name] = hr
	}
	return names, rules
}

// listsRequired reports whether headers mark name required.
func listsRequired(headers []regapi.ParameterDescriptor, name string) bool {
	for _, h := range headers {
		if textproto.CanonicalMIMEHeaderKey(h.Name) == name {
			return h.Required
		}
	}
	return false
}

// versionRequired returns the headers the specification version requires
// of a response beyond what the descriptors mark: since 1.1, manifest and
// blob GET and HEAD responses carry Docker-Content-Digest, and their HEAD
// responses Content-Length.
func (c contract) versionRequired(rm regapi.RequestMatch, status int) []string {
	if c.spec != SpecDev || status != http.StatusOK || rm.EndpointID != "end-2" && rm.EndpointID != "end-3" {
		return nil
	}
	switch rm.Method {
	case http.MethodGet:
		return []string{"Docker-Content-Digest"}
	case http.MethodHead:
		return []string{"Docker-Content-Digest", "Content-Length"}
	}
	return nil
}

// requiredHeaders renders the headers the responses of a status require.
func requiredHeaders(resps []regapi.ResponseDescriptor, status int) string {
	names, rules := headerRules(resps)
	var req []string
	for _, n := range names {
		if rules[n].required {
			req = append(req, n)
		}
	}
	if len(req) == 0 {
		return fmt.Sprintf("the %d response requires no header; it describes %s", status, strings.Join(names, ", "))
	}
	return fmt.Sprintf("the %d response requires %s", status, strings.Join(req, ", "))
}

// headerProblems lists what is wrong with the response's headers and the
// framing of its body.
func (c contract) headerProblems(rm regapi.RequestMatch, resps []regapi.ResponseDescriptor, o *observation) []string {
	var out []string
	names, rules := headerRules(resps)
	for _, name := range c.versionRequired(rm, o.status) {
		hr, ok := rules[name]
		if !ok {
			names = append(names, name)
		}
		hr.required = true
		rules[name] = hr
	}
	for _, name := range names {
		hr := rules[name]
		values := o.header.Values(name)
		if len(values) == 0 {
			if hr.required {
				why := "the descriptor requires it"
				if hr.param.Name == "" || !hr.param.Required {
					why = "specification " + string(c.spec) + " requires it"
				}
				display := hr.param.Name
				if display == "" {
					display = name
				}
				out = append(out, fmt.Sprintf("%s is missing: %s", display, why))
			}
			continue
		}
		if msg := headerValueProblem(name, hr.param, values, o); msg != "" {
			out = append(out, msg)
		}
	}
	if msg := rangeProblem(rm, o); msg != "" {
		out = append(out, msg)
	}
	return append(out, framingProblems(o)...)
}

// rangeProblem checks the Range of an accepted chunk: its end is the end of
// the request's Content-Range.
func rangeProblem(rm regapi.RequestMatch, o *observation) string {
	if rm.EndpointID != "end-5" || o.status != http.StatusAccepted {
		return ""
	}
	cr := o.reqHeader.Get("Content-Range")
	_, endText, ok := strings.Cut(cr, "-")
	end, err := strconv.ParseInt(endText, 10, 64)
	got := o.header.Get("Range")
	if !ok || err != nil || got == "" {
		return ""
	}
	if want := "0-" + strconv.FormatInt(end, 10); got != want {
		return fmt.Sprintf("Range is %q after a chunk with Content-Range %q, want %q", got, cr, want)
	}
	return ""
}

// framingProblems checks that the body agrees with the method, the status
// and Content-Length. Only an observer inside the server sees a body that
// HTTP forbids, since servers drop it.
func framingProblems(o *observation) []string {
	var out []string
	switch {
	case o.method == http.MethodHead && o.bodyLen > 0:
		out = append(out, fmt.Sprintf("a HEAD response carries %d bytes of body", o.bodyLen))
	case (o.status == http.StatusNoContent || o.status == http.StatusNotModified) && o.bodyLen > 0:
		out = append(out, fmt.Sprintf("a %d response carries %d bytes of body", o.status, o.bodyLen))
	case o.complete && o.method != http.MethodHead:
		if cl := o.header.Get("Content-Length"); isDigits(cl) {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n != o.bodyLen {
				out = append(out, fmt.Sprintf("Content-Length is %d but the body has %d bytes", n, o.bodyLen))
			}
		}
	}
	return out
}
