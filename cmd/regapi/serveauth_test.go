package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registrytest"
)

// exchange sends one request to h and returns the recorded answer.
func exchange(t *testing.T, h http.Handler, method, path, authorization string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, "http://127.0.0.1:5000"+path, bytes.NewReader(body))
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func basicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// bearer fetches a token for scopes from the registry's token server.
func bearer(t *testing.T, h http.Handler, authorization string, scopes ...string) string {
	t.Helper()
	q := url.Values{"service": {"registrytest"}, "scope": scopes}
	rec := exchange(t, h, "GET", "/token?"+q.Encode(), authorization, nil)
	var tok struct {
		Token string `json:"token"`
	}
	if rec.Code != http.StatusOK || json.Unmarshal(rec.Body.Bytes(), &tok) != nil || tok.Token == "" {
		t.Fatalf("token for %v: %d %s", scopes, rec.Code, rec.Body)
	}
	return "Bearer " + tok.Token
}

// TestServeAuthFlags checks, through the flags of regapi serve, the
// mounts without from and the fault endpoint with authentication: a mount
// reads only what the request may pull, and only a user who may push
// everywhere reaches the faults.
func TestServeAuthFlags(t *testing.T) {
	secret := []byte("only in private")
	d := digest.FromBytes(secret)
	mount := "/v2/ci/scratch/blobs/uploads/?mount=" + d.String()
	alice, ci, reader := basicAuth("alice", "s3cret"), basicAuth("ci", "c1"), basicAuth("bob", "pw")
	for _, mode := range []string{"basic", "token"} {
		t.Run(mode, func(t *testing.T) {
			var stderr bytes.Buffer
			cfg, status := parseServeFlags([]string{"-auth", mode, "-fault-endpoint", "-user=alice:s3cret", "-user=ci:c1", "-reader=bob:pw",
				"-user-repositories=ci=ci/scratch,ci/other"}, &stderr)
			if cfg == nil {
				t.Fatalf("flags: %d %s", status, stderr.String())
			}
			reg := registrytest.New(cfg.opts)
			owner, narrow, wide := alice, ci, alice
			if mode == "token" {
				owner = bearer(t, reg, alice, "repository:private:pull,push")
				narrow = bearer(t, reg, alice, "repository:ci/scratch:pull,push")
				wide = bearer(t, reg, alice, "repository:ci/scratch:pull,push", "repository:private:pull")
			}
			if rec := exchange(t, reg, "POST", "/v2/private/blobs/uploads/?digest="+d.String(), owner, secret); rec.Code != http.StatusCreated {
				t.Fatalf("push: %d %s", rec.Code, rec.Body)
			}
			if rec := exchange(t, reg, "POST", mount, narrow, nil); rec.Code != http.StatusAccepted {
				t.Fatalf("mount without pull on private: %d %s", rec.Code, rec.Body)
			}
			if rec := exchange(t, reg, "GET", "/v2/ci/scratch/blobs/"+d.String(), narrow, nil); rec.Code != http.StatusNotFound {
				t.Fatalf("read through ci/scratch after the refused mount: %d", rec.Code)
			}
			if rec := exchange(t, reg, "POST", mount, wide, nil); rec.Code != http.StatusCreated {
				t.Fatalf("mount with pull on private: %d %s", rec.Code, rec.Body)
			}

			// Basic mode has no token server: any bearer token is
			// refused there, a valid one in token mode.
			pushToken := "Bearer eyJ0eXAiOiJhY2Nlc3MifQ.c2ln"
			if mode == "token" {
				pushToken = bearer(t, reg, alice, "repository:f:pull,push")
			}
			for _, tt := range []struct {
				name, authorization string
				status              int
			}{
				{"anonymous", "", http.StatusUnauthorized},
				{"token", pushToken, http.StatusUnauthorized},
				{"reader", reader, http.StatusForbidden},
				{"limited user", ci, http.StatusForbidden},
				{"pusher", alice, http.StatusNoContent},
			} {
				rec := exchange(t, reg, "POST", "/_regapi/faults", tt.authorization, []byte("* * status=503"))
				if rec.Code != tt.status {
					t.Fatalf("fault endpoint, %s: %d, want %d", tt.name, rec.Code, tt.status)
				}
				if got := rec.Header().Get("WWW-Authenticate"); tt.status == http.StatusUnauthorized && got != `Basic realm="registrytest"` {
					t.Fatalf("fault endpoint, %s: challenge %q", tt.name, got)
				}
			}
		})
	}
}
