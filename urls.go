package regapi

import (
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"unsafe"

	"github.com/distribution/reference"

	"github.com/regapi/regapi/internal/forwarded"
	"github.com/regapi/regapi/internal/grammar"
)

// URLBuilder builds the URLs of the registry API below one root, for a client
// addressing a registry or a server answering with Location headers.
//
// A root of "https://registry.example.com/" gives URLs such as
// "https://registry.example.com/v2/library/alpine/manifests/latest"; a root
// with a path, such as "https://example.com/registry/", puts them below that
// path. A relative builder ignores the root and gives paths such as
// "/v2/library/alpine/manifests/latest", but for one made from a request
// below a path prefix, whose paths keep the prefix.
//
// The URLs are those distribution's builder makes, byte for byte, and so are
// the errors, but for the root path NewURLBuilder keeps and nil references,
// which are errors here. They are written straight into one string rather
// than through a mux route.
//
// A URLBuilder is safe for concurrent use.
type URLBuilder struct {
	root     url.URL
	relative bool
	// keepPath makes a relative builder keep the root's path, as a
	// builder made from a request to a prefixed path does: its URLs are
	// the absolute ones without scheme and host, so that they name the
	// paths the server serves.
	keepPath bool

	// base, joined, is the URL of the base route, "/v2/" or "<root>v2/"
	// (the root's path alone when keepPath is set): every URL starts with
	// it. It is worked out once, by the same
	// resolution the URLs of any route would go through, and kept in
	// pieces when it is the concatenation of its parts, to save making it.
	base  [5]string
	nbase int // how many pieces of base are in use
	// ready tells a builder made by a constructor from the zero value,
	// which builds through the slow path.
	ready bool
}

// NewURLBuilder returns a builder for URLs below root, or for relative URLs
// when relative is true. The builder keeps a copy of root; a nil root is the
// empty URL.
//
// Unlike distribution, a root path without a final slash is kept: root
// "https://example.com/registry" builds "https://example.com/registry/v2/".
func NewURLBuilder(root *url.URL, relative bool) *URLBuilder {
	return newURLBuilder(root, relative, false)
}

// newURLBuilder is NewURLBuilder, with keepPath for relative builders that
// keep the root's path.
func newURLBuilder(root *url.URL, relative, keepPath bool) *URLBuilder {
	ub := &URLBuilder{relative: relative, keepPath: relative && keepPath, ready: true}
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
	ub.base[0], ub.nbase = "/v2/", 1
	if !relative || ub.keepPath {
		ub.base[0] = ub.text(ub.resolve(&url.URL{Path: "/v2/"}))
	}
	return ub
}

// NewURLBuilderFromString is NewURLBuilder with root given as a string. It
// returns the error of url.Parse for a root that does not parse.
func NewURLBuilderFromString(root string, relative bool) (*URLBuilder, error) {
	u, err := url.Parse(root)
	if err != nil {
		return nil, err
	}
	return NewURLBuilder(u, relative), nil
}

// NewURLBuilderFromRequest returns a builder for URLs at the host and scheme
// through which r reached the server, so that Location headers point back
// the way the client came.
//
// The scheme is https for a TLS connection and http otherwise, and the host
// is r.Host. A Forwarded header (RFC 7239) overrides both with the proto and
// host of its first element; without one, X-Forwarded-Proto and the first
// host of X-Forwarded-Host do. Whatever precedes "/v2/" in the request path
// becomes the root path, so a registry mounted below a prefix is handled.
// Relative URLs keep that path too ("/prefix/v2/..."), unlike distribution's,
// which drop it and so name paths the server does not serve.
//
// It trusts every peer: whoever reaches the server can choose the scheme
// and host of the URLs it builds, and the first value of a forwarding header
// is the one the client wrote, not the one a proxy appended. Servers behind
// proxies should use NewURLBuilderFromRequestWithOptions, which believes
// only what trusted proxies wrote.
//
// Unlike distribution, forwarded values are used only when they are
// well-formed: a scheme of http or https and a host that is a DNS name or an
// IP literal with an optional port. When any forwarded value is not, all are
// ignored and the request's own scheme and host are used.
func NewURLBuilderFromRequest(r *http.Request, relative bool) *URLBuilder {
	scheme, host := requestOrigin(r)
	if fscheme, fhost, ok := forwarded.FirstOrigin(r.Header); ok {
		if fscheme != "" {
			scheme = fscheme
		}
		if fhost != "" {
			host = fhost
		}
	}
	return newURLBuilderFromRequest(r, relative, scheme, host)
}

