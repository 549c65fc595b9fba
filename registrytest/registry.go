package registrytest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/netip"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/distribution/reference"
	"github.com/gorilla/mux"
	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/errcode"

	// The digest algorithms the registry accepts must be linked in for
	// go-digest to offer them.
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// Default limits, used when the corresponding Options field is zero.
const (
	// DefaultMaxBlobSize is the largest blob accepted by default: 1 GiB.
	DefaultMaxBlobSize = 1 << 30

	// DefaultMaxManifestSize is the largest manifest accepted by default:
	// 4 MiB, the size the OCI specification asks registries to accept.
	DefaultMaxManifestSize = 4 << 20

	// DefaultMaxTagsPerPush is the number of tag query parameters a
	// manifest push by digest may carry by default.
	DefaultMaxTagsPerPush = 100

	// DefaultMaxUploads is the number of upload sessions that may be open
	// at once by default.
	DefaultMaxUploads = 1000
)

// Options configures a Registry. The zero value is a usable configuration
// with the default limits.
type Options struct {
	// MaxBlobSize is the largest blob, in bytes, the registry accepts;
	// larger uploads are refused with 413. Zero means DefaultMaxBlobSize and
	// a negative value means no limit.
	MaxBlobSize int64

	// MaxManifestSize is the largest manifest, in bytes, the registry
	// accepts; larger ones are refused with 413. Zero means
	// DefaultMaxManifestSize and a negative value means no limit.
	MaxManifestSize int64

	// MaxTagsPerPush is the number of tag query parameters a manifest push
	// by digest may carry; more are refused with 414. Zero means
	// DefaultMaxTagsPerPush and a negative value means no limit.
	MaxTagsPerPush int

	// MaxUploads is the number of upload sessions that may be open at once;
	// further POSTs are refused with 429 TOOMANYREQUESTS. Zero means
	// DefaultMaxUploads and a negative value means no limit.
	MaxUploads int

	// MaxStorage, when positive, bounds the bytes of content the registry
	// holds: blobs and manifests, counting a blob once per repository it is
	// linked into, the names of tags, and the bytes received by open upload
	// sessions. Content
	// or a chunk that would exceed it is refused with 403 DENIED. Sessions
	// idle for longer than UploadTTL are forgotten to make room.
	MaxStorage int64

	// UploadTTL, when positive, is how long an upload session may stay
	// idle: a session that received nothing for longer is forgotten, and
	// requests to it get BLOB_UPLOAD_UNKNOWN. By default sessions last
	// until they are closed or cancelled.
	UploadTTL time.Duration

	// ChunkMinLength, when positive, is announced in the OCI-Chunk-Min-Length
	// header of upload session responses. It is advice to clients: chunks
	// of any size are accepted.
	ChunkMinLength int64

	// RequireManifestBlobs makes a manifest push fail with
	// MANIFEST_BLOB_UNKNOWN when the config or a layer it references is not
	// a blob of the repository, or a manifest an index references is not a
	// manifest of the repository. By default such manifests are accepted.
	RequireManifestBlobs bool

	// DisableAnonymousMount makes a mount request without a from parameter
	// start a normal upload (202) instead of looking for the blob in every
	// repository.
	DisableAnonymousMount bool

	// RelativeURLs makes Location and Link headers paths rather than
	// absolute URLs.
	RelativeURLs bool

	// TrustedProxies lists the networks of the reverse proxies whose
	// forwarding headers (Forwarded, or X-Forwarded-For, X-Forwarded-Proto
	// and X-Forwarded-Host) decide the scheme and host of Location and Link
	// headers. They are believed only as far as proxies inside these
	// networks wrote them, read from the request's peer leftwards, and only
	// when they name http or https and a well-formed host; otherwise the
	// request's own scheme and Host are used (see
	// regapi.NewURLBuilderFromRequestWithOptions). By default no proxy is
	// trusted.
	TrustedProxies []netip.Prefix

	// Logger, when not nil, receives one line per request: method, path,
	// status, response bytes and duration.
	Logger *log.Logger
}

