package regapi

import (
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/internal/forwarded"
	"github.com/regapi/regapi/internal/grammar"
)

// The URL builder as it was written before it built strings directly: each
// URL is the mux route's URL, resolved against the root. It is distribution's
// algorithm (with the root-path fix), and the oracle the fast builder is
// compared with.

type oracleURLBuilder struct {
	root     url.URL
	relative bool
	// pathOnly gives the absolute URLs without their scheme and host.
	pathOnly bool
}

var oracleRouter = Router()

func newOracleURLBuilder(root *url.URL, relative bool) *oracleURLBuilder {
	ub := &oracleURLBuilder{relative: relative}
	if root != nil {
		ub.root = *root
		if root.User != nil {
			u := *root.User
			ub.root.User = &u
		}
	}
	if ub.root.Path != "" && !strings.HasSuffix(ub.root.Path, "/") {
		ub.root.Path += "/"
		if ub.root.RawPath != "" {
			ub.root.RawPath += "/"
		}
	}
	return ub
}

// newOracleURLBuilderFromRequest is distribution's builder from a request,
// with one deliberate difference: a relative builder keeps the path prefix
// of the request. distribution's gives "/v2/..." for a request to
// "/prefix/v2/...", a path the server does not serve; here the relative URL
// is the absolute one without its scheme and host, which resolves against
// the request's URL to the same place.
func newOracleURLBuilderFromRequest(r *http.Request, relative bool) *oracleURLBuilder {
	scheme := "http"
	host := r.Host
	if r.TLS != nil {
		scheme = "https"
	} else if r.URL != nil && r.URL.Scheme != "" {
		scheme = r.URL.Scheme
	}
	if header := r.Header.Get("Forwarded"); header != "" {
		if params, _, err := forwarded.ParseElement(header); err == nil {
			if proto := params["proto"]; proto != "" {
				scheme = proto
			}
			if fhost := params["host"]; fhost != "" {
				host = fhost
			}
		}
	} else {
		if proto := r.Header.Get("X-Forwarded-Proto"); proto != "" {
			scheme = proto
		}
		if fhost := r.Header.Get("X-Forwarded-Host"); fhost != "" {
			first, _, _ := strings.Cut(fhost, ",")
			host = strings.TrimSpace(first)
		}
	}
	root := &url.URL{Scheme: scheme, Host: host}
	if r.URL != nil {
		if i := strings.Index(r.URL.Path, "/v2/"); i > 0 {
			root.Path = r.URL.Path[:i+1]
		}
	}
	if relative && root.Path == "" {
		// Nothing to keep: distribution's relative builder.
		return newOracleURLBuilder(root, true)
	}
	ub := newOracleURLBuilder(root, false)
	ub.pathOnly = relative
	return ub
}

// oracleWithoutOrigin cuts "scheme://host" off an absolute URL. A path that
// then starts with "//" is written after "/.", as otherwise a client would
// read its first segment as a host.
func oracleWithoutOrigin(abs string) string {
	_, rest, ok := strings.Cut(abs, "://")
	if !ok {
		panic("not an absolute URL: " + abs)
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		panic("no path: " + abs)
	}
	if strings.HasPrefix(rest[i:], "//") {
		return "/." + rest[i:]
	}
	return rest[i:]
}

func (ub *oracleURLBuilder) build(route string, pairs ...string) (*url.URL, error) {
	u, err := oracleRouter.Get(route).URL(pairs...)
	if err != nil {
		return nil, err
	}
	if ub.relative {
		return u, nil
	}
	u.Path = strings.TrimPrefix(u.Path, "/")
	abs := ub.root.ResolveReference(u)
	abs.Scheme = ub.root.Scheme
	return abs, nil
}

func oracleWithQuery(u *url.URL, values []url.Values) *url.URL {
	merged := u.Query()
	for _, v := range values {
		for k, vs := range v {
			merged[k] = append(merged[k], vs...)
		}
	}
	u.RawQuery = merged.Encode()
	return u
}

