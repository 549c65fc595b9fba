package registrytest

import (
	"crypto/rand"
	"log"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/server"
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

	// DefaultUploadTTL is how long an upload session may go without
	// receiving a byte by default, so that abandoned sessions free their
	// slots.
	DefaultUploadTTL = time.Hour

	// DefaultMaxStorage is the most bytes of content the registry holds by
	// default: 2 GiB. That is room for a blob of DefaultMaxBlobSize pushed
	// while as much again (its other layers, its upload session being
	// finished, a second repository it is pushed to) is held, so that a
	// client test can push images of the largest blob the registry
	// accepts, while a client that pushes for ever cannot take the memory
	// of the machine.
	DefaultMaxStorage = 2 << 30

	// DefaultBodyTimeout is how long the registry waits by default for the
	// next byte of a request body before it cuts the request.
	DefaultBodyTimeout = 30 * time.Second
)

// Options configures a Registry. The zero value is a usable configuration
// with the default limits, as strict as the strictest registries.
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

	// MaxStorage bounds the bytes of content the registry holds: blobs and
	// manifests, counting a blob once per repository it is linked into, the
	// names of tags, and the memory that open upload sessions and request
	// bodies being read hold. Space is reserved before a byte is kept, so
	// the bound holds at every moment. Content or a chunk that would exceed
	// it is refused with 403 DENIED. Sessions idle for longer than UploadTTL
	// are forgotten to make room. Zero means DefaultMaxStorage and a
	// negative value means no limit.
	MaxStorage int64

	// UploadTTL is how long an upload session may go without receiving a
	// byte: a session idle for longer is forgotten, and requests to it get
	// BLOB_UPLOAD_UNKNOWN. A session is never forgotten while a request is
	// writing to it. Zero means DefaultUploadTTL and a negative value means
	// sessions last until they are closed or cancelled.
	UploadTTL time.Duration

	// BodyTimeout is how long the registry waits for the next byte of a
	// request body. A body that sends nothing for longer is cut: the
	// request is answered with 408 (if the client still listens) and the
	// connection closed, and what an upload session received stays in it,
	// so the client can ask where it stands and resume. Zero means
	// DefaultBodyTimeout and a negative value means no timeout. It needs a
	// connection whose deadlines http.ResponseController can set, as any
	// net/http server's are; handlers called without one wait for ever.
	BodyTimeout time.Duration

	// MaxBodyReaders is how many large request bodies (over 64 KiB, or of
	// unknown length) the registry reads at once; the others wait for a
	// turn. A body whose client makes it wait for bytes, or that has been
	// read for a while, lets those waiting go first, so that a slow client
	// holds no one back. Reading bodies is copying, bound by memory rather
	// than by how many goroutines do it, and fewer bodies read at once than
	// there are processors leave one for small requests, which otherwise
	// wait behind every large push. Zero means one fewer than
	// runtime.GOMAXPROCS at New, and at least one; a negative value means
	// no limit.
	MaxBodyReaders int

	// ChunkMinLength, when positive, is announced in the OCI-Chunk-Min-Length
	// header of upload session responses. It is advice to clients: chunks
	// of any size are accepted.
	ChunkMinLength int64

	// RequireManifestBlobs makes an index or manifest list push fail with
	// MANIFEST_BLOB_UNKNOWN when a manifest it references is not a
	// manifest of the repository. The config and layers of an image
	// manifest are always required (unless LenientManifests is set); the
	// children of an index are not by default, because the specification
	// allows sparse indexes.
	RequireManifestBlobs bool

	// LenientManifests accepts any manifest that is a JSON object with
	// well-formed descriptors: whatever its Content-Type and schemaVersion,
	// and whether or not the blobs it references exist. Registries that
	// store what they are given behave so; by default the registry checks
	// as the strictest registries do (see the package documentation).
	LenientManifests bool

	// ManifestMediaTypes adds media types the registry accepts as
	// manifests, besides the OCI image manifest and index and the Docker
	// schema 2 manifest and manifest list. Such manifests must be JSON
	// objects without repeated fields; their descriptors are read where
	// they have the fields of an image manifest or an index. Media types
	// compare without regard to case; a value with parameters, or that is
	// not a media type, matches no Content-Type and is ignored.
	ManifestMediaTypes []string

	// DisableAnonymousMount makes a mount request without a from parameter
	// start a normal upload (202) instead of looking for the blob in every
	// repository the request may pull (every repository without
	// authentication).
	DisableAnonymousMount bool

	// InterchangeableManifestTypes lets an Accept header that lists the
	// OCI image manifest (or index) fetch a Docker schema 2 manifest (or
	// manifest list), and the other way round. By default a manifest GET
	// or HEAD whose Accept header lists types, none of them */* or the
	// stored manifest's, is answered with 404 MANIFEST_UNKNOWN.
	InterchangeableManifestTypes bool

	// Warnings adds Warning headers (299 - "text") to the answers of
	// chosen requests, as registries announce deprecations.
	Warnings []Warning

	// Store, when not nil, is the store the registry serves instead of
	// a memory store of its own: a directory store (package
	// registry/dirstore) keeps the content beyond the process, and any
	// registry.Interface will do. The limits that only a store counts
	// (MaxStorage, MaxUploads, UploadTTL) and BlobDir are then the
	// store's business and these fields are ignored; everything else
	// (authentication, faults, the request log, warnings, redirects)
	// works as with the memory store. The caller closes the store.
	Store registry.Interface

	// BlobDir, when set, keeps blob content in files of this directory
	// instead of memory, one file a blob written once the blob is
	// complete, and sent from the file, so that images of gigabytes can be
	// tested without the memory they would take; upload sessions are held
	// in memory until they complete. Everything else (manifests, tags, the
	// limits, MaxStorage, which counts the files) is unchanged. The
	// directory is created if need be; a file goes with its blob, and
	// those left when the process ends stay. (See memstore.Options.)
	BlobDir string

	// BlobRedirect answers blob GETs with 307 to a URL on the same server
	// that serves the blob without authentication, as registries backed by
	// object storage send clients to signed storage URLs. The URL cannot be
	// guessed, lives ten minutes, and answers GET (with Range) and HEAD as
	// the blob route does. HEAD on the blob route is answered directly.
	BlobRedirect bool

	// ReferrersPageSize, when positive, is the most referrers one answer
	// lists; a longer list is paged with a Link header (rel="next") whose
	// query keeps the artifactType filter.
	ReferrersPageSize int

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

	// ForwardingHeaders names the family of forwarding headers the trusted
	// proxies write: Forwarded, X-Forwarded-*, or, by default, Forwarded
	// when a request has it and X-Forwarded-* otherwise. A deployment whose
	// proxies pass the other family through untouched names theirs, so
	// that a client cannot write it.
	ForwardingHeaders regapi.ForwardingHeaders

	// Logger, when not nil, receives one line per request: peer, method,
	// path, status, response bytes and duration.
	Logger *log.Logger

	// RequestLogSize is how many requests Requests returns at most: the
	// most recent. Zero means DefaultRequestLogSize and a negative value
	// keeps no log.
	RequestLogSize int

	// Auth configures authentication; by default there is none.
	Auth Auth

	// FaultEndpoint serves /_regapi/faults, through which a test outside
	// the process injects, lists and clears faults: POST adds the SPECs of
	// the body, one per line; GET lists the faults, one per line with
	// what became of them; DELETE clears them. Without authentication,
	// anyone who reaches the registry can use it: it is for test setups
	// only. With Auth, in either mode, it takes only the Basic credentials
	// of a user who may push in every repository (not PullOnly, no
	// Repositories), never a token or an anonymous request: 401 with a
	// Basic challenge whose realm is Auth.Service without them, 403 for
	// another user.
	FaultEndpoint bool
}

