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
