package registrytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

func TestManifestContentNegotiation(t *testing.T) {
	oci := newTestImage("negotiation", "")
	docker := []byte(`{"schemaVersion":2,"mediaType":"` + dockerManifest + `","config":` + descriptorJSON("application/vnd.docker.container.image.v1+json", oci.config) +
		`,"layers":[` + descriptorJSON("application/vnd.docker.image.rootfs.diff.tar.gzip", oci.layers[0]) + `]}`)
	tests := []struct {
		name   string
		opts   Options
		ref    string // "oci" or "docker"
		accept []string
		status int
	}{
		{"no Accept", Options{}, "oci", nil, 200},
		{"exact", Options{}, "oci", []string{ociManifest}, 200},
		{"among others", Options{}, "oci", []string{dockerManifest + ", " + ociManifest + ";q=0.5"}, 200},
		{"several headers", Options{}, "oci", []string{dockerManifest, ociIndex, ociManifest}, 200},
		{"any", Options{}, "oci", []string{dockerManifest + ", */*;q=0.1"}, 200},
		{"parameters ignored", Options{}, "oci", []string{ociManifest + "; charset=utf-8"}, 200},
		{"case of the type", Options{}, "oci", []string{"Application/VND.OCI.image.manifest.v1+JSON"}, 200},
		{"other types only", Options{}, "oci", []string{dockerManifest + ", " + ociIndex}, 404},
		{"refused with q=0", Options{}, "oci", []string{ociManifest + ";q=0, " + dockerManifest}, 404},
		{"only q=0", Options{}, "oci", []string{ociManifest + ";q=0"}, 404},
		{"wildcard type is not */*", Options{}, "oci", []string{"application/*"}, 404},
		{"Docker by OCI type", Options{}, "docker", []string{ociManifest}, 404},
		{"Docker by OCI type, interchangeable", Options{InterchangeableManifestTypes: true}, "docker", []string{ociManifest}, 200},
		{"OCI by Docker type, interchangeable", Options{InterchangeableManifestTypes: true}, "oci", []string{dockerManifest}, 200},
		{"index type never stands for a manifest", Options{InterchangeableManifestTypes: true}, "oci", []string{dockerList}, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reg := New(tt.opts)
			oci.push(t, reg, "n", "oci")
			pushManifest(t, reg, "n", "docker", dockerManifest, docker)
			for _, method := range []string{"GET", "HEAD"} {
				req, _ := http.NewRequest(method, "http://registry.test/v2/n/manifests/"+tt.ref, nil)
				for _, a := range tt.accept {
					req.Header.Add("Accept", a)
				}
				res := do(reg, req)
				if res.status != tt.status {
					t.Fatalf("%s: status %d, want %d: %s", method, res.status, tt.status, res.body)
				}
				if tt.status == 404 && method == "GET" {
					if code := errorCode(t, res); code != "MANIFEST_UNKNOWN" {
						t.Fatalf("code %s", code)
					}
				}
			}
		})
	}
}

// do serves req with h.
func do(h http.Handler, req *http.Request) result {
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

func TestWarnings(t *testing.T) {
	reg := New(Options{Warnings: []Warning{
		{Target: "manifest", Text: `the "latest" tag is deprecated`},
		{Target: "end-2", Text: "blobs move to another registry"},
		{Target: "*", Text: "maintenance tonight"},
		{Target: "", Text: "never sent"},
		{Target: "catalog", Text: strings.Repeat("x", 5000)}, // over the bound: left out
	}})
	im := newTestImage("warned", "")
	im.push(t, reg, "w", "latest")
	for _, tt := range []struct {
		method, path string
		want         []string
	}{
		{"GET", "/v2/w/manifests/latest", []string{`299 - "the \"latest\" tag is deprecated"`, `299 - "maintenance tonight"`}},
		{"GET", "/v2/w/manifests/missing", []string{`299 - "the \"latest\" tag is deprecated"`, `299 - "maintenance tonight"`}},
		{"HEAD", "/v2/w/blobs/" + digest.FromBytes(im.config).String(), []string{`299 - "blobs move to another registry"`, `299 - "maintenance tonight"`}},
		{"GET", "/v2/_catalog", []string{`299 - "maintenance tonight"`}},
		{"GET", "/v2/nothing/here", nil}, // no route, no warning
	} {
		res := serve(t, reg, tt.method, tt.path, nil, nil)
		if got := res.header.Values("Warning"); strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("%s %s: Warning %q, want %q", tt.method, tt.path, got, tt.want)
		}
	}
}

