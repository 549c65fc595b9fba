package apidoc_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/regapi/regapi/apidoc"
)

func ExampleOpenAPI() {
	doc, err := apidoc.OpenAPI()
	if err != nil {
		fmt.Println(err)
		return
	}
	var spec struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]struct {
			Head struct {
				OperationID  string   `json:"operationId"`
				OCIEndpoints []string `json:"x-oci-endpoints"`
			} `json:"head"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(doc, &spec); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("OpenAPI", spec.OpenAPI)
	head := spec.Paths["/v2/{name}/manifests/{reference}"].Head
	fmt.Println(head.OperationID, head.OCIEndpoints)
	// Output:
	// OpenAPI 3.1.0
	// headManifest [end-3]
}

func ExampleWriteOpenAPI() {
	// A registry can serve the description of its own API.
	mux := http.NewServeMux()
	mux.HandleFunc("/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if err := apidoc.WriteOpenAPI(w); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})

	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/openapi.json", nil))
	fmt.Println(rec.Code, rec.Header().Get("Content-Type"), json.Valid(rec.Body.Bytes()))
	// Output: 200 application/json true
}

func ExampleMarkdown() {
	doc, err := apidoc.Markdown()
	if err != nil {
		fmt.Println(err)
		return
	}
	// Print the headings of the top-level sections.
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "# ") || strings.HasPrefix(line, "## ") {
			fmt.Println(line)
		}
	}
	// Output:
	// # Registry HTTP API reference
	// ## Contents
	// ## Overview
	// ## OCI endpoints
	// ## Routes
	// ## Token endpoint
	// ## Error codes
}

func ExampleWriteMarkdown() {
	var b strings.Builder
	if err := apidoc.WriteMarkdown(&b); err != nil {
		fmt.Println(err)
		return
	}
	// The endpoint table links each OCI endpoint ID to its description.
	for _, line := range strings.Split(b.String(), "\n") {
		if strings.HasPrefix(line, "| end-1 |") {
			fmt.Println(line[strings.LastIndex(line, "](")+2:])
		}
	}
	// Output: #base-get-1) |
}
