package server_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
)

func TestWarnings(t *testing.T) {
	reg := server.New(memstore.New(memstore.Options{}), server.Options{Warnings: []server.Warning{
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
	// Quotes and backslashes are escaped, and bytes a header may not
	// carry become "?".
	quoted := server.New(memstore.New(memstore.Options{}), server.Options{Warnings: []server.Warning{{Target: "*", Text: "a\"b\\c\x01é"}}})
	if got := serve(t, quoted, "GET", "/v2/", nil, nil).header.Get("Warning"); got != `299 - "a\"b\\c???"` {
		t.Errorf("Warning %s", got)
	}
}

// TestWarningsCostNoAllocations checks that Warning headers, rendered
// when the registry is made, add no allocation to the requests they are
// added to: a blob GET costs as many with warnings as without.
func TestWarningsCostNoAllocations(t *testing.T) {
	content := []byte("warned blob")
	allocs := func(warnings []server.Warning) float64 {
		reg := server.New(memstore.New(memstore.Options{}), server.Options{Warnings: warnings})
		d := putBlob(t, reg, "w", content)
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
	with := allocs([]server.Warning{
		{Target: "*", Text: "maintenance tonight"},
		{Target: "blob", Text: `blobs "move"`},
		{Target: "end-2", Text: "to another registry"},
	})
	if with != without {
		t.Errorf("a blob GET allocates %v times with three warnings, %v without", with, without)
	}
}