func TestReferrersPagination(t *testing.T) {
	reg := New(Options{ReferrersPageSize: 2})
	subject := newTestImage("subject", "")
	subject.push(t, reg, "r", "s")
	pushBlob(t, reg, "r", []byte("{}"))
	subjectField := `"subject":{"mediaType":"` + ociManifest + `","digest":"` + subject.digest.String() + `","size":` + fmt.Sprint(len(subject.manifest)) + `}`
	var sigs, all []string
	for i := 0; i < 5; i++ {
		at := "application/example.sbom"
		if i%2 == 0 {
			at = "application/example.sig"
		}
		body := []byte(`{"schemaVersion":2,"mediaType":"` + ociManifest + `","artifactType":"` + at + `",` +
			`"config":` + descriptorJSON("application/vnd.oci.empty.v1+json", []byte("{}")) + `,"layers":[],"annotations":{"n":"` + fmt.Sprint(i) + `"},` + subjectField + `}`)
		d := digest.FromBytes(body)
		run(t, reg, call{method: "PUT", path: "/v2/r/manifests/" + d.String(), header: map[string]string{"Content-Type": ociManifest}, body: body, status: http.StatusCreated})
		all = append(all, d.String())
		if i%2 == 0 {
			sigs = append(sigs, d.String())
		}
	}
	// Deleting the first referrer does not shift the pages of the rest.
	run(t, reg, call{method: "DELETE", path: "/v2/r/manifests/" + all[0], status: http.StatusAccepted})
	all, sigs = all[1:], sigs[1:]
	// Referrers are listed in digest order.
	slices.Sort(all)
	slices.Sort(sigs)

	follow := func(path string) (pages int, got []string) {
		for path != "" {
			if pages++; pages > 10 {
				t.Fatal("too many pages")
			}
			res := run(t, reg, call{method: "GET", path: path, status: http.StatusOK})
			var idx index
			if err := json.Unmarshal(res.body, &idx); err != nil {
				t.Fatal(err)
			}
			if len(idx.Manifests) > 2 {
				t.Fatalf("page of %d, over the page size", len(idx.Manifests))
			}
			for _, m := range idx.Manifests {
				got = append(got, m.Digest)
			}
			filtered := strings.Contains(path, "artifactType=")
			if (res.header.Get("OCI-Filters-Applied") == "artifactType") != filtered {
				t.Fatalf("page %s: OCI-Filters-Applied %q", path, res.header.Get("OCI-Filters-Applied"))
			}
			path = ""
			if link := res.header.Get("Link"); link != "" {
				u, ok := strings.CutSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
				if !ok {
					t.Fatalf("Link %q", link)
				}
				path = strings.TrimPrefix(u, "http://registry.test")
				if filtered && !strings.Contains(path, "artifactType=application%2Fexample.sig") {
					t.Fatalf("next link %q lost the filter", path)
				}
			}
		}
		return pages, got
	}
	pages, got := follow("/v2/r/referrers/" + subject.digest.String())
	if pages != 2 || strings.Join(got, ",") != strings.Join(all, ",") {
		t.Fatalf("%d pages of %q, want 2 pages of %q", pages, got, all)
	}
	pages, got = follow("/v2/r/referrers/" + subject.digest.String() + "?artifactType=application/example.sig")
	if pages != 1 || strings.Join(got, ",") != strings.Join(sigs, ",") {
		t.Fatalf("%d pages of %q, want 1 page of %q", pages, got, sigs)
	}
	run(t, reg, call{method: "GET", path: "/v2/r/referrers/" + subject.digest.String() + "?last=x", status: http.StatusBadRequest, code: "PAGINATION_NUMBER_INVALID"})
}

