package compat

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// Builder is the method set that distribution's URLBuilder and this
// module's share.
type Builder interface {
	BuildBaseURL() (string, error)
	BuildCatalogURL(values ...url.Values) (string, error)
	BuildTagsURL(name reference.Named, values ...url.Values) (string, error)
	BuildManifestURL(ref reference.Named) (string, error)
	BuildBlobURL(ref reference.Canonical) (string, error)
	BuildBlobUploadURL(name reference.Named, values ...url.Values) (string, error)
	BuildBlobUploadChunkURL(name reference.Named, uuid string, values ...url.Values) (string, error)
}

// URLCall is one call of a Build method. Name, Tag and Digest make the
// reference argument (reference.WithName, then WithTag and WithDigest for
// those that are set); UUID and Values are the other arguments.
type URLCall struct {
	Method string       `json:"method"`
	Name   string       `json:"name,omitempty"`
	Tag    string       `json:"tag,omitempty"`
	Digest string       `json:"digest,omitempty"`
	UUID   string       `json:"uuid,omitempty"`
	Values []url.Values `json:"values,omitempty"`
}

// URLCase is a builder made with NewURLBuilderFromString(Root, Relative)
// and one call on it, with distribution's answer. RootError is the error of
// the constructor, if any. For a non-relative builder whose root has a path
// without a final slash, SlashRootURL and SlashRootError are
// distribution's answer for the same root with that slash added.
type URLCase struct {
	Root           string  `json:"root"`
	Relative       bool    `json:"relative"`
	Call           URLCall `json:"call"`
	RootError      string  `json:"root_error,omitempty"`
	URL            string  `json:"url,omitempty"`
	Error          string  `json:"error,omitempty"`
	SlashRoot      string  `json:"slash_root,omitempty"`
	SlashRootURL   string  `json:"slash_root_url,omitempty"`
	SlashRootError string  `json:"slash_root_error,omitempty"`
}

// RequestSpec describes an incoming request for NewURLBuilderFromRequest.
type RequestSpec struct {
	Target string      `json:"target"`
	Host   string      `json:"host"`
	TLS    bool        `json:"tls,omitempty"`
	Header http.Header `json:"header,omitempty"`
}

// Request builds the request spec describes.
func (spec RequestSpec) Request() (*http.Request, error) {
	u, err := url.ParseRequestURI(spec.Target)
	if err != nil {
		return nil, err
	}
	r := &http.Request{
		Method:     http.MethodGet,
		URL:        u,
		RequestURI: spec.Target,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Host:       spec.Host,
	}
	for k, vs := range spec.Header {
		r.Header[k] = append([]string(nil), vs...)
	}
	if spec.TLS {
		r.TLS = &tls.ConnectionState{}
	}
	return r, nil
}

// RequestCase is a builder made with NewURLBuilderFromRequest and one call
// on it, with distribution's answer.
type RequestCase struct {
	Request  RequestSpec `json:"request"`
	Relative bool        `json:"relative"`
	Call     URLCall     `json:"call"`
	URL      string      `json:"url,omitempty"`
	Error    string      `json:"error,omitempty"`
}

// URLRecord is the recorded file of URL building.
type URLRecord struct {
	Source   string        `json:"source"`
	Roots    []URLCase     `json:"roots"`
	Requests []RequestCase `json:"requests"`
}

// Call performs c on b.
func Call(b Builder, c URLCall) (string, error) {
	if c.Method == "BuildBaseURL" {
		return b.BuildBaseURL()
	}
	if c.Method == "BuildCatalogURL" {
		return b.BuildCatalogURL(c.Values...)
	}
	named, err := reference.WithName(c.Name)
	if err != nil {
		return "", fmt.Errorf("case error: name %q: %v", c.Name, err)
	}
	var ref reference.Named = named
	if c.Tag != "" {
		if ref, err = reference.WithTag(ref, c.Tag); err != nil {
			return "", fmt.Errorf("case error: tag %q: %v", c.Tag, err)
		}
	}
	if c.Digest != "" {
		if ref, err = reference.WithDigest(ref, digest.Digest(c.Digest)); err != nil {
			return "", fmt.Errorf("case error: digest %q: %v", c.Digest, err)
		}
	}
	switch c.Method {
	case "BuildTagsURL":
		return b.BuildTagsURL(ref, c.Values...)
	case "BuildManifestURL":
		return b.BuildManifestURL(ref)
	case "BuildBlobURL":
		canonical, ok := ref.(reference.Canonical)
		if !ok {
			return "", fmt.Errorf("case error: %q has no digest", ref)
		}
		return b.BuildBlobURL(canonical)
	case "BuildBlobUploadURL":
		return b.BuildBlobUploadURL(ref, c.Values...)
	case "BuildBlobUploadChunkURL":
		return b.BuildBlobUploadChunkURL(ref, c.UUID, c.Values...)
	}
	return "", fmt.Errorf("case error: unknown method %q", c.Method)
}

