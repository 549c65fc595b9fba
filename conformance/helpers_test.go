package conformance_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
	"github.com/regapi/regapi/registrytest"
)

// headSafe serves HEAD requests without the body the handler writes, as an
// HTTP server does, and as the in-process target does too; the proofs
// against broken registries keep it so that a deviation's handler never
// writes a HEAD body.
func headSafe(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodHead {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		copyHeader(w.Header(), rec.Header())
		w.WriteHeader(rec.Code)
	})
}

// copyHeader copies every field of src into dst.
func copyHeader(dst, src http.Header) {
	for k, vs := range src {
		dst[k] = append([]string(nil), vs...)
	}
}

// edit returns a middleware that serves the requests match selects into a
// recorder, lets change alter the recorded response, and sends the result:
// a registry with one deviation.
func edit(match func(*http.Request) bool, change func(r *http.Request, rec *httptest.ResponseRecorder)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !match(r) {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			change(r, rec)
			copyHeader(w.Header(), rec.Header())
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
		})
	}
}

// rewrite returns a middleware that changes the requests match selects
// before the registry sees them.
func rewrite(match func(*http.Request) bool, change func(r *http.Request)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if match(r) {
				r = r.Clone(r.Context())
				change(r)
			}
			next.ServeHTTP(w, r)
		})
	}
}

// on selects requests by method and a part of the path; an empty method
// selects every method.
func on(method, pathPart string) func(*http.Request) bool {
	return func(r *http.Request) bool {
		return (method == "" || r.Method == method) && strings.Contains(r.URL.Path, pathPart)
	}
}

// whenStatus applies change only to responses of the given status.
func whenStatus(code int, change func(r *http.Request, rec *httptest.ResponseRecorder)) func(r *http.Request, rec *httptest.ResponseRecorder) {
	return func(r *http.Request, rec *httptest.ResponseRecorder) {
		if rec.Code == code {
			change(r, rec)
		}
	}
}

// setBody replaces a recorded body and its Content-Length.
func setBody(rec *httptest.ResponseRecorder, body []byte) {
	rec.Body = bytes.NewBuffer(body)
	rec.Header().Set("Content-Length", strconv.Itoa(len(body)))
}

// registry returns a fresh in-memory registry.
func registry() http.Handler {
	return registrytest.New(registrytest.Options{})
}

// everything enables every optional feature.
func everything(spec conformance.SpecVersion) conformance.Options {
	return conformance.Options{Spec: spec, Enable: conformance.AllFeatures()}
}

// check runs the suite in process.
func check(t *testing.T, h http.Handler, opts conformance.Options) conformance.Report {
	t.Helper()
	rep := conformance.Check(context.Background(), conformance.Target{Handler: h}, opts)
	if rep.Err != nil {
		t.Fatal(rep.Err)
	}
	return rep
}

// failures returns the names of the failed checks.
func failures(rep conformance.Report) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Status == conformance.Fail {
			out = append(out, r.Name())
		}
	}
	return out
}

// skipped returns the names of the skipped checks, but those the chosen
// version of the specification does not define.
func skipped(rep conformance.Report) []string {
	var out []string
	for _, r := range rep.Results {
		if r.Status == conformance.Skip && !strings.HasPrefix(r.Reason, "specification "+string(rep.Spec)+" does not") {
			out = append(out, r.Name())
		}
	}
	return out
}