func TestBlobRedirect(t *testing.T) {
	srv := NewServer(Options{BlobRedirect: true})
	defer srv.Close()
	reg := srv.Registry
	clock := stoppedClock(reg)
	content := bytes.Repeat([]byte("redirected "), 1000)
	d := pushBlob(t, reg, "red/x", content)
	blob := srv.URL + "/v2/red/x/blobs/" + d.String()

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(blob)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusTemporaryRedirect || resp.Header.Get("Docker-Content-Digest") != d.String() || !strings.HasPrefix(loc, srv.URL+"/_regapi/blobs/red/x/") {
		t.Fatalf("GET: %d Location %q", resp.StatusCode, loc)
	}
	// HEAD is answered directly.
	resp, err = noFollow.Head(blob)
	if err != nil || resp.StatusCode != http.StatusOK || resp.ContentLength != int64(len(content)) {
		t.Fatalf("HEAD: %v %v", resp, err)
	}

	get := func(url string, header map[string]string) (int, http.Header, []byte) {
		req, _ := http.NewRequest("GET", url, nil)
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, body
	}
	// A client that follows redirects gets the blob, whole or in part,
	// with no credentials.
	if status, _, body := get(blob, nil); status != 200 || !bytes.Equal(body, content) {
		t.Fatalf("followed GET: %d, %d bytes", status, len(body))
	}
	if status, h, body := get(loc, map[string]string{"Range": "bytes=11-21"}); status != 206 || string(body) != "redirected " || h.Get("Content-Range") != fmt.Sprintf("bytes 11-21/%d", len(content)) {
		t.Fatalf("ranged GET of the redirect: %d %q %q", status, body, h.Get("Content-Range"))
	}
	// Tampered, misplaced and expired URLs are refused.
	for _, bad := range []string{
		strings.Replace(loc, "sig=", "sig=0", 1),
		strings.Replace(loc, "/red/x/", "/red/y/", 1),
		strings.Replace(loc, "expires=", "expires=9", 1),
	} {
		if status, _, _ := get(bad, nil); status != http.StatusForbidden {
			t.Fatalf("tampered URL %s: %d", bad, status)
		}
	}
	clock.advance(5 * time.Minute)
	if status, _, _ := get(loc, nil); status != 200 {
		t.Fatalf("URL five minutes old: %d", status)
	}
	clock.advance(6 * time.Minute)
	if status, _, _ := get(loc, nil); status != http.StatusForbidden {
		t.Fatalf("expired URL: %d", status)
	}
	// Without the option the path is no route.
	plain := NewServer(Options{})
	defer plain.Close()
	if status, _, _ := get(strings.Replace(loc, srv.URL, plain.URL, 1), nil); status != http.StatusNotFound {
		t.Fatalf("redirect path without the option: %d", status)
	}
}