// ErrorText is err's text, or "" for nil.
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// SlashRoot returns root with a slash appended to its path, and whether
// root has a path that lacks one: the roots for which this module keeps the
// last path segment that distribution drops.
func SlashRoot(root string) (string, bool) {
	u, err := url.Parse(root)
	if err != nil || u.Path == "" || strings.HasSuffix(u.Path, "/") {
		return "", false
	}
	u.Path += "/"
	if u.RawPath != "" {
		u.RawPath += "/"
	}
	return u.String(), true
}

// Roots the URL comparison builds from.
var urlRoots = []string{
	"",
	"http://example.com",
	"http://example.com/",
	"https://registry.example.com:5443",
	"https://registry.example.com:5443/",
	"http://example.com/registry",
	"http://example.com/registry/",
	"http://example.com/a/b/c",
	"http://example.com/a/b/c/",
	"http://example.com//",
	"http://user:secret@example.com/",
	"http://user@example.com:5000/base",
	"https://us%40er:p%3Ass@example.com/x/",
	"http://[::1]:5000/",
	"http://[2001:db8::1]/r",
	"http://[2001:db8::1]:8443/r/",
	"http://example.com/?q=1",
	"http://example.com/r/?q=1#frag",
	"http://example.com/r?q=1",
	"http://example.com#frag",
	"http://Example.COM/",
	"HTTP://example.com/",
	"//example.com/",
	"//example.com/sub",
	"/relative/path/",
	"/relative/path",
	"relative",
	"http://example.com/a%2Fb/",
	"http://example.com/a%2Fb",
	"http://example.com/caf\u00e9/",
	"http://example.com/v2/",
	"http://example.com/../x/",
	"unix:///var/run/registry.sock",
	"http://example.com:/",
	"http://[::1",
	"http://example.com/%zz",
	":no-scheme",
	"http://exa mple.com/",
}

// Names for the reference arguments: all valid references.
var urlNames = []string{
	"foo",
	"foo/bar",
	"library/ubuntu",
	"localhost:5000/foo/bar",
	"Example.COM/foo",
	"[::1]:5000/foo",
	"[2001:db8::1]/foo/bar",
	"a/b/c/d/e/f",
	"foo/bar/manifests",
	"foo/tags/list",
	"foo/blobs/uploads",
	"a-b_c.d/e__f",
}

var urlTags = []string{"latest", "v1.0.0", "_", "UPPER-case.1", strings.Repeat("x", 128)}

var urlDigests = []string{"sha256:" + sha256Hex, "sha512:" + sha512Hex}

var urlUUIDs = []string{
	"3f2b7a9e-0c1d-4e5f-8a9b-0c1d2e3f4a5b",
	"dGVzdA==",
	"a.b_c-d",
	"=",
	"a/b",
	"a b",
	"",
	"a+b",
	"\u00fc",
	"a%2Fb",
}

// Query value lists: none, single, several lists merged, repeated keys,
// keys and values that need escaping, empty and nil lists.
var urlValueSets = [][]url.Values{
	nil,
	{{"n": {"10"}}},
	{{"n": {"5"}, "last": {"foo/bar"}}},
	{{"tag": {"b", "a"}}, {"tag": {"c"}}, {"digest": {"sha256:" + sha256Hex}}},
	{{"a b": {"c&d"}, "\u00e9": {"=?#"}}, {"z": {""}}, {"A": {"1"}}},
	{{}, nil, {"mount": {"sha256:" + sha256Hex}, "from": {"library/ubuntu"}}},
	{{"k": {}}, {"k": {"v"}}},
	{{"_state": {"eyJuYW1lIjoiZm9vIn0="}}},
}

