package compat

import (
	"net/url"
	"sort"
	"strings"
)

// RoutingPrefixes are the router prefixes the routing comparison covers: no
// prefix, a prefix with a trailing slash and one without.
var RoutingPrefixes = []string{"", "/prefix/", "/registry"}

const (
	sha256Hex = "6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	sha512Hex = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
)

// Repository names as they appear in paths: valid ones (deep, with domains,
// ports, upper-case domains and IPv6 domains), names holding the words the
// routes use as separators, and invalid ones.
var pathNames = []string{
	"foo",
	"a",
	"foo/bar",
	"library/ubuntu",
	"a/b/c/d/e/f/g/h",
	"foo-bar_baz.qux/x__y/z--w",
	"localhost/foo",
	"localhost:5000/foo/bar",
	"registry.example.com/team/app",
	"Example.COM/foo",
	"EXAMPLE.com:8443/a/b",
	"[::1]:5000/foo",
	"[2001:db8::1]/foo/bar",
	"[2001:db8::1]:443/x",
	"foo/bar/manifests",
	"foo/manifests/bar",
	"manifests",
	"tags",
	"foo/tags",
	"foo/tags/list",
	"blobs",
	"foo/blobs",
	"foo/blobs/uploads",
	"uploads",
	"list",
	"referrers",
	"foo/referrers",
	"v2",
	"v2/foo",
	"_catalog",
	"Foo",
	"foo/Bar",
	"-foo",
	"foo-",
	"foo..bar",
	"foo___bar",
	"foo//bar",
	"foo bar",
	"f\u00f8o",
	"foo%2Fbar",
	strings.Repeat("a", 256),
	strings.Repeat("abc/", 70) + "x",
}

// Manifest references: tags (valid and not), digests, and words that the
// routes also use.
var pathReferences = []string{
	"latest",
	"v1.0.0",
	"1",
	"_x",
	"A-b.C_d",
	strings.Repeat("t", 128),
	strings.Repeat("t", 129),
	".hidden",
	"-dash",
	"tags",
	"list",
	"manifests",
	"uploads",
	"referrers",
	"sha256:" + sha256Hex,
	"sha512:" + sha512Hex,
	"sha256:abc",
	"SHA256:" + sha256Hex,
	"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564=",
	"sha256:",
	"t\u00e4g",
}

// Blob and referrers digests.
var pathDigests = []string{
	"sha256:" + sha256Hex,
	"sha512:" + sha512Hex,
	"sha256:ABCDEF0123",
	"md5:d41d8cd98f00b204e9800998ecf8427e",
	"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564=",
	"SHA256:" + sha256Hex,
	"sha256:",
	":abc",
	"sha256",
	"uploads",
}

// Upload session ids: UUIDs, base64 with padding, the other allowed
// characters, and ids the route refuses.
var pathUUIDs = []string{
	"3f2b7a9e-0c1d-4e5f-8a9b-0c1d2e3f4a5b",
	"dGVzdA==",
	"YWJjZA=",
	"a.b_c-d",
	"ABC",
	"_state",
	"a+b",
	"a~b",
	"a%3Db",
	"a/b",
	"tags",
	"list",
}

// suffixes returns every path below the prefix that the routing comparison
// tries, before mutation: each route shape filled with every value of its
// variables, plus near misses.
func suffixes() []string {
	out := []string{
		"/", "/v2", "/v2/", "/v2//", "/V2/", "/v2/_catalog", "/v2/_catalog/",
		"/v2/_catalog/x", "/v1/", "/v2/tags/list", "/v2/manifests/latest",
		"/v2/blobs/uploads/", "/v2//tags/list", "/v3/foo/tags/list",
	}
	for _, name := range pathNames {
		refs, digests, uuids := pathReferences, pathDigests, pathUUIDs
		if len(name) > 64 {
			// Overlong names meet each route shape once.
			refs, digests, uuids = refs[:1], digests[:1], uuids[:1]
		}
		base := "/v2/" + name
		out = append(out,
			base,
			base+"/",
			base+"/tags/list",
			base+"/tags/list/",
			base+"/tags",
			base+"/tags/",
			base+"/manifests/",
			base+"/blobs/",
			base+"/blobs/uploads/",
			base+"/blobs/uploads",
			base+"/blobs/uploads//",
			base+"/referrers/",
		)
		for _, ref := range refs {
			out = append(out, base+"/manifests/"+ref)
		}
		for _, d := range digests {
			out = append(out, base+"/blobs/"+d, base+"/referrers/"+d)
		}
		for _, id := range uuids {
			out = append(out, base+"/blobs/uploads/"+id)
		}
	}
	out = append(out,
		"/v2/foo/manifests/latest/tags/list",
		"/v2/foo/bar/manifests/tags/list",
		"/v2/foo/bar/manifests/manifests/tags",
		"/v2/foo/blobs/uploads/tags/list",
		"/v2/foo/blobs/sha256:"+sha256Hex+"/tags/list",
		"/v2/foo/referrers/sha256:"+sha256Hex+"/tags/list",
		"/v2/foo/referrers/sha256:"+sha256Hex+"/manifests/latest",
		"/v2/foo/tags/list/manifests/latest",
	)
	return out
}