// requestOrigin returns the scheme and host r arrived with: https for a TLS
// connection, else the scheme of an absolute request target when it is http
// or https, else http; and r.Host. The client writes the request target, so
// any other scheme it names ("javascript", "ftp") is not put in a URL.
func requestOrigin(r *http.Request) (scheme, host string) {
	scheme = "http"
	if r.TLS != nil {
		scheme = "https"
	} else if r.URL != nil {
		if s, ok := forwarded.Scheme(r.URL.Scheme); ok {
			scheme = s
		}
	}
	return scheme, r.Host
}

// newURLBuilderFromRequest returns a builder for URLs at scheme and host,
// below the path prefix of r.
func newURLBuilderFromRequest(r *http.Request, relative bool, scheme, host string) *URLBuilder {
	var path string
	if r.URL != nil {
		basePath := routeByName(RouteNameBase).Path
		if i := strings.Index(r.URL.Path, basePath); i > 0 {
			path = r.URL.Path[:i+1] // keep the slash before "v2/"
		}
	}
	root := url.URL{Scheme: scheme, Host: host, Path: path}
	switch {
	case relative && path == "":
		// No prefix: the paths of the routes as they are.
		ub := &URLBuilder{root: root, relative: true, ready: true}
		ub.base[0], ub.nbase = "/v2/", 1
		return ub
	case relative && plainRoot("", path):
		// The path needs no escaping or resolution: the base is the
		// concatenation the resolution would come to.
		ub := &URLBuilder{root: root, relative: true, keepPath: true, ready: true}
		ub.base[0], ub.base[1], ub.nbase = path, "v2/", 2
		return ub
	case !relative && plainRoot(host, path):
		// Likewise for the scheme and host too.
		ub := &URLBuilder{root: root, ready: true}
		if path == "" {
			path = "/"
		}
		ub.base, ub.nbase = [5]string{scheme, "://", host, path, "v2/"}, 5
		return ub
	}
	return newURLBuilder(&root, relative, true)
}

// plainRoot reports whether a root of host and path (empty, or starting and
// ending with "/") is written by url.URL as it is, with path resolving to
// itself: host holds no byte that needs escaping, and path no such byte, no
// "." or ".." segment, and no leading "//".
func plainRoot(host, path string) bool {
	for i := 0; i < len(host); i++ {
		if c := host[i]; !grammar.IsAlnum(c) && !strings.ContainsRune("-._~:[]", rune(c)) {
			return false
		}
	}
	if path == "" {
		return true
	}
	if path[0] != '/' || strings.HasPrefix(path, "//") {
		return false
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; !grammar.IsAlnum(c) && c != '-' && c != '.' && c != '_' && c != '~' && c != '/' {
			return false
		}
	}
	return !strings.Contains(path, "/./") && !strings.Contains(path, "/../")
}

// BuildBaseURL returns the URL of the API's base, "/v2/" below the root.
func (ub *URLBuilder) BuildBaseURL() (string, error) {
	if !ub.ready {
		return ub.slow(RouteNameBase, nil, false)
	}
	switch ub.nbase {
	case 1:
		return ub.base[0], nil
	case 2:
		return ub.base[0] + ub.base[1], nil
	}
	return ub.base[0] + ub.base[1] + ub.base[2] + ub.base[3] + ub.base[4], nil
}

// BuildCatalogURL returns the URL of the repository catalog, with values
// merged into its query.
func (ub *URLBuilder) BuildCatalogURL(values ...url.Values) (string, error) {
	if !ub.ready {
		return ub.slow(RouteNameCatalog, values, true)
	}
	return ub.assemble("", "", urlPartsOfRoutes().catalog, "", values), nil
}

// BuildTagsURL returns the URL listing the tags of the repository name, with
// values (such as n and last) merged into its query.
func (ub *URLBuilder) BuildTagsURL(name reference.Named, values ...url.Values) (string, error) {
	if name == nil {
		return "", errNilReference
	}
	domain, path, ok := nameParts(name)
	if !ub.ready || !ok {
		return ub.slow(RouteNameTags, values, true, "name", name.Name())
	}
	return ub.assemble(domain, path, urlPartsOfRoutes().tags, "", values), nil
}