func (ub *oracleURLBuilder) call(c urlCall) (string, error) {
	var u *url.URL
	var err error
	query := false
	switch c.method {
	case "base":
		u, err = ub.build(RouteNameBase)
	case "catalog":
		u, err = ub.build(RouteNameCatalog)
		query = true
	case "tags":
		u, err = ub.build(RouteNameTags, "name", c.ref.Name())
		query = true
	case "manifest":
		var tagOrDigest string
		switch r := c.ref.(type) {
		case reference.Tagged:
			tagOrDigest = r.Tag()
		case reference.Digested:
			tagOrDigest = r.Digest().String()
		default:
			return "", errNoTagOrDigest
		}
		u, err = ub.build(RouteNameManifest, "name", c.ref.Name(), "reference", tagOrDigest)
	case "blob":
		r := c.ref.(reference.Canonical)
		u, err = ub.build(RouteNameBlob, "name", r.Name(), "digest", r.Digest().String())
	case "upload":
		u, err = ub.build(RouteNameBlobUpload, "name", c.ref.Name())
		query = true
	case "chunk":
		u, err = ub.build(RouteNameBlobUploadChunk, "name", c.ref.Name(), "uuid", c.uuid)
		query = true
	case "referrers":
		r := c.ref.(reference.Canonical)
		u, err = ub.build(RouteNameReferrers, "name", r.Name(), "digest", r.Digest().String())
		query = true
	default:
		panic(c.method)
	}
	if err != nil {
		return "", err
	}
	if query {
		u = oracleWithQuery(u, c.values)
	}
	if ub.pathOnly {
		return oracleWithoutOrigin(u.String()), nil
	}
	return u.String(), nil
}

// urlCall is one Build call.
type urlCall struct {
	method string
	ref    reference.Named
	uuid   string
	values []url.Values
}

func (c urlCall) String() string {
	ref := "<nil>"
	if c.ref != nil {
		ref = fmt.Sprintf("%T{%q}", c.ref, c.ref.Name())
		if t, ok := c.ref.(reference.Tagged); ok {
			ref += fmt.Sprintf(" tag %q", t.Tag())
		}
		if d, ok := c.ref.(reference.Digested); ok {
			ref += fmt.Sprintf(" digest %q", d.Digest())
		}
	}
	return fmt.Sprintf("%s(%s, uuid %q, values %v)", c.method, ref, c.uuid, c.values)
}

func (c urlCall) on(ub *URLBuilder) (string, error) {
	switch c.method {
	case "base":
		return ub.BuildBaseURL()
	case "catalog":
		return ub.BuildCatalogURL(c.values...)
	case "tags":
		return ub.BuildTagsURL(c.ref, c.values...)
	case "manifest":
		return ub.BuildManifestURL(c.ref)
	case "blob":
		return ub.BuildBlobURL(c.ref.(reference.Canonical))
	case "upload":
		return ub.BuildBlobUploadURL(c.ref, c.values...)
	case "chunk":
		return ub.BuildBlobUploadChunkURL(c.ref, c.uuid, c.values...)
	case "referrers":
		return ub.BuildReferrersURL(c.ref.(reference.Canonical), c.values...)
	}
	panic(c.method)
}

// Reference types that return any strings, as a caller's own types may:
// the builder must treat names, tags and digests the reference package would
// refuse exactly as distribution's builder does.
type (
	anyName      struct{ name string }
	anyTagged    struct{ name, tag string }
	anyCanonical struct{ name, dgst string }
)

func (r anyName) String() string             { return r.name }
func (r anyName) Name() string               { return r.name }
func (r anyTagged) String() string           { return r.name + ":" + r.tag }
func (r anyTagged) Name() string             { return r.name }
func (r anyTagged) Tag() string              { return r.tag }
func (r anyCanonical) String() string        { return r.name + "@" + r.dgst }
func (r anyCanonical) Name() string          { return r.name }
func (r anyCanonical) Digest() digest.Digest { return digest.Digest(r.dgst) }

