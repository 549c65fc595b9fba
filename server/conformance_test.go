package server_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/dirstore"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

// stores are the stores the suite runs over: the test's own, the memory
// store and the directory store.
var stores = []struct {
	name string
	open func(t *testing.T) registry.Interface
}{
	{"fake", func(t *testing.T) registry.Interface { return newFakeStore() }},
	{"memstore", func(t *testing.T) registry.Interface {
		s := memstore.New(memstore.Options{})
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
	{"dirstore", func(t *testing.T) registry.Interface {
		s, err := dirstore.Open(t.TempDir(), dirstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		return s
	}},
}

// everything enables every optional feature of a version.
func everything(spec conformance.SpecVersion) conformance.Options {
	return conformance.Options{Spec: spec, Enable: conformance.AllFeatures()}
}

// TestConformance runs both versions of the suite, with every feature,
// against the server over a store on a loopback port, with the options
// that change what it answers, and below a path prefix.
func TestConformance(t *testing.T) {
	modes := []struct {
		name   string
		opts   server.Options
		prefix string
	}{
		{"default", server.Options{}, ""},
		{"lenient", server.Options{LenientManifests: true}, ""},
		{"referrers-pages", server.Options{ReferrersPageSize: 1}, ""},
		{"relative", server.Options{RelativeURLs: true, ChunkMinLength: 1024}, ""},
		{"prefix", server.Options{}, "/mirror/hub"},
	}
	for _, store := range stores {
		for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
			for _, mode := range modes {
				t.Run(store.name+"/"+string(spec)+"/"+mode.name, func(t *testing.T) {
					srv := httptest.NewServer(withPrefix(mode.prefix, server.New(store.open(t), mode.opts)))
					defer srv.Close()
					conformance.Run(t, conformance.Target{URL: srv.URL + mode.prefix}, everything(spec))
				})
			}
		}
	}
}

// TestConformanceInProcess runs the suite in process, where nothing drops
// what a handler writes (a HEAD answer with a body would show), and checks
// that nothing is skipped but what the version does not define.
func TestConformanceInProcess(t *testing.T) {
	for _, spec := range []conformance.SpecVersion{conformance.SpecV1_1, conformance.SpecDev} {
		rep := conformance.Check(context.Background(), conformance.Target{Handler: server.New(memstore.New(memstore.Options{}), server.Options{})}, everything(spec))
		if rep.Err != nil {
			t.Fatal(rep.Err)
		}
		for _, r := range rep.Results {
			if r.Status == conformance.Fail {
				t.Errorf("%s %s: %s", spec, r.Name(), r.Reason)
			}
			if r.Status == conformance.Skip && !strings.HasPrefix(r.Reason, "specification "+string(spec)+" does not") {
				t.Errorf("%s %s skipped: %s", spec, r.Name(), r.Reason)
			}
		}
		if want := len(conformance.Checks()); len(rep.Results) != want {
			t.Errorf("%s: %d results, want one per check: %d", spec, len(rep.Results), want)
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
