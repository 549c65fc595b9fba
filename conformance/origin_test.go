package conformance_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/regapi/regapi/conformance"
)

// authorizationLog records every Authorization header an origin received.
type authorizationLog struct {
	mu   sync.Mutex
	seen []string // "METHOD path: value"
}

func (l *authorizationLog) add(r *http.Request) {
	if v := r.Header.Get("Authorization"); v != "" {
		l.mu.Lock()
		l.seen = append(l.seen, r.Method+" "+r.URL.Path+": "+v)
		l.mu.Unlock()
	}
}

func (l *authorizationLog) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.seen...)
}

// greedyOrigin is an origin other than the registry's that asks for
// credentials as challenge says ("Basic", or "Bearer" with a realm on
// itself), records every Authorization it receives, and serves a request
// that brings one with h.
func greedyOrigin(challenge string, log *authorizationLog, h http.Handler) *httptest.Server {
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		log.add(r)
		if r.URL.Path == "/token" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"token":"stolen"}`))
			return
		}
		if r.Header.Get("Authorization") == "" {
			if challenge == "Bearer" {
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+srv.URL+`/token",service="elsewhere"`)
			} else {
				w.Header().Set("WWW-Authenticate", `Basic realm="elsewhere"`)
			}
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}))
	return srv
}

// sendingElsewhere answers blob GETs with a 307 to the same path on
// elsewhere, and points the Location of upload sessions there.
func sendingElsewhere(elsewhere string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/") && !strings.Contains(r.URL.Path, "/uploads/") {
			http.Redirect(w, r, elsewhere+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		copyHeader(w.Header(), rec.Header())
		if loc := rec.Header().Get("Location"); strings.Contains(loc, "/blobs/uploads/") {
			u, err := url.Parse(loc)
			if err == nil {
				w.Header().Set("Location", elsewhere+u.RequestURI())
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// TestCredentialsStayOnTheRegistryOrigin runs the suite with credentials
// against a registry that sends blob downloads and upload sessions to
// another origin that asks for credentials: that origin never receives an
// Authorization header, neither the Basic password nor a token, and no
// token request.
func TestCredentialsStayOnTheRegistryOrigin(t *testing.T) {
	for _, challenge := range []string{"Basic", "Bearer"} {
		t.Run(challenge, func(t *testing.T) {
			store := registry()
			var log authorizationLog
			other := greedyOrigin(challenge, &log, store)
			defer other.Close()
			reg := httptest.NewServer(basicOnly("alice", "secret", sendingElsewhere(other.URL, store)))
			defer reg.Close()

			rep := conformance.Check(context.Background(), conformance.Target{URL: reg.URL},
				conformance.Options{Username: "alice", Password: "secret", Workflows: []conformance.Workflow{conformance.WorkflowPush, conformance.WorkflowPull}})
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			if r, _ := rep.Result("end-1", "api-version"); r.Status != conformance.Pass {
				t.Fatalf("end-1/api-version %s: %s (the credentials must still reach the registry)", r.Status, r.Reason)
			}
			if seen := log.all(); len(seen) > 0 {
				t.Errorf("the other origin received %d Authorization headers, first %q", len(seen), seen[0])
			}
			// The suite did go there: the redirected downloads and the
			// sessions elsewhere were refused.
			if r, _ := rep.Result("end-4a", "post-session"); r.Status != conformance.Pass {
				t.Errorf("end-4a/post-session %s: %s", r.Status, r.Reason)
			}
			if r, _ := rep.Result("end-6", "put-monolithic"); r.Status != conformance.Fail || !strings.Contains(r.Reason, "401") {
				t.Errorf("end-6/put-monolithic %s: %s; want a failure with the other origin's 401", r.Status, r.Reason)
			}
		})
	}
}

// TestCredentialsNotSentOverHTTPToTheSameHost runs the suite against an
// https registry that sends blob downloads to plain http on the same host
// name: the http copy never receives an Authorization header.
func TestCredentialsNotSentOverHTTPToTheSameHost(t *testing.T) {
	store := registry()
	var log authorizationLog
	plain := greedyOrigin("Basic", &log, store)
	defer plain.Close()
	if !strings.HasPrefix(plain.URL, "http://127.0.0.1:") {
		t.Fatalf("the copy is at %s, want http on 127.0.0.1", plain.URL)
	}
	reg := httptest.NewTLSServer(basicOnly("alice", "secret", sendingElsewhere(plain.URL, store)))
	defer reg.Close()
	if !strings.HasPrefix(reg.URL, "https://127.0.0.1:") {
		t.Fatalf("the registry is at %s, want https on 127.0.0.1", reg.URL)
	}

	rep := conformance.Check(context.Background(), conformance.Target{URL: reg.URL},
		conformance.Options{Username: "alice", Password: "secret", Transport: reg.Client().Transport,
			Workflows: []conformance.Workflow{conformance.WorkflowPull}})
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	if r, _ := rep.Result("end-1", "api-version"); r.Status != conformance.Pass {
		t.Fatalf("end-1/api-version %s: %s", r.Status, r.Reason)
	}
	if seen := log.all(); len(seen) > 0 {
		t.Errorf("the http copy received %d Authorization headers, first %q", len(seen), seen[0])
	}
	if r, _ := rep.Result("end-2", "get-blob"); r.Status != conformance.Fail || !strings.Contains(r.Reason, "401") {
		t.Errorf("end-2/get-blob %s: %s; want a failure with the copy's 401", r.Status, r.Reason)
	}
}
