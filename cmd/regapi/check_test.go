package main

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/regapi/regapi/registrytest"
)

// junitDoc is what the test reads of a JUnit file.
type junitDoc struct {
	XMLName  xml.Name `xml:"testsuites"`
	Tests    int      `xml:"tests,attr"`
	Failures int      `xml:"failures,attr"`
	Suites   []struct {
		Name  string `xml:"name,attr"`
		Cases []struct {
			Name    string    `xml:"name,attr"`
			Failure *struct{} `xml:"failure"`
		} `xml:"testcase"`
	} `xml:"testsuite"`
}

func TestCheckCommand(t *testing.T) {
	good := registrytest.NewServer(registrytest.Options{})
	defer good.Close()
	// A registry that forgets the Location of upload sessions.
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			rec := httptest.NewRecorder()
			good.Registry.ServeHTTP(rec, r)
			for k, vs := range rec.Header() {
				if k != "Location" {
					w.Header()[k] = vs
				}
			}
			w.WriteHeader(rec.Code)
			return
		}
		good.Registry.ServeHTTP(w, r)
	}))
	defer broken.Close()

	tests := []struct {
		name       string
		args       []string
		status     int
		stdoutHas  []string
		junitFails []string // endpoint/check of the failed test cases
	}{
		{
			name:      "a registry that passes",
			args:      []string{"-spec", "dev", "-enable", "all", good.URL},
			status:    0,
			stdoutHas: []string{"ENDPOINT", "end-7b", "put-manifest-tags", "PASS", " 0 failed, 0 skipped"},
		},
		{
			name:      "a feature disabled",
			args:      []string{"-disable", "mount", good.URL},
			status:    0,
			stdoutHas: []string{"mount", "SKIP", "feature mount is not enabled"},
		},
		{
			name:       "listings bounded to two entries a page",
			args:       []string{"-max-page-entries", "2", good.URL},
			status:     1,
			stdoutHas:  []string{"listings", "entry-limits", "FAIL", "more than 2 entries"},
			junitFails: []string{"listings/entry-limits", "end-8a/list-tags"},
		},
		{
			name:       "listings bounded to four entries in all",
			args:       []string{"-max-list-entries", "4", good.URL},
			status:     1,
			stdoutHas:  []string{"listings", "entry-limits", "FAIL", "past 4 entries"},
			junitFails: []string{"listings/entry-limits"},
		},
		{
			name:       "a broken registry",
			args:       []string{broken.URL},
			status:     1,
			stdoutHas:  []string{"end-4a", "contract-headers", "FAIL", "Location is missing"},
			junitFails: []string{"end-4a/contract-headers", "end-4a/post-session"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			junit := filepath.Join(t.TempDir(), "junit.xml")
			var stdout, stderr bytes.Buffer
			status := run(append([]string{"check", "-junit", junit}, tt.args...), &stdout, &stderr)
			if status != tt.status {
				t.Fatalf("exit status %d, want %d\nstdout:\n%s\nstderr:\n%s", status, tt.status, stdout.String(), stderr.String())
			}
			for _, want := range tt.stdoutHas {
				if !strings.Contains(stdout.String(), want) {
					t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
				}
			}
			data, err := os.ReadFile(junit)
			if err != nil {
				t.Fatal(err)
			}
			var doc junitDoc
			if err := xml.Unmarshal(data, &doc); err != nil {
				t.Fatalf("the JUnit file is not XML: %v", err)
			}
			rows := strings.Count(stdout.String(), "\n") - 3 // header, blank line, summary
			if doc.Tests != rows {
				t.Errorf("JUnit has %d tests, the table %d rows", doc.Tests, rows)
			}
			var failed []string
			for _, s := range doc.Suites {
				for _, c := range s.Cases {
					if c.Failure != nil {
						failed = append(failed, s.Name+"/"+c.Name)
					}
				}
			}
			if doc.Failures != len(failed) {
				t.Errorf("failures attribute %d, failed cases %d", doc.Failures, len(failed))
			}
			for _, want := range tt.junitFails {
				if !contains(failed, want) {
					t.Errorf("JUnit does not fail %s; it fails %v", want, failed)
				}
			}
			if tt.status == 0 && len(failed) > 0 {
				t.Errorf("JUnit fails %v for a registry that passes", failed)
			}
		})
	}
}

func TestCheckCommandUsage(t *testing.T) {
	tests := []struct {
		args   []string
		status int
		errHas string
	}{
		{[]string{"check"}, 2, "usage: regapi check"},
		{[]string{"check", "-enable", "warp-drive", "http://127.0.0.1:1"}, 2, `unknown feature "warp-drive"`},
		{[]string{"check", "-spec", "v9", "http://127.0.0.1:1"}, 2, "unknown specification version"},
		{[]string{"check", "-workflows", "build", "http://127.0.0.1:1"}, 2, `unknown workflow "build"`},
		{[]string{"check", "ftp://example.test"}, 2, "not an http or https URL"},
		{[]string{"check", "-h"}, 0, "tag-param"},
		{[]string{"check", "-h"}, 0, "-max-page-entries"},
		{[]string{"check", "-max-list-entries", "-1", "http://127.0.0.1:1"}, 2, "must not be negative"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		if status := run(tt.args, &stdout, &stderr); status != tt.status || !strings.Contains(stderr.String(), tt.errHas) {
			t.Errorf("%v: status %d, stderr %q; want %d and %q", tt.args, status, stderr.String(), tt.status, tt.errHas)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// TestCheckCommandKeepsCredentialsHome runs regapi check with a password
// against a registry requiring it that sends blob downloads and upload
// sessions to another origin, which asks for credentials: that origin
// never receives an Authorization header.
func TestCheckCommandKeepsCredentialsHome(t *testing.T) {
	var mu sync.Mutex
	var stolen []string
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if v := r.Header.Get("Authorization"); v != "" {
			mu.Lock()
			stolen = append(stolen, r.Method+" "+r.URL.Path+": "+v)
			mu.Unlock()
		}
		w.Header().Set("WWW-Authenticate", `Basic realm="elsewhere"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer other.Close()
	reg := registrytest.New(registrytest.Options{Auth: registrytest.Auth{Mode: registrytest.AuthBasic,
		Users: []registrytest.User{{Name: "alice", Password: "secret"}}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/sha256:") {
			http.Redirect(w, r, other.URL+r.URL.RequestURI(), http.StatusTemporaryRedirect)
			return
		}
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, r)
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		if loc := rec.Header().Get("Location"); strings.Contains(loc, "/blobs/uploads/") && r.Method == http.MethodPost {
			if u, err := url.Parse(loc); err == nil {
				w.Header().Set("Location", other.URL+u.RequestURI())
			}
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	defer srv.Close()

	var stdout, stderr bytes.Buffer
	status := run([]string{"check", "-user", "alice", "-password", "secret", srv.URL}, &stdout, &stderr)
	if status != 1 || !strings.Contains(stdout.String(), "api-version") {
		t.Fatalf("exit status %d, want 1 (the other origin refuses)\nstdout:\n%s\nstderr:\n%s", status, stdout.String(), stderr.String())
	}
	if !regexp.MustCompile(`end-1 +api-version +PASS`).MatchString(stdout.String()) {
		t.Errorf("the registry did not get the credentials:\n%s", stdout.String())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(stolen) > 0 {
		t.Errorf("the other origin received %d Authorization headers, first %q", len(stolen), stolen[0])
	}
}
