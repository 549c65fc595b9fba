package registrytest

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/reply"
)

// faultSpec is a parsed SPEC; the grammar is in the package documentation,
// under "Faults".
type faultSpec struct {
	spec     string
	method   string // "*" for any
	route    string // a route name, or "" with endpoint set, or "*"
	endpoint string // an endpoint ID, "end-7" matching its letters too
	repo     string // "" for any
	kind     faultKind
	status   int
	retry    int // seconds of Retry-After, -1 for none
	bytes    int64
	delay    time.Duration
	count    int
}

type faultKind int

const (
	faultStatus faultKind = iota + 1
	faultReset
	faultResetRequest
	faultTruncate
	faultDelay
)

// Fault is an injected fault and what became of it.
type Fault struct {
	// Spec is the fault's SPEC, as it was given.
	Spec string

	// Remaining is how many more requests it fires on.
	Remaining int

	// Fired is how many requests it fired on so far.
	Fired int
}

// parseFault parses a SPEC, naming the routes and endpoints of the
// descriptors.
func parseFault(spec string) (*faultSpec, error) {
	t := sharedFaultTargets()
	words := strings.Fields(spec)
	bad := func(format string, args ...any) error {
		return fmt.Errorf("fault %q: %s", spec, fmt.Sprintf(format, args...))
	}
	if len(words) < 3 {
		return nil, bad("want METHOD TARGET [repo=NAME] KIND [xN]")
	}
	f := &faultSpec{spec: strings.Join(words, " "), retry: -1, count: 1}
	f.method = words[0]
	if f.method != "*" && !grammar.IsToken(f.method) {
		return nil, bad("%q is not a method", f.method)
	}
	if f.method != "*" {
		f.method = strings.ToUpper(f.method)
	}
	target := words[1]
	switch {
	case target == "*":
		f.route = "*"
	case strings.HasPrefix(target, "end-"):
		if !t.knownEndpoint(target) {
			return nil, bad("no endpoint %s", target)
		}
		f.endpoint = target
	default:
		if !t.allowHas(target) {
			return nil, bad("no route %q", target)
		}
		f.route = target
	}
	rest := words[2:]
	if name, ok := strings.CutPrefix(rest[0], "repo="); ok {
		if !grammar.IsRepository(name) {
			return nil, bad("%q is not a repository name", name)
		}
		f.repo = name
		rest = rest[1:]
	}
	if len(rest) == 0 {
		return nil, bad("no kind")
	}
	key, value, _ := strings.Cut(rest[0], "=")
	rest = rest[1:]
	var err error
	switch key {
	case "status":
		f.kind = faultStatus
		f.status, err = strconv.Atoi(value)
		if err != nil || f.status < 400 || f.status > 599 {
			return nil, bad("status %q is not a 4xx or 5xx code", value)
		}
		if len(rest) > 0 && strings.HasPrefix(rest[0], "retry-after=") {
			f.retry, err = strconv.Atoi(strings.TrimPrefix(rest[0], "retry-after="))
			if err != nil || f.retry < 0 {
				return nil, bad("retry-after must be a number of seconds")
			}
			rest = rest[1:]
		}
	case "reset", "reset-request", "truncate":
		f.kind = map[string]faultKind{"reset": faultReset, "reset-request": faultResetRequest, "truncate": faultTruncate}[key]
		f.bytes, err = strconv.ParseInt(value, 10, 64)
		if err != nil || f.bytes < 0 {
			return nil, bad("%s needs a number of bytes", key)
		}
	case "delay":
		f.kind = faultDelay
		f.delay, err = time.ParseDuration(value)
		if err != nil || f.delay < 0 {
			return nil, bad("delay %q is not a duration", value)
		}
	default:
		return nil, bad("unknown kind %q", reply.Truncate(key, 40))
	}
	if len(rest) > 0 {
		n, ok := strings.CutPrefix(rest[0], "x")
		f.count, err = strconv.Atoi(n)
		if !ok || err != nil || f.count < 1 {
			return nil, bad("count %q is not xN with N at least 1", rest[0])
		}
		rest = rest[1:]
	}
	if len(rest) > 0 {
		return nil, bad("unexpected %q", rest[0])
	}
	return f, nil
}

// faultTargets are what a fault may name: the routes of the descriptors
// and the OCI endpoint IDs of their variants.
type faultTargets struct {
	routes    map[string]bool
	endpoints []string
}

// sharedFaultTargets is made once, from a copy of the descriptors of its
// own, so that no change a program makes to regapi.APIDescriptor reaches
// it.
var sharedFaultTargets = sync.OnceValue(func() *faultTargets {
	t := &faultTargets{routes: map[string]bool{}}
	for _, rd := range regapi.Descriptors() {
		t.routes[rd.Name] = true
		for _, md := range rd.Methods {
			for _, req := range md.Requests {
				if req.EndpointID != "" {
					t.endpoints = append(t.endpoints, req.EndpointID)
				}
			}
		}
	}
	return t
})

// allowHas reports whether the descriptors have a route of that name.
func (t *faultTargets) allowHas(name string) bool {
	return t.routes[name]
}

