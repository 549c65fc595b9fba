package registrytest

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"iter"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/reply"
	"github.com/regapi/regapi/registry"
)

// Redirected blobs are served below this path, after the registry's prefix,
// at <name>/<digest>?expires=<unix seconds>&sig=<hex>: the signature, an
// HMAC of the name, digest and expiry under a key the registry draws when
// it is made, is what makes the URL unguessable, as object storage signs
// its URLs.
const redirectPath = "/_regapi/blobs/"

// redirectLife is how long a redirect URL answers.
const redirectLife = 10 * time.Minute

// redirectingStore is the registry's store with the URLs of
// Options.BlobRedirect: the server answers a blob GET with 307 to the URL
// BlobURL gives. It passes on the optional interfaces of the store it
// wraps, doing nothing where that store lacks one, which the server takes
// as it takes their absence.
type redirectingStore struct {
	registry.Interface
	reg *Registry
}

var (
	_ registry.BlobRedirector = redirectingStore{}
	_ registry.BlobLocator    = redirectingStore{}
	_ registry.SpaceReserver  = redirectingStore{}
)

func newRedirectingStore(reg *Registry) redirectingStore {
	return redirectingStore{Interface: reg.store, reg: reg}
}

// blobBaseKey is the context key of the base URL (the API's base, without
// its v2/) of a blob GET, which the registry derives from the request.
type blobBaseKey struct{}

// withBlobBase returns r with the base URL of its redirect in its context:
// built by the request's URL builder, so that a path prefix and trusted
// proxies apply.
func (reg *Registry) withBlobBase(r *http.Request) *http.Request {
	ub := regapi.NewURLBuilderFromRequestWithOptions(r, regapi.FromRequestOptions{
		Relative:          reg.opts.RelativeURLs || !grammar.IsHost(r.Host),
		TrustedProxies:    reg.opts.TrustedProxies,
		ForwardingHeaders: reg.opts.ForwardingHeaders,
	})
	base, err := ub.BuildBaseURL()
	if err != nil {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), blobBaseKey{}, strings.TrimSuffix(base, "v2/")))
}

// BlobURL returns the signed URL of a blob the store holds, for a GET
// whose request gave its base; "" (serve it) otherwise.
func (s redirectingStore) BlobURL(ctx context.Context, repo string, dgst digest.Digest) (string, error) {
	base, ok := ctx.Value(blobBaseKey{}).(string)
	if !ok {
		return "", nil
	}
	if _, err := s.Interface.ResolveBlob(ctx, repo, dgst); err != nil {
		return "", err
	}
	expires := strconv.FormatInt(s.reg.now().Add(redirectLife).Unix(), 10)
	return base + redirectPath[1:] + repo + "/" + dgst.String() +
		"?expires=" + expires + "&sig=" + s.reg.signBlob(repo, dgst.String(), expires), nil
}

// BlobRepositories passes on the store's, or lists nothing.
func (s redirectingStore) BlobRepositories(ctx context.Context, dgst digest.Digest) iter.Seq2[string, error] {
	if l, ok := s.Interface.(registry.BlobLocator); ok {
		return l.BlobRepositories(ctx, dgst)
	}
	return func(func(string, error) bool) {}
}

// Reserve passes on the store's, or reserves nothing.
func (s redirectingStore) Reserve(ctx context.Context, n int64) (func(), error) {
	if sr, ok := s.Interface.(registry.SpaceReserver); ok {
		return sr.Reserve(ctx, n)
	}
	return func() {}, nil
}

// signBlob is the signature of a redirect URL.
func (reg *Registry) signBlob(name, dgst, expires string) string {
	mac := hmac.New(sha256.New, reg.redirectKey[:])
	mac.Write([]byte(name + "\n" + dgst + "\n" + expires))
	return hex.EncodeToString(mac.Sum(nil))
}

// redirectTarget reports whether path is below a redirect URL's path, and
// what follows it.
func redirectTarget(path string) (string, bool) {
	i := strings.Index(path, redirectPath)
	if i < 0 {
		return "", false
	}
	return path[i+len(redirectPath):], true
}

// serveRedirectedBlob answers GET and HEAD of a redirect URL: the blob as
// the blob route serves it, for a URL the registry signed and that has not
// expired, whoever asks.
func (reg *Registry) serveRedirectedBlob(w http.ResponseWriter, r *http.Request, rest string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, r, errcode.ErrorCodeUnsupported.WithDetail(map[string]string{"method": reply.Truncate(r.Method, 20)}))
		return
	}
	slash := strings.LastIndexByte(rest, '/')
	query := r.URL.Query()
	expires, sig := query.Get("expires"), query.Get("sig")
	if slash <= 0 || !grammar.IsRepository(rest[:slash]) || !grammar.IsDigest(rest[slash+1:]) {
		serveError(w, r, reply.WithStatus(http.StatusNotFound, errcode.ErrorCodeBlobUnknown.WithMessage("no such redirect")))
		return
	}
	name, d := rest[:slash], rest[slash+1:]
	want := reg.signBlob(name, d, expires)
	at, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(want)) || reg.now().Unix() > at {
		serveError(w, r, reply.WithStatus(http.StatusForbidden, errcode.ErrorCodeDenied.WithMessage("the URL is not valid, or has expired")))
		return
	}
	// The blob is served as the blob route serves it, by a server without
	// authorization or redirects.
	r2 := new(http.Request)
	*r2 = *r
	u := *r.URL
	u.Path, u.RawPath, u.RawQuery = "/v2/"+name+"/blobs/"+d, "", ""
	r2.URL = &u
	reg.direct.ServeHTTP(w, r2)
}
