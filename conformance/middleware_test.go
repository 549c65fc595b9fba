package conformance_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/regapi/regapi/conformance"
)

// TestMiddlewarePassesResponsesThrough checks that what a client receives
// through the middleware is what it receives without: status, headers and
// every byte, for a body longer than what the middleware inspects.
func TestMiddlewarePassesResponsesThrough(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 6<<20/16)
	sum := sha256.Sum256(big)
	dgst := "sha256:" + hex.EncodeToString(sum[:])
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Docker-Content-Digest", dgst)
		w.Header().Set("X-Extra", "kept")
		w.WriteHeader(http.StatusOK)
		for b := big; len(b) > 0; b = b[min(len(b), 1<<16):] {
			_, _ = w.Write(b[:min(len(b), 1<<16)])
		}
	})
	var mu sync.Mutex
	var got []conformance.Violation
	srv := httptest.NewServer(conformance.Middleware(handler, func(v conformance.Violation) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, v)
	}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v2/a/blobs/" + dgst)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Extra") != "kept" || !bytes.Equal(body, big) {
		t.Errorf("got %d, X-Extra %q, %d bytes; want 200, kept, %d bytes", resp.StatusCode, resp.Header.Get("X-Extra"), len(body), len(big))
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 0 {
		t.Errorf("violations of a correct response: %v", got)
	}
}

func TestMiddlewareReports(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		path     string
		body     string
		handler  http.HandlerFunc
		endpoint string
		rule     conformance.Rule
	}{
		{
			name: "upload start without Location", method: "POST", path: "/v2/a/blobs/uploads/",
			handler:  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) },
			endpoint: "end-4a", rule: conformance.RuleHeaders,
		},
		{
			name: "a blob whose streamed body is not its digest", method: "GET", path: "/v2/a/blobs/" + helloDigest,
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Docker-Content-Digest", helloDigest)
				_, _ = io.WriteString(w, "hel")
				_, _ = io.WriteString(w, "p!")
			},
			endpoint: "end-2", rule: conformance.RuleDigest,
		},
		{
			name: "a manifest push answered with another digest", method: "PUT", path: "/v2/a/manifests/latest", body: "{}",
			handler: func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.ReadAll(r.Body)
				w.Header().Set("Location", "/v2/a/manifests/"+helloDigest)
				w.Header().Set("Docker-Content-Digest", helloDigest)
				w.WriteHeader(http.StatusCreated)
			},
			endpoint: "end-7a", rule: conformance.RuleDigest,
		},
		{
			name: "a handler that writes no status", method: "DELETE", path: "/v2/a/blobs/uploads/u1",
			handler:  func(w http.ResponseWriter, r *http.Request) {},
			endpoint: "end-14", rule: conformance.RuleStatus,
		},
		{
			name: "a body on HEAD, which only the middleware sees", method: "HEAD", path: "/v2/a/manifests/latest",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, `{"errors":[]}`)
			},
			endpoint: "end-3", rule: conformance.RuleHeaders,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []conformance.Violation
			h := conformance.Middleware(tt.handler, func(v conformance.Violation) { got = append(got, v) })
			req := httptest.NewRequest(tt.method, tt.path, strings.NewReader(tt.body))
			h.ServeHTTP(httptest.NewRecorder(), req)
			if len(got) != 1 || got[0].Endpoint != tt.endpoint || got[0].Rule != tt.rule {
				t.Errorf("violations %v, want one of rule %s on %s", got, tt.rule, tt.endpoint)
			}
		})
	}
}

// TestMiddlewareAroundTheSuite runs the suite through the middleware
// around the in-memory registry: the middleware and the suite's own
// contract checks agree, so a registry that passes the suite reports no
// violation to the middleware.
func TestMiddlewareAroundTheSuite(t *testing.T) {
	var mu sync.Mutex
	var got []string
	h := conformance.Checker{Spec: conformance.SpecDev}.Middleware(headSafe(registry()), func(v conformance.Violation) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, v.String())
	})
	srv := httptest.NewServer(h)
	defer srv.Close()
	rep := conformance.Check(context.Background(), conformance.Target{URL: srv.URL}, everything(conformance.SpecDev))
	if f := failures(rep); len(f) > 0 {
		t.Errorf("the suite failed %v", f)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) > 0 {
		t.Errorf("the middleware reported:\n%s", strings.Join(got, "\n"))
	}
}

// TestMiddlewareWithoutReport checks that a nil report leaves the handler
// alone.
func TestMiddlewareWithoutReport(t *testing.T) {
	h := conformance.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusTeapot)
	}), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/v2/", nil))
	if rec.Code != http.StatusTeapot {
		t.Errorf("status %d, want %d", rec.Code, http.StatusTeapot)
	}
}

// BenchmarkMiddleware measures what the checks add to a manifest fetch
// served from memory.
func BenchmarkMiddleware(b *testing.B) {
	body := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"` + emptyJSON + `","size":2},"layers":[]}`)
	sum := sha256.Sum256(body)
	dgst := "sha256:" + hex.EncodeToString(sum[:])
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
		w.Header().Set("Docker-Content-Digest", dgst)
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		_, _ = w.Write(body)
	})
	for _, bc := range []struct {
		name string
		h    http.Handler
	}{
		{"bare", handler},
		{"checked", conformance.Middleware(handler, func(v conformance.Violation) { b.Fatal(v) })},
	} {
		b.Run(bc.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/v2/library/alpine/manifests/"+dgst, nil)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				bc.h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}
