package registrytest

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/regapi/regapi/internal/reply"
)

// DefaultRequestLogSize is how many requests the request log keeps by
// default.
const DefaultRequestLogSize = 10000

// Request is one request as the registry's request log records it, for
// tests to assert what a client sent.
type Request struct {
	// Method, Path and Query are the request's method, path and raw query,
	// each cut to its first 2048 bytes (and "...") when longer.
	Method, Path, Query string

	// Route is the name of the route the request matched, and EndpointID
	// the OCI endpoint ID of its variant; both are empty when the request
	// matched none (a redirect, a path no route has, a method a route
	// does not offer).
	Route, EndpointID string

	// Status is the status of the answer, or 0 while none was sent (or
	// when the connection closed before one, as a reset fault does).
	Status int

	// RequestBytes is how many bytes of the request body the registry
	// read, and ResponseBytes how many bytes of body it wrote.
	RequestBytes, ResponseBytes int64

	// Fault is the SPEC of the fault that fired on the request, or empty.
	Fault string
}

// maxLoggedText bounds what the log keeps of a request's method, path and
// query: a client may send URLs of up to a megabyte, and the log keeps
// thousands of requests.
const maxLoggedText = 2048

// requestLog keeps the last requests in a ring. A request takes its slot
// when it arrives, so that the log is in arrival order, and fills it when
// it is answered.
type requestLog struct {
	mu      sync.Mutex
	entries []Request
	seqs    []uint64 // the sequence number of the request in each slot
	next    uint64   // the sequence number of the next request
}

func newRequestLog(size int) *requestLog {
	size = max(min(size, 1024), 0)
	return &requestLog{entries: make([]Request, 0, size), seqs: make([]uint64, 0, size)}
}

// begin takes the next slot for r and returns its sequence number.
func (l *requestLog) begin(r *http.Request, size int) uint64 {
	if size <= 0 {
		return 0
	}
	var e Request
	if r.RequestURI != "" && len(r.RequestURI) <= maxLoggedText && len(r.Method) <= maxLoggedText &&
		len(r.URL.Path) <= maxLoggedText && len(r.URL.RawQuery) <= maxLoggedText {
		// A server's request whose line is short, and whose URL no
		// one made longer: its parts may keep the line, which is no
		// longer than what a copy would take, and need no cut.
		e = Request{Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery}
	} else {
		// The three are parts of the request line, which may be a
		// megabyte long (or of whatever a caller of ServeHTTP built
		// the request from): one copy of them keeps the log from
		// holding it.
		method, path, query := reply.Truncate(r.Method, maxLoggedText), reply.Truncate(r.URL.Path, maxLoggedText), reply.Truncate(r.URL.RawQuery, maxLoggedText)
		var b strings.Builder
		b.Grow(len(method) + len(path) + len(query))
		b.WriteString(method)
		b.WriteString(path)
		b.WriteString(query)
		text := b.String()
		e = Request{Method: text[:len(method)], Path: text[len(method) : len(method)+len(path)], Query: text[len(method)+len(path):]}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.next++
	seq := l.next
	if len(l.entries) < size {
		l.entries = append(l.entries, e)
		l.seqs = append(l.seqs, seq)
	} else {
		i := int((seq - 1) % uint64(size))
		l.entries[i], l.seqs[i] = e, seq
	}
	return seq
}

// end records what became of request seq, unless the ring has moved past
// it.
func (l *requestLog) end(seq uint64, size int, x *exchange) {
	if seq == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	i := int((seq - 1) % uint64(size))
	if i < len(l.seqs) && l.seqs[i] == seq {
		e := &l.entries[i]
		e.Route, e.EndpointID, e.Status = x.route, x.endpoint, x.status
		e.RequestBytes, e.ResponseBytes, e.Fault = x.read, x.written, x.fault
	}
}

// Requests returns the requests the registry received since it was made or
// since ResetRequests, oldest first: at most Options.RequestLogSize of
// them, the most recent. It is safe to call while requests run; those not
// answered yet have Status 0.
func (reg *Registry) Requests() []Request {
	l := reg.log
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Request, 0, len(l.entries))
	if l.next <= uint64(len(l.entries)) {
		return append(out, l.entries...)
	}
	start := int(l.next % uint64(len(l.entries)))
	out = append(out, l.entries[start:]...)
	return append(out, l.entries[:start]...)
}

// ResetRequests empties the request log.
func (reg *Registry) ResetRequests() {
	l := reg.log
	l.mu.Lock()
	defer l.mu.Unlock()
	clear(l.entries)
	l.entries, l.seqs = l.entries[:0], l.seqs[:0]
	l.next = 0
}

// exchange follows one request through the registry: what it read of the
// body, what it wrote, and what the server and the faults made of it, for
// the request log and the Logger.
type exchange struct {
	http.ResponseWriter
	body     countingBody // the request body, counted; one allocation with the exchange
	status   int
	written  int64
	read     int64
	route    string
	endpoint string
	fault    string
}

func (x *exchange) WriteHeader(status int) {
	if x.status == 0 {
		x.status = status
	}
	x.ResponseWriter.WriteHeader(status)
}

func (x *exchange) Write(b []byte) (int, error) {
	if x.status == 0 {
		x.status = http.StatusOK
	}
	n, err := x.ResponseWriter.Write(b)
	x.written += int64(n)
	return n, err
}

// ReadFrom lets a blob read from a file reach the connection without a
// copy through user space, where the connection can.
func (x *exchange) ReadFrom(r io.Reader) (int64, error) {
	if x.status == 0 {
		x.status = http.StatusOK
	}
	n, err := io.Copy(writerOnly{x.ResponseWriter}, r)
	x.written += n
	return n, err
}

// writerOnly hides every method but Write, so that io.Copy uses the
// underlying writer's ReadFrom, if any, rather than looping back.
type writerOnly struct{ io.Writer }

// Unwrap lets http.ResponseController reach the connection, to set the
// deadlines of BodyTimeout and to flush.
func (x *exchange) Unwrap() http.ResponseWriter {
	return x.ResponseWriter
}

// countingBody counts the bytes of a request body the registry reads.
type countingBody struct {
	io.ReadCloser
	x *exchange
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.x.read += int64(n)
	return n, err
}

// record writes what became of a request to the request log and the
// Logger.
func (reg *Registry) record(x *exchange, r *http.Request, seq uint64, start time.Time) {
	reg.log.end(seq, reg.opts.RequestLogSize, x)
	if reg.opts.Logger != nil {
		status := x.status
		if status == 0 {
			status = http.StatusOK
		}
		reg.opts.Logger.Printf("%s %s %s %d %d %s", r.RemoteAddr, r.Method, r.URL.RequestURI(), status, x.written, time.Since(start).Round(time.Microsecond))
	}
}