// Registry is an in-memory registry. It implements http.Handler; create one
// with New. It is safe for concurrent use.
type Registry struct {
	opts Options
	// router answers the requests regapi.MatchPath refuses: redirects to
	// clean paths and paths that match no route.
	router  *mux.Router
	handler http.Handler

	// now is the clock upload sessions are timed by: time.Now, and a
	// clock of their own in the tests of expiry.
	now func() time.Time

	mu      sync.RWMutex
	repos   map[string]*repository
	uploads map[string]*upload
	used    int64 // bytes of blobs, manifests and tag names, counted against MaxStorage
	pending int64 // bytes held by upload sessions, counted against MaxStorage too
}

// repository is the content of one repository. It is guarded by the
// Registry's mutex.
type repository struct {
	blobs     map[digest.Digest][]byte
	manifests map[digest.Digest]*manifest
	tags      map[string]digest.Digest
	// referrers maps a subject digest to the manifests referring to it,
	// in push order.
	referrers map[digest.Digest][]digest.Digest
}

func (r *repository) empty() bool {
	return len(r.blobs) == 0 && len(r.manifests) == 0 && len(r.tags) == 0
}

// New returns a Registry configured by opts.
func New(opts Options) *Registry {
	if opts.MaxBlobSize == 0 {
		opts.MaxBlobSize = DefaultMaxBlobSize
	}
	if opts.MaxManifestSize == 0 {
		opts.MaxManifestSize = DefaultMaxManifestSize
	}
	if opts.MaxTagsPerPush == 0 {
		opts.MaxTagsPerPush = DefaultMaxTagsPerPush
	}
	if opts.MaxUploads == 0 {
		opts.MaxUploads = DefaultMaxUploads
	}
	reg := &Registry{
		now:     time.Now,
		opts:    opts,
		repos:   make(map[string]*repository),
		uploads: make(map[string]*upload),
	}

	// The router sees only the requests MatchPath refuses, which it
	// answers with a redirect or serveNoRoute; its route handlers are set
	// all the same, so that it serves every request correctly on its own.
	router := regapi.Router()
	for _, name := range []string{
		regapi.RouteNameBase, regapi.RouteNameCatalog, regapi.RouteNameTags, regapi.RouteNameManifest,
		regapi.RouteNameBlob, regapi.RouteNameBlobUpload, regapi.RouteNameBlobUploadChunk, regapi.RouteNameReferrers,
	} {
		route := name
		router.Get(route).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			vars := mux.Vars(r)
			reg.dispatch(w, r, regapi.PathMatch{Route: route, Name: vars["name"],
				Reference: vars["reference"], Digest: vars["digest"], UUID: vars["uuid"]})
		})
	}
	router.NotFoundHandler = http.HandlerFunc(serveNoRoute)
	reg.router = router

	reg.handler = http.HandlerFunc(reg.route)
	if opts.Logger != nil {
		reg.handler = logRequests(opts.Logger, reg.handler)
	}
	return reg
}

// ServeHTTP answers a registry API request.
func (reg *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Docker-Distribution-API-Version", "registry/2.0")
	reg.handler.ServeHTTP(w, r)
}

// route finds the route of a request with regapi.MatchPath, which decides
// exactly as the router of regapi.Router does, and leaves the requests it
// refuses to that router.
func (reg *Registry) route(w http.ResponseWriter, r *http.Request) {
	m, ok := regapi.MatchPath(r.URL.Path)
	if !ok {
		reg.router.ServeHTTP(w, r)
		return
	}
	reg.dispatch(w, r, m)
}

// dispatch calls the handler of a matched route.
func (reg *Registry) dispatch(w http.ResponseWriter, r *http.Request, m regapi.PathMatch) {
	switch m.Route {
	case regapi.RouteNameBase:
		reg.serveBase(w, r)
	case regapi.RouteNameCatalog:
		reg.serveCatalog(w, r)
	case regapi.RouteNameTags:
		reg.withName(w, r, m, reg.serveTags)
	case regapi.RouteNameManifest:
		reg.withName(w, r, m, reg.serveManifest)
	case regapi.RouteNameBlob:
		reg.withName(w, r, m, reg.serveBlob)
	case regapi.RouteNameBlobUpload:
		reg.withName(w, r, m, reg.serveUploadStart)
	case regapi.RouteNameBlobUploadChunk:
		reg.withName(w, r, m, reg.serveUpload)
	case regapi.RouteNameReferrers:
		reg.withName(w, r, m, reg.serveReferrers)
	default:
		serveNoRoute(w, r)
	}
}

