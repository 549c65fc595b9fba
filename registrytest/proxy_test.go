package registrytest

import (
	"bytes"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi"
)

// TestLocationTrustedProxies checks where Location and Link headers point
// for requests from trusted and untrusted peers, with honest and hostile
// forwarding headers.
func TestLocationTrustedProxies(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8::/32")}
	const (
		proxy    = "192.0.2.10:40000"
		proxy6   = "[2001:db8::7]:40000"
		stranger = "198.51.100.7:40000"
		own      = "http://registry.test"
	)
	tests := []struct {
		name    string
		opts    Options
		remote  string
		header  map[string]string
		root    string // what every Location and Link must start with
		relPath bool   // Location and Link are paths
	}{
		{"no proxy configured, Forwarded", Options{}, proxy, map[string]string{"Forwarded": `host="evil.example.com"`}, own, false},
		{"no proxy configured, X-Forwarded", Options{}, proxy, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example.com"}, own, false},
		{"untrusted peer, Forwarded", Options{TrustedProxies: proxies}, stranger, map[string]string{"Forwarded": `host="evil.example.com"`}, own, false},
		{"untrusted peer, X-Forwarded", Options{TrustedProxies: proxies}, stranger, map[string]string{"X-Forwarded-Host": "evil.example.com"}, own, false},
		{"trusted peer, Forwarded", Options{TrustedProxies: proxies}, proxy, map[string]string{"Forwarded": `proto=https;host="reg.example.com:8443"`},
			"https://reg.example.com:8443", false},
		{"trusted IPv6 peer, Forwarded", Options{TrustedProxies: proxies}, proxy6, map[string]string{"Forwarded": `host=reg.example.com`},
			"http://reg.example.com", false},
		{"trusted peer, X-Forwarded", Options{TrustedProxies: proxies}, proxy, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "reg.example.com"},
			"https://reg.example.com", false},
		{"two trusted proxies, X-Forwarded", Options{TrustedProxies: proxies}, proxy,
			map[string]string{"X-Forwarded-For": "203.0.113.9, 192.0.2.11", "X-Forwarded-Proto": "https, http", "X-Forwarded-Host": "reg.example.com, proxy.internal"},
			"https://reg.example.com", false},
		{"trusted peer, client's X-Forwarded-Host passed on", Options{TrustedProxies: proxies}, proxy,
			map[string]string{"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Host": "evil.example.com, reg.example.com"},
			"http://reg.example.com", false},
		{"trusted peer, client's Forwarded element passed on", Options{TrustedProxies: proxies}, proxy,
			map[string]string{"Forwarded": `host=evil.example.com, for=203.0.113.9;host=reg.example.com`},
			"http://reg.example.com", false},
		{"trusted peer, relative", Options{TrustedProxies: proxies, RelativeURLs: true}, proxy, map[string]string{"X-Forwarded-Host": "reg.example.com"}, "", true},
		// Values no URL may carry never reach a header, even from a
		// trusted proxy.
		{"quote in host", Options{TrustedProxies: proxies}, proxy, map[string]string{"Forwarded": `host="a\"b.example.com"`}, own, false},
		{"path in host", Options{TrustedProxies: proxies}, proxy, map[string]string{"Forwarded": `host="evil.example.com/x"`}, own, false},
		{"user info in host", Options{TrustedProxies: proxies}, proxy, map[string]string{"Forwarded": `host="user@evil.example.com"`}, own, false},
		{"space in host", Options{TrustedProxies: proxies}, proxy, map[string]string{"X-Forwarded-Host": "a b.example.com"}, own, false},
		{"angle bracket in host", Options{TrustedProxies: proxies}, proxy, map[string]string{"X-Forwarded-Host": "a>b.example.com"}, own, false},
		{"port 0", Options{TrustedProxies: proxies}, proxy, map[string]string{"X-Forwarded-Host": "evil.example.com:0"}, own, false},
		{"port out of range", Options{TrustedProxies: proxies}, proxy, map[string]string{"Forwarded": `host="evil.example.com:70000"`}, own, false},
		{"IPv6 zone", Options{TrustedProxies: proxies}, proxy, map[string]string{"Forwarded": `host="[fe80::1%eth0]"`}, own, false},
		{"scheme javascript", Options{TrustedProxies: proxies}, proxy, map[string]string{"Forwarded": `proto=javascript`}, own, false},
		{"scheme with colon", Options{TrustedProxies: proxies}, proxy, map[string]string{"X-Forwarded-Proto": "https://evil.example.com/"}, own, false},
	}
	content := []byte("where am I")
	d := digest.FromBytes(content)
	im := newTestImage("proxy", "")
	manifest := im.manifest
	md := im.digest
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			reg := New(tc.opts)
			im.pushBlobs(t, reg, "a")
			for _, step := range []struct {
				method, path string
				body         []byte
				status       int
				header       string // Location or Link
				want         string // path and query the header names
			}{
				{"POST", "/v2/a/blobs/uploads/?digest=" + d.String(), content, http.StatusCreated, "Location", "/v2/a/blobs/" + d.String()},
				{"POST", "/v2/a/blobs/uploads/", nil, http.StatusAccepted, "Location", "/v2/a/blobs/uploads/"},
				{"PUT", "/v2/a/manifests/t1", manifest, http.StatusCreated, "Location", "/v2/a/manifests/" + md.String()},
				{"PUT", "/v2/a/manifests/t2", manifest, http.StatusCreated, "Location", "/v2/a/manifests/" + md.String()},
				{"GET", "/v2/a/tags/list?n=1", nil, http.StatusOK, "Link", "/v2/a/tags/list?last=t1&n=1"},
				{"POST", "/v2/b/blobs/uploads/?digest=" + d.String(), content, http.StatusCreated, "Location", "/v2/b/blobs/" + d.String()},
				{"GET", "/v2/_catalog?n=1", nil, http.StatusOK, "Link", "/v2/_catalog?last=a&n=1"},
			} {
				req := httptest.NewRequest(step.method, own+step.path, bytes.NewReader(step.body))
				req.RemoteAddr = tc.remote
				for k, v := range tc.header {
					req.Header.Set(k, v)
				}
				rec := httptest.NewRecorder()
				reg.ServeHTTP(rec, req)
				if rec.Code != step.status {
					t.Fatalf("%s %s: status %d, want %d: %s", step.method, step.path, rec.Code, step.status, rec.Body)
				}
				got := rec.Header().Get(step.header)
				if step.header == "Link" {
					if !strings.HasPrefix(got, "<") || !strings.HasSuffix(got, `>; rel="next"`) {
						t.Fatalf("%s %s: Link %q is not a next link", step.method, step.path, got)
					}
					got = strings.TrimSuffix(strings.TrimPrefix(got, "<"), `>; rel="next"`)
				}
				want := tc.root + step.want
				if !strings.HasPrefix(got, want) || (step.method != "POST" || step.status != http.StatusAccepted) && got != want {
					t.Fatalf("%s %s: %s %q, want %q", step.method, step.path, step.header, got, want)
				}
			}
		})
	}
}

