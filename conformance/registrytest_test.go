package conformance_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/registrytest"
)

// TestRegistrytestOverTheWire runs the suite against the in-memory registry
// served on a loopback port, with every feature of each version, and
// directly under /v2/ or below a path prefix.
func TestRegistrytestOverTheWire(t *testing.T) {
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		for _, prefix := range []string{"", "/mirror/hub"} {
			t.Run(string(spec)+prefix, func(t *testing.T) {
				srv := httptest.NewServer(withPrefix(prefix, registry()))
				defer srv.Close()
				rep := conformance.Check(context.Background(), conformance.Target{URL: srv.URL + prefix}, everything(spec))
				if rep.Err != nil {
					t.Fatal(rep.Err)
				}
				if f := failures(rep); len(f) > 0 {
					for _, name := range f {
						endpoint, chk, _ := strings.Cut(name, "/")
						r, _ := rep.Result(endpoint, chk)
						t.Errorf("%s: %s", name, r.Reason)
					}
				}
				if s := skipped(rep); len(s) > 0 {
					t.Errorf("skipped: %v", s)
				}
				if want := len(conformance.Checks()); len(rep.Results) != want {
					t.Errorf("%d results, want one per check: %d", len(rep.Results), want)
				}
			})
		}
	}
}

// withPrefix serves h below prefix, as a reverse proxy mounting the
// registry there would: the prefix is removed from request paths and put
// back in front of the paths of Location and Link headers.
func withPrefix(prefix string, h http.Handler) http.Handler {
	if prefix == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, ok := strings.CutPrefix(r.URL.Path, prefix)
		if !ok {
			http.NotFound(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = path, ""
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r2)
		for k, vs := range rec.Header() {
			for _, v := range vs {
				switch k {
				case "Location", "Link":
					v = strings.Replace(v, "/v2/", prefix+"/v2/", 1)
				}
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}

// TestRegistrytestInProcess runs the suite against the in-memory registry
// in process, its answers taken as net/http's server would send them.
// Every check passes.
func TestRegistrytestInProcess(t *testing.T) {
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		rep := check(t, registry(), everything(spec))
		for _, name := range failures(rep) {
			endpoint, chk, _ := strings.Cut(name, "/")
			r, _ := rep.Result(endpoint, chk)
			t.Errorf("%s %s: %s", spec, name, r.Reason)
		}
	}
}

// TestDefaultFeaturesSkipOnlyTheOthers runs the suite with the default
// features: nothing fails, and what is skipped is skipped for a feature
// that is not enabled.
func TestDefaultFeaturesSkipOnlyTheOthers(t *testing.T) {
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		rep := check(t, headSafe(registry()), conformance.Options{Spec: spec})
		if f := failures(rep); len(f) > 0 {
			t.Errorf("%s: failed %v", spec, f)
		}
		for _, r := range rep.Results {
			if r.Status != conformance.Skip {
				continue
			}
			if !strings.HasPrefix(r.Reason, "feature ") && r.Reason != "no request of this endpoint was made" &&
				!strings.HasPrefix(r.Reason, "specification v1.1 does not") {
				t.Errorf("%s: %s skipped: %s", spec, r.Name(), r.Reason)
			}
		}
		if r, _ := rep.Result("end-7b", "put-manifest-tags"); r.Status != conformance.Skip {
			t.Errorf("%s: end-7b/put-manifest-tags is %s, want skip by default", spec, r.Status)
		}
	}
}

// TestWorkflowSelection reports only the selected workflows, and runs the
// pushes the pull checks need even when push is not reported.
func TestWorkflowSelection(t *testing.T) {
	rep := check(t, headSafe(registry()), conformance.Options{Workflows: []conformance.Workflow{conformance.WorkflowPull}})
	for _, r := range rep.Results {
		if r.Workflow != "" && r.Workflow != conformance.WorkflowPull {
			t.Errorf("%s of workflow %s reported", r.Name(), r.Workflow)
		}
	}
	if r, ok := rep.Result("end-2", "get-blob"); !ok || r.Status != conformance.Pass {
		t.Errorf("end-2/get-blob: %v %s", r.Status, r.Reason)
	}
	if r, _ := rep.Result("end-4a", "contract-headers"); r.Status != conformance.Pass {
		t.Errorf("the contract of the setup's uploads is checked too; end-4a/contract-headers: %s", r.Status)
	}
}

// TestRepositoriesGiven pushes to the repositories the options name: the
// first holds the images, the second the mounted blobs.
func TestRepositoriesGiven(t *testing.T) {
	reg := registrytest.NewServer(registrytest.Options{})
	defer reg.Close()
	opts := conformance.Options{Repository: "team/first", SecondRepository: "team/second"}
	rep := conformance.Check(context.Background(), conformance.Target{URL: reg.URL}, opts)
	if !rep.OK() {
		t.Fatalf("failed: %v", failures(rep))
	}
	for _, repo := range []string{"team/first", "team/second"} {
		resp, err := http.Head(reg.URL + "/v2/" + repo + "/tags/list")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: tags list %d, want 200", repo, resp.StatusCode)
		}
	}
}

// TestRun reports the checks as subtests.
func TestRun(t *testing.T) {
	srv := registrytest.NewServer(registrytest.Options{})
	defer srv.Close()
	conformance.Run(t, conformance.Target{URL: srv.URL}, everything(conformance.SpecDev))
}

// TestStallingRegistry serves the suite from a registry that, on one route,
// sends nothing or sends without end, and checks that with a short
// RequestTimeout the check that waited fails with the reason while the
// others still run and pass.
func TestStallingRegistry(t *testing.T) {
	tests := []struct {
		name     string
		method   string
		path     string // in the request path
		endless  bool   // send bytes without end instead of nothing
		mustFail string
		mustPass string
	}{
		{"tags list never answered", http.MethodGet, "/tags/list", false, "end-8a/list-tags", "end-12a/referrers"},
		{"blob sent without end", http.MethodGet, "/blobs/sha256:", true, "end-2/get-blob", "end-3/get-manifest-tag"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := registry()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method != tt.method || !strings.Contains(r.URL.Path, tt.path) {
					reg.ServeHTTP(w, r)
					return
				}
				if tt.endless {
					w.WriteHeader(http.StatusOK)
					chunk := make([]byte, 32<<10)
					for r.Context().Err() == nil {
						if _, err := w.Write(chunk); err != nil {
							return
						}
					}
					return
				}
				<-r.Context().Done()
			}))
			defer srv.Close()
			opts := everything(conformance.SpecDev)
			opts.RequestTimeout = 300 * time.Millisecond
			rep := conformance.Check(context.Background(), conformance.Target{URL: srv.URL}, opts)
			if rep.Err != nil {
				t.Fatal(rep.Err)
			}
			endpoint, chk, _ := strings.Cut(tt.mustFail, "/")
			res, _ := rep.Result(endpoint, chk)
			if res.Status != conformance.Fail || !strings.Contains(res.Reason, "no complete answer within 300ms") {
				t.Errorf("%s: %s (%s), want a failure for the timeout", tt.mustFail, res.Status, res.Reason)
			}
			endpoint, chk, _ = strings.Cut(tt.mustPass, "/")
			if res, _ := rep.Result(endpoint, chk); res.Status != conformance.Pass {
				t.Errorf("%s: %s (%s), want pass", tt.mustPass, res.Status, res.Reason)
			}
		})
	}
}