// urlCalls returns the calls made on every builder of the comparison; rich
// selects the full set, otherwise one call per method.
func urlCalls(rich bool) []URLCall {
	names, valueSets := urlNames, urlValueSets
	if !rich {
		names, valueSets = urlNames[:2], urlValueSets[:2]
	}
	calls := []URLCall{{Method: "BuildBaseURL"}}
	for _, vs := range valueSets {
		calls = append(calls, URLCall{Method: "BuildCatalogURL", Values: vs})
	}
	for i, name := range names {
		for j, vs := range valueSets {
			// Every name with no values, every value set with two names.
			if j == 0 || i < 2 {
				calls = append(calls,
					URLCall{Method: "BuildTagsURL", Name: name, Values: vs},
					URLCall{Method: "BuildBlobUploadURL", Name: name, Values: vs})
			}
		}
		calls = append(calls, URLCall{Method: "BuildManifestURL", Name: name})
		for _, tag := range urlTags {
			if tag == urlTags[0] || i == 0 {
				calls = append(calls, URLCall{Method: "BuildManifestURL", Name: name, Tag: tag})
			}
		}
		for _, d := range urlDigests {
			calls = append(calls,
				URLCall{Method: "BuildManifestURL", Name: name, Digest: d},
				URLCall{Method: "BuildBlobURL", Name: name, Digest: d})
		}
		calls = append(calls,
			URLCall{Method: "BuildManifestURL", Name: name, Tag: "latest", Digest: urlDigests[0]},
			URLCall{Method: "BuildBlobURL", Name: name, Tag: "latest", Digest: urlDigests[0]})
		for _, id := range urlUUIDs {
			if rich || id == urlUUIDs[0] || id == "a/b" {
				calls = append(calls, URLCall{Method: "BuildBlobUploadChunkURL", Name: name, UUID: id})
			}
		}
		for _, vs := range valueSets[1:] {
			if i == 0 {
				calls = append(calls, URLCall{Method: "BuildBlobUploadChunkURL", Name: name, UUID: urlUUIDs[1], Values: vs})
			}
		}
	}
	return calls
}

// richRoots get the full set of calls; the others one call per method.
var richRoots = map[string]bool{
	"":                                  true,
	"http://example.com/":               true,
	"http://example.com/registry":       true,
	"http://user:secret@example.com/":   true,
	"http://[2001:db8::1]:8443/r/":      true,
	"http://example.com/r/?q=1#frag":    true,
	"https://registry.example.com:5443": true,
}

// URLCases returns the URL building cases, without answers.
func URLCases() []URLCase {
	var cases []URLCase
	for _, root := range urlRoots {
		for _, relative := range []bool{false, true} {
			rich := richRoots[root] && !relative
			if relative && !richRoots[root] && root != "http://[::1" {
				continue // a relative builder ignores its root
			}
			for _, call := range urlCalls(rich) {
				cases = append(cases, URLCase{Root: root, Relative: relative, Call: call})
			}
		}
	}
	return cases
}

// RequestSpecs returns the incoming requests of the comparison of
// NewURLBuilderFromRequest.
func RequestSpecs() []RequestSpec {
	h := func(kv ...string) http.Header {
		header := http.Header{}
		for i := 0; i+1 < len(kv); i += 2 {
			header.Add(kv[i], kv[i+1])
		}
		return header
	}
	specs := []RequestSpec{
		{Target: "/v2/", Host: "registry.example.com"},
		{Target: "/v2/", Host: "registry.example.com:5000"},
		{Target: "/v2/", Host: "registry.example.com", TLS: true},
		{Target: "/v2/", Host: "[::1]:5000"},
		{Target: "/v2/", Host: ""},
		{Target: "/v2/foo/bar/tags/list", Host: "r.example.com"},
		{Target: "/prefix/v2/foo/manifests/latest", Host: "r.example.com"},
		{Target: "/a/b/v2/", Host: "r.example.com"},
		{Target: "/v2", Host: "r.example.com"},
		{Target: "/x/v2", Host: "r.example.com"},
		{Target: "/x/v2/y/v2/", Host: "r.example.com"},
		{Target: "/notv2/", Host: "r.example.com"},
		{Target: "/", Host: "r.example.com"},
		{Target: "/p%2Fq/v2/", Host: "r.example.com"},
		{Target: "/caf\u00e9/v2/", Host: "r.example.com"},
		{Target: "/v2/?n=1", Host: "r.example.com"},
		{Target: "http://proxy.example.com/v2/", Host: "proxy.example.com"},
		{Target: "https://proxy.example.com/sub/v2/", Host: "other.example.com"},
		{Target: "https://proxy.example.com/v2/", Host: "other.example.com", TLS: true},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Proto", "https")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Host", "front.example.com")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Host", "front.example.com:8443, mid.example.com, r.example.com")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Host", " front.example.com ,x")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Host", ",x")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Proto", "https, http")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Proto", "HTTPS")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Proto", "https", "X-Forwarded-Host", "[2001:db8::1]:443")},
		{Target: "/v2/", Host: "r.example.com", TLS: true, Header: h("X-Forwarded-Proto", "http")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Host", "a.example.com", "X-Forwarded-Host", "b.example.com")},
		{Target: "/v2/", Host: "r.example.com", Header: h("X-Forwarded-Host", "evil.example.com/path?q#f")},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", "proto=https;host=front.example.com")},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `Proto=https; Host="front.example.com:8443"`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `for=192.0.2.43, proto=https;host=second.example.com`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `host=first.example.com, host=second.example.com`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `for="[2001:db8:cafe::17]:4711";proto=https;host="[2001:db8::1]:5000"`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `host="a\"b.example.com"`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `host="a\\b"`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `proto=https;host`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `proto=https;;host=x`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `proto=https host=x`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `host="unterminated`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `proto=http;proto=https`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `proto="http";proto="https"`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `,proto=https`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `for=x`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `host=""`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `proto=ftp;host=files.example.com`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `host=x.example.com`, "X-Forwarded-Host", "y.example.com", "X-Forwarded-Proto", "https")},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `garbage`, "X-Forwarded-Host", "y.example.com", "X-Forwarded-Proto", "https")},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `proto=https`, "Forwarded", `host=second.example.com`)},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", "host=h\u00e9.example.com")},
		{Target: "/v2/", Host: "r.example.com", Header: h("Forwarded", `host="front.example.com/evil"`)},
		{Target: "/sub/v2/", Host: "r.example.com", Header: h("Forwarded", "proto=https;host=front.example.com")},
	}
	return specs
}

