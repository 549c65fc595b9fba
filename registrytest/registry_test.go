package registrytest

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestNames(t *testing.T) {
	reg := New(Options{})
	d := digest.FromString("x").String()
	long255 := strings.Repeat("a", 127) + "/" + strings.Repeat("b", 127) // 255 characters
	long256 := long255 + "c"

	tests := []struct {
		name   string
		path   string
		status int
		code   string
	}{
		// Valid names reach their handler.
		{"simple", "/v2/library/alpine/tags/list", http.StatusNotFound, "NAME_UNKNOWN"},
		{"separators", "/v2/a.b_c__d--e/f/tags/list", http.StatusNotFound, "NAME_UNKNOWN"},
		{"255 characters", "/v2/" + long255 + "/tags/list", http.StatusNotFound, "NAME_UNKNOWN"},
		// Invalid ones are NAME_INVALID on every endpoint, routed or not.
		{"256 characters tags", "/v2/" + long256 + "/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters manifest", "/v2/" + long256 + "/manifests/latest", http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters blob", "/v2/" + long256 + "/blobs/" + d, http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters upload", "/v2/" + long256 + "/blobs/uploads/", http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters session", "/v2/" + long256 + "/blobs/uploads/abc", http.StatusBadRequest, "NAME_INVALID"},
		{"256 characters referrers", "/v2/" + long256 + "/referrers/" + d, http.StatusBadRequest, "NAME_INVALID"},
		{"very long", "/v2/" + strings.Repeat("abcdefgh/", 200) + "x/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"upper case component", "/v2/Library/alpine/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"upper case single component", "/v2/UPPER/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"domain and port", "/v2/localhost:5000/alpine/manifests/latest", http.StatusBadRequest, "NAME_INVALID"},
		{"leading separator", "/v2/-a/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"trailing separator", "/v2/a-/blobs/" + d, http.StatusBadRequest, "NAME_INVALID"},
		{"triple underscore", "/v2/a___b/tags/list", http.StatusBadRequest, "NAME_INVALID"},
		{"percent", "/v2/a%25b/tags/list", http.StatusBadRequest, "NAME_INVALID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			run(t, reg, call{method: "GET", path: tc.path, status: tc.status, code: tc.code})
		})
	}
}

// TestConcurrentUse pushes and pulls from many goroutines at once; run it
// with -race.
func TestConcurrentUse(t *testing.T) {
	srv := NewServer(Options{})
	defer srv.Close()
	client := srv.Client()

	const workers = 8
	var wg sync.WaitGroup
	errs := make(chan error, workers*4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			repo := fmt.Sprintf("repo%d", w%3) // repositories are shared
			for i := 0; i < 5; i++ {
				content := []byte(fmt.Sprintf("worker %d blob %d", w, i))
				if err := pushChunked(client, srv.URL, repo, content); err != nil {
					errs <- err
					return
				}
				body := []byte(fmt.Sprintf(`{"schemaVersion":2,"annotations":{"w":"%d","i":"%d"}}`, w, i))
				req, _ := http.NewRequest("PUT", srv.URL+"/v2/"+repo+"/manifests/w"+fmt.Sprint(w), bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
				if err := expect(client, req, http.StatusCreated); err != nil {
					errs <- err
					return
				}
				for _, path := range []string{"/v2/" + repo + "/tags/list?n=2", "/v2/_catalog", "/v2/" + repo + "/manifests/w" + fmt.Sprint(w)} {
					req, _ := http.NewRequest("GET", srv.URL+path, nil)
					if err := expect(client, req, http.StatusOK); err != nil {
						errs <- err
						return
					}
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// pushChunked uploads content in two PATCH chunks and a closing PUT, and
// pulls it back.
func pushChunked(client *http.Client, base, repo string, content []byte) error {
	req, _ := http.NewRequest("POST", base+"/v2/"+repo+"/blobs/uploads/", nil)
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	half := len(content) / 2
	for _, part := range []struct {
		rng  string
		data []byte
	}{{fmt.Sprintf("0-%d", half-1), content[:half]}, {fmt.Sprintf("%d-%d", half, len(content)-1), content[half:]}} {
		req, _ := http.NewRequest("PATCH", loc, bytes.NewReader(part.data))
		req.Header.Set("Content-Range", part.rng)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return fmt.Errorf("PATCH %s: %d", part.rng, resp.StatusCode)
		}
		loc = resp.Header.Get("Location")
	}
	d := digest.FromBytes(content)
	req, _ = http.NewRequest("PUT", loc+"?digest="+d.String(), nil)
	if err := expect(client, req, http.StatusCreated); err != nil {
		return err
	}
	resp, err = client.Get(base + "/v2/" + repo + "/blobs/" + d.String())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, content) {
		return fmt.Errorf("blob %s pulled as %q", d, got)
	}
	return nil
}

func expect(client *http.Client, req *http.Request, status int) error {
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != status {
		return fmt.Errorf("%s %s: status %d, want %d: %s", req.Method, req.URL, resp.StatusCode, status, body)
	}
	return nil
}

func TestLogger(t *testing.T) {
	var buf bytes.Buffer
	reg := New(Options{Logger: log.New(&buf, "", 0)})
	run(t, reg, call{method: "GET", path: "/v2/", status: http.StatusOK})
	run(t, reg, call{method: "GET", path: "/v2/x/tags/list?n=1", status: http.StatusNotFound})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("logged %d lines, want 2: %q", len(lines), buf.String())
	}
	for i, want := range []string{"GET /v2/ 200 2 ", "GET /v2/x/tags/list?n=1 404 "} {
		if !strings.Contains(lines[i], want) {
			t.Fatalf("line %q lacks %q", lines[i], want)
		}
	}
}

// FuzzHandler sends arbitrary requests; the registry must answer each
// without panicking and with a status a registry may send.
func FuzzHandler(f *testing.F) {
	d := digest.FromString("x").String()
	seeds := []struct {
		method, path, contentRange, rangeHeader, contentType string
		body                                                 []byte
	}{
		{"GET", "/v2/", "", "", "", nil},
		{"POST", "/v2/a/blobs/uploads/?digest=" + d, "", "", "", []byte("x")},
		{"POST", "/v2/a/blobs/uploads/?mount=" + d + "&from=b", "", "", "", nil},
		{"PATCH", "/v2/a/blobs/uploads/nope", "0-1", "", "", []byte("xy")},
		{"PUT", "/v2/a/manifests/t?tag=a&tag=b", "", "", "application/vnd.oci.image.manifest.v1+json", []byte(`{"subject":{"digest":"` + d + `"}}`)},
		{"PUT", "/v2/a/manifests/" + d, "", "", "", []byte(`{"layers":[1]}`)},
		{"GET", "/v2/a/blobs/" + d, "", "bytes=0-", "", nil},
		{"GET", "/v2/a/tags/list?n=99999999999999999999&last=%ff", "", "", "", nil},
		{"GET", "/v2/_catalog?n=1&last=", "", "", "", nil},
		{"GET", "/v2/a/referrers/" + d + "?artifactType=", "", "", "", nil},
		{"DELETE", "/v2//a/../b/manifests/x", "", "", "", nil},
	}
	for _, s := range seeds {
		f.Add(s.method, s.path, s.contentRange, s.rangeHeader, s.contentType, s.body)
	}
	allowed := map[int]bool{200: true, 201: true, 202: true, 204: true, 206: true, 301: true, 400: true, 404: true,
		405: true, 413: true, 414: true, 416: true, 429: true}
	f.Fuzz(func(t *testing.T, method, path, contentRange, rangeHeader, contentType string, body []byte) {
		reg := New(Options{MaxBlobSize: 1 << 16, MaxManifestSize: 1 << 12, MaxUploads: 4})
		// Some state for requests to meet.
		pushBlob(t, reg, "a", []byte("x"))
		req, err := http.NewRequest(method, "http://registry.test"+path, bytes.NewReader(body))
		if err != nil {
			t.Skip("not a request")
		}
		req.RequestURI = req.URL.RequestURI()
		for k, v := range map[string]string{"Content-Range": contentRange, "Range": rangeHeader, "Content-Type": contentType} {
			if v != "" {
				req.Header.Set(k, v)
			}
		}
		rec := &recorder{header: http.Header{}}
		reg.ServeHTTP(rec, req)
		if !allowed[rec.status] {
			t.Fatalf("%s %q: status %d", method, path, rec.status)
		}
	})
}

// recorder is a minimal ResponseWriter for the fuzz test.
type recorder struct {
	header http.Header
	status int
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

// TestRouterAgrees checks that the router kept for the requests MatchPath
// refuses would answer every request as the registry does.
func TestRouterAgrees(t *testing.T) {
	d := digest.FromString("agree")
	requests := []struct{ method, path string }{
		{"GET", "/v2/"},
		{"GET", "/v2/_catalog?n=1"},
		{"GET", "/v2/a/tags/list"},
		{"GET", "/v2/a/manifests/t"},
		{"HEAD", "/v2/a/manifests/missing"},
		{"GET", "/v2/a/blobs/" + d.String()},
		{"DELETE", "/v2/a/blobs/" + d.String()},
		{"GET", "/v2/a/referrers/" + d.String()},
		{"GET", "/v2/a/blobs/uploads/unknown"},
		{"GET", "/v2/A/tags/list"},
		{"GET", "/v2/a//tags/list"},
		{"GET", "/v2/a/blobs/uploads"},
		{"GET", "/v2/a/manifests/tags/list"},
		{"GET", "/nothing"},
	}
	for _, req := range requests {
		t.Run(req.method+" "+req.path, func(t *testing.T) {
			full, viaRouter := New(Options{}), New(Options{})
			for _, reg := range []*Registry{full, viaRouter} {
				pushBlob(t, reg, "a", []byte("agree"))
				pushManifest(t, reg, "a", "t", "application/vnd.oci.image.manifest.v1+json", []byte(`{"schemaVersion":2}`))
			}
			got := serve(t, full, req.method, req.path, nil, nil)
			want := serve(t, viaRouter.router, req.method, req.path, nil, nil)
			if got.status != want.status || !bytes.Equal(got.body, want.body) || got.header.Get("Location") != want.header.Get("Location") {
				t.Fatalf("registry answered %d %q %q, router %d %q %q", got.status, got.header.Get("Location"), got.body,
					want.status, want.header.Get("Location"), want.body)
			}
		})
	}
}
