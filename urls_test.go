package regapi

import (
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// upURLCall is one recorded Build call: the reference argument is made of
// Name, Tag and Digest (reference.WithName, WithTag, WithDigest).
type upURLCall struct {
	Method string       `json:"method"`
	Name   string       `json:"name,omitempty"`
	Tag    string       `json:"tag,omitempty"`
	Digest string       `json:"digest,omitempty"`
	UUID   string       `json:"uuid,omitempty"`
	Values []url.Values `json:"values,omitempty"`
}

// upURLCase is a recorded builder made from a root string and one call,
// with distribution's answer; SlashRoot* is distribution's answer for the
// root with a final slash added to its path, recorded for the roots whose
// path lacks one.
type upURLCase struct {
	Root           string    `json:"root"`
	Relative       bool      `json:"relative"`
	Call           upURLCall `json:"call"`
	RootError      string    `json:"root_error,omitempty"`
	URL            string    `json:"url,omitempty"`
	Error          string    `json:"error,omitempty"`
	SlashRoot      string    `json:"slash_root,omitempty"`
	SlashRootURL   string    `json:"slash_root_url,omitempty"`
	SlashRootError string    `json:"slash_root_error,omitempty"`
}

type upRequestCase struct {
	Request struct {
		Target string      `json:"target"`
		Host   string      `json:"host"`
		TLS    bool        `json:"tls,omitempty"`
		Header http.Header `json:"header,omitempty"`
	} `json:"request"`
	Relative bool      `json:"relative"`
	Call     upURLCall `json:"call"`
	URL      string    `json:"url,omitempty"`
	Error    string    `json:"error,omitempty"`
}

type upURLRecord struct {
	Roots    []upURLCase     `json:"roots"`
	Requests []upRequestCase `json:"requests"`
}

func upErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// upCall performs c on ub.
func upCall(t *testing.T, ub *URLBuilder, c upURLCall) (string, error) {
	t.Helper()
	switch c.Method {
	case "BuildBaseURL":
		return ub.BuildBaseURL()
	case "BuildCatalogURL":
		return ub.BuildCatalogURL(c.Values...)
	}
	var ref reference.Named
	ref, err := reference.WithName(c.Name)
	if err != nil {
		t.Fatalf("recorded name %q: %v", c.Name, err)
	}
	if c.Tag != "" {
		if ref, err = reference.WithTag(ref, c.Tag); err != nil {
			t.Fatalf("recorded tag %q: %v", c.Tag, err)
		}
	}
	if c.Digest != "" {
		if ref, err = reference.WithDigest(ref, digest.Digest(c.Digest)); err != nil {
			t.Fatalf("recorded digest %q: %v", c.Digest, err)
		}
	}
	switch c.Method {
	case "BuildTagsURL":
		return ub.BuildTagsURL(ref, c.Values...)
	case "BuildManifestURL":
		return ub.BuildManifestURL(ref)
	case "BuildBlobURL":
		return ub.BuildBlobURL(ref.(reference.Canonical))
	case "BuildBlobUploadURL":
		return ub.BuildBlobUploadURL(ref, c.Values...)
	case "BuildBlobUploadChunkURL":
		return ub.BuildBlobUploadChunkURL(ref, c.UUID, c.Values...)
	}
	t.Fatalf("recorded method %q unknown", c.Method)
	return "", nil
}

func TestURLBuildingMatchesRecordedUpstream(t *testing.T) {
	var rec upURLRecord
	upReadJSON(t, ".", "urls.json", &rec)
	if len(rec.Roots) < 1000 {
		t.Fatalf("only %d recorded cases", len(rec.Roots))
	}
	var fixed int
	for _, c := range rec.Roots {
		ub, err := NewURLBuilderFromString(c.Root, c.Relative)
		if upErrText(err) != c.RootError {
			t.Errorf("root %q: error %v, upstream %q", c.Root, err, c.RootError)
			continue
		}
		if err != nil {
			continue
		}
		got, err := upCall(t, ub, c.Call)
		want, wantErr := c.URL, c.Error
		if c.SlashRoot != "" {
			// Our fix: a root path without a final slash keeps its last
			// segment, as distribution does only for the root with the
			// slash. distribution's own answer drops it.
			fixed++
			want, wantErr = c.SlashRootURL, c.SlashRootError
			if c.Error == "" && got == c.URL {
				t.Errorf("root %q %+v: %q is distribution's answer, which drops the last path segment", c.Root, c.Call, got)
			}
		}
		if got != want || upErrText(err) != wantErr {
			t.Errorf("root %q relative=%v %+v:\n got  %q (%v)\n want %q (%q)", c.Root, c.Relative, c.Call, got, err, want, wantErr)
		}
	}
	if fixed == 0 {
		t.Error("no recorded root exercises the root path fix")
	}
}

func TestURLBuildingFromRequestMatchesRecordedUpstream(t *testing.T) {
	var rec upURLRecord
	upReadJSON(t, ".", "urls.json", &rec)
	if len(rec.Requests) < 100 {
		t.Fatalf("only %d recorded request cases", len(rec.Requests))
	}
	var refused, kept int
	for _, c := range rec.Requests {
		u, err := url.ParseRequestURI(c.Request.Target)
		if err != nil {
			t.Fatal(err)
		}
		r := &http.Request{Method: http.MethodGet, URL: u, RequestURI: c.Request.Target, Header: http.Header{}, Host: c.Request.Host}
		for k, vs := range c.Request.Header {
			r.Header[k] = vs
		}
		if c.Request.TLS {
			r.TLS = &tls.ConnectionState{}
		}
		got, err := upCall(t, NewURLBuilderFromRequest(r, c.Relative), c.Call)
		want := c.URL
		if i := strings.Index(u.Path, "/v2/"); c.Relative && c.Error == "" && i > 0 {
			// Our difference: a relative URL keeps the path prefix
			// of the request, which distribution's drops.
			kept++
			want = u.Path[:i] + c.URL
		}
		if !c.Relative && c.Error == "" {
			if scheme, rest, ok := strings.Cut(c.URL, "://"); ok && scheme != strings.ToLower(scheme) {
				// Our difference: a forwarded scheme is written in
				// lower case (HTTPS becomes https).
				want = strings.ToLower(scheme) + "://" + rest
			}
			if !wellFormedAuthority(want) {
				// Our difference: distribution put a malformed forwarded
				// value into the URL; here the request's own scheme and
				// host stand in for the forwarded ones.
				refused++
				want = withOwnOrigin(c.URL, c.Request.TLS, c.Request.Host)
			}
		}
		if got != want || upErrText(err) != c.Error {
			t.Errorf("%+v relative=%v %+v:\n got  %q (%v)\n want %q (%q)", c.Request, c.Relative, c.Call, got, err, want, c.Error)
		}
	}
	if refused == 0 {
		t.Error("no recorded request carries a forwarded value that must be refused")
	}
	if kept == 0 {
		t.Error("no recorded relative request has a path prefix")
	}
}

// wellFormedAuthority reports whether an absolute URL distribution built has
// a scheme of http or https and an authority of a plain host: letters,
// digits, dots and hyphens, or an IPv6 literal in brackets, then an optional
// port of 1 to 65535. It is written independently of the package's checks.
func wellFormedAuthority(u string) bool {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok || (scheme != "http" && scheme != "https") {
		return false
	}
	authority, _, _ := strings.Cut(rest, "/")
	host, port, hasPort := authority, "", false
	if i := strings.LastIndex(authority, ":"); i >= 0 && !strings.HasSuffix(authority, "]") {
		host, port, hasPort = authority[:i], authority[i+1:], true
	}
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || len(port) > 5 || strings.TrimLeft(port, "0123456789") != "" {
			return false
		}
	}
	if strings.HasPrefix(host, "[") && strings.HasSuffix(host, "]") {
		ip := net.ParseIP(host[1 : len(host)-1])
		return ip != nil && ip.To4() == nil
	}
	if host == "" || strings.Trim(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != "" {
		return false
	}
	labels := strings.Split(host, ".")
	for _, label := range labels {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return false
		}
	}
	if last := labels[len(labels)-1]; strings.Trim(last, "0123456789") == "" {
		ip := net.ParseIP(host)
		return ip != nil && ip.To4() != nil
	}
	return true
}

