package conformance_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/registrytest"
)

// Check runs every workflow against a registry and reports each check.
func ExampleCheck() {
	srv := registrytest.NewServer(registrytest.Options{})
	defer srv.Close()

	rep := conformance.Check(context.Background(), conformance.Target{URL: srv.URL},
		conformance.Options{Spec: conformance.SpecDev, Enable: []conformance.Feature{conformance.FeatureTagParam}})
	_, failed, _ := rep.Counts()
	r, _ := rep.Result("end-7b", "put-manifest-tags")
	fmt.Println("failed:", failed)
	fmt.Println(r.Name()+":", r.Status)
	// Output:
	// failed: 0
	// end-7b/put-manifest-tags: pass
}

// CheckResponse holds one response of a server's test to the contract of
// its request.
func ExampleCheckResponse() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An upload session opened without telling the client where.
		w.WriteHeader(http.StatusAccepted)
	})
	req := httptest.NewRequest(http.MethodPost, "/v2/library/alpine/blobs/uploads/", nil)
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, req)

	for _, v := range conformance.CheckResponse(req, rec.Result()) {
		fmt.Println(v.Endpoint, v.Rule, v.Message)
	}
	// Output:
	// end-4a headers Location is missing: the descriptor requires it
}

// Middleware reports the violations of every response a handler writes,
// here a tag list that ignores n but sends an unusable Link.
func ExampleMiddleware() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Link", "/v2/library/alpine/tags/list?n=1&last=3.19")
		fmt.Fprint(w, `{"name":"library/alpine","tags":["3.19","3.20"]}`)
	})
	checked := conformance.Middleware(handler, func(v conformance.Violation) {
		fmt.Println(v.Endpoint, v.Rule, v.Message)
	})
	checked.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/v2/library/alpine/tags/list?n=1", nil))
	// Output:
	// end-8b headers Link "/v2/library/alpine/tags/list?n=1&last=3.19": a link must start with <
}
