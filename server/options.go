package server

import (
	"log"
	"net/http"
	"net/netip"
	"time"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
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

	// DefaultBodyTimeout is how long the server waits by default for the
	// next byte of a request body before it cuts the request.
	DefaultBodyTimeout = 30 * time.Second

	// DefaultMaxMountCandidates is how many repositories holding a blob a
	// mount without from tries by default before it starts an upload.
	DefaultMaxMountCandidates = 100
)

// Options configures a Server. The zero value is a usable configuration
// with the default limits, as strict as the strictest registries.
type Options struct {
	// MaxBlobSize is the largest blob, in bytes, the server accepts;
	// larger uploads are refused with 413. Zero means DefaultMaxBlobSize and
	// a negative value means no limit.
	MaxBlobSize int64

	// MaxManifestSize is the largest manifest, in bytes, the server
	// accepts; larger ones are refused with 413. Zero means
	// DefaultMaxManifestSize and a negative value means no limit.
	MaxManifestSize int64

	// MaxTagsPerPush is the number of tag query parameters a manifest push
	// by digest may carry; more are refused with 414. Zero means
	// DefaultMaxTagsPerPush and a negative value means no limit.
	MaxTagsPerPush int

	// BodyTimeout is how long the server waits for the next byte of a
	// request body. A body that sends nothing for longer is cut: the
	// request is answered with 408 (if the client still listens) and the
	// connection closed, and what an upload session received stays in it,
	// so the client can ask where it stands and resume. Zero means
	// DefaultBodyTimeout and a negative value means no timeout. It needs a
	// connection whose deadlines http.ResponseController can set, as any
	// net/http server's are; handlers called without one wait for ever.
	BodyTimeout time.Duration

	// MaxBodyReaders is how many large request bodies (over 64 KiB, or of
	// unknown length) the server reads at once; the others wait for a
	// turn. A body whose client makes it wait for bytes, or that has been
	// read for a while, lets those waiting go first, so that a slow client
	// holds no one back, and fewer bodies read at once than there are
	// processors leave one for small requests. Zero means one fewer than
	// runtime.GOMAXPROCS at New, and at least one; a negative value means
	// no limit.
	MaxBodyReaders int

	// ChunkMinLength, when positive, is announced in the OCI-Chunk-Min-Length
	// header of the answers that open an upload session. It is advice to
	// clients: chunks of any size are accepted.
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
	// store what they are given behave so; by default the server checks
	// as the strictest registries do (see the package documentation).
	LenientManifests bool

	// ManifestMediaTypes adds media types the server accepts as
	// manifests, besides the OCI image manifest and index and the Docker
	// schema 2 manifest and manifest list. Such manifests must be JSON
	// objects without repeated fields; their descriptors are read where
	// they have the fields of an image manifest or an index. Media types
	// compare without regard to case; a value with parameters, or that is
	// not a media type, matches no Content-Type and is ignored.
	ManifestMediaTypes []string

	// DisableAnonymousMount makes a mount request without a from parameter
	// start a normal upload (202) instead of looking for the blob in the
	// repositories the request may pull (which needs a store that is a
	// registry.BlobLocator).
	DisableAnonymousMount bool

	// MaxMountCandidates bounds how many repositories holding a blob a
	// mount without from tries. Zero means DefaultMaxMountCandidates.
	MaxMountCandidates int

	// InterchangeableManifestTypes lets an Accept header that lists the
	// OCI image manifest (or index) fetch a Docker schema 2 manifest (or
	// manifest list), and the other way round. By default a manifest GET
	// or HEAD whose Accept header lists types, none of them */* or the
	// stored manifest's, is answered with 404 MANIFEST_UNKNOWN.
	InterchangeableManifestTypes bool

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
	// headers (see regapi.NewURLBuilderFromRequestWithOptions). By default
	// no proxy is trusted.
	TrustedProxies []netip.Prefix

	// ForwardingHeaders names the family of forwarding headers the trusted
	// proxies write: Forwarded, X-Forwarded-*, or, by default, Forwarded
	// when a request has it and X-Forwarded-* otherwise.
	ForwardingHeaders regapi.ForwardingHeaders

	// Warnings adds Warning headers (299 - "text") to the answers of
	// chosen requests, as registries announce deprecations.
	Warnings []Warning

	// Authorize, when not nil, decides whether a request may go on. It is
	// called once the request's variant is known (rm), before anything is
	// read from the store, with the access the variant needs (as
	// auth.RequiredFor computes it; empty for the API's base). A mount
	// without from calls it again for each repository it may mount from,
	// with rm the mount's and scopes pull on that repository alone: a
	// refusal there only skips the repository.
	//
	// A nil error lets the request go on. A refusal is answered as any
	// error is: an errcode.HTTPError with its status, its header (the
	// WWW-Authenticate challenges, for example) and its entries; an
	// errcode code (UNAUTHORIZED, DENIED) with the code's status. Without
	// Authorize every request may go on.
	Authorize func(r *http.Request, rm regapi.RequestMatch, scopes []auth.Scope) error

	// Intercept, when not nil, is called for every request that matched a
	// variant (rm), in place of what follows: authorization, the check of
	// the repository name and the variant's handler, which next.ServeHTTP
	// runs. It may call next with w and r or with wrappers of them (a writer that
	// delays or cuts the answer, a request whose body is cut, a request
	// with another context), or answer by itself: a non-nil error it
	// returns is answered as a handler's error is (an errcode.HTTPError
	// gives its status and header), and must then come without a call of
	// next. Test registries inject faults and record requests so; next
	// must be called at most once, before Intercept returns.
	Intercept func(w http.ResponseWriter, r *http.Request, rm regapi.RequestMatch, next http.Handler) error

	// ErrorLog receives the errors of the store that carry no errcode
	// code, which the client is answered 500 UNKNOWN without their text.
	// Nil means log.Default().
	ErrorLog *log.Logger
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
	if opts.BodyTimeout == 0 {
		opts.BodyTimeout = DefaultBodyTimeout
	}
	if opts.MaxBodyReaders == 0 {
		opts.MaxBodyReaders = defaultBodyReaders()
	}
	if opts.MaxMountCandidates <= 0 {
		opts.MaxMountCandidates = DefaultMaxMountCandidates
	}
	if opts.ErrorLog == nil {
		opts.ErrorLog = log.Default()
	}
	return opts
}