// errNoTagOrDigest is returned for a manifest reference that has neither a
// tag nor a digest. Its text is distribution's.
var errNoTagOrDigest = errors.New("reference must have a tag or digest")

// errNilReference is returned for a nil reference, which distribution's
// builder dereferences.
var errNilReference = errors.New("regapi: nil reference")

// BuildManifestURL returns the URL of the manifest ref names: by tag when ref
// has one, else by digest. A reference with neither is an error.
func (ub *URLBuilder) BuildManifestURL(ref reference.Named) (string, error) {
	var tagOrDigest string
	switch r := ref.(type) {
	case reference.Tagged:
		tagOrDigest = r.Tag()
	case reference.Digested:
		tagOrDigest = r.Digest().String()
	default:
		return "", errNoTagOrDigest
	}
	domain, path, ok := nameParts(ref)
	if !ub.ready || !ok || !grammar.IsReference(tagOrDigest) {
		return ub.slow(RouteNameManifest, nil, false, "name", ref.Name(), "reference", tagOrDigest)
	}
	return ub.assemble(domain, path, urlPartsOfRoutes().manifest, tagOrDigest, nil), nil
}

// BuildBlobURL returns the URL of the blob ref names by digest.
func (ub *URLBuilder) BuildBlobURL(ref reference.Canonical) (string, error) {
	if ref == nil {
		return "", errNilReference
	}
	dgst := ref.Digest().String()
	domain, path, ok := nameParts(ref)
	if !ub.ready || !ok || !grammar.IsDigest(dgst) {
		return ub.slow(RouteNameBlob, nil, false, "name", ref.Name(), "digest", dgst)
	}
	return ub.assemble(domain, path, urlPartsOfRoutes().blob, dgst, nil), nil
}

// BuildBlobUploadURL returns the URL that starts a blob upload in the
// repository name, with values (such as digest, mount and from) merged into
// its query.
func (ub *URLBuilder) BuildBlobUploadURL(name reference.Named, values ...url.Values) (string, error) {
	if name == nil {
		return "", errNilReference
	}
	domain, path, ok := nameParts(name)
	if !ub.ready || !ok {
		return ub.slow(RouteNameBlobUpload, values, true, "name", name.Name())
	}
	return ub.assemble(domain, path, urlPartsOfRoutes().blobUpload, "", values), nil
}

// BuildBlobUploadChunkURL returns the URL of the upload session uuid in the
// repository name, with values merged into its query. Servers hand this URL
// to clients in Location headers; clients follow those rather than build it.
// An uuid outside [a-zA-Z0-9-_.=]+ is an error.
func (ub *URLBuilder) BuildBlobUploadChunkURL(name reference.Named, uuid string, values ...url.Values) (string, error) {
	if name == nil {
		return "", errNilReference
	}
	domain, path, ok := nameParts(name)
	// "." and ".." are valid ids that resolution below a root removes as
	// dot segments: the slow path does what distribution does.
	if !ub.ready || !ok || !grammar.IsUploadUUID(uuid) || uuid == "." || uuid == ".." {
		return ub.slow(RouteNameBlobUploadChunk, values, true, "name", name.Name(), "uuid", uuid)
	}
	return ub.assemble(domain, path, urlPartsOfRoutes().blobUploadChunk, uuid, values), nil
}

// BuildReferrersURL returns the URL listing the referrers of the manifest
// ref names by digest, with values (such as artifactType) merged into its
// query.
func (ub *URLBuilder) BuildReferrersURL(ref reference.Canonical, values ...url.Values) (string, error) {
	if ref == nil {
		return "", errNilReference
	}
	dgst := ref.Digest().String()
	domain, path, ok := nameParts(ref)
	if !ub.ready || !ok || !grammar.IsDigest(dgst) {
		return ub.slow(RouteNameReferrers, values, true, "name", ref.Name(), "digest", dgst)
	}
	return ub.assemble(domain, path, urlPartsOfRoutes().referrers, dgst, values), nil
}

