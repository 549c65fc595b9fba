package registrytest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/internal/grammar"
)

// faultEndpointPath is where Options.FaultEndpoint serves the faults.
const faultEndpointPath = "/_regapi/faults"

// serveFaultEndpoint adds (POST, one SPEC a line), lists (GET) or clears
// (DELETE) the faults. A POST whose body has a SPEC that does not parse
// adds none of them. With authentication on, only a user who may push
// everywhere may use it (see faultEndpointAllowed).
func (reg *Registry) serveFaultEndpoint(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !reg.faultEndpointAllowed(w, r) {
		return
	}
	switch r.Method {
	case http.MethodPost:
		var batch []*faultSpec
		sc := bufio.NewScanner(io.LimitReader(r.Body, 1<<20))
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			f, err := parseFault(line)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			batch = append(batch, f)
		}
		if err := sc.Err(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// Added whole or not at all, with the limit checked under the
		// same lock.
		if err := reg.faults.add(batch); err != nil {
			http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	case http.MethodGet, http.MethodHead:
		var b strings.Builder
		for _, f := range reg.Faults() {
			fmt.Fprintf(&b, "%s\tremaining=%d\tfired=%d\n", f.Spec, f.Remaining, f.Fired)
		}
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, b.String())
	case http.MethodDelete:
		reg.ClearFaults()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST, DELETE")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// faultEndpointAllowed reports whether the request may use the fault
// endpoint, answering it otherwise. Without authentication anyone may.
// With it, in either mode, the request must carry the Basic credentials of
// a user who may push in every repository: faults change what every
// client of the registry sees. Nothing else is taken, not even a token
// that grants push, since a token names repositories and the faults are
// the registry's: a request without such credentials gets 401 with a
// Basic challenge, whose realm is the service, and one from another user
// 403.
func (reg *Registry) faultEndpointAllowed(w http.ResponseWriter, r *http.Request) bool {
	a := reg.auth
	if a == nil {
		return true
	}
	var u *User
	if name, password, ok := r.BasicAuth(); ok {
		u = a.user(name, password)
	}
	if u != nil && !u.PullOnly && len(u.Repositories) == 0 {
		return true
	}
	if r.ContentLength != 0 {
		// The body of a refused request is not read, and net/http would
		// otherwise wait for it before answering, however slowly it
		// comes; the connection cannot serve another request then.
		w.Header().Set("Connection", "close")
	}
	if u == nil {
		w.Header().Set("WWW-Authenticate", auth.Challenge{Scheme: "Basic", Params: map[string]string{"realm": a.cfg.Service}}.String())
		http.Error(w, "the fault endpoint needs the Basic credentials of a user who may push", http.StatusUnauthorized)
		return false
	}
	http.Error(w, "the fault endpoint needs a user who may push in every repository", http.StatusForbidden)
	return false
}

// intercept is the server's Options.Intercept: it records the variant
// of every matched request for the request log, and runs the first fault
// that matches it, if any, on a request that authorization lets through
// and whose repository name is valid, as a request on which the fault
// fires is one the registry would have answered. The other requests are
// answered as they come.
func (reg *Registry) intercept(w http.ResponseWriter, r *http.Request, rm regapi.RequestMatch, next http.Handler) error {
	x, _ := w.(*exchange)
	if x != nil {
		x.route, x.endpoint = rm.Route, rm.EndpointID
	}
	if reg.opts.BlobRedirect && rm.Route == regapi.RouteNameBlob && rm.Method == http.MethodGet {
		r = reg.withBlobBase(r)
	}
	if !reg.faults.any() || !reg.faultMayFire(r, rm) {
		next.ServeHTTP(w, r)
		return nil
	}
	f := reg.faults.take(rm)
	if f == nil {
		next.ServeHTTP(w, r)
		return nil
	}
	if x != nil {
		x.fault = f.spec
	}
	return runFault(w, r, rm, f, next)
}

// faultMayFire reports whether a fault may fire on the request: one that
// the registry does not refuse before its handler runs.
func (reg *Registry) faultMayFire(r *http.Request, rm regapi.RequestMatch) bool {
	if rm.Route != regapi.RouteNameBase && rm.Route != regapi.RouteNameCatalog && !grammar.IsRepository(rm.Name) {
		return false
	}
	if reg.auth == nil {
		return true
	}
	var query url.Values
	if r.URL.RawQuery != "" {
		query = r.URL.Query()
	}
	return reg.authorize(r, rm, auth.RequiredFor(rm, query)) == nil
}

// runFault answers a request under fault f: a status fault answers at
// once; the others have the request answered (next) with its body or its
// answer damaged as the fault says.
func runFault(w http.ResponseWriter, r *http.Request, rm regapi.RequestMatch, f *faultSpec, next http.Handler) error {
	switch f.kind {
	case faultStatus:
		return faultStatusError(f, rm.Request)
	case faultDelay:
		next.ServeHTTP(&delayWriter{ResponseWriter: w, delay: f.delay, ctx: r.Context()}, r)
	case faultTruncate:
		next.ServeHTTP(&cutWriter{ResponseWriter: w, left: f.bytes}, r)
	case faultReset:
		cw := &cutWriter{ResponseWriter: w, left: f.bytes, holdHeader: f.bytes == 0}
		next.ServeHTTP(cw, r)
		cw.flush()
		// The server closes the connection, sending nothing more.
		panic(http.ErrAbortHandler)
	case faultResetRequest:
		body := r.Body
		if body == nil {
			body = http.NoBody
		}
		r.Body = &cutBody{ReadCloser: body, left: f.bytes}
		next.ServeHTTP(&cutWriter{ResponseWriter: w, left: 0, holdHeader: true}, r)
		panic(http.ErrAbortHandler)
	default:
		next.ServeHTTP(w, r)
	}
	return nil
}

// delayWriter holds the answer for a while before its first byte.
type delayWriter struct {
	http.ResponseWriter
	delay time.Duration
	ctx   context.Context
	done  bool
}

func (d *delayWriter) wait() {
	if d.done {
		return
	}
	d.done = true
	t := time.NewTimer(d.delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-d.ctx.Done():
	}
}

func (d *delayWriter) WriteHeader(status int) {
	d.wait()
	d.ResponseWriter.WriteHeader(status)
}

func (d *delayWriter) Write(b []byte) (int, error) {
	d.wait()
	return d.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (d *delayWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// cutWriter passes at most left bytes of body, and the header unless
// holdHeader is set, and swallows the rest, so that the handler runs to its
// end as it would have.
type cutWriter struct {
	http.ResponseWriter
	left       int64
	holdHeader bool
}

func (c *cutWriter) WriteHeader(status int) {
	if !c.holdHeader {
		c.ResponseWriter.WriteHeader(status)
	}
}

func (c *cutWriter) Write(b []byte) (int, error) {
	n := len(b)
	if c.holdHeader {
		return n, nil
	}
	if int64(len(b)) > c.left {
		b = b[:c.left]
	}
	k, err := c.ResponseWriter.Write(b)
	c.left -= int64(k)
	if err != nil {
		return k, err
	}
	return n, nil
}

// flush sends what was passed on, so that it reaches the client before
// the connection closes.
func (c *cutWriter) flush() {
	if !c.holdHeader {
		_ = http.NewResponseController(c.ResponseWriter).Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (c *cutWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// cutBody ends a request body with errFaultReset after left bytes.
type cutBody struct {
	io.ReadCloser
	left int64
}

func (b *cutBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errFaultReset
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}