// withOwnOrigin replaces the scheme and authority of u with those of the
// request itself.
func withOwnOrigin(u string, tls bool, host string) string {
	_, rest, _ := strings.Cut(u, "://")
	_, path, _ := strings.Cut(rest, "/")
	scheme := "http"
	if tls {
		scheme = "https"
	}
	return scheme + "://" + host + "/" + path
}

// TestReferrersURLFollowsBlobURL checks BuildReferrersURL, which
// distribution lacks, against distribution's recorded blob URLs: the same
// URL with "referrers" in place of "blobs", and with the query that
// distribution's tags URL gets for the same values.
func TestReferrersURLFollowsBlobURL(t *testing.T) {
	var rec upURLRecord
	upReadJSON(t, ".", "urls.json", &rec)
	type key struct {
		root     string
		relative bool
		name     string
	}
	blobs := map[key][]upURLCase{}
	for _, c := range rec.Roots {
		if c.Call.Method == "BuildBlobURL" && c.Call.Tag == "" && c.RootError == "" {
			k := key{c.Root, c.Relative, c.Call.Name}
			blobs[k] = append(blobs[k], c)
		}
	}
	var n int
	for _, c := range rec.Roots {
		if c.Call.Method != "BuildTagsURL" || c.RootError != "" || c.Error != "" {
			continue
		}
		ub, err := NewURLBuilderFromString(c.Root, c.Relative)
		if err != nil {
			t.Fatal(err)
		}
		tagsURL := c.URL
		if c.SlashRoot != "" {
			tagsURL = c.SlashRootURL
		}
		query := ""
		if i := strings.IndexByte(tagsURL, '?'); i >= 0 {
			query = tagsURL[i:]
		}
		for _, b := range blobs[key{c.Root, c.Relative, c.Call.Name}] {
			blobURL := b.URL
			if b.SlashRoot != "" {
				blobURL = b.SlashRootURL
			}
			i := strings.LastIndex(blobURL, "/blobs/")
			want := blobURL[:i] + "/referrers/" + blobURL[i+len("/blobs/"):] + query
			named, _ := reference.WithName(b.Call.Name)
			canonical, _ := reference.WithDigest(named, digest.Digest(b.Call.Digest))
			got, err := ub.BuildReferrersURL(canonical, c.Call.Values...)
			if err != nil || got != want {
				t.Errorf("root %q: BuildReferrersURL(%s, %v) = %q (%v), want %q", c.Root, canonical, c.Call.Values, got, err, want)
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("only %d referrers URLs checked", n)
	}
}

func TestURLBuilderTable(t *testing.T) {
	const dgst = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	named := func(name string) reference.Named {
		n, err := reference.WithName(name)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	tagged := func(name, tag string) reference.Named {
		r, err := reference.WithTag(named(name), tag)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	canonical := func(ref reference.Named) reference.Canonical {
		r, err := reference.WithDigest(ref, digest.Digest(dgst))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	const uuidErr = `mux: variable "a/b" doesn't match, expected "^[a-zA-Z0-9-_.=]+$"`
	tests := []struct {
		name     string
		root     string
		relative bool
		build    func(ub *URLBuilder) (string, error)
		want     string
		wantErr  string
	}{
		{"base", "https://r.example.com", false, (*URLBuilder).BuildBaseURL, "https://r.example.com/v2/", ""},
		{"base with port", "https://r.example.com:5443/", false, (*URLBuilder).BuildBaseURL, "https://r.example.com:5443/v2/", ""},
		// The root path keeps its last segment with or without a final
		// slash; distribution gives "http://example.com/v2/" for the first.
		{"root path without slash", "http://example.com/registry", false, (*URLBuilder).BuildBaseURL, "http://example.com/registry/v2/", ""},
		{"root path with slash", "http://example.com/registry/", false, (*URLBuilder).BuildBaseURL, "http://example.com/registry/v2/", ""},
		{"deep root path without slash", "http://example.com/a/b", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildTagsURL(named("foo/bar"))
		}, "http://example.com/a/b/v2/foo/bar/tags/list", ""},
		{"relative ignores root", "http://example.com/registry", true, (*URLBuilder).BuildBaseURL, "/v2/", ""},
		{"credentials kept", "https://user:secret@example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildManifestURL(tagged("foo", "latest"))
		}, "https://user:secret@example.com/v2/foo/manifests/latest", ""},
		{"IPv6 host with port", "http://[2001:db8::1]:5000/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildBlobURL(canonical(named("foo")))
		}, "http://[2001:db8::1]:5000/v2/foo/blobs/" + dgst, ""},
		{"root query and fragment dropped", "http://example.com/r/?q=1#frag", false, (*URLBuilder).BuildBaseURL, "http://example.com/r/v2/", ""},
		{"domain name in path", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildTagsURL(named("localhost:5000/foo"))
		}, "http://example.com/v2/localhost:5000/foo/tags/list", ""},
		{"merged values sorted by key", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildTagsURL(named("foo"), url.Values{"n": {"5"}, "last": {"b"}}, url.Values{"last": {"a"}, "a b": {"c&d"}})
		}, "http://example.com/v2/foo/tags/list?a+b=c%26d&last=b&last=a&n=5", ""},
		{"repeated tag values", "", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildBlobUploadURL(named("foo"), url.Values{"mount": {dgst}}, url.Values{"from": {"library/ubuntu"}})
		}, "/v2/foo/blobs/uploads/?from=library%2Fubuntu&mount=" + url.QueryEscape(dgst), ""},
		{"no values no query", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildCatalogURL(url.Values{}, nil)
		}, "http://example.com/v2/_catalog", ""},
		{"manifest by digest", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildManifestURL(canonical(named("foo")))
		}, "http://example.com/v2/foo/manifests/" + dgst, ""},
		{"manifest with tag and digest uses the tag", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildManifestURL(canonical(tagged("foo", "v1")))
		}, "http://example.com/v2/foo/manifests/v1", ""},
		{"manifest without tag or digest", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildManifestURL(named("foo"))
		}, "", "reference must have a tag or digest"},
		{"upload chunk", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildBlobUploadChunkURL(named("foo"), "dGVzdA==", url.Values{"_state": {"x"}})
		}, "http://example.com/v2/foo/blobs/uploads/dGVzdA==?_state=x", ""},
		{"upload id outside the alphabet", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildBlobUploadChunkURL(named("foo"), "a/b")
		}, "", uuidErr},
		{"empty upload id", "http://example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildBlobUploadChunkURL(named("foo"), "")
		}, "", `mux: variable "" doesn't match, expected "^[a-zA-Z0-9-_.=]+$"`},
		{"referrers", "https://r.example.com/", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildReferrersURL(canonical(named("foo/bar")))
		}, "https://r.example.com/v2/foo/bar/referrers/" + dgst, ""},
		{"referrers with artifactType", "https://r.example.com/sub", false, func(ub *URLBuilder) (string, error) {
			return ub.BuildReferrersURL(canonical(named("foo")), url.Values{"artifactType": {"application/vnd.example+json"}})
		}, "https://r.example.com/sub/v2/foo/referrers/" + dgst + "?artifactType=application%2Fvnd.example%2Bjson", ""},
		{"referrers relative", "https://r.example.com/", true, func(ub *URLBuilder) (string, error) {
			return ub.BuildReferrersURL(canonical(named("foo")))
		}, "/v2/foo/referrers/" + dgst, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ub, err := NewURLBuilderFromString(tt.root, tt.relative)
			if err != nil {
				t.Fatal(err)
			}
			got, err := tt.build(ub)
			if got != tt.want || upErrText(err) != tt.wantErr {
				t.Errorf("got %q (%v), want %q (%q)", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestURLBuilderKeepsItsRoot checks that a builder is not affected by later
// changes to the root it was given, and that a nil root is the empty URL.
func TestURLBuilderKeepsItsRoot(t *testing.T) {
	root := &url.URL{Scheme: "https", Host: "a.example.com", Path: "/x/", User: url.UserPassword("u", "p")}
	ub := NewURLBuilder(root, false)
	root.Host, root.Path, root.User = "b.example.com", "/y/", url.User("other")
	if got, _ := ub.BuildBaseURL(); got != "https://u:p@a.example.com/x/v2/" {
		t.Errorf("after changing the root: %q", got)
	}
	if got, err := NewURLBuilder(nil, false).BuildBaseURL(); got != "/v2/" || err != nil {
		t.Errorf("nil root: %q, %v", got, err)
	}
	if got, err := NewURLBuilder(nil, true).BuildBaseURL(); got != "/v2/" || err != nil {
		t.Errorf("nil root, relative: %q, %v", got, err)
	}
}

// TestURLBuilderConcurrentUse runs one builder from several goroutines;
// with -race it finds shared state mutated while building.
func TestURLBuilderConcurrentUse(t *testing.T) {
	ub, err := NewURLBuilderFromString("https://r.example.com/sub/", false)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := reference.WithName("foo/bar")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				got, err := ub.BuildTagsURL(ref, url.Values{"n": {"1"}})
				if err != nil || got != "https://r.example.com/sub/v2/foo/bar/tags/list?n=1" {
					t.Errorf("got %q, %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

// TestURLBuilderFromRequestTable covers the request fields and headers
// that choose the scheme, host and base path.
func TestURLBuilderFromRequestTable(t *testing.T) {
	tests := []struct {
		name   string
		target string
		host   string
		tls    bool
		header map[string]string
		want   string
	}{
		{"plain", "/v2/", "r.example.com", false, nil, "http://r.example.com/v2/"},
		{"TLS", "/v2/", "r.example.com", true, nil, "https://r.example.com/v2/"},
		{"absolute request target", "https://p.example.com/v2/", "p.example.com", false, nil, "https://p.example.com/v2/"},
		{"absolute request target in capitals", "HTTPS://p.example.com/v2/", "p.example.com", false, nil, "https://p.example.com/v2/"},
		{"absolute request target of another scheme", "javascript://p.example.com/v2/", "p.example.com", false, nil, "http://p.example.com/v2/"},
		{"absolute request target of ftp", "ftp://p.example.com/v2/", "p.example.com", false, nil, "http://p.example.com/v2/"},
		{"base path prefix", "/registry/v2/foo/tags/list", "r.example.com", false, nil, "http://r.example.com/registry/v2/"},
		{"no v2 in path", "/other", "r.example.com", false, nil, "http://r.example.com/v2/"},
		{"X-Forwarded", "/v2/", "r.example.com", false, map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-Host": "front.example.com:8443, r.example.com"}, "https://front.example.com:8443/v2/"},
		{"Forwarded first element", "/v2/", "r.example.com", false, map[string]string{"Forwarded": `proto=https;host="front.example.com", proto=http;host=mid`}, "https://front.example.com/v2/"},
		{"Forwarded wins over X-Forwarded", "/v2/", "r.example.com", false, map[string]string{"Forwarded": "host=f.example.com", "X-Forwarded-Host": "x.example.com", "X-Forwarded-Proto": "https"}, "http://f.example.com/v2/"},
		{"bad Forwarded ignored, X-Forwarded too", "/v2/", "r.example.com", false, map[string]string{"Forwarded": "proto=https host=x", "X-Forwarded-Host": "x.example.com"}, "http://r.example.com/v2/"},
		{"IPv6 host", "/v2/", "[::1]:5000", true, nil, "https://[::1]:5000/v2/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, err := url.ParseRequestURI(tt.target)
			if err != nil {
				t.Fatal(err)
			}
			r := &http.Request{Method: http.MethodGet, URL: u, Host: tt.host, Header: http.Header{}}
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			if tt.tls {
				r.TLS = &tls.ConnectionState{}
			}
			got, err := NewURLBuilderFromRequest(r, false).BuildBaseURL()
			if got != tt.want || err != nil {
				t.Errorf("got %q (%v), want %q", got, err, tt.want)
			}
		})
	}
}

// TestRelativeURLsFromRequestKeepThePrefix checks that a relative builder
// made from a request below a path prefix builds paths below that prefix,
// which resolve against the request's URL to what the absolute builder
// builds, and never read as a host; a builder from a root still ignores the
// root when relative.
func TestRelativeURLsFromRequestKeepThePrefix(t *testing.T) {
	name, err := reference.WithName("team/app")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path     string
		base     string // BuildBaseURL
		manifest string // BuildManifestURL of team/app:v1
	}{
		{"/v2/team/app/manifests/v1", "/v2/", "/v2/team/app/manifests/v1"},
		{"/prefix/v2/team/app/manifests/v1", "/prefix/v2/", "/prefix/v2/team/app/manifests/v1"},
		{"/a/b/v2/", "/a/b/v2/", "/a/b/v2/team/app/manifests/v1"},
		{"/x/v2/v2/", "/x/v2/", "/x/v2/team/app/manifests/v1"},
		{"/a b/v2/", "/a%20b/v2/", "/a%20b/v2/team/app/manifests/v1"},
		{"/a/./v2/", "/a/v2/", "/a/v2/team/app/manifests/v1"},
		{"//evil.example/v2/", "/.//evil.example/v2/", "/.//evil.example/v2/team/app/manifests/v1"},
		{`/\evil.example/v2/`, "/%5Cevil.example/v2/", "/%5Cevil.example/v2/team/app/manifests/v1"},
		{"/v2", "/v2/", "/v2/team/app/manifests/v1"},
	}
	tagged, err := reference.WithTag(name, "v1")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: tt.path}, Host: "r.example.com", RemoteAddr: "10.0.0.1:4000", Header: http.Header{}}
		builders := map[string]*URLBuilder{
			"NewURLBuilderFromRequest":            NewURLBuilderFromRequest(r, true),
			"NewURLBuilderFromRequestWithOptions": NewURLBuilderFromRequestWithOptions(r, FromRequestOptions{Relative: true}),
		}
		for ctor, ub := range builders {
			base, err := ub.BuildBaseURL()
			if err != nil || base != tt.base {
				t.Errorf("%s(%q): base %q, %v; want %q", ctor, tt.path, base, err, tt.base)
			}
			manifest, err := ub.BuildManifestURL(tagged)
			if err != nil || manifest != tt.manifest {
				t.Errorf("%s(%q): manifest %q, %v; want %q", ctor, tt.path, manifest, err, tt.manifest)
			}
			// A client resolves the relative URL against the one it
			// asked for, and must land where the absolute URL points.
			abs, err := NewURLBuilderFromRequest(r, false).BuildManifestURL(tagged)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := url.Parse(manifest)
			if err != nil {
				t.Fatalf("%s(%q): %q does not parse: %v", ctor, tt.path, manifest, err)
			}
			if ref.Scheme != "" || ref.Host != "" {
				t.Errorf("%s(%q): %q names a scheme or host", ctor, tt.path, manifest)
			}
			requested := &url.URL{Scheme: "http", Host: r.Host, Path: tt.path}
			if got := requested.ResolveReference(ref).String(); got != abs {
				t.Errorf("%s(%q): %q resolves to %q, the absolute URL is %q", ctor, tt.path, manifest, got, abs)
			}
		}
	}
	// A builder made from a root ignores the root when relative, as
	// distribution's does.
	for _, root := range []string{"https://r.example.com/prefix/", "https://r.example.com/prefix", "/prefix/"} {
		ub, err := NewURLBuilderFromString(root, true)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := ub.BuildManifestURL(tagged); err != nil || got != "/v2/team/app/manifests/v1" {
			t.Errorf("NewURLBuilderFromString(%q, true): manifest %q, %v; want /v2/team/app/manifests/v1", root, got, err)
		}
	}
}
