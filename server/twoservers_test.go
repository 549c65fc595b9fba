package server_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/registry/dirstore"
	"github.com/regapi/regapi/server"
)

// TestTwoServersOneDirectory runs the suite against two servers, each over
// a directory store of its own on one directory, behind a proxy that sends
// each request to the other in turn: the servers keep no state between
// requests, so that together they are one registry.
func TestTwoServersOneDirectory(t *testing.T) {
	dir := t.TempDir()
	var servers []http.Handler
	for range 2 {
		store, err := dirstore.Open(dir, dirstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = store.Close() })
		servers = append(servers, server.New(store, server.Options{}))
	}
	var turn atomic.Uint64
	alternate := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		servers[turn.Add(1)%2].ServeHTTP(w, r)
	})
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		t.Run(string(spec), func(t *testing.T) {
			srv := httptest.NewServer(alternate)
			defer srv.Close()
			conformance.Run(t, conformance.Target{URL: srv.URL}, everything(spec))
		})
	}
}
