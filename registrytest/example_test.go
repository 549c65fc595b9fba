package registrytest_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registrytest"
)

// A client test starts a registry, pushes a blob in one request and pulls
// it back.
func ExampleNewServer() {
	srv := registrytest.NewServer(registrytest.Options{})
	defer srv.Close()

	content := []byte("hello")
	d := digest.FromBytes(content)
	resp, err := http.Post(srv.URL+"/v2/example/blobs/uploads/?digest="+d.String(), "application/octet-stream", bytes.NewReader(content))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location") == srv.URL+"/v2/example/blobs/"+d.String())

	resp, err = http.Get(srv.URL + "/v2/example/blobs/" + d.String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// 201 true
	// 200 hello
}

// A retry test makes the registry fail the next two blob GETs with 503 and
// reads in the request log what the client did.
func ExampleRegistry_InjectFault() {
	srv := registrytest.NewServer(registrytest.Options{})
	defer srv.Close()
	content := []byte("layer")
	d := digest.FromBytes(content)
	resp, err := http.Post(srv.URL+"/v2/example/blobs/uploads/?digest="+d.String(), "application/octet-stream", bytes.NewReader(content))
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()

	if err := srv.Registry.InjectFault("GET blob status=503 retry-after=1 x2"); err != nil {
		fmt.Println(err)
		return
	}
	srv.Registry.ResetRequests()
	for i := 0; i < 3; i++ { // a client that retries
		resp, err := http.Get(srv.URL + "/v2/example/blobs/" + d.String())
		if err != nil {
			fmt.Println(err)
			return
		}
		resp.Body.Close()
	}
	for _, r := range srv.Registry.Requests() {
		fmt.Println(r.Method, r.EndpointID, r.Status, r.Fault)
	}
	// Output:
	// GET end-2 503 GET blob status=503 retry-after=1 x2
	// GET end-2 503 GET blob status=503 retry-after=1 x2
	// GET end-2 200
}

// A login test runs a registry that wants tokens from its own token
// server, with a user who may push and one who may only pull.
func ExampleAuth() {
	srv := registrytest.NewServer(registrytest.Options{Auth: registrytest.Auth{
		Mode:  registrytest.AuthToken,
		Users: []registrytest.User{{Name: "alice", Password: "s3cret"}, {Name: "bob", Password: "r3ad", PullOnly: true}},
	}})
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/v2/")
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("WWW-Authenticate") == `Bearer realm="`+srv.URL+`/token",service="registrytest"`)

	req, _ := http.NewRequest("GET", srv.URL+"/token?service=registrytest&scope=repository:example:pull,push", nil)
	req.SetBasicAuth("bob", "r3ad")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, bytes.Contains(body, []byte(`"expires_in":300`)))
	// Output:
	// 401 true
	// 200 true
}

// A test of cross-repository mounts runs a registry with Basic
// credentials, where one account may act only in ci/scratch: a mount
// without from finds the blob only in a repository the request may pull,
// and otherwise opens an upload session.
func ExampleUser() {
	srv := registrytest.NewServer(registrytest.Options{Auth: registrytest.Auth{
		Mode: registrytest.AuthBasic,
		Users: []registrytest.User{
			{Name: "alice", Password: "s3cret"},
			{Name: "ci", Password: "c1", Repositories: []string{"ci/scratch"}},
		},
	}})
	defer srv.Close()
	post := func(user, password, path string, body []byte) int {
		req, _ := http.NewRequest("POST", srv.URL+path, bytes.NewReader(body))
		req.SetBasicAuth(user, password)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	blob := []byte("private layer")
	d := digest.FromBytes(blob)
	fmt.Println(post("alice", "s3cret", "/v2/private/blobs/uploads/?digest="+d.String(), blob))
	fmt.Println(post("ci", "c1", "/v2/ci/scratch/blobs/uploads/?mount="+d.String(), nil))
	fmt.Println(post("alice", "s3cret", "/v2/ci/scratch/blobs/uploads/?mount="+d.String(), nil))
	// Output:
	// 201
	// 202
	// 201
}