// assemble writes base + name + route.word + last + "?" + query into one
// string, where name is domain + "/" + path, or path alone when domain is
// empty. The variables are valid, so the path needs no resolution, and the
// only bytes of theirs url.URL escapes in a path are the brackets of an
// IPv6 domain, which can only open a name.
func (ub *URLBuilder) assemble(domain, name string, route urlParts, last string, values []url.Values) string {
	word := route.word
	if domain == "" && name != "" && name[0] == '[' {
		// A name with an IPv6 domain, not given apart.
		domain, name, _ = grammar.Cut(name, '/')
	}
	var pairBuf [4]queryPair
	pairs := queryPairs(values, route.queryKeys, pairBuf[:0])
	n := len(name) + len(word) + len(last)
	base := ub.base[:ub.nbase]
	for _, piece := range base {
		n += len(piece)
	}
	if domain != "" {
		n += len(domain) + 1
	}
	ipv6 := domain != "" && domain[0] == '['
	if ipv6 {
		n += 4 // "%5B" and "%5D" for "[" and "]"
	}
	q := queryLen(pairs)
	if q > 0 {
		n += 1 + q
	}

	// The bytes are written once into a slice of the exact length, which
	// then becomes the string without a copy, as strings.Builder does.
	b := make([]byte, 0, n)
	for _, piece := range base {
		b = append(b, piece...)
	}
	if ipv6 {
		end := strings.IndexByte(domain, ']')
		b = append(b, "%5B"...)
		b = append(b, domain[1:end]...)
		b = append(b, "%5D"...)
		b = append(b, domain[end+1:]...)
	} else {
		b = append(b, domain...)
	}
	if domain != "" {
		b = append(b, '/')
	}
	b = append(b, name...)
	b = append(b, word...)
	b = append(b, last...)
	if q > 0 {
		b = append(b, '?')
		b = appendQuery(b, pairs)
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// referencePackage is the import path of distribution/reference, whose
// references name domain + "/" + path.
var referencePackage = reflect.TypeOf((*reference.Named)(nil)).Elem().PkgPath()

// nameParts returns the name of r as a domain and a path (the domain empty
// when the name is the path alone) and whether the name is valid. For the
// reference package's own types, whose Name joins Domain and Path, it reads
// the two apart rather than have Name make the joined string.
func nameParts(r reference.Named) (domain, path string, ok bool) {
	if reflect.TypeOf(r).PkgPath() == referencePackage {
		if dp, isDP := r.(interface {
			Domain() string
			Path() string
		}); isDP {
			domain, path = dp.Domain(), dp.Path()
			if domain == "" {
				return "", path, grammar.IsName(path)
			}
			if strings.IndexByte(domain, '/') < 0 {
				return domain, path, (grammar.IsPathComponent(domain) || grammar.IsDomainAndPort(domain)) && grammar.IsRemoteName(path)
			}
		}
	}
	path = r.Name()
	return "", path, grammar.IsName(path)
}

// slowRouter is the router the slow path builds with. It is made when first
// needed and only read.
var slowRouter = sync.OnceValue(Router)

// slow builds a URL as distribution does: by expanding the mux route with
// the variable pairs (whose errors it returns) and resolving the result
// against the root. It serves the variables the fast path does not vouch
// for, and builders not made by a constructor.
func (ub *URLBuilder) slow(route string, values []url.Values, query bool, pairs ...string) (string, error) {
	u, err := slowRouter().Get(route).URL(pairs...)
	if err != nil {
		return "", err
	}
	if !ub.relative || ub.keepPath {
		u = ub.resolve(u)
	}
	if query {
		u.RawQuery = string(appendQuery(nil, queryPairs(values, nil, nil)))
	}
	return ub.text(u), nil
}

// text writes u, a URL of the builder's, as the builder hands it out: whole,
// or for a relative builder that keeps the root's path, as the reference
// to u from any URL of its origin.
func (ub *URLBuilder) text(u *url.URL) string {
	if !ub.keepPath {
		return u.String()
	}
	return pathReference(u)
}

// pathReference returns the path, query and fragment of u, a reference
// that resolves to u against any URL with u's scheme and host. A path
// starting with "//" would be read as a host ("//evil.example/v2/" leaves
// the registry), so it is written after "/.", a dot segment that resolution
// removes again (RFC 3986 section 5.2.4).
func pathReference(u *url.URL) string {
	ref := *u
	ref.Scheme, ref.Opaque, ref.User, ref.Host, ref.OmitHost = "", "", nil, "", false
	s := ref.String()
	if strings.HasPrefix(s, "//") {
		s = "/." + s
	}
	return s
}

// resolve places the route URL u (a path from "/v2/") below the root, as
// distribution does: as a reference relative to the root, keeping the
// root's scheme.
func (ub *URLBuilder) resolve(u *url.URL) *url.URL {
	u.Path = strings.TrimPrefix(u.Path, "/")
	abs := ub.root.ResolveReference(u)
	abs.Scheme = ub.root.Scheme
	return abs
}

// queryPair is one key of one of the url.Values given to a Build method.
type queryPair struct {
	key    string
	values []string
}

// queryPairs lists the keys of values with their values, sorted by key; the
// pairs of one key keep the order of the url.Values they come from, so that
// writing them in turn writes the values merged in order. It uses buf for
// storage when it is large enough.
//
// known holds query parameter names, sorted. Each url.Values is first asked
// for those by name; only when it holds other keys too is it ranged over.
// Looking up a few keys in a small map costs less than iterating it, and
// the values given to a Build method usually hold just the parameters the
// route's descriptors list.
func queryPairs(values []url.Values, known []string, buf []queryPair) []queryPair {
	pairs := buf
	// Pairs of a single url.Values found by name are in order already.
	sorted := true
	for i, v := range values {
		if len(v) == 0 {
			continue
		}
		if i > 0 {
			sorted = false
		}
		start := len(pairs)
		for _, k := range known {
			if vs, ok := v[k]; ok {
				pairs = append(pairs, queryPair{k, vs})
			}
		}
		if len(pairs)-start == len(v) {
			continue
		}
		sorted = false
		pairs = pairs[:start]
		for k, vs := range v {
			pairs = append(pairs, queryPair{k, vs})
		}
	}
	if sorted {
		return pairs
	}
	if len(pairs) <= 12 {
		// Insertion sort: stable, and quick for the few keys of a query.
		for i := 1; i < len(pairs); i++ {
			for j := i; j > 0 && pairs[j].key < pairs[j-1].key; j-- {
				pairs[j], pairs[j-1] = pairs[j-1], pairs[j]
			}
		}
	} else {
		slices.SortStableFunc(pairs, func(a, b queryPair) int { return strings.Compare(a.key, b.key) })
	}
	return pairs
}

// queryLen returns the length of the query appendQuery appends.
func queryLen(pairs []queryPair) int {
	n := 0
	for _, p := range pairs {
		if len(p.values) == 0 {
			continue
		}
		kl := queryEscapedLen(p.key)
		for _, s := range p.values {
			n += 1 + kl + 1 + queryEscapedLen(s) // "&k=v"
		}
	}
	if n > 0 {
		n-- // no "&" before the first pair
	}
	return n
}

func queryEscapedLen(s string) int {
	n := len(s)
	for i := 0; i < len(s); i++ {
		if c := s[i]; !queryUnreserved(c) && c != ' ' {
			n += 2
		}
	}
	return n
}

// appendQuery appends the pairs to b as url.Values.Encode encodes the
// merged values: sorted by key, the values of one key in the order given,
// keys and values escaped with url.QueryEscape.
func appendQuery(b []byte, pairs []queryPair) []byte {
	first := true
	for _, p := range pairs {
		for _, s := range p.values {
			if !first {
				b = append(b, '&')
			}
			first = false
			b = appendQueryEscaped(b, p.key)
			b = append(b, '=')
			b = appendQueryEscaped(b, s)
		}
	}
	return b
}

// queryUnreserved reports whether url.QueryEscape leaves c as it is.
func queryUnreserved(c byte) bool {
	return queryUnreservedBytes[c]
}

// queryUnreservedBytes holds the bytes url.QueryEscape leaves as they are.
var queryUnreservedBytes = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = grammar.IsAlnum(byte(c)) || c == '-' || c == '_' || c == '.' || c == '~'
	}
	return t
}()

// appendQueryEscaped appends s to b as url.QueryEscape returns it.
func appendQueryEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if queryUnreserved(c) {
			continue
		}
		b = append(b, s[start:i]...)
		if c == ' ' {
			b = append(b, '+')
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
		start = i + 1
	}
	return append(b, s[start:]...)
}