// Warning is a Warning header a registry adds to answers.
type Warning struct {
	// Target chooses the requests: a route name (regapi.RouteNameBlob,
	// ...), an OCI endpoint ID ("end-3"; "end-7" stands for end-7a and
	// end-7b) or "*" for every request that matched a route.
	Target string

	// Text is the warning, sent as 299 - "Text". All the warnings of an
	// answer together stay within 4096 bytes: those that do not fit are
	// left out.
	Text string
}

// withDefaults returns opts with the zero values replaced by the defaults.
func (opts Options) withDefaults() Options {
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
	if opts.MaxStorage == 0 {
		opts.MaxStorage = DefaultMaxStorage
	}
	if opts.UploadTTL == 0 {
		opts.UploadTTL = DefaultUploadTTL
	}
	if opts.BodyTimeout == 0 {
		opts.BodyTimeout = DefaultBodyTimeout
	}
	if opts.RequestLogSize == 0 {
		opts.RequestLogSize = DefaultRequestLogSize
	}
	return opts
}

// Registry is a registry for tests: package server over a memory store
// (or Options.Store), with what only a test registry has around it. It
// implements http.Handler; create one with New. It is safe for concurrent
// use.
type Registry struct {
	opts Options

	// now is the clock upload sessions, tokens and redirect URLs are
	// timed by: time.Now, and a clock of their own in the tests of
	// expiry.
	now func() time.Time

	// store is what the registry serves; mem is the memory store when
	// the registry made its own.
	store registry.Interface
	mem   *memstore.Store

	// srv answers the API; direct answers redirected blob URLs, without
	// authorization or redirects.
	srv, direct *server.Server

	faults faultList
	log    *requestLog
	auth   *authenticator // nil without authentication

	// redirectKey signs the URLs of Options.BlobRedirect.
	redirectKey [32]byte
}

