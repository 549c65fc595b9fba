package server_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// A registry in memory: the server speaks the protocol, the memory store
// keeps the bytes.
func Example() {
	store := memstore.New(memstore.Options{MaxStorage: 1 << 30})
	defer store.Close()
	srv := httptest.NewServer(server.New(store, server.Options{}))
	defer srv.Close()

	content := []byte("hello, registry")
	d := digest.FromBytes(content)
	resp, err := http.Post(srv.URL+"/v2/hello/world/blobs/uploads/?digest="+d.String(), "application/octet-stream", bytes.NewReader(content))
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println("push:", resp.StatusCode)

	resp, err = http.Get(srv.URL + "/v2/hello/world/blobs/" + d.String())
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Printf("pull: %d %q\n", resp.StatusCode, body)
	// Output:
	// push: 201
	// pull: 200 "hello, registry"
}

// Options.Authorize decides what a request may do from the scopes its
// variant needs; a refusal carries the challenge the client answers.
func ExampleOptions_authorize() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	authorize := func(r *http.Request, rm regapi.RequestMatch, scopes []auth.Scope) error {
		user, password, ok := r.BasicAuth()
		if ok && user == "admin" && password == "secret" {
			return nil
		}
		if auth.Allows([]auth.Scope{{Type: "repository", Name: "public", Actions: []string{"pull"}}}, scopes...) {
			return nil // anyone may pull public
		}
		return errcode.HTTPError{
			StatusCode: http.StatusUnauthorized,
			Header:     http.Header{"Www-Authenticate": {`Basic realm="registry"`}},
			Errors:     errcode.Errors{errcode.ErrorCodeUnauthorized},
		}
	}
	srv := httptest.NewServer(server.New(store, server.Options{Authorize: authorize}))
	defer srv.Close()

	for _, path := range []string{"/v2/public/tags/list", "/v2/private/tags/list"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
		fmt.Printf("%s %d %q\n", path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	// Output:
	// /v2/public/tags/list 404 ""
	// /v2/private/tags/list 401 "Basic realm=\"registry\""
}