// TestServerTrustedProxies checks the peer address of real connections:
// a loopback client is a trusted proxy only when loopback is listed.
func TestServerTrustedProxies(t *testing.T) {
	content := []byte("over loopback")
	d := digest.FromBytes(content)
	tests := []struct {
		name    string
		trusted []netip.Prefix
		want    func(srv *Server) string
	}{
		{"nothing trusted", nil, func(srv *Server) string { return srv.URL }},
		{"other network trusted", []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, func(srv *Server) string { return srv.URL }},
		{"loopback trusted", []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")},
			func(*Server) string { return "https://reg.example.com" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := NewServer(Options{TrustedProxies: tc.trusted})
			defer srv.Close()
			req, err := http.NewRequest("POST", srv.URL+"/v2/a/blobs/uploads/?digest="+d.String(), bytes.NewReader(content))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Forwarded", `proto=https;host="reg.example.com"`)
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if got, want := resp.Header.Get("Location"), tc.want(srv)+"/v2/a/blobs/"+d.String(); got != want {
				t.Fatalf("Location %q, want %q", got, want)
			}
		})
	}
}

// TestLocationOwnHost checks the request's own Host: a well-formed one
// makes absolute URLs, anything else (or none, as HTTP/1.0 allows) relative
// ones.
func TestLocationOwnHost(t *testing.T) {
	tests := []struct {
		host string
		want string
	}{
		{"registry.test:5000", "http://registry.test:5000/v2/a/blobs/uploads/"},
		{"[::1]:5000", "http://[::1]:5000/v2/a/blobs/uploads/"},
		{"", "/v2/a/blobs/uploads/"},
		{"a%zz", "/v2/a/blobs/uploads/"},
		{"[::1%25zz]", "/v2/a/blobs/uploads/"},
		{"!$&'()*+,;=~_", "/v2/a/blobs/uploads/"},
	}
	for _, tc := range tests {
		t.Run(tc.host, func(t *testing.T) {
			for _, opts := range []Options{{}, {TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}}} {
				req := httptest.NewRequest("POST", "/v2/a/blobs/uploads/", nil)
				req.Host = tc.host
				rec := httptest.NewRecorder()
				New(opts).ServeHTTP(rec, req)
				if rec.Code != http.StatusAccepted {
					t.Fatalf("status %d", rec.Code)
				}
				if got := rec.Header().Get("Location"); !strings.HasPrefix(got, tc.want) || len(got) != len(tc.want)+32 {
					t.Fatalf("Location %q, want %q and a session id", got, tc.want)
				}
			}
		})
	}
}

