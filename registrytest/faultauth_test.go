package registrytest

import (
	"net/http"
	"strings"
	"testing"
)

// TestFaultEndpointNeedsPusher checks that, with authentication on, the
// fault endpoint takes only the Basic credentials of a user who may push
// everywhere: 401 with a Basic challenge naming the service without them,
// 403 for anyone else, whatever else the request carries; and that it is
// open without authentication.
func TestFaultEndpointNeedsPusher(t *testing.T) {
	users := []User{
		{Name: "alice", Password: "s3cret"},
		{Name: "reader", Password: "r3ad", PullOnly: true},
		{Name: "ci", Password: "c1", Repositories: []string{"ci/scratch"}},
	}
	const spec = "* * status=503 x1000"
	for _, mode := range []AuthMode{AuthBasic, AuthToken} {
		reg := New(Options{FaultEndpoint: true, Auth: Auth{Mode: mode, Users: users, AnonymousPull: true, Service: "reg.example"}})
		pushToken, res := tokenFor(t, reg, basic("alice", "s3cret"), "repository:f:pull,push,delete", "registry:catalog:*")
		if mode == AuthToken && pushToken == "" {
			t.Fatalf("token: %d %s", res.status, res.body)
		}
		if mode == AuthBasic {
			// Basic mode has no token server: a token of the same
			// shape still must not pass.
			pushToken = "eyJ0eXAiOiJhY2Nlc3MifQ.c2lnbmF0dXJl"
		}
		for _, tt := range []struct {
			name, authorization string
			status              int
		}{
			{"anonymous", "", http.StatusUnauthorized},
			{"wrong password", basic("alice", "wrong"), http.StatusUnauthorized},
			{"unknown user", basic("mallory", "s3cret"), http.StatusUnauthorized},
			{"malformed Basic", "Basic !!!", http.StatusUnauthorized},
			{"bearer token", "Bearer " + pushToken, http.StatusUnauthorized},
			{"pull-only user", basic("reader", "r3ad"), http.StatusForbidden},
			{"user limited to some repositories", basic("ci", "c1"), http.StatusForbidden},
		} {
			for _, method := range []string{"POST", "GET", "DELETE"} {
				var body []byte
				if method == "POST" {
					body = []byte(spec)
				}
				if err := reg.InjectFault("GET end-2 repo=kept status=500"); err != nil {
					t.Fatal(err)
				}
				res := authCall(t, reg, method, "/_regapi/faults", tt.authorization, body)
				if res.status != tt.status {
					t.Fatalf("mode %d, %s, %s: %d, want %d: %s", mode, tt.name, method, res.status, tt.status, res.body)
				}
				challenge := res.header.Get("WWW-Authenticate")
				if tt.status == http.StatusUnauthorized && (challenge != `Basic realm="reg.example"` || len(res.header.Values("WWW-Authenticate")) != 1) {
					t.Fatalf("mode %d, %s, %s: challenge %q", mode, tt.name, method, res.header.Values("WWW-Authenticate"))
				}
				if tt.status == http.StatusForbidden && challenge != "" {
					t.Fatalf("mode %d, %s, %s: a 403 with challenge %q", mode, tt.name, method, challenge)
				}
				faults := reg.Faults()
				if len(faults) != 1 || faults[0].Spec != "GET end-2 repo=kept status=500" {
					t.Fatalf("mode %d, %s, %s: the refused request changed the faults: %v", mode, tt.name, method, faults)
				}
				if method == "GET" && strings.Contains(string(res.body), "repo=kept") {
					t.Fatalf("mode %d, %s: the refused GET listed the faults: %s", mode, tt.name, res.body)
				}
				reg.ClearFaults()
			}
		}

		// A user who may push inject, lists and clears.
		alice := basic("alice", "s3cret")
		if res := authCall(t, reg, "POST", "/_regapi/faults", alice, []byte(spec)); res.status != http.StatusNoContent {
			t.Fatalf("mode %d, pusher POST: %d %s", mode, res.status, res.body)
		}
		if res := authCall(t, reg, "GET", "/_regapi/faults", alice, nil); res.status != http.StatusOK || string(res.body) != spec+"\tremaining=1000\tfired=0\n" {
			t.Fatalf("mode %d, pusher GET: %d %q", mode, res.status, res.body)
		}
		if res := authCall(t, reg, "DELETE", "/_regapi/faults", alice, nil); res.status != http.StatusNoContent || len(reg.Faults()) != 0 {
			t.Fatalf("mode %d, pusher DELETE: %d, %d faults left", mode, res.status, len(reg.Faults()))
		}
	}

	// Without authentication, anyone may use it, as before.
	reg := New(Options{FaultEndpoint: true})
	if res := authCall(t, reg, "POST", "/_regapi/faults", "", []byte(spec)); res.status != http.StatusNoContent || len(reg.Faults()) != 1 {
		t.Fatalf("without authentication, anonymous POST: %d %s", res.status, res.body)
	}
	if res := authCall(t, reg, "GET", "/_regapi/faults", "Bearer whatever", nil); res.status != http.StatusOK {
		t.Fatalf("without authentication, GET: %d %s", res.status, res.body)
	}
}
