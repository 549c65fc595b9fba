package conformance

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"
)

// A server that sends a body after the header of a HEAD response breaks
// HTTP: a client that trusts it reads the body as the start of the next
// response. net/http's client never hands such bytes to its caller (it
// logs them as an unsolicited response and drops the connection), so the
// suite watches its own connections for them: headConn sits between the
// transport and the socket (above TLS), is told when a HEAD request goes
// out on it, finds the end of the response header, and counts and holds
// back what follows until the next request is written.

// watchHeadBodies makes tr's connections report HEAD bodies: an https
// connection is then made by the transport's own dialer and TLS settings,
// and speaks HTTP/1.1, where a HEAD body is a matter of bytes on the
// connection.
func watchHeadBodies(tr *http.Transport) {
	dial := tr.DialContext
	if dial == nil {
		dial = (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		// Below TLS the watcher is never told of a HEAD request, since
		// the transport names the TLS connection, and passes bytes on.
		return &headConn{Conn: c}, nil
	}
	dialTLS := tr.DialTLSContext
	//lint:ignore SA1019 a transport's deprecated DialTLS is left to serve as it would
	if dialTLS == nil && tr.DialTLS == nil {
		cfg := tr.TLSClientConfig
		dialTLS = func(ctx context.Context, network, addr string) (net.Conn, error) {
			raw, err := dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			c := &tls.Config{}
			if cfg != nil {
				c = cfg.Clone()
			}
			if c.ServerName == "" {
				host, _, err := net.SplitHostPort(addr)
				if err != nil {
					host = addr
				}
				c.ServerName = host
			}
			c.NextProtos = []string{"http/1.1"}
			tc := tls.Client(raw, c)
			if err := tc.HandshakeContext(ctx); err != nil {
				raw.Close()
				return nil, err
			}
			return tc, nil
		}
	}
	if dialTLS != nil {
		tr.DialTLSContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := dialTLS(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &headConn{Conn: c}, nil
		}
	}
}

// headWatch follows one request to the connection it is sent on, for the
// count of the bytes after a HEAD response's header. The auth transport
// may send a request twice; the count is that of the last.
type headWatch struct {
	mu   sync.Mutex
	conn *headConn
}

// trace returns ctx with a trace that tells the connection of a HEAD
// request about it.
func (w *headWatch) trace(ctx context.Context) context.Context {
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		GotConn: func(info httptrace.GotConnInfo) {
			c, ok := info.Conn.(*headConn)
			if !ok {
				return
			}
			c.expectHead()
			w.mu.Lock()
			w.conn = c
			w.mu.Unlock()
		},
	})
}

// bodyLen returns the bytes that came after the header of the last HEAD
// response, or 0 when the request went over no watched connection. Once
// a body has begun, it waits a moment for the rest of its Content-Length.
func (w *headWatch) bodyLen() int64 {
	w.mu.Lock()
	c := w.conn
	w.mu.Unlock()
	if c == nil {
		return 0
	}
	return c.headBody()
}

// The states of a headConn.
const (
	passing     = iota // bytes pass through
	headHeader         // a HEAD request went out: looking for its answer's header's end
	afterHeader        // the header has ended: bytes are a HEAD body
)

// headBodyWait bounds the wait for the rest of a HEAD body that has begun,
// before the count is taken and before the next request goes out.
const headBodyWait = 2 * time.Second

// headConn is a connection that counts and holds back the bytes a server
// sends after the header of a HEAD response, until the next request.
type headConn struct {
	net.Conn

	mu       sync.Mutex
	state    int
	scan     headerScan
	extra    int64         // bytes after the header of the current HEAD response
	progress chan struct{} // closed when extra grows or reading fails
	failed   bool          // reading failed: no more bytes will come
}

// expectHead marks the next response as the answer to a HEAD request.
func (c *headConn) expectHead() {
	c.mu.Lock()
	c.state, c.scan, c.extra = headHeader, headerScan{}, 0
	c.mu.Unlock()
}

