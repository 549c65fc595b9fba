package registrytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

func TestParseFault(t *testing.T) {
	tests := []struct {
		spec    string
		wantErr string
	}{
		{"GET blob status=503 retry-after=1 x2", ""},
		{"get blob status=503", ""},
		{"* * status=500", ""},
		{"PATCH end-5 reset-request=1048576", ""},
		{"PUT end-7 repo=library/alpine delay=2s x3", ""},
		{"GET end-2 truncate=100", ""},
		{"GET blob reset=0", ""},
		{"GET blob", "want METHOD TARGET"},
		{"GET nowhere status=500", `no route "nowhere"`},
		{"GET end-99 status=500", "no endpoint end-99"},
		{"GET end-4 status=500", ""}, // end-4a, end-4b, end-4c
		{"G(T blob status=500", "is not a method"},
		{"GET blob status=302", "is not a 4xx or 5xx code"},
		{"GET blob status=abc", "is not a 4xx or 5xx code"},
		{"GET blob status=503 retry-after=soon", "retry-after must be"},
		{"GET blob reset=-1", "needs a number of bytes"},
		{"GET blob delay=forever", "is not a duration"},
		{"GET blob explode=1", `unknown kind "explode"`},
		{"GET blob repo=UPPER status=500", "is not a repository name"},
		{"GET blob repo=a", "no kind"},
		{"GET blob status=500 x0", "is not xN"},
		{"GET blob status=500 2", "is not xN"},
		{"GET blob status=500 x2 extra", `unexpected "extra"`},
	}
	for _, tt := range tests {
		_, err := parseFault(tt.spec)
		if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("parseFault(%q) = %v, want error containing %q", tt.spec, err, tt.wantErr)
		}
	}
}

// faultSetup is a server holding one image and a blob of 100 KiB in
// repository "f".
type faultSetup struct {
	srv  *Server
	c    *client
	im   testImage
	big  []byte
	bigD digest.Digest
}

func newFaultSetup(t *testing.T, opts Options) *faultSetup {
	t.Helper()
	s := &faultSetup{srv: NewServer(opts), im: newTestImage("faults", ""), big: bytes.Repeat([]byte("0123456789abcdef"), 6400)}
	t.Cleanup(s.srv.Close)
	s.c = newClient(s.srv, 4)
	s.im.push(t, s.srv.Registry, "f", "v1")
	s.bigD = pushBlob(t, s.srv.Registry, "f", s.big)
	s.srv.Registry.ResetRequests()
	return s
}