// TestLocationBuilderPerOrigin sends one registry requests that arrive by
// different hosts, schemes and request targets, one after the other, and
// checks each Location against that of a fresh registry: the builder kept
// from one request must never serve a request it was not made for.
func TestLocationBuilderPerOrigin(t *testing.T) {
	type arrival struct {
		target string // the request target, absolute-form when it has a scheme
		host   string // the Host, when the target does not give it
		tls    bool
		want   string // what Location starts with
	}
	arrivals := []arrival{
		{"/v2/a/blobs/uploads/", "registry.test", false, "http://registry.test/v2/a/blobs/uploads/"},
		{"/v2/a/blobs/uploads/", "registry.test", true, "https://registry.test/v2/a/blobs/uploads/"},
		{"/v2/a/blobs/uploads/", "other.test:5000", false, "http://other.test:5000/v2/a/blobs/uploads/"},
		{"https://target.test/v2/a/blobs/uploads/", "", false, "https://target.test/v2/a/blobs/uploads/"},
		{"http://target.test/v2/a/blobs/uploads/", "", false, "http://target.test/v2/a/blobs/uploads/"},
		{"/v2/a/blobs/uploads/", "", false, "/v2/a/blobs/uploads/"},
		{"/v2/a/blobs/uploads/", "a%zz", false, "/v2/a/blobs/uploads/"},
		{"/v2/a/blobs/uploads/", "registry.test", false, "http://registry.test/v2/a/blobs/uploads/"},
	}
	post := func(reg *Registry, a arrival) string {
		t.Helper()
		req := httptest.NewRequest("POST", a.target, nil)
		if a.host != "" || !strings.Contains(a.target, "://") {
			req.Host = a.host
		}
		if !a.tls {
			req.TLS = nil
		} else if req.TLS == nil {
			req.TLS = &tls.ConnectionState{}
		}
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, req)
		if rec.Code != http.StatusAccepted {
			t.Fatalf("POST %s (Host %q): status %d", a.target, a.host, rec.Code)
		}
		loc := rec.Header().Get("Location")
		return loc[:len(loc)-32] // without the session id
	}
	reg := New(Options{})
	// Twice through, so that every arrival follows another of a different
	// origin.
	for range 2 {
		for _, a := range arrivals {
			got, fresh := post(reg, a), post(New(Options{}), a)
			if got != fresh || got != a.want {
				t.Errorf("POST %s (Host %q, TLS %v): Location %q..., a fresh registry's %q..., want %q...", a.target, a.host, a.tls, got, fresh, a.want)
			}
		}
	}
}

