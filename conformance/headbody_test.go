package conformance_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/errcode"
)

// headAsGet answers a HEAD request as GET, body and all, as a handler that
// does not look at the method does, and a HEAD of anything missing with
// errcode.ServeJSON, whose envelope is a body too.
func headAsGet(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		get := r.Clone(r.Context())
		get.Method = http.MethodGet
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, get)
		if rec.Code == http.StatusNotFound {
			code := errcode.ErrorCodeBlobUnknown
			if strings.Contains(r.URL.Path, "/manifests/") {
				code = errcode.ErrorCodeManifestUnknown
			}
			_ = errcode.ServeJSON(w, code)
			return
		}
		copyHeader(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// serveRaw serves h on a loopback socket with hand-written HTTP/1.1
// responses that carry the body the handler wrote whatever the method,
// HEAD included, with a Content-Length that matches it: what net/http's
// server would never send.
// With cfg, the socket speaks TLS.
func serveRaw(t *testing.T, h http.Handler, cfg *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	scheme := "http://"
	if cfg != nil {
		ln, scheme = tls.NewListener(ln, cfg), "https://"
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go serveRawConn(c, h)
		}
	}()
	return scheme + ln.Addr().String()
}

func serveRawConn(c net.Conn, h http.Handler) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		req.RemoteAddr = c.RemoteAddr().String()
		if tc, ok := c.(*tls.Conn); ok {
			st := tc.ConnectionState()
			req.TLS = &st // for the URLs the registry builds
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		_, _ = io.Copy(io.Discard, req.Body)
		var b bytes.Buffer
		fmt.Fprintf(&b, "HTTP/1.1 %d %s\r\n", rec.Code, http.StatusText(rec.Code))
		rec.Header().Del("Content-Length")
		_ = rec.Header().Write(&b)
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", rec.Body.Len())
		b.Write(rec.Body.Bytes())
		if _, err := c.Write(b.Bytes()); err != nil {
			return
		}
	}
}

// TestHeadBodyInProcess runs the suite in process against a registry that
// answers HEAD as GET and a missing blob or manifest with
// errcode.ServeJSON: net/http's server would drop those bodies, and so
// does the in-process target. Every check passes.
func TestHeadBodyInProcess(t *testing.T) {
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		rep := check(t, headAsGet(registry()), everything(spec))
		if f := failures(rep); len(f) > 0 {
			for _, name := range f {
				endpoint, chk, _ := strings.Cut(name, "/")
				r, _ := rep.Result(endpoint, chk)
				t.Errorf("%s: %s: %s", spec, name, r.Reason)
			}
		}
	}
}

// TestHeadBodyOverTheWire runs the same registry over a socket whose
// server sends the bodies of HEAD responses, in plain HTTP and over TLS:
// the HEAD checks and the contract checks of the blob and manifest
// endpoints report them, and the connection, on which the bytes were held
// back, serves every other check.
func TestHeadBodyOverTheWire(t *testing.T) {
	// A TLS server lends its certificate and a client that trusts it.
	certs := httptest.NewTLSServer(http.NotFoundHandler())
	defer certs.Close()
	for _, tt := range []struct {
		name string
		cfg  *tls.Config
		tr   http.RoundTripper
	}{
		{"http", nil, nil},
		{"https", certs.TLS, certs.Client().Transport},
	} {
		t.Run(tt.name, func(t *testing.T) {
			url := serveRaw(t, headAsGet(registry()), tt.cfg)
			opts := everything(conformance.SpecDev)
			opts.Transport = tt.tr
			rep := conformance.Check(context.Background(), conformance.Target{URL: url}, opts)
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			mustFail := []string{"end-2/head-blob", "end-2/get-blob-sha512", "end-2/contract-headers", "end-3/head-manifest-tag", "end-3/head-manifest-digest", "end-3/contract-headers"}
			for _, name := range mustFail {
				endpoint, chk, _ := strings.Cut(name, "/")
				r, _ := rep.Result(endpoint, chk)
				if r.Status != conformance.Fail || !strings.Contains(r.Reason, "HEAD response carries") {
					t.Errorf("%s %s: %s; want a failure for the HEAD body", name, r.Status, r.Reason)
				}
			}
			for _, name := range failures(rep) {
				if !slices.Contains(mustFail, name) {
					endpoint, chk, _ := strings.Cut(name, "/")
					r, _ := rep.Result(endpoint, chk)
					t.Errorf("%s failed too: %s", name, r.Reason)
				}
			}
		})
	}
}