// headBody returns the bytes counted after the last HEAD response's
// header. When they are fewer than its Content-Length but not none, it
// first waits up to headBodyWait for the rest, which the transport reads
// on while the connection is idle.
func (c *headConn) headBody() int64 {
	var deadline *time.Timer // made only when there is something to wait for
	for {
		c.mu.Lock()
		n, want := c.extra, c.scan.contentLength
		if c.state != afterHeader || c.failed || n == 0 || n >= want {
			c.mu.Unlock()
			if deadline != nil {
				deadline.Stop()
			}
			return n
		}
		if c.progress == nil {
			c.progress = make(chan struct{})
		}
		wait := c.progress
		c.mu.Unlock()
		if deadline == nil {
			deadline = time.NewTimer(headBodyWait)
		}
		select {
		case <-wait:
		case <-deadline.C:
			return n
		}
	}
}

// grew wakes those waiting for the count; c.mu is held.
func (c *headConn) grew() {
	if c.progress != nil {
		close(c.progress)
		c.progress = nil
	}
}

// Write sends p; after a HEAD response it starts the next request, and
// bytes from then on are the next response's. A HEAD body still arriving
// is let in first, so that its bytes are not taken for that response.
func (c *headConn) Write(p []byte) (int, error) {
	c.headBody()
	c.mu.Lock()
	if c.state == afterHeader {
		c.state = passing
	}
	c.mu.Unlock()
	return c.Conn.Write(p)
}

// Read reads into p what the transport may see: a HEAD response up to the
// end of its header, and none of the bytes after it.
func (c *headConn) Read(p []byte) (int, error) {
	for {
		n, err := c.Conn.Read(p)
		c.mu.Lock()
		switch c.state {
		case headHeader:
			if end, done := c.scan.feed(p[:n]); done {
				c.state = afterHeader
				c.extra += int64(n - end)
				n = end
				c.grew()
			}
		case afterHeader:
			c.extra += int64(n)
			n = 0
			c.grew()
		}
		if err != nil {
			c.failed = true
			c.grew()
		}
		c.mu.Unlock()
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// headerScan finds the end of the final header of a response, past any
// informational (1xx) ones, as bytes are fed to it, and its
// Content-Length. Lines may end in CRLF or LF, as net/http's reader
// accepts.
type headerScan struct {
	line          [len("content-length: ") + 19]byte // the start of the current line
	lineLen       int                                // bytes of the current line, CR aside
	lineNo        int                                // lines of the current header so far
	status        [len("HTTP/1.1 200")]byte          // the start of the status line
	contentLength int64                              // of the final header, when it has a valid one
}

// feed scans b and returns the offset just past the final header's end
// and true, or false when it has not ended in b.
func (s *headerScan) feed(b []byte) (int, bool) {
	for i, ch := range b {
		switch ch {
		case '\r':
			continue
		case '\n':
			if s.lineLen > 0 {
				s.endLine()
				continue
			}
			if s.lineNo == 0 {
				continue // blank lines before a status line
			}
			if !s.informational() {
				return i + 1, true
			}
			*s = headerScan{}
		default:
			if s.lineLen < len(s.line) {
				s.line[s.lineLen] = ch
			}
			s.lineLen++
		}
	}
	return 0, false
}

// endLine takes in the line scanned: the status line, or a header field.
func (s *headerScan) endLine() {
	line := s.line[:min(s.lineLen, len(s.line))]
	if s.lineNo == 0 {
		copy(s.status[:], line)
	} else if name, value, ok := strings.Cut(string(line), ":"); ok && s.lineLen <= len(s.line) && strings.EqualFold(name, "Content-Length") {
		if n, err := strconv.ParseInt(strings.TrimSpace(value), 10, 64); err == nil && n >= 0 {
			s.contentLength = n
		}
	}
	s.lineLen = 0
	s.lineNo++
}

// informational reports whether the header scanned is a 1xx other than
// 101, which a final response follows.
func (s *headerScan) informational() bool {
	return s.status[9] == '1' && string(s.status[9:12]) != "101"
}
