package regapi

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/distribution/reference"
)

// URLBuilder builds the URLs of the registry API below one root, for a client
// addressing a registry or a server answering with Location headers.
//
// A root of "https://registry.example.com/" gives URLs such as
// "https://registry.example.com/v2/library/alpine/manifests/latest"; a root
// with a path, such as "https://example.com/registry/", puts them below that
// path. A relative builder ignores the root and gives paths such as
// "/v2/library/alpine/manifests/latest".
//
// A URLBuilder is safe for concurrent use.
type URLBuilder struct {
	root     url.URL
	relative bool
}

// urlRouter is the router URLs are built from. It is never handed out and
// no handler is ever set on it.
var urlRouter = Router()

// NewURLBuilder returns a builder for URLs below root, or for relative URLs
// when relative is true. The builder keeps a copy of root; a nil root is the
// empty URL.
//
// Unlike distribution, a root path without a final slash is kept: root
// "https://example.com/registry" builds "https://example.com/registry/v2/".
func NewURLBuilder(root *url.URL, relative bool) *URLBuilder {
	ub := &URLBuilder{relative: relative}
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
func NewURLBuilderFromRequest(r *http.Request, relative bool) *URLBuilder {
	scheme := "http"
	host := r.Host
	if r.TLS != nil {
		scheme = "https"
	} else if r.URL != nil && r.URL.Scheme != "" {
		scheme = r.URL.Scheme
	}

	if forwarded := r.Header.Get("Forwarded"); forwarded != "" {
		if params, _, err := parseForwardedHeader(forwarded); err == nil {
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
			// Each proxy appends the host it was asked for; the first is
			// the one the client used.
			first, _, _ := strings.Cut(fhost, ",")
			host = strings.TrimSpace(first)
		}
	}

	root := &url.URL{Scheme: scheme, Host: host}
	if r.URL != nil {
		basePath := routeDescriptorsByName[RouteNameBase].Path
		if i := strings.Index(r.URL.Path, basePath); i > 0 {
			root.Path = r.URL.Path[:i+1] // keep the slash before "v2/"
		}
	}
	return NewURLBuilder(root, relative)
}

// BuildBaseURL returns the URL of the API's base, "/v2/" below the root.
func (ub *URLBuilder) BuildBaseURL() (string, error) {
	u, err := ub.build(RouteNameBase)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// BuildCatalogURL returns the URL of the repository catalog, with values
// merged into its query.
func (ub *URLBuilder) BuildCatalogURL(values ...url.Values) (string, error) {
	u, err := ub.build(RouteNameCatalog)
	if err != nil {
		return "", err
	}
	return withQuery(u, values).String(), nil
}

// BuildTagsURL returns the URL listing the tags of the repository name, with
// values (such as n and last) merged into its query.
func (ub *URLBuilder) BuildTagsURL(name reference.Named, values ...url.Values) (string, error) {
	u, err := ub.build(RouteNameTags, "name", name.Name())
	if err != nil {
		return "", err
	}
	return withQuery(u, values).String(), nil
}

// errNoTagOrDigest is returned for a manifest reference that has neither a
// tag nor a digest. Its text is distribution's.
var errNoTagOrDigest = errors.New("reference must have a tag or digest")

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
	u, err := ub.build(RouteNameManifest, "name", ref.Name(), "reference", tagOrDigest)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// BuildBlobURL returns the URL of the blob ref names by digest.
func (ub *URLBuilder) BuildBlobURL(ref reference.Canonical) (string, error) {
	u, err := ub.build(RouteNameBlob, "name", ref.Name(), "digest", ref.Digest().String())
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

// BuildBlobUploadURL returns the URL that starts a blob upload in the
// repository name, with values (such as digest, mount and from) merged into
// its query.
func (ub *URLBuilder) BuildBlobUploadURL(name reference.Named, values ...url.Values) (string, error) {
	u, err := ub.build(RouteNameBlobUpload, "name", name.Name())
	if err != nil {
		return "", err
	}
	return withQuery(u, values).String(), nil
}

// BuildBlobUploadChunkURL returns the URL of the upload session uuid in the
// repository name, with values merged into its query. Servers hand this URL
// to clients in Location headers; clients follow those rather than build it.
// An uuid outside [a-zA-Z0-9-_.=]+ is an error.
func (ub *URLBuilder) BuildBlobUploadChunkURL(name reference.Named, uuid string, values ...url.Values) (string, error) {
	u, err := ub.build(RouteNameBlobUploadChunk, "name", name.Name(), "uuid", uuid)
	if err != nil {
		return "", err
	}
	return withQuery(u, values).String(), nil
}

// BuildReferrersURL returns the URL listing the referrers of the manifest
// ref names by digest, with values (such as artifactType) merged into its
// query.
func (ub *URLBuilder) BuildReferrersURL(ref reference.Canonical, values ...url.Values) (string, error) {
	u, err := ub.build(RouteNameReferrers, "name", ref.Name(), "digest", ref.Digest().String())
	if err != nil {
		return "", err
	}
	return withQuery(u, values).String(), nil
}

// build expands the named route with the variable pairs and places the
// result below the root, or returns it as is for a relative builder.
func (ub *URLBuilder) build(route string, pairs ...string) (*url.URL, error) {
	// Route.URL only reads the route, so the shared router is safe here.
	u, err := urlRouter.Get(route).URL(pairs...)
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

// withQuery merges values, in order, into the query of u and encodes it
// sorted by key.
func withQuery(u *url.URL, values []url.Values) *url.URL {
	merged := u.Query()
	for _, v := range values {
		for k, vs := range v {
			merged[k] = append(merged[k], vs...)
		}
	}
	u.RawQuery = merged.Encode()
	return u
}