func TestBlobDir(t *testing.T) {
	dir := t.TempDir()
	srv := NewServer(Options{BlobDir: dir, MaxStorage: 1 << 20})
	defer srv.Close()
	c := newClient(srv, 2)
	content := bytes.Repeat([]byte("on disk "), 20000) // 160,000 bytes
	d, err := c.pushChunked("disk", content, 3)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.checkBlob("disk", d, content); err != nil {
		t.Fatal(err)
	}
	// The bytes are in one file of the directory, not in memory.
	files, _ := os.ReadDir(dir)
	if len(files) != 1 {
		t.Fatalf("%d files in the blob directory, want 1", len(files))
	}
	onDisk, err := os.ReadFile(filepath.Join(dir, files[0].Name()))
	if err != nil || !bytes.Equal(onDisk, content) {
		t.Fatalf("the file holds %d bytes, %v", len(onDisk), err)
	}
	res, err := c.expect("GET", "/v2/disk/blobs/"+d.String(), map[string]string{"Range": "bytes=8-15"}, nil, http.StatusPartialContent, "")
	if err != nil || string(res.body) != "on disk " {
		t.Fatalf("ranged GET: %q %v", res.body, err)
	}
	// A mount shares the file; deleting both links removes it.
	if _, err := c.expect("POST", "/v2/other/blobs/uploads/?mount="+d.String()+"&from=disk", nil, nil, http.StatusCreated, ""); err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"disk", "other"} {
		if files, _ := os.ReadDir(dir); len(files) != 1 {
			t.Fatalf("%d files before deleting from %s", len(files), repo)
		}
		if _, err := c.expect("DELETE", "/v2/"+repo+"/blobs/"+d.String(), nil, nil, http.StatusAccepted, ""); err != nil {
			t.Fatal(err)
		}
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("%d files left after the deletes", len(files))
	}
	// Cancelled and refused uploads leave no file, and MaxStorage counts
	// the files.
	res, err = c.expect("POST", "/v2/disk/blobs/uploads/", nil, nil, http.StatusAccepted, "")
	if err != nil {
		t.Fatal(err)
	}
	loc := strings.TrimPrefix(res.header.Get("Location"), srv.URL)
	if _, err := c.expect("PATCH", loc, nil, bytes.Repeat([]byte("x"), 2<<20), http.StatusForbidden, "DENIED"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.expect("DELETE", loc, nil, nil, http.StatusNoContent, ""); err != nil {
		t.Fatal(err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Fatalf("%d files left after a cancelled upload", len(files))
	}
	if err := srv.Registry.checkAccounting(); err != nil {
		t.Fatal(err)
	}
}

// TestWarningsCostNoAllocations checks that Warning headers, rendered
// when the registry is made, add no allocation to the requests they are
// added to: a blob GET costs as many with warnings as without.
func TestWarningsCostNoAllocations(t *testing.T) {
	content := []byte("warned blob")
	allocs := func(warnings []Warning) float64 {
		reg := New(Options{Warnings: warnings, RequestLogSize: -1})
		d := pushBlob(t, reg, "w", content)
		req := httptest.NewRequest("GET", "http://registry.test/v2/w/blobs/"+d.String(), nil)
		var rec *httptest.ResponseRecorder
		n := testing.AllocsPerRun(100, func() {
			req.Body = http.NoBody
			rec = httptest.NewRecorder()
			reg.ServeHTTP(rec, req)
		})
		if rec.Code != http.StatusOK || len(rec.Header().Values("Warning")) != len(warnings) {
			t.Fatalf("blob GET: %d, Warning %q", rec.Code, rec.Header().Values("Warning"))
		}
		return n
	}
	without := allocs(nil)
	with := allocs([]Warning{
		{Target: "*", Text: "maintenance tonight"},
		{Target: "blob", Text: `blobs "move"`},
		{Target: "end-2", Text: "to another registry"},
	})
	if with != without {
		t.Errorf("a blob GET allocates %v times with three warnings, %v without", with, without)
	}
}

// TestReferrersPageCost checks that a page of referrers costs the same
// however many referrers follow it: the registry starts at the page's
// cursor and stops at its end rather than copying the whole list.
func TestReferrersPageCost(t *testing.T) {
	if raceEnabled {
		t.Skip("allocations through encoding/json's sync.Pool vary under the race detector")
	}
	allocs := func(referrers int) float64 {
		reg := New(Options{ReferrersPageSize: 2, RequestLogSize: -1})
		subject := newTestImage("subject", "")
		subject.push(t, reg, "r", "s")
		pushBlob(t, reg, "r", []byte("{}"))
		subjectField := `"subject":{"mediaType":"` + ociManifest + `","digest":"` + subject.digest.String() + `","size":` + fmt.Sprint(len(subject.manifest)) + `}`
		var listed []string
		for i := 0; i < referrers; i++ {
			body := []byte(`{"schemaVersion":2,"mediaType":"` + ociManifest + `","artifactType":"application/example.sig",` +
				`"config":` + descriptorJSON("application/vnd.oci.empty.v1+json", []byte("{}")) + `,"layers":[],"annotations":{"n":"` + fmt.Sprint(i) + `"},` + subjectField + `}`)
			pushManifest(t, reg, "r", digest.FromBytes(body).String(), ociManifest, body)
			listed = append(listed, digest.FromBytes(body).String())
		}
		// A page further down the list (at the same place in both), and
		// the first; referrers are listed in digest order.
		slices.Sort(listed)
		req := httptest.NewRequest("GET", "http://registry.test/v2/r/referrers/"+subject.digest.String()+"?last="+listed[150], nil)
		first := httptest.NewRequest("GET", "http://registry.test/v2/r/referrers/"+subject.digest.String(), nil)
		var rec *httptest.ResponseRecorder
		n := testing.AllocsPerRun(20, func() {
			for _, r := range []*http.Request{req, first} {
				r.Body = http.NoBody
				rec = httptest.NewRecorder()
				reg.ServeHTTP(rec, r)
				if rec.Code != http.StatusOK || rec.Header().Get("Link") == "" {
					t.Fatalf("referrers page: %d, Link %q", rec.Code, rec.Header().Get("Link"))
				}
			}
		})
		return n
	}
	if few, many := allocs(200), allocs(2000); few != many {
		t.Errorf("two pages of 2 referrers allocate %v times of 200 referrers, %v of 2000", few, many)
	}
}