// New returns a Registry configured by opts.
func New(opts Options) *Registry {
	opts = opts.withDefaults()
	reg := &Registry{
		opts: opts,
		now:  time.Now,
		log:  newRequestLog(opts.RequestLogSize),
	}
	clock := func() time.Time { return reg.now() }
	reg.store = opts.Store
	if reg.store == nil && opts.BlobDir != "" {
		// A directory that cannot be made fails the pushes, which say
		// why.
		_ = os.MkdirAll(opts.BlobDir, 0o700)
	}
	if reg.store == nil {
		reg.mem = memstore.New(memstore.Options{
			MaxStorage:    max(opts.MaxStorage, 0),
			CountEachLink: true,
			MaxUploads:    max(opts.MaxUploads, 0),
			UploadTTL:     max(opts.UploadTTL, 0),
			Now:           clock,
			BlobDir:       opts.BlobDir,
		})
		reg.store = reg.mem
	}
	if _, err := rand.Read(reg.redirectKey[:]); err != nil {
		panic("registrytest: reading random bytes: " + err.Error())
	}
	if opts.Auth.Mode != AuthNone {
		reg.auth = newAuthenticator(opts.Auth, clock)
	}
	sopts := reg.serverOptions()
	direct := sopts
	direct.Warnings = nil
	reg.direct = server.New(reg.store, direct)
	sopts.Intercept = reg.intercept
	if reg.auth != nil {
		sopts.Authorize = reg.authorize
	}
	served := reg.store
	if opts.BlobRedirect {
		served = newRedirectingStore(reg)
	}
	reg.srv = server.New(served, sopts)
	return reg
}

// serverOptions are the options of the registry's server.
func (reg *Registry) serverOptions() server.Options {
	o := reg.opts
	warnings := make([]server.Warning, len(o.Warnings))
	for i, w := range o.Warnings {
		warnings[i] = server.Warning{Target: w.Target, Text: w.Text}
	}
	return server.Options{
		MaxBlobSize:                  o.MaxBlobSize,
		MaxManifestSize:              o.MaxManifestSize,
		MaxTagsPerPush:               o.MaxTagsPerPush,
		BodyTimeout:                  o.BodyTimeout,
		MaxBodyReaders:               o.MaxBodyReaders,
		ChunkMinLength:               o.ChunkMinLength,
		RequireManifestBlobs:         o.RequireManifestBlobs,
		LenientManifests:             o.LenientManifests,
		ManifestMediaTypes:           o.ManifestMediaTypes,
		DisableAnonymousMount:        o.DisableAnonymousMount,
		InterchangeableManifestTypes: o.InterchangeableManifestTypes,
		ReferrersPageSize:            o.ReferrersPageSize,
		RelativeURLs:                 o.RelativeURLs,
		TrustedProxies:               o.TrustedProxies,
		ForwardingHeaders:            o.ForwardingHeaders,
		Warnings:                     warnings,
		ErrorLog:                     o.Logger,
	}
}

// ServeHTTP answers a registry API request.
func (reg *Registry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	seq := reg.log.begin(r, reg.opts.RequestLogSize)
	x := &exchange{ResponseWriter: w}
	// A request without a body keeps http.NoBody, so that the server can
	// tell it has none.
	if r.Body != nil && r.Body != http.NoBody {
		x.body = countingBody{ReadCloser: r.Body, x: x}
		r.Body = &x.body
	}
	// Deferred, so that a request whose connection a fault closes is
	// recorded too.
	defer reg.record(x, r, seq, start)
	if reg.opts.FaultEndpoint && r.URL.Path == faultEndpointPath {
		x.Header()["Docker-Distribution-Api-Version"] = headerAPIVersion
		reg.bodyDeadline(x, r)
		reg.serveFaultEndpoint(x, r)
		return
	}
	if reg.auth != nil && reg.auth.cfg.Mode == AuthToken && r.URL.Path == tokenPath {
		x.Header()["Docker-Distribution-Api-Version"] = headerAPIVersion
		reg.bodyDeadline(x, r)
		reg.serveToken(x, r)
		return
	}
	if reg.opts.BlobRedirect {
		if rest, ok := redirectTarget(r.URL.Path); ok {
			x.Header()["Docker-Distribution-Api-Version"] = headerAPIVersion
			reg.serveRedirectedBlob(x, r, rest)
			return
		}
	}
	reg.srv.ServeHTTP(x, r)
}

// bodyDeadline gives the body of a request to the token server or the
// fault endpoint, which the registry reads itself (a form, a list of
// faults: at most a megabyte), Options.BodyTimeout to arrive whole, so
// that a client that stalls holds nothing for ever. The server gives the
// API's bodies the timeout for each next byte.
func (reg *Registry) bodyDeadline(w http.ResponseWriter, r *http.Request) {
	if reg.opts.BodyTimeout > 0 && r.Body != nil && r.Body != http.NoBody {
		_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(reg.opts.BodyTimeout))
	}
}

// headerAPIVersion is the value of the Docker-Distribution-Api-Version
// header of every answer.
var headerAPIVersion = []string{"registry/2.0"}
