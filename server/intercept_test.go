package server_test

import (
	"net/http"
	"sync"
	"testing"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// teaWriter marks the answers it carries, to show that next answers
// through the writer Intercept hands it.
type teaWriter struct{ http.ResponseWriter }

func (w teaWriter) WriteHeader(status int) {
	w.Header().Set("X-Wrapped", "yes")
	w.ResponseWriter.WriteHeader(status)
}

// TestIntercept checks the hook around matched requests: it sees every
// variant before authorization, answers by itself with an error it
// returns, and otherwise has the request answered through the writer it
// passes to next, authorization included.
func TestIntercept(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	intercept := func(w http.ResponseWriter, r *http.Request, rm regapi.RequestMatch, next http.Handler) error {
		mu.Lock()
		seen = append(seen, rm.EndpointID)
		mu.Unlock()
		if r.Header.Get("X-Refuse") != "" {
			return errcode.HTTPError{StatusCode: http.StatusServiceUnavailable,
				Header: http.Header{"Retry-After": {"1"}},
				Errors: errcode.Errors{errcode.ErrorCodeUnavailable}}
		}
		next.ServeHTTP(teaWriter{w}, r)
		return nil
	}
	authorize := func(r *http.Request, rm regapi.RequestMatch, scopes []auth.Scope) error {
		if r.Header.Get("Authorization") == "" && len(scopes) > 0 {
			return errcode.ErrorCodeDenied
		}
		return nil
	}
	store := memstore.New(memstore.Options{})
	srv, _ := newTestServer(t, store, server.Options{Intercept: intercept, Authorize: authorize})
	tests := []struct {
		name    string
		header  http.Header
		path    string
		status  int
		wrapped bool
		code    errcode.ErrorCode
	}{
		{"answered through next", nil, "/v2/", http.StatusOK, true, 0},
		{"refused by the hook", http.Header{"X-Refuse": {"1"}}, "/v2/", http.StatusServiceUnavailable, false, errcode.ErrorCodeUnavailable},
		{"authorization runs in next", nil, "/v2/a/tags/list", http.StatusForbidden, true, errcode.ErrorCodeDenied},
		{"handler runs in next", http.Header{"Authorization": {"x"}}, "/v2/a/tags/list", http.StatusNotFound, true, errcode.ErrorCodeNameUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			resp := do(t, http.MethodGet, srv.URL+tt.path, tt.header, nil)
			if resp.status != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tt.status, resp.body)
			}
			if got := resp.header.Get("X-Wrapped") == "yes"; got != tt.wrapped {
				t.Errorf("answered through the wrapped writer: %v, want %v", got, tt.wrapped)
			}
			if tt.code != 0 && !hasCode(resp.body, tt.code) {
				t.Errorf("body %s lacks %s", resp.body, tt.code)
			}
			if tt.status == http.StatusServiceUnavailable && resp.header.Get("Retry-After") != "1" {
				t.Errorf("Retry-After %q", resp.header.Get("Retry-After"))
			}
			mu.Lock()
			defer mu.Unlock()
			if len(seen) != 1 {
				t.Errorf("the hook saw %d requests, want 1", len(seen))
			}
		})
	}
}