// knownEndpoint reports whether a variant of the descriptors has the
// endpoint ID, or one the ID stands for (end-7 for end-7a and end-7b).
func (t *faultTargets) knownEndpoint(id string) bool {
	for _, e := range t.endpoints {
		if endpointMatches(id, e) {
			return true
		}
	}
	return false
}

// endpointMatches reports whether the endpoint ID of a variant is id, or
// one of its lettered variants.
func endpointMatches(id, variant string) bool {
	if variant == id {
		return true
	}
	rest, ok := strings.CutPrefix(variant, id)
	return ok && len(rest) == 1 && rest[0] >= 'a' && rest[0] <= 'z'
}

// matches reports whether the fault applies to a request.
func (f *faultSpec) matches(rm regapi.RequestMatch) bool {
	if f.method != "*" && f.method != rm.Method {
		return false
	}
	if f.route != "*" {
		if f.route != "" && f.route != rm.Route {
			return false
		}
		if f.endpoint != "" && !endpointMatches(f.endpoint, rm.EndpointID) {
			return false
		}
	}
	return f.repo == "" || f.repo == rm.Name
}

// faultList holds the injected faults in order.
type faultList struct {
	mu     sync.Mutex
	faults []*injected

	// held is len(faults), read without the lock so that a request finds
	// out cheaply that there are none.
	held atomic.Int64
}

// any reports whether faults are held, which may fire.
func (l *faultList) any() bool {
	return l.held.Load() > 0
}

type injected struct {
	spec  *faultSpec
	left  int
	fired int
}

// InjectFault adds a fault, described by a SPEC, after those injected
// before; the package documentation gives the grammar under "Faults". For
// example:
//
//	reg.InjectFault("GET blob status=503 retry-after=1 x2")
//
// The reset kinds close a connection, which needs a server (NewServer, or
// any net/http server): a handler called directly panics with
// http.ErrAbortHandler as a server expects.
func (reg *Registry) InjectFault(spec string) error {
	f, err := parseFault(spec)
	if err != nil {
		return err
	}
	return reg.faults.add([]*faultSpec{f})
}

// errTooManyFaults reports a batch of faults that would take the list over
// maxFaults.
var errTooManyFaults = fmt.Errorf("at most %d faults may be injected; clear them first", maxFaults)

// add appends the parsed faults of a batch, all of them or, when they
// would take the list over maxFaults, none: the check and the appends are
// under one lock, so that batches added at once cannot both pass the check
// and one then stop halfway.
func (l *faultList) add(batch []*faultSpec) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(batch) > maxFaults-len(l.faults) {
		return errTooManyFaults
	}
	for _, f := range batch {
		l.faults = append(l.faults, &injected{spec: f, left: f.count})
	}
	l.held.Store(int64(len(l.faults)))
	return nil
}

// maxFaults bounds the faults a registry holds, which the fault endpoint
// lets clients add.
const maxFaults = 10000

// Faults returns the faults injected since the last ClearFaults, in order,
// with how often each fired and will fire.
func (reg *Registry) Faults() []Fault {
	reg.faults.mu.Lock()
	defer reg.faults.mu.Unlock()
	out := make([]Fault, 0, len(reg.faults.faults))
	for _, f := range reg.faults.faults {
		out = append(out, Fault{Spec: f.spec.spec, Remaining: f.left, Fired: f.fired})
	}
	return out
}

// ClearFaults removes every injected fault.
func (reg *Registry) ClearFaults() {
	reg.faults.mu.Lock()
	defer reg.faults.mu.Unlock()
	reg.faults.faults = nil
	reg.faults.held.Store(0)
}

// take returns the first fault that matches the request and has firings
// left, counting the firing, or nil.
func (l *faultList) take(rm regapi.RequestMatch) *faultSpec {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, f := range l.faults {
		if f.left > 0 && f.spec.matches(rm) {
			f.left--
			f.fired++
			return f.spec
		}
	}
	return nil
}

// faultStatusError is the answer of a status fault: the first code the
// variant's descriptor lists for the status, or the code the status stands
// for, with Retry-After when the fault says.
func faultStatusError(f *faultSpec, req *regapi.RequestDescriptor) error {
	code := errcode.ErrorCodeUnknown
	switch f.status {
	case http.StatusServiceUnavailable:
		code = errcode.ErrorCodeUnavailable
	case http.StatusTooManyRequests:
		code = errcode.ErrorCodeTooManyRequests
	}
	if req != nil {
		for _, resp := range append(append([]regapi.ResponseDescriptor(nil), req.Failures...), req.Successes...) {
			if resp.StatusCode == f.status && len(resp.ErrorCodes) > 0 {
				code = resp.ErrorCodes[0]
				break
			}
		}
	}
	he := errcode.HTTPError{StatusCode: f.status,
		Errors: errcode.Errors{code.WithMessage(fmt.Sprintf("injected fault: %s", f.spec))}}
	if f.retry >= 0 {
		he.Header = http.Header{"Retry-After": {strconv.Itoa(f.retry)}}
	}
	return he
}

// errFaultReset stops reading a request body that a reset-request fault cut.
var errFaultReset = errors.New("the connection was reset by an injected fault")