const (
	testSHA256 = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	testSHA512 = "sha512:cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
)

var (
	oracleNames = []string{
		"foo", "library/ubuntu", "a/b/c/d/e/f/g", "foo-bar_baz.qux/x__y/z--w",
		"localhost:5000/foo", "registry.example.com/team/app", "Example.COM:8443/a",
		"[::1]:5000/foo", "[2001:db8::1]/foo/bar", "foo/manifests/bar", "x/tags/list", "a/blobs/uploads",
		// Names the reference package refuses.
		"Foo", "", "foo/", "/foo", "a b", "a%2Fb", "foo//bar", "ü/x", "[::1]", "a/../b", "a/./b", "..", "foo?x", "foo#x",
	}
	oracleTags = []string{
		"latest", "v1.0.0", "_x", "A-b.c", "tags", strings.Repeat("t", 128),
		"", "a!!", "!!", "x/", "..", ".", "a/b", strings.Repeat("t", 129), "-x", "a b", "x/manifests/y", "é",
	}
	oracleDigests = []string{
		testSHA256, testSHA512, "sha256+b64:YWJj=", "a.b_c-d:x", "multihash+base58:QmRZxt2b1FVZPNqd8hsiykDL3TdBDeTSPX9Kv46HmX4Gx8",
		"", "nocolon", "SHA256:abc", ":x", "sha256:", "sha256:a/b", "sha256:abc/", "a..b:x", "sha256:ab cd",
	}
	oracleUUIDs = []string{
		"abc", "4d0b6d5e-6a0b-4d7c-9b4f-2b6f0a1c9e8d", "dGVzdA==", "a_b.c-d=",
		".", "..", "...", "", "a/b", "x/", "../", "./", "x/blobs/uploads/y", "x/blobs/uploads/..", "a b", "é", "a?b", "a#b", "a%2Fb",
	}
	oracleValues = [][]url.Values{
		nil,
		{nil},
		{{}},
		{{"n": {"10"}}},
		{{"last": {"a b"}, "n": {"5"}}},
		{{"n": {"1", "2"}}, {"n": {"3"}, "a": {"x&y=z"}}},
		{{"empty": {}}, {"k": {""}}},
		{{"ü": {"é/?#+%"}, "A": {"~-._"}, "b": nil}},
		{{"digest": {testSHA256}, "mount": {testSHA512}, "from": {"library/ubuntu"}}},
		// Known parameter names next to others, and found with no value.
		{{"n": {"7"}, "zz": {"q"}, "last": {"a"}, "artifactType": {"t"}}},
		{{"n": {}, "last": {"b"}}},
		{nil, {"last": {"c"}, "n": {"2"}}},
	}
	oracleRoots = []string{
		"", "http://h", "https://registry.example.com", "https://registry.example.com/",
		"http://h/prefix", "http://h/prefix/", "http://user:pa%20ss@h:5000/a/b/", "http://user@h/",
		"http://[::1]:5000/", "http://[fe80::1%25en0]:80/x", "https://h/a/../b/", "https://h/./x/", "https://h/a/..",
		"https://h/%2Fencoded/", "https://h/a%2Fb/c", "http://h/?q=1#frag", "http://h/p?q#f", "http://h/p?",
		"mailto:someone@example.com", "opaque:foo/bar", "//host/path/", "/relative/path", "relative/path", "relative:x",
		"http://h/a%20b/", "http://h/%C3%BC/", "HTTP://H/", "http://h:80", "*", "http://h/a//b/", "http://h//x/",
		"http://h/a;b=c/", "http://h/%7E/", "http://h/..", "http://h/.", "?only=query", "#frag",
	}
)

