package benchmarks

import (
	"math/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"

	upstream "github.com/distribution/distribution/v3/registry/api/v2"
	"github.com/regapi/regapi"
	"github.com/regapi/regapi/benchmarks/compat"
)

// TestFromRequestForwardedMatchesUpstream builds from requests carrying
// generated Forwarded headers, well-formed and not, and compares the base
// URL with distribution's: the header parser must accept and refuse the
// same headers and read the same proto and host.
func TestFromRequestForwardedMatchesUpstream(t *testing.T) {
	pieces := []string{
		"proto", "PROTO", "host", "Host", "for", "by", "=", ";", ",", " ", "\t", `"`, `\`, `\"`,
		"https", "http", "registry.example.com", "h:5000", "[::1]:5000", "a/b", "\u00a0", "\u212a", "ſ", "\xff", "\x01", "x",
	}
	rng := rand.New(rand.NewSource(5))
	for i := 0; i < 20000; i++ {
		var b strings.Builder
		for n := rng.Intn(12); n >= 0; n-- {
			b.WriteString(pieces[rng.Intn(len(pieces))])
		}
		compareForwarded(t, b.String())
	}
	for _, h := range []string{"proto=https;host=h", `host=a\b`, `host="a\"b"`, "proto=http;proto=https", `proto=http;proto="https"`} {
		compareForwarded(t, h)
	}
}

func compareForwarded(t *testing.T, header string) {
	t.Helper()
	req := &http.Request{URL: &url.URL{Path: "/v2/"}, Host: "origin.example.com", Header: http.Header{"Forwarded": {header}}}
	want, wantErr := upstream.NewURLBuilderFromRequest(req, false).BuildBaseURL()
	got, err := regapi.NewURLBuilderFromRequest(req, false).BuildBaseURL()
	if wantErr == nil {
		// Malformed forwarded values are ignored here, unlike in
		// distribution: then distribution's answer without the header
		// is the one to match.
		want = compat.ExpectedFromRequest(want, func() string {
			direct := &http.Request{URL: req.URL, Host: req.Host, Header: http.Header{}}
			u, _ := upstream.NewURLBuilderFromRequest(direct, false).BuildBaseURL()
			return u
		})
	}
	if got != want || (err == nil) != (wantErr == nil) {
		t.Fatalf("Forwarded %q: got %q %v, distribution %q %v", header, got, err, want, wantErr)
	}
}

// FuzzFromRequestForwarded is TestFromRequestForwardedMatchesUpstream on
// any header.
func FuzzFromRequestForwarded(f *testing.F) {
	f.Add("for=192.0.2.43;proto=https;host=registry.example.com")
	f.Add(`host="a\"b", host=c`)
	f.Fuzz(compareForwarded)
}