// get sends a plain GET and returns the answer, or the error of a
// connection the server closed.
func (s *faultSetup) get(path string) (*http.Response, []byte, error) {
	resp, err := s.srv.Client().Get(s.srv.URL + path)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestStatusFaults(t *testing.T) {
	s := newFaultSetup(t, Options{})
	reg := s.srv.Registry
	blob := "/v2/f/blobs/" + s.bigD.String()
	for _, spec := range []string{
		"GET blob status=503 retry-after=1 x2",
		"HEAD blob status=429 retry-after=7",
		"PUT end-7 status=500",
		"GET end-3 repo=other status=404",
		"GET end-3 status=418",
		"GET blob status=404",
	} {
		if err := reg.InjectFault(spec); err != nil {
			t.Fatal(err)
		}
	}
	for i, want := range []struct {
		method, path string
		body         []byte
		status       int
		code         string
		retry        string
	}{
		{"GET", blob, nil, 503, "UNAVAILABLE", "1"},
		{"HEAD", blob, nil, 429, "", "7"},
		{"GET", blob, nil, 503, "UNAVAILABLE", "1"},
		// The descriptors list NAME_UNKNOWN first for a blob's 404.
		{"GET", blob, nil, 404, "NAME_UNKNOWN", ""},
		{"GET", blob, nil, 200, "", ""},
		// A status fault answers before the handler: nothing is stored.
		{"PUT", "/v2/f/manifests/" + s.im.digest.String() + "?tag=new", s.im.manifest, 500, "UNKNOWN", ""},
		{"GET", "/v2/f/manifests/new", nil, 418, "UNKNOWN", ""},
		{"GET", "/v2/f/manifests/new", nil, 404, "MANIFEST_UNKNOWN", ""},
	} {
		header := map[string]string{}
		if want.method == "PUT" {
			header["Content-Type"] = ociManifest
		}
		res, err := s.c.raw(want.method, want.path, header, want.body)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if res.status != want.status || res.header.Get("Retry-After") != want.retry {
			t.Fatalf("request %d %s %s: status %d Retry-After %q, want %d %q: %s", i, want.method, want.path, res.status, res.header.Get("Retry-After"), want.status, want.retry, res.body)
		}
		if want.code != "" {
			if codes, _ := checkFaultBody(res); len(codes) == 0 || codes[0] != want.code {
				t.Fatalf("request %d: codes %q, want %s", i, codes, want.code)
			}
		}
	}
	faults := reg.Faults()
	fired := []int{2, 1, 1, 0, 1, 1}
	for i, f := range faults {
		if f.Fired != fired[i] || f.Remaining != 0 && f.Fired != 0 {
			t.Errorf("fault %q fired %d times, %d left; want %d", f.Spec, f.Fired, f.Remaining, fired[i])
		}
	}
	var withFault []string
	for _, r := range reg.Requests() {
		if r.Fault != "" {
			withFault = append(withFault, r.Method+" "+r.Fault)
		}
	}
	want := []string{"GET GET blob status=503 retry-after=1 x2", "HEAD HEAD blob status=429 retry-after=7", "GET GET blob status=503 retry-after=1 x2",
		"GET GET blob status=404", "PUT PUT end-7 status=500", "GET GET end-3 status=418"}
	if strings.Join(withFault, "|") != strings.Join(want, "|") {
		t.Errorf("the request log shows faults\n%q\nwant\n%q", withFault, want)
	}
	reg.ClearFaults()
	if len(reg.Faults()) != 0 {
		t.Error("ClearFaults left faults")
	}
}

// checkFaultBody returns the codes of an error answer, which may be of a
// status no code has (a fault's).
func checkFaultBody(res response) ([]string, error) {
	var env struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if err := jsonUnmarshal(res.body, &env); err != nil {
		return nil, err
	}
	var codes []string
	for _, e := range env.Errors {
		codes = append(codes, e.Code)
	}
	return codes, nil
}

func TestResetAndTruncateFaults(t *testing.T) {
	s := newFaultSetup(t, Options{})
	reg := s.srv.Registry
	blob := "/v2/f/blobs/" + s.bigD.String()

	// reset=0: no answer at all.
	if err := reg.InjectFault("GET blob reset=0"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.get(blob); err == nil {
		t.Fatal("GET under reset=0 got an answer")
	}

	// reset=K: the headers and K bytes, then the connection closes.
	if err := reg.InjectFault("GET end-2 reset=1000"); err != nil {
		t.Fatal(err)
	}
	resp, body, err := s.get(blob)
	if resp == nil || resp.StatusCode != http.StatusOK || err == nil || len(body) != 1000 || !bytes.Equal(body, s.big[:1000]) {
		t.Fatalf("GET under reset=1000: %v, %d bytes, %v", resp, len(body), err)
	}

	// truncate=K: the full Content-Length is announced, K bytes come.
	if err := reg.InjectFault("GET blob truncate=500"); err != nil {
		t.Fatal(err)
	}
	resp, body, err = s.get(blob)
	if resp == nil || resp.ContentLength != int64(len(s.big)) || !errors.Is(err, io.ErrUnexpectedEOF) || len(body) != 500 {
		t.Fatalf("GET under truncate=500: %v, %d bytes, %v", resp, len(body), err)
	}

	// The handler ran under reset: a manifest pushed is stored though the
	// client never heard.
	if err := reg.InjectFault("PUT manifest reset=0"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.c.do("PUT", "/v2/f/manifests/reset", map[string]string{"Content-Type": ociManifest}, s.im.manifest); err == nil {
		t.Fatal("PUT under reset=0 got an answer")
	}
	if _, err := s.c.expect("GET", "/v2/f/manifests/reset", nil, nil, http.StatusOK, ""); err != nil {
		t.Fatal(err)
	}

	// reset-request=K: the connection closes after K bytes of the body;
	// the session keeps them.
	res, err := s.c.expect("POST", "/v2/f/blobs/uploads/", nil, nil, http.StatusAccepted, "")
	if err != nil {
		t.Fatal(err)
	}
	loc := strings.TrimPrefix(res.header.Get("Location"), s.srv.URL)
	if err := reg.InjectFault("PATCH end-5 reset-request=300"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.c.do("PATCH", loc, map[string]string{"Content-Range": "0-9999"}, s.big[:10000]); err == nil {
		t.Fatal("PATCH under reset-request got an answer")
	}
	waitForRange(t, s.c, loc, "0-299")
	if _, err := s.c.expect("PATCH", loc, map[string]string{"Content-Range": "300-9999"}, s.big[300:10000], http.StatusAccepted, ""); err != nil {
		t.Fatal(err)
	}

	var logged []string
	for _, r := range reg.Requests() {
		if r.Fault != "" {
			logged = append(logged, r.Fault+" status "+itoa(r.Status))
		}
	}
	want := []string{"GET blob reset=0 status 0", "GET end-2 reset=1000 status 200", "GET blob truncate=500 status 200",
		"PUT manifest reset=0 status 0", "PATCH end-5 reset-request=300 status 0"}
	if strings.Join(logged, "|") != strings.Join(want, "|") {
		t.Errorf("request log:\n%q\nwant\n%q", logged, want)
	}
	if err := reg.checkAccounting(); err != nil {
		t.Fatal(err)
	}
}

func TestDelayFault(t *testing.T) {
	s := newFaultSetup(t, Options{})
	const delay = 150 * time.Millisecond
	if err := s.srv.Registry.InjectFault("GET end-3 repo=f delay=150ms x2"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		start := time.Now()
		if _, err := s.c.expect("GET", "/v2/f/manifests/v1", nil, nil, http.StatusOK, ""); err != nil {
			t.Fatal(err)
		}
		// Only a lower bound: a slow machine may take longer anyway.
		if took := time.Since(start); i < 2 && took < delay {
			t.Errorf("request %d answered in %v, under the delay of %v", i, took, delay)
		}
	}
	if f := s.srv.Registry.Faults()[0]; f.Fired != 2 || f.Remaining != 0 {
		t.Errorf("fault %+v", f)
	}
}

// TestFaultEndpoint drives the faults through /_regapi/faults.
func TestFaultEndpoint(t *testing.T) {
	off := newFaultSetup(t, Options{})
	if res, err := off.c.raw("POST", "/_regapi/faults", nil, []byte("GET blob status=500")); err != nil || res.status != http.StatusNotFound {
		t.Fatalf("fault endpoint served without FaultEndpoint: %v %v", res.status, err)
	}

	s := newFaultSetup(t, Options{FaultEndpoint: true})
	post := func(body string) int {
		res, err := s.c.raw("POST", "/_regapi/faults", nil, []byte(body))
		if err != nil {
			t.Fatal(err)
		}
		return res.status
	}
	if got := post("GET blob status=500\nGET nowhere status=500\n"); got != http.StatusBadRequest {
		t.Fatalf("POST with a bad SPEC: %d", got)
	}
	if n := len(s.srv.Registry.Faults()); n != 0 {
		t.Fatalf("a POST with a bad SPEC added %d faults", n)
	}
	if got := post("# comment\nGET end-2 status=503 x2\n\nHEAD blob status=500\n"); got != http.StatusNoContent {
		t.Fatalf("POST: %d", got)
	}
	if res, err := s.c.raw("GET", "/v2/f/blobs/"+s.bigD.String(), nil, nil); err != nil || res.status != http.StatusServiceUnavailable {
		t.Fatalf("GET under a fault: %v %v", res.status, err)
	}
	res, err := s.c.raw("GET", "/_regapi/faults", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "GET end-2 status=503 x2\tremaining=1\tfired=1\nHEAD blob status=500\tremaining=1\tfired=0\n"
	if string(res.body) != want {
		t.Fatalf("GET /_regapi/faults:\n%s\nwant\n%s", res.body, want)
	}
	if res, err := s.c.raw("DELETE", "/_regapi/faults", nil, nil); err != nil || res.status != http.StatusNoContent {
		t.Fatalf("DELETE: %v", err)
	}
	if n := len(s.srv.Registry.Faults()); n != 0 {
		t.Fatalf("DELETE left %d faults", n)
	}
}

func TestRequestLog(t *testing.T) {
	reg := New(Options{RequestLogSize: 3})
	content := []byte("logged content")
	d := pushBlob(t, reg, "r", content)
	run(t, reg, call{method: "GET", path: "/v2/r/blobs/" + d.String(), status: http.StatusOK})
	run(t, reg, call{method: "GET", path: "/v2/none/tags/list?n=1", status: http.StatusNotFound})
	run(t, reg, call{method: "GET", path: "/v2/nothing/here", status: http.StatusNotFound})
	got := reg.Requests()
	want := []Request{
		{Method: "GET", Path: "/v2/r/blobs/" + d.String(), Route: "blob", EndpointID: "end-2", Status: 200, ResponseBytes: int64(len(content))},
		{Method: "GET", Path: "/v2/none/tags/list", Query: "n=1", Route: "tags", EndpointID: "end-8b", Status: 404, ResponseBytes: -1},
		{Method: "GET", Path: "/v2/nothing/here", Status: 404, ResponseBytes: -1},
	}
	if len(got) != len(want) {
		t.Fatalf("%d requests logged, want the last %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if want[i].ResponseBytes < 0 {
			// An error envelope: its length is the registry's to choose.
			if got[i].ResponseBytes <= 0 {
				t.Errorf("request %d: no response bytes", i)
			}
			want[i].ResponseBytes = got[i].ResponseBytes
		}
		if got[i] != want[i] {
			t.Errorf("request %d:\n got  %+v\n want %+v", i, got[i], want[i])
		}
	}
	reg.ResetRequests()
	pushBlob(t, reg, "r", []byte("more"))
	if got := reg.Requests(); len(got) != 1 || got[0].Method != "POST" || got[0].EndpointID != "end-4b" || got[0].RequestBytes != 4 || got[0].Status != 201 {
		t.Fatalf("after ResetRequests: %+v", got)
	}
	off := New(Options{RequestLogSize: -1})
	run(t, off, call{method: "GET", path: "/v2/", status: http.StatusOK})
	if got := off.Requests(); len(got) != 0 {
		t.Fatalf("a registry without a log logged %+v", got)
	}
}

// TestRequestLogWhileServing reads the log while requests run, under the
// race detector, and checks that it keeps its bound.
func TestRequestLogWhileServing(t *testing.T) {
	srv := NewServer(Options{RequestLogSize: 50})
	defer srv.Close()
	c := newClient(srv, 8)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 200; i++ {
			if _, err := c.expect("GET", "/v2/", nil, nil, http.StatusOK, ""); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	for {
		select {
		case <-done:
			if n := len(srv.Registry.Requests()); n != 50 {
				t.Fatalf("%d requests kept, want 50", n)
			}
			return
		default:
			if n := len(srv.Registry.Requests()); n > 50 {
				t.Fatalf("%d requests kept, over 50", n)
			}
		}
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func itoa(n int) string { return strconv.Itoa(n) }

func TestFaultsBounded(t *testing.T) {
	reg := New(Options{})
	for i := 0; i < maxFaults; i++ {
		if err := reg.InjectFault("GET blob status=500"); err != nil {
			t.Fatalf("fault %d: %v", i, err)
		}
	}
	if err := reg.InjectFault("GET blob status=500"); err == nil || !strings.Contains(err.Error(), "clear them first") {
		t.Fatalf("fault %d: %v", maxFaults+1, err)
	}
	reg.ClearFaults()
	if err := reg.InjectFault("GET blob status=500"); err != nil {
		t.Fatal(err)
	}
}

// TestRequestLogBoundsWhatItKeeps sends requests with long paths and
// queries and checks that the log keeps a bounded part of each.
func TestRequestLogBoundsWhatItKeeps(t *testing.T) {
	long := strings.Repeat("a", 100000)
	target := "/v2/" + long + "/tags/list?x=" + long
	for _, tc := range []struct {
		name    string
		request func() *http.Request
	}{
		{"long request line", func() *http.Request { return httptest.NewRequest("GET", target, nil) }},
		{"short request line, URL made long by a middleware", func() *http.Request {
			r := httptest.NewRequest("GET", "/v2/a/tags/list", nil)
			r.URL.Path, r.URL.RawQuery = "/v2/"+long+"/tags/list", "x="+long
			return r
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reg := New(Options{RequestLogSize: 10})
			for i := 0; i < 20; i++ {
				reg.ServeHTTP(httptest.NewRecorder(), tc.request())
			}
			got := reg.Requests()
			if len(got) != 10 {
				t.Fatalf("%d requests kept, want 10", len(got))
			}
			for _, r := range got {
				if len(r.Path) > 2048+3 || len(r.Query) > 2048+3 || !strings.HasPrefix(r.Path, "/v2/aaa") {
					t.Fatalf("kept a path of %d bytes and a query of %d", len(r.Path), len(r.Query))
				}
			}
		})
	}
}

// TestFaultBatchAddedWhole posts batches of faults at once to a registry
// near its limit of faults: each batch is added whole or not at all, and
// the limit holds.
func TestFaultBatchAddedWhole(t *testing.T) {
	const batch, posts = 100, 20
	reg := New(Options{FaultEndpoint: true})
	start := maxFaults - 5*batch - batch/2
	for i := 0; i < start; i++ {
		if err := reg.InjectFault("GET blob status=500"); err != nil {
			t.Fatal(err)
		}
	}
	body := []byte(strings.Repeat("GET end-2 status=503\n", batch))
	statuses := make([]int, posts)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = serve(t, reg, "POST", faultEndpointPath, nil, body).status
		}()
	}
	wg.Wait()
	added := 0
	for _, s := range statuses {
		switch s {
		case http.StatusNoContent:
			added++
		case http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("POST answered %d", s)
		}
	}
	if n := len(reg.Faults()); n != start+added*batch || added != 5 {
		t.Fatalf("%d faults after %d batches of %d were accepted on %d, want %d batches accepted whole", n, added, batch, start, 5)
	}
	// One fault more than fits leaves the list as it was.
	if err := reg.InjectFault("GET blob status=500"); err != nil {
		t.Fatal(err)
	}
	if res := serve(t, reg, "POST", faultEndpointPath, nil, body); res.status != http.StatusRequestEntityTooLarge {
		t.Fatalf("a batch over the limit: %d", res.status)
	}
	if n := len(reg.Faults()); n != start+5*batch+1 {
		t.Fatalf("a batch over the limit left %d faults, want %d", n, start+5*batch+1)
	}
}