// nameRegexp is the repository name grammar of the OCI distribution
// specification, anchored.
var nameRegexp = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)

// validName reports whether name is acceptable as a repository name.
func validName(name string) bool {
	return len(name) <= reference.RepositoryNameTotalLengthMax && nameRegexp.MatchString(name)
}

// request carries what the handlers of a named repository need.
type request struct {
	name  string
	match regapi.PathMatch
	ref   reference.Named

	reg     *Registry
	r       *http.Request
	builder *regapi.URLBuilder // made by urls on first use
}

// urls returns the builder of the request's Location and Link headers. It
// is made only for the answers that carry one.
func (req *request) urls() *regapi.URLBuilder {
	if req.builder == nil {
		req.builder = req.reg.urlBuilder(req.r)
	}
	return req.builder
}

// withName validates the repository name of a routed request before calling
// h.
func (reg *Registry) withName(w http.ResponseWriter, r *http.Request, m regapi.PathMatch, h func(http.ResponseWriter, *http.Request, *request)) {
	if !validName(m.Name) {
		serveError(w, 0, errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"name": truncate(m.Name, 300)}))
		return
	}
	ref, err := reference.WithName(m.Name)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeNameInvalid.WithDetail(err))
		return
	}
	h(w, r, &request{
		name:  m.Name,
		match: m,
		ref:   ref,
		reg:   reg,
		r:     r,
	})
}

// urlBuilder returns the builder of the Location and Link headers answering
// r. Forwarding headers count only from Options.TrustedProxies, and only
// when their values are a well-formed scheme and host (see
// regapi.NewURLBuilderFromRequestWithOptions). A request whose own Host is
// not a well-formed host, or that has none (HTTP/1.0), gets relative URLs.
func (reg *Registry) urlBuilder(r *http.Request) *regapi.URLBuilder {
	return regapi.NewURLBuilderFromRequestWithOptions(r, regapi.FromRequestOptions{
		Relative:       reg.opts.RelativeURLs || !validHost(r.Host),
		TrustedProxies: reg.opts.TrustedProxies,
	})
}

// validHost reports whether host is a DNS name, an IPv4 address or a
// bracketed IPv6 address without zone, with an optional port from 1 to
// 65535, and nothing else.
func validHost(host string) bool {
	if strings.HasPrefix(host, "[") {
		end := strings.IndexByte(host, ']')
		if end < 0 {
			return false
		}
		addr, err := netip.ParseAddr(host[1:end])
		if err != nil || !addr.Is6() || addr.Zone() != "" {
			return false
		}
		return validPort(host[end+1:])
	}
	name, port := host, ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 {
		name, port = host[:i], host[i:]
	}
	return validHostname(name) && validPort(port)
}

// validHostname reports whether name is a DNS name or an IPv4 address:
// dot-separated labels of 1 to 63 letters, digits and inner hyphens, 253
// characters at most.
func validHostname(name string) bool {
	if name == "" || len(name) > 253 {
		return false
	}
	label := 0 // length of the current label
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '.':
			if label == 0 || name[i-1] == '-' {
				return false
			}
			label = 0
		case c == '-':
			if label == 0 {
				return false
			}
			label++
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
			label++
		default:
			return false
		}
		if label > 63 {
			return false
		}
	}
	return label > 0 && name[len(name)-1] != '-'
}

// validPort reports whether p is empty or a colon and a port from 1 to
// 65535.
func validPort(p string) bool {
	if p == "" {
		return true
	}
	n, err := parseUint(strings.TrimPrefix(p, ":"))
	return p[0] == ':' && err == nil && n >= 1 && n <= 65535 && len(p) <= 6
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// serveBase answers the API version check.
func (reg *Registry) serveBase(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		serveMethodNotAllowed(w, r, "GET, HEAD")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "2")
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = io.WriteString(w, "{}")
	}
}

// serveNoRoute answers paths that match no route: NAME_INVALID when the path
// has the shape of a repository endpoint with an invalid name, UNSUPPORTED
// with status 404 otherwise.
func serveNoRoute(w http.ResponseWriter, r *http.Request) {
	if name, ok := nameInPath(r.URL.Path); ok && !validName(name) {
		serveError(w, 0, errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"name": truncate(name, 300)}))
		return
	}
	serveError(w, http.StatusNotFound, errcode.ErrorCodeUnsupported.WithMessage("no registry API endpoint at this path"))
}