// oracleCalls lists the calls compared: every method with every name, and
// the variables and values of each method.
func oracleCalls() []urlCall {
	var calls []urlCall
	calls = append(calls, urlCall{method: "base"})
	for _, v := range oracleValues {
		calls = append(calls, urlCall{method: "catalog", values: v})
	}
	for i, name := range oracleNames {
		n := anyName{name}
		v := oracleValues[i%len(oracleValues)]
		calls = append(calls,
			urlCall{method: "tags", ref: n, values: v},
			urlCall{method: "upload", ref: n, values: v},
			urlCall{method: "manifest", ref: n},
		)
		for _, tag := range oracleTags {
			calls = append(calls, urlCall{method: "manifest", ref: anyTagged{name, tag}})
		}
		for j, d := range oracleDigests {
			c := anyCanonical{name, d}
			calls = append(calls,
				urlCall{method: "manifest", ref: c},
				urlCall{method: "blob", ref: c},
				urlCall{method: "referrers", ref: c, values: oracleValues[j%len(oracleValues)]},
			)
		}
		for j, id := range oracleUUIDs {
			calls = append(calls, urlCall{method: "chunk", ref: n, uuid: id, values: oracleValues[(i+j)%len(oracleValues)]})
		}
	}
	for _, v := range oracleValues {
		calls = append(calls, urlCall{method: "tags", ref: anyName{"foo"}, values: v},
			urlCall{method: "chunk", ref: anyName{"foo"}, uuid: "u", values: v})
	}
	// References made by the reference package, whose Name joins domain
	// and path.
	for _, name := range oracleNames {
		ref, err := reference.WithName(name)
		if err != nil {
			continue
		}
		tagged, _ := reference.WithTag(ref, "v1")
		canonical, _ := reference.WithDigest(ref, digest.Digest(testSHA256))
		calls = append(calls,
			urlCall{method: "tags", ref: ref, values: oracleValues[4]},
			urlCall{method: "manifest", ref: tagged},
			urlCall{method: "manifest", ref: canonical},
			urlCall{method: "blob", ref: canonical},
			urlCall{method: "upload", ref: ref},
			urlCall{method: "chunk", ref: ref, uuid: "abc"},
			urlCall{method: "referrers", ref: canonical},
		)
	}
	for _, s := range []string{"docker.io/library/ubuntu:latest", "localhost:5000/foo@" + testSHA256, "[::1]/x:v1@" + testSHA512} {
		ref, err := reference.ParseNamed(s)
		if err != nil {
			panic(err)
		}
		calls = append(calls, urlCall{method: "manifest", ref: ref}, urlCall{method: "tags", ref: ref}, urlCall{method: "chunk", ref: ref, uuid: "id"})
		if c, ok := ref.(reference.Canonical); ok {
			calls = append(calls, urlCall{method: "blob", ref: c}, urlCall{method: "referrers", ref: c})
		}
	}
	return calls
}