// RequestCases returns the NewURLBuilderFromRequest cases, without answers.
func RequestCases() []RequestCase {
	calls := []URLCall{
		{Method: "BuildBaseURL"},
		{Method: "BuildCatalogURL", Values: []url.Values{{"n": {"10"}}}},
		{Method: "BuildManifestURL", Name: "foo/bar", Tag: "latest"},
		{Method: "BuildBlobUploadChunkURL", Name: "foo/bar", UUID: "dGVzdA==", Values: []url.Values{{"_state": {"abc"}}}},
	}
	var cases []RequestCase
	// Every header of the parser comparison, as the Forwarded header of a
	// request, decides the base URL.
	for _, h := range ForwardedHeaders() {
		spec := RequestSpec{Target: "/v2/", Host: "r.example.com", Header: http.Header{"Forwarded": {h}}}
		cases = append(cases, RequestCase{Request: spec, Call: URLCall{Method: "BuildBaseURL"}})
	}
	for i, spec := range RequestSpecs() {
		for _, relative := range []bool{false, true} {
			if relative && i%4 != 0 {
				continue
			}
			for _, call := range calls {
				cases = append(cases, RequestCase{Request: spec, Relative: relative, Call: call})
			}
		}
	}
	return cases
}

// ExpectedFromRequest is what this module's builder must answer for a
// request from which distribution built upstreamURL: distribution's answer,
// with the scheme in lower case, when its scheme and authority are a
// well-formed http or https origin; otherwise the answer distribution gives
// for the same request without forwarding headers (direct), because this
// module ignores forwarded values that are malformed.
func ExpectedFromRequest(upstreamURL string, direct func() string) string {
	scheme, rest, ok := strings.Cut(upstreamURL, "://")
	if !ok {
		return upstreamURL // relative: no origin involved
	}
	lowered := strings.ToLower(scheme) + "://" + rest
	if WellFormedOrigin(lowered) {
		return lowered
	}
	return direct()
}

// HasPathPrefix reports whether the path of r has something before "/v2/",
// which a builder made from r takes for the root path.
func HasPathPrefix(r *http.Request) bool {
	return r.URL != nil && strings.Index(r.URL.Path, "/v2/") > 0
}

// WithoutOrigin returns what follows the scheme and host of an absolute URL:
// the reference that leads to it from any URL of its origin. A path that
// then starts with "//" gets "/." in front, so that it is not read as a
// host.
func WithoutOrigin(abs string) string {
	_, rest, ok := strings.Cut(abs, "://")
	if !ok {
		return abs
	}
	i := strings.IndexByte(rest, '/')
	if i < 0 {
		return "/"
	}
	if strings.HasPrefix(rest[i:], "//") {
		return "/." + rest[i:]
	}
	return rest[i:]
}

// WellFormedOrigin reports whether an absolute URL has a scheme of http or
// https and an authority of a plain host: letters, digits, dots and inner
// hyphens, an IPv4 address, or an IPv6 literal in brackets, then an optional
// port from 1 to 65535.
func WellFormedOrigin(u string) bool {
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
		return ip != nil && ip.To4() == nil && !strings.Contains(host, "%")
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
