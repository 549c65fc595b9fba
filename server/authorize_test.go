package server_test

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/server"
)

// TestAuthorize checks the authorization hook: it is given the request's
// variant and the scopes it needs, and its refusal is answered with the
// status, challenge and code it carries, before the store is asked
// anything.
func TestAuthorize(t *testing.T) {
	const challenge = `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`
	var mu sync.Mutex
	var seen []string // endpoint and scopes of each request the hook saw
	hook := func(r *http.Request, rm regapi.RequestMatch, scopes []auth.Scope) error {
		var names []string
		for _, s := range scopes {
			names = append(names, s.String())
		}
		mu.Lock()
		seen = append(seen, rm.Request.Name+" "+strings.Join(names, " "))
		mu.Unlock()
		switch r.Header.Get("Authorization") {
		case "":
			return errcode.HTTPError{StatusCode: http.StatusUnauthorized,
				Header: http.Header{"Www-Authenticate": {challenge}},
				Errors: errcode.Errors{errcode.ErrorCodeUnauthorized.WithDetail(names)}}
		case "reader":
			if r.Method != http.MethodGet && r.Method != http.MethodHead {
				return errcode.ErrorCodeDenied
			}
		}
		return nil
	}
	store := &recordingStore{fakeStore: newFakeStore()}
	srv, _ := newTestServer(t, store, server.Options{Authorize: hook})
	writer := http.Header{"Authorization": {"writer"}}
	content := []byte("guarded")
	d := digest.FromBytes(content)
	if resp := do(t, http.MethodPost, srv.URL+"/v2/a/b/blobs/uploads/?digest="+d.String(), writer, content); resp.status != http.StatusCreated {
		t.Fatalf("push with access: %d %s", resp.status, resp.body)
	}
	store.take()

	tests := []struct {
		name, method, path, who string
		status                  int
		code                    errcode.ErrorCode
		hookSaw                 string
	}{
		{"anonymous pull", http.MethodGet, "/v2/a/b/blobs/" + d.String(), "", http.StatusUnauthorized, errcode.ErrorCodeUnauthorized, "Fetch Blob repository:a/b:pull"},
		{"reader pull", http.MethodGet, "/v2/a/b/blobs/" + d.String(), "reader", http.StatusOK, 0, "Fetch Blob repository:a/b:pull"},
		{"reader delete", http.MethodDelete, "/v2/a/b/blobs/" + d.String(), "reader", http.StatusForbidden, errcode.ErrorCodeDenied, "Delete Blob repository:a/b:delete"},
		{"reader mount", http.MethodPost, "/v2/c/blobs/uploads/?mount=" + d.String() + "&from=a/b", "reader", http.StatusForbidden, errcode.ErrorCodeDenied, "Mount Blob repository:a/b:pull repository:c:pull,push"},
		{"base", http.MethodGet, "/v2/", "", http.StatusUnauthorized, errcode.ErrorCodeUnauthorized, "Check API Support "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			store.take()
			var h http.Header
			if tt.who != "" {
				h = http.Header{"Authorization": {tt.who}}
			}
			resp := do(t, tt.method, srv.URL+tt.path, h, nil)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			if tt.code != 0 {
				if !hasCode(resp.body, tt.code) {
					t.Errorf("codes %v, want %s", codes(resp.body), tt.code)
				}
				if calls := store.take(); len(calls) > 0 {
					t.Errorf("a refused request reached the store: %v", calls)
				}
			}
			if tt.status == http.StatusUnauthorized && resp.header.Get("WWW-Authenticate") != challenge {
				t.Errorf("WWW-Authenticate %q, want the hook's challenge", resp.header.Get("WWW-Authenticate"))
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(seen, []string{tt.hookSaw}) {
				t.Errorf("the hook saw %q, want %q", seen, tt.hookSaw)
			}
		})
	}
}

// TestMountFromAnyRepository checks a mount without from: it mounts from a
// repository holding the blob that the hook lets the request pull, starts
// an upload when there is none, and always starts one with
// DisableAnonymousMount.
func TestMountFromAnyRepository(t *testing.T) {
	hidden, shared := []byte("hidden content"), []byte("shared content")
	hook := func(r *http.Request, rm regapi.RequestMatch, scopes []auth.Scope) error {
		for _, s := range scopes {
			if s.Name == "secret" && strings.HasPrefix(rm.Request.Name, "Mount") {
				return errcode.ErrorCodeDenied
			}
		}
		return nil
	}
	tests := []struct {
		name    string
		opts    server.Options
		content []byte
		status  int
	}{
		{"only in a repository the request may not pull", server.Options{Authorize: hook}, hidden, http.StatusAccepted},
		{"in a repository the request may pull", server.Options{Authorize: hook}, shared, http.StatusCreated},
		{"without a hook", server.Options{}, hidden, http.StatusCreated},
		{"disabled", server.Options{DisableAnonymousMount: true}, shared, http.StatusAccepted},
		{"nowhere", server.Options{}, []byte("never pushed"), http.StatusAccepted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := newTestServer(t, newFakeStore(), tt.opts)
			pushBlob(t, srv.URL, "secret", hidden)
			pushBlob(t, srv.URL, "secret", shared)
			pushBlob(t, srv.URL, "open", shared)
			d := digest.FromBytes(tt.content)
			resp := do(t, http.MethodPost, srv.URL+"/v2/target/blobs/uploads/?mount="+d.String(), nil, nil)
			if resp.status != tt.status {
				t.Fatalf("mount: %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			want := http.StatusNotFound
			if tt.status == http.StatusCreated {
				want = http.StatusOK
			}
			if got := do(t, http.MethodHead, srv.URL+"/v2/target/blobs/"+d.String(), nil, nil).status; got != want {
				t.Errorf("the blob in the target: %d, want %d", got, want)
			}
		})
	}
}
