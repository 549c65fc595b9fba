package server_test

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/server"
)

// everything enables every optional feature of a version.
func everything(spec conformance.SpecVersion) conformance.Options {
	return conformance.Options{Spec: spec, Enable: conformance.AllFeatures()}
}

// TestConformance runs both versions of the suite, with every feature,
// against the server over a store, on a loopback port and in process.
func TestConformance(t *testing.T) {
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		t.Run(string(spec)+"/wire", func(t *testing.T) {
			srv := httptest.NewServer(server.New(newFakeStore(), server.Options{}))
			defer srv.Close()
			conformance.Run(t, conformance.Target{URL: srv.URL}, everything(spec))
		})
		t.Run(string(spec)+"/in-process", func(t *testing.T) {
			rep := conformance.Check(context.Background(), conformance.Target{Handler: server.New(newFakeStore(), server.Options{})}, everything(spec))
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			for _, r := range rep.Results {
				if r.Status == conformance.Fail {
					t.Errorf("%s: %s", r.Name(), r.Reason)
				}
				if r.Status == conformance.Skip && !strings.HasPrefix(r.Reason, "specification "+string(spec)+" does not") {
					t.Errorf("%s skipped: %s", r.Name(), r.Reason)
				}
			}
		})
	}
}
