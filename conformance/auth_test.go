package conformance_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/registrytest"
)

// basicOnly asks every request for Basic credentials and serves those that
// bring the right ones.
func basicOnly(user, pass string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, p, ok := r.BasicAuth(); !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`))
			return
		}
		h.ServeHTTP(w, r)
	})
}

func TestBasicAuthentication(t *testing.T) {
	srv := httptest.NewServer(basicOnly("alice", "s3cret", registry()))
	defer srv.Close()
	tests := []struct {
		name, user, pass string
		ok               bool
	}{
		{"right credentials", "alice", "s3cret", true},
		{"wrong password", "alice", "guess", false},
		{"no credentials", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := conformance.Check(context.Background(), conformance.Target{URL: srv.URL},
				conformance.Options{Username: tt.user, Password: tt.pass, Workflows: []conformance.Workflow{conformance.WorkflowPull}})
			if rep.OK() != tt.ok {
				t.Fatalf("OK = %v, want %v; failed %v", rep.OK(), tt.ok, failures(rep))
			}
			if !tt.ok {
				r, _ := rep.Result("end-1", "api-version")
				if r.Status != conformance.Fail || r.Exchange == nil || r.Exchange.Status != http.StatusUnauthorized {
					t.Errorf("end-1/api-version: %s %q", r.Status, r.Reason)
				}
				// The 401 the registry answered breaks no contract.
				if c, _ := rep.Result("end-1", "contract-headers"); c.Status != conformance.Pass {
					t.Errorf("end-1/contract-headers: %s %q", c.Status, c.Reason)
				}
			}
		})
	}
}

// TestRegistrytestWithAuthentication runs the whole suite against the
// in-memory registry requiring credentials, with Basic and with tokens from
// its own token server: with the credentials of a user everything passes;
// without them, or with those of a pull-only user, pushes fail.
func TestRegistrytestWithAuthentication(t *testing.T) {
	users := []registrytest.User{{Name: "alice", Password: "s3cret"}, {Name: "reader", Password: "r3ad", PullOnly: true}}
	for _, mode := range []registrytest.AuthMode{registrytest.AuthBasic, registrytest.AuthToken} {
		srv := registrytest.NewServer(registrytest.Options{Auth: registrytest.Auth{Mode: mode, Users: users}})
		t.Cleanup(srv.Close)
		for _, tt := range []struct {
			user, pass string
			ok         bool
		}{
			{"alice", "s3cret", true},
			{"reader", "r3ad", false},
			{"alice", "wrong", false},
			{"", "", false},
		} {
			rep := conformance.Check(context.Background(), conformance.Target{URL: srv.URL},
				conformance.Options{Username: tt.user, Password: tt.pass, Spec: conformance.SpecDev, Enable: conformance.AllFeatures()})
			if rep.OK() != tt.ok {
				t.Errorf("mode %d, user %q: OK = %v, want %v; failed %v", mode, tt.user, rep.OK(), tt.ok, failures(rep))
			}
			if !tt.ok {
				if r, _ := rep.Result("end-4a", "post-session"); r.Status == conformance.Pass {
					t.Errorf("mode %d, user %q: end-4a/post-session %s", mode, tt.user, r.Status)
				}
			}
		}
	}
}