// TestURLBuilderMatchesOracle compares the builder with the oracle on every
// root of oracleRoots, relative and not, and every call of oracleCalls.
func TestURLBuilderMatchesOracle(t *testing.T) {
	calls := oracleCalls()
	compared := 0
	for _, root := range oracleRoots {
		u, err := url.Parse(root)
		if err != nil {
			t.Fatalf("root %q: %v", root, err)
		}
		for _, relative := range []bool{false, true} {
			fast, oracle := NewURLBuilder(u, relative), newOracleURLBuilder(u, relative)
			for _, c := range calls {
				want, wantErr := oracle.call(c)
				got, err := c.on(fast)
				if got != want || errText(err) != errText(wantErr) {
					t.Errorf("root %q relative %v %v:\n got  %q %v\n want %q %v", root, relative, c, got, err, want, wantErr)
				}
				compared++
			}
		}
	}
	if compared < 10000 {
		t.Errorf("only %d calls compared", compared)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// TestURLBuilderZeroValue checks that a URLBuilder not made by a
// constructor builds what a builder with the empty root builds.
func TestURLBuilderZeroValue(t *testing.T) {
	var zero URLBuilder
	oracle := newOracleURLBuilder(nil, false)
	for _, c := range oracleCalls() {
		want, wantErr := oracle.call(c)
		got, err := c.on(&zero)
		if got != want || errText(err) != errText(wantErr) {
			t.Errorf("%v:\n got  %q %v\n want %q %v", c, got, err, want, wantErr)
		}
	}
}

// TestURLBuilderNilReference checks that nil references are errors, where
// distribution's builder panics, except for the manifest URL, where a nil
// reference has neither tag nor digest.
func TestURLBuilderNilReference(t *testing.T) {
	ub := NewURLBuilder(&url.URL{Scheme: "https", Host: "h"}, false)
	checks := []struct {
		name    string
		build   func() (string, error)
		wantErr error
	}{
		{"tags", func() (string, error) { return ub.BuildTagsURL(nil) }, errNilReference},
		{"manifest", func() (string, error) { return ub.BuildManifestURL(nil) }, errNoTagOrDigest},
		{"blob", func() (string, error) { return ub.BuildBlobURL(nil) }, errNilReference},
		{"upload", func() (string, error) { return ub.BuildBlobUploadURL(nil) }, errNilReference},
		{"chunk", func() (string, error) { return ub.BuildBlobUploadChunkURL(nil, "x") }, errNilReference},
		{"referrers", func() (string, error) { return ub.BuildReferrersURL(nil) }, errNilReference},
	}
	for _, c := range checks {
		if got, err := c.build(); got != "" || err != c.wantErr {
			t.Errorf("%s: got %q, %v; want error %v", c.name, got, err, c.wantErr)
		}
	}
}

// oracleRequests lists requests as a server receives them, with the
// forwarding headers proxies add, plain and malformed.
func oracleRequests() []*http.Request {
	hosts := []string{"registry.example.com", "h:5000", "[::1]:5000", "H.Example.COM", "", "a b", "h/evil", "ü.example", "h%41", "user@h", "h~_-.x"}
	paths := []string{
		"/v2/", "/v2/foo/manifests/latest", "/prefix/v2/foo/blobs/uploads/", "/a/b/v2/x/tags/list", "/v2", "/x/v2/v2/",
		"/a/./v2/", "/a/../v2/", "//x/v2/", "/a//b/v2/", "/a b/v2/", "/%2F/v2/", "/ü/v2/", "/a;b/v2/", "/a:b/v2/", "no/v2/", "/v3/", "",
	}
	headers := []http.Header{
		nil,
		{"Forwarded": {"proto=https;host=fwd.example.com"}},
		{"Forwarded": {`for=192.0.2.43;Proto=HTTPS;HOST="fwd.example.com:8443", for=10.0.0.1;host=second`}},
		{"Forwarded": {`host="[2001:db8::1]:5000"`}},
		{"Forwarded": {"proto=http;proto=https"}},
		{"Forwarded": {`proto=http;proto="https"`}},
		{"Forwarded": {`host=a\b`}},
		{"Forwarded": {`host="a\"b"`}},
		{"Forwarded": {"host=x;;proto=https"}},
		{"Forwarded": {", host=second"}},
		{"Forwarded": {"for=1"}, "X-Forwarded-Host": {"ignored.example.com"}},
		{"Forwarded": {"\u212aey=1;key=2;host=h"}},
		{"Forwarded": {"HOST=up;hoſt=x"}},
		{"Forwarded": {"a=1;b=2;c=3;d=4;e=5;f=6;g=7;h=8;i=9;j=10;k=11;l=12;m=13;n=14;o=15;p=16;q=17;host=many;a=dup"}},
		{"Forwarded": {"a=1;b=2;c=3;d=4;e=5;f=6;g=7;h=8;i=9;j=10;k=11;l=12;m=13;n=14;o=15;p=16;q=17;proto=https"}},
		{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"xf.example.com, proxy.internal"}},
		{"X-Forwarded-Host": {" spaced.example.com ,x"}},
		{"X-Forwarded-Proto": {"weird scheme"}},
	}
	var reqs []*http.Request
	for i, p := range paths {
		for j, h := range headers {
			for k, host := range hosts {
				if (i+j+k)%3 != 0 {
					continue // a third of the combinations is plenty
				}
				r := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: p}, Host: host, Header: h}
				switch (i + j + k) % 4 {
				case 1:
					r.TLS = &tls.ConnectionState{}
				case 2:
					r.URL.Scheme = "ftp"
				}
				reqs = append(reqs, r)
			}
		}
	}
	reqs = append(reqs, &http.Request{Method: http.MethodGet, Host: "nourl", Header: http.Header{}})
	return reqs
}