// nameInPath returns what stands in the place of the repository name in a
// path of the form /v2/<name>/{manifests,blobs,tags,referrers}/...
func nameInPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/v2/")
	if !ok {
		return "", false
	}
	best := -1
	for _, marker := range []string{"/manifests/", "/blobs/", "/tags/", "/referrers/"} {
		if i := strings.LastIndex(rest, marker); i > best {
			best = i
		}
	}
	if best <= 0 {
		return "", false
	}
	return rest[:best], true
}

// serveError answers err through errcode.ServeJSON. A non-zero status
// replaces the status errcode derives from the error's code, for the
// conditions the specification answers with a status no code carries (413,
// 414, or 404 for an unknown path).
func serveError(w http.ResponseWriter, status int, err error) {
	if status != 0 {
		w = &statusWriter{ResponseWriter: w, status: status}
	}
	_ = errcode.ServeJSON(w, err)
}

// statusWriter replaces the status of the response written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (sw *statusWriter) WriteHeader(int) {
	sw.ResponseWriter.WriteHeader(sw.status)
}

// serveMethodNotAllowed answers a method the endpoint does not offer.
func serveMethodNotAllowed(w http.ResponseWriter, r *http.Request, allow string) {
	w.Header().Set("Allow", allow)
	serveError(w, 0, errcode.ErrorCodeUnsupported.WithDetail(map[string]string{"method": r.Method}))
}

// newID returns a fresh random upload session id.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		// crypto/rand does not fail on supported platforms.
		panic("registrytest: reading random bytes: " + err.Error())
	}
	return hex.EncodeToString(b[:])
}

// repo returns the repository name, creating it when create is set. The
// caller holds reg.mu (for writing when create is set).
func (reg *Registry) repo(name string, create bool) *repository {
	rp := reg.repos[name]
	if rp == nil && create {
		rp = &repository{
			blobs:     make(map[digest.Digest][]byte),
			manifests: make(map[digest.Digest]*manifest),
			tags:      make(map[string]digest.Digest),
			referrers: make(map[digest.Digest][]digest.Digest),
		}
		reg.repos[name] = rp
	}
	return rp
}

// dropIfEmpty forgets the repository name once it holds nothing. The caller
// holds reg.mu for writing.
func (reg *Registry) dropIfEmpty(name string) {
	if rp := reg.repos[name]; rp != nil && rp.empty() {
		delete(reg.repos, name)
	}
}

// addBlob links data as blob dgst into repository name, creating it. It
// reports false, changing nothing, when the content would exceed
// MaxStorage. The caller holds reg.mu for writing.
func (reg *Registry) addBlob(name string, dgst digest.Digest, data []byte) bool {
	if _, ok := repoBlob(reg.repos[name], dgst); ok {
		return true
	}
	if !reg.reserve(int64(len(data))) {
		return false
	}
	reg.repo(name, true).blobs[dgst] = data
	return true
}

// reserve counts n more bytes of stored content against MaxStorage, or
// reports false when they do not fit. The caller holds reg.mu for writing.
func (reg *Registry) reserve(n int64) bool {
	if !reg.fits(n) {
		return false
	}
	reg.used += n
	return true
}

// fits reports whether n more bytes fit in MaxStorage beside the stored
// content and the open sessions' bytes, forgetting expired sessions to make
// room when they do not. The caller holds reg.mu for writing.
func (reg *Registry) fits(n int64) bool {
	if reg.opts.MaxStorage <= 0 || n <= 0 {
		return true
	}
	if reg.used+reg.pending+n <= reg.opts.MaxStorage {
		return true
	}
	reg.expireUploads(reg.now())
	return reg.used+reg.pending+n <= reg.opts.MaxStorage
}

// serveStorageFull answers content refused because of MaxStorage.
func (reg *Registry) serveStorageFull(w http.ResponseWriter) {
	serveError(w, 0, errcode.ErrorCodeDenied.WithMessage(
		fmt.Sprintf("the registry's storage limit of %d bytes is reached", reg.opts.MaxStorage)))
}

// parseDigest parses a digest and checks that its algorithm is one the
// registry can compute.
func parseDigest(s string) (digest.Digest, error) {
	d, err := digest.Parse(s)
	if err != nil {
		return "", err
	}
	return d, nil
}