// TestLocationBuilderLongHostNotKept sends a Host far longer than any
// name, which a client may: it is answered with paths, as any malformed Host
// is, and the registry keeps no copy of it, whatever builder it kept before.
func TestLocationBuilderLongHostNotKept(t *testing.T) {
	reg := New(Options{})
	long := strings.Repeat("a.", 32<<10) + "test" // 64 KiB
	for _, tc := range []struct{ host, want string }{
		{"registry.test", "http://registry.test/v2/a/blobs/uploads/"},
		{long, "/v2/a/blobs/uploads/"},
		{"registry.test", "http://registry.test/v2/a/blobs/uploads/"},
	} {
		req := httptest.NewRequest("POST", "/v2/a/blobs/uploads/", nil)
		req.Host = tc.host
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, req)
		if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, tc.want) {
			t.Fatalf("Host of %d bytes: Location %.80q, want %s...", len(tc.host), loc, tc.want)
		}
	}
}

// TestLocationBuilderConcurrentHosts has clients of two hosts push at once
// to one registry: each must get Locations of its own host, whichever
// builder the other kept last.
func TestLocationBuilderConcurrentHosts(t *testing.T) {
	reg := New(Options{})
	hosts := []string{"one.test", "two.test:5000"}
	var wg sync.WaitGroup
	for _, host := range hosts {
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for range 200 {
					req := httptest.NewRequest("POST", "/v2/a/blobs/uploads/", nil)
					req.Host = host
					rec := httptest.NewRecorder()
					reg.ServeHTTP(rec, req)
					if want := "http://" + host + "/v2/a/blobs/uploads/"; !strings.HasPrefix(rec.Header().Get("Location"), want) {
						t.Errorf("Host %s: Location %q, want %s...", host, rec.Header().Get("Location"), want)
						return
					}
					// The sessions are not needed: cancel them, so that
					// the registry's limit on open sessions is not reached.
					del := httptest.NewRequest("DELETE", rec.Header().Get("Location"), nil)
					del.Host = host
					reg.ServeHTTP(httptest.NewRecorder(), del)
				}
			}()
		}
	}
	wg.Wait()
}

// TestForwardingHeadersOption checks that the family the proxies write is
// the only one read: a client's Forwarded header passed through by a proxy
// that writes X-Forwarded-* is ignored.
func TestForwardingHeadersOption(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}
	for _, tt := range []struct {
		family regapi.ForwardingHeaders
		want   string
	}{
		{regapi.ForwardedOrXForwarded, "https://evil.example.com/v2/"},
		{regapi.ForwardedOnly, "https://evil.example.com/v2/"},
		{regapi.XForwardedOnly, "https://registry.example.com/v2/"},
	} {
		reg := New(Options{TrustedProxies: proxies, ForwardingHeaders: tt.family, Auth: Auth{Mode: AuthToken, Users: testUsers}})
		req := httptest.NewRequest("GET", "http://internal/v2/", nil)
		req.RemoteAddr = "192.0.2.1:1234"
		req.Header.Set("Forwarded", "proto=https;host=evil.example.com") // the client's, passed through
		req.Header.Set("X-Forwarded-For", "203.0.113.9")
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", "registry.example.com")
		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, req)
		want := `Bearer realm="` + strings.TrimSuffix(tt.want, "v2/") + `token",service="registrytest"`
		if got := rec.Header().Get("WWW-Authenticate"); got != want {
			t.Errorf("family %d: challenge %q, want %q", tt.family, got, want)
		}
	}
}