// checkedForwarding returns r with its forwarding headers replaced by the
// values the builder accepts from them (none when any is malformed), and
// without the scheme of its request target unless that is http or https,
// so that the oracle, which believes any value as distribution does, builds
// from the same scheme and host. The checks themselves are tested on their
// own.
func checkedForwarding(r *http.Request) *http.Request {
	c := *r
	if r.URL != nil {
		u := *r.URL
		if s, ok := forwarded.Scheme(u.Scheme); ok {
			u.Scheme = s
		} else {
			u.Scheme = ""
		}
		c.URL = &u
	}
	c.Header = http.Header{}
	scheme, host, ok := forwarded.FirstOrigin(r.Header)
	if ok && scheme != "" {
		c.Header.Set("X-Forwarded-Proto", scheme)
	}
	if ok && host != "" {
		c.Header.Set("X-Forwarded-Host", host)
	}
	return &c
}

// TestURLBuilderFromRequestMatchesOracle compares builders made from
// requests with the oracle's.
func TestURLBuilderFromRequestMatchesOracle(t *testing.T) {
	calls := []urlCall{
		{method: "base"},
		{method: "manifest", ref: anyTagged{"foo/bar", "latest"}},
		{method: "chunk", ref: anyName{"[::1]:5000/foo"}, uuid: "abc", values: []url.Values{{"_state": {"s t"}}}},
		{method: "chunk", ref: anyName{"foo"}, uuid: ".."},
		{method: "tags", ref: anyName{"Foo"}},
	}
	for _, r := range oracleRequests() {
		for _, relative := range []bool{false, true} {
			fast, oracle := NewURLBuilderFromRequest(r, relative), newOracleURLBuilderFromRequest(checkedForwarding(r), relative)
			for _, c := range calls {
				want, wantErr := oracle.call(c)
				got, err := c.on(fast)
				if got != want || errText(err) != errText(wantErr) {
					t.Errorf("request host %q path %q tls %v headers %v relative %v %v:\n got  %q %v\n want %q %v",
						r.Host, r.URL, r.TLS != nil, r.Header, relative, c, got, err, want, wantErr)
				}
			}
		}
	}
}