// mutations turn a path into near variants that routers must redirect or
// refuse: added or removed final slashes, doubled slashes, dot segments,
// percent-escapes, a query, an upper-cased segment and an empty segment.
var mutations = []func(string) string{
	func(p string) string { return p + "/" },
	func(p string) string { return strings.TrimSuffix(p, "/") },
	func(p string) string { return strings.Replace(p, "/", "//", 2) },
	func(p string) string { return insertAfterSegment(p, 2, "./") },
	func(p string) string { return insertAfterSegment(p, 2, "x/../") },
	func(p string) string { return insertAfterSegment(p, 3, "../") },
	func(p string) string { return escapeLastSegmentByte(p) },
	func(p string) string { return p + "?n=1&last=a%2Fb" },
	func(p string) string { return strings.Replace(p, "/v2/", "/v2/%2E/", 1) },
	func(p string) string { return strings.Replace(p, "/v2/", "/v2/foo%2Fbar/", 1) },
	func(p string) string { return strings.ToUpper(p) },
	func(p string) string { return strings.Replace(p, "/", "/%2F", 1) },
	func(p string) string { return p + "/." },
	func(p string) string { return p + "/.." },
	func(p string) string { return strings.Replace(p, "/v2/", "/v2/./", 1) },
	func(p string) string { return p + "%20" },
}

// insertAfterSegment inserts s after the n-th slash of p, or appends it
// when p has fewer slashes.
func insertAfterSegment(p string, n int, s string) string {
	seen := 0
	for i := 0; i < len(p); i++ {
		if p[i] == '/' {
			seen++
			if seen == n {
				return p[:i+1] + s + p[i+1:]
			}
		}
	}
	return p + "/" + s
}

// escapeLastSegmentByte percent-encodes the first byte of the last
// non-empty segment of p.
func escapeLastSegmentByte(p string) string {
	q := strings.TrimSuffix(p, "/")
	i := strings.LastIndexByte(q, '/')
	if i < 0 || i+1 >= len(q) {
		return p + "%2F"
	}
	c := q[i+1]
	const hex = "0123456789ABCDEF"
	return q[:i+1] + "%" + string(hex[c>>4]) + string(hex[c&15]) + q[i+2:] + p[len(q):]
}

// RoutingPaths returns the request targets the routing comparison sends to
// a router made with prefix: every suffix below the prefix, variants of
// each made by perPath of the mutations (chosen by the suffix's position, so
// that every mutation meets every route shape), and a few paths outside the
// prefix. The result is sorted, free of duplicates and holds only targets
// that parse as request URIs.
func RoutingPaths(prefix string, perPath int) []string {
	base := strings.TrimSuffix(prefix, "/")
	set := map[string]bool{}
	add := func(p string) {
		if _, err := url.ParseRequestURI(p); err == nil {
			set[p] = true
		}
	}
	for i, s := range suffixes() {
		p := base + s
		add(p)
		for k := 0; k < perPath; k++ {
			add(mutations[(i*(2*k+1)+5*k)%len(mutations)](p))
		}
	}
	for _, p := range []string{
		"/v2/", "/v2/foo/tags/list", "/prefix", "/prefix/", "/prefixv2/", "/registry",
		"/registry/", "/registryv2/", "/registry//v2/", "//registry/v2/", "/PREFIX/v2/",
		"/registry/x/v2/", "/x/registry/v2/", "/prefix/prefix/v2/", "/registry/v2/foo/tags/list",
		"/prefix/v2/foo/tags/list", base + "/v2/foo/manifests/latest?x=1#frag",
	} {
		add(p)
	}
	paths := make([]string, 0, len(set))
	for p := range set {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	return paths
}
