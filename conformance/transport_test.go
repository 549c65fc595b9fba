package conformance_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
)

// TestResponseHeaderBound runs the suite against a registry whose answer
// to the first request has a header of 2 MiB in short fields: the request
// fails, bounded by the transport, rather than decoding them all.
func TestResponseHeaderBound(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for i := range 2 << 20 / 16 {
			w.Header()[fmt.Sprintf("X-%07d", i)] = []string{"a"}
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	rep := conformance.Check(context.Background(), conformance.Target{URL: srv.URL}, conformance.Options{})
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	r, _ := rep.Result("end-1", "api-version")
	if r.Status != conformance.Fail || !strings.Contains(r.Reason, "headers exceeded") {
		t.Errorf("end-1/api-version %s: %s; want the header refused", r.Status, r.Reason)
	}
}