// FuzzBuildURLs builds URLs from fuzzed names, tags, digests and upload ids
// and checks them against the oracle; where the builder succeeds with a
// relative URL, MatchPath must give back the route and the variables.
func FuzzBuildURLs(f *testing.F) {
	f.Add("library/ubuntu", "latest", testSHA256, "abc", "https://h/p/")
	f.Add("[::1]:5000/foo", "v1", "sha256+b64:x=", "..", "http://u:p@[::1]:1/")
	f.Add("foo/manifests/bar", "tags", "a:b", "x/blobs/uploads/y", "opaque:x")
	f.Fuzz(func(t *testing.T, name, tag, dgst, uuid, root string) {
		ru, err := url.Parse(root)
		if err != nil {
			ru = nil
		}
		calls := []urlCall{
			{method: "tags", ref: anyName{name}, values: []url.Values{{tag: {uuid}}}},
			{method: "manifest", ref: anyTagged{name, tag}},
			{method: "manifest", ref: anyCanonical{name, dgst}},
			{method: "blob", ref: anyCanonical{name, dgst}},
			{method: "upload", ref: anyName{name}},
			{method: "chunk", ref: anyName{name}, uuid: uuid},
			{method: "referrers", ref: anyCanonical{name, dgst}},
		}
		if ref, err := reference.WithName(name); err == nil {
			calls = append(calls, urlCall{method: "tags", ref: ref}, urlCall{method: "chunk", ref: ref, uuid: uuid})
			if tagged, err := reference.WithTag(ref, tag); err == nil {
				calls = append(calls, urlCall{method: "manifest", ref: tagged})
			}
			if canonical, err := reference.WithDigest(ref, digest.Digest(dgst)); err == nil {
				calls = append(calls, urlCall{method: "blob", ref: canonical}, urlCall{method: "referrers", ref: canonical})
			}
		}
		for _, relative := range []bool{false, true} {
			fast, oracle := NewURLBuilder(ru, relative), newOracleURLBuilder(ru, relative)
			for _, c := range calls {
				want, wantErr := oracle.call(c)
				got, err := c.on(fast)
				if got != want || errText(err) != errText(wantErr) {
					t.Fatalf("root %q relative %v %v:\n got  %q %v\n want %q %v", root, relative, c, got, err, want, wantErr)
				}
				if relative && err == nil {
					checkRoundTrip(t, c, got)
				}
			}
		}
	})
}

// checkRoundTrip checks that MatchPath reads the URL built for c back into
// c's route and variables, when the variables are valid (the builder also
// passes some invalid ones that happen to make a path its route matches).
func checkRoundTrip(t *testing.T, c urlCall, built string) {
	t.Helper()
	u, err := url.Parse(built)
	if err != nil {
		t.Fatalf("%v: built %q does not parse: %v", c, built, err)
	}
	want := PathMatch{Name: c.ref.Name()}
	switch c.method {
	case "tags":
		want.Route = RouteNameTags
	case "upload":
		want.Route = RouteNameBlobUpload
	case "manifest":
		want.Route = RouteNameManifest
		if tagged, ok := c.ref.(reference.Tagged); ok {
			want.Reference = tagged.Tag()
		} else {
			want.Reference = c.ref.(reference.Digested).Digest().String()
		}
		if !grammar.IsReference(want.Reference) {
			return
		}
	case "blob", "referrers":
		want.Route = RouteNameBlob
		if c.method == "referrers" {
			want.Route = RouteNameReferrers
		}
		want.Digest = c.ref.(reference.Canonical).Digest().String()
		if !grammar.IsDigest(want.Digest) {
			return
		}
	case "chunk":
		want.Route, want.UUID = RouteNameBlobUploadChunk, c.uuid
		if !grammar.IsUploadUUID(want.UUID) || c.uuid == "." || c.uuid == ".." {
			return // the router redirects paths with dot segments
		}
	}
	if !grammar.IsName(want.Name) {
		return
	}
	got, ok := MatchPath(u.Path)
	if routeRank(got.Route) < routeRank(want.Route) {
		// An earlier route takes the path, as in
		// /v2/a/manifests/tags/list: the router agrees, which
		// TestMatchPathAgreesWithRouter checks.
		return
	}
	if !ok || got != want {
		t.Fatalf("%v: built %q, MatchPath(%q) = %+v %v, want %+v", c, built, u.Path, got, ok, want)
	}
}

// routeRank is the position of a route in the order the router tries them.
func routeRank(name string) int {
	for i, r := range matchOrder() {
		if r.name == name {
			return i
		}
	}
	return len(matchOrder())
}
