// Package registrytest provides a registry that implements the OCI
// distribution specification, for tests of registry clients and for trying
// the API by hand (see "regapi serve").
//
// The registry is package server over a memory store (package
// registry/memstore), or over the store Options.Store names (a directory
// store, package registry/dirstore, keeps the content beyond the process),
// with what only a test registry has around it: users and a token server
// (through server.Options.Authorize), faults and the request log (around
// each request the server matches, through server.Options.Intercept),
// signed blob redirects and Options.BlobDir. The server is built only from
// package regapi: requests are routed by regapi.MatchPath and recognised
// down to their request variant by regapi.MatchRequest, every Location and
// Link header is built with a regapi.URLBuilder derived from the request,
// so that it keeps the path prefix in front of /v2/, and every error is
// answered in one place, in the registry's error envelope.
//
// # A strict registry
//
// Client authors test against this registry to find their own bugs, so by
// default it refuses what the strictest registries refuse, and leniency is
// an option. A manifest push is refused with 400 and the code named when:
//
//   - the body is not one JSON object, or an object in it holds a name
//     twice (MANIFEST_INVALID; parsers disagree on which of the two wins);
//   - the media type, from Content-Type (parameters ignored) or, when it is
//     missing or application/json, from the body's mediaType, is not the OCI
//     image manifest or index, the Docker schema 2 manifest or manifest list,
//     or a type of Options.ManifestMediaTypes (MANIFEST_INVALID);
//   - the body's mediaType differs from Content-Type, or schemaVersion is not
//     2 (MANIFEST_INVALID);
//   - an image manifest carries manifests or lacks a config, or an index
//     carries config or layers or lacks manifests (MANIFEST_INVALID: the type
//     confusion of CVE-2021-41190);
//   - a descriptor has no mediaType, a malformed digest or a negative size
//     (MANIFEST_INVALID);
//   - the config or a layer is not a blob of the repository
//     (MANIFEST_BLOB_UNKNOWN, one entry per missing digest), or is one of
//     another size than its descriptor says (MANIFEST_INVALID). Layers with
//     urls or a non-distributable media type are never required.
//
// An index may name manifests the repository lacks (sparse indexes are
// valid), unless Options.RequireManifestBlobs is set; a subject that does
// not exist is accepted, as the specification requires.
// Options.LenientManifests accepts any JSON object with well-formed
// descriptors instead, as registries that store what they are given do.
//
// # Bounded memory
//
// Request bodies are streamed, hashed as they arrive, and kept in memory
// reserved against Options.MaxStorage (DefaultMaxStorage, 2 GiB, unless
// set; negative for no limit) before a byte is stored: the limit bounds
// what blobs, manifests, tag names, upload sessions and bodies being read
// hold at every moment, so concurrent oversized uploads are refused
// without the registry ever holding more. Memory is taken in segments of at
// most a megabyte, as bytes arrive, so a slow client holds no more than it
// has sent, and counted as taken: near the limit a session may count all
// the space left. A blob's segments are trimmed to its size when it is
// stored where room allows; a blob counts once per repository linking it
// (a mount costs its size) but is held once. A manifest push holds its body
// while the store keeps its copy, so it needs room for both. No lock
// is held while a body is read or a blob written: a slow client delays no
// one else. Large bodies (over 64 KiB, or of unknown length) are read a
// few at a time, one fewer than the processors (Options.MaxBodyReaders),
// so that small requests find a processor free while large blobs are
// pushed; a body whose client makes it wait for bytes (2 ms) gives its
// turn to the next.
//
// An upload session lives while it is used: Options.UploadTTL counts from
// the last byte it received, and a session is never forgotten while a
// request writes to it. Requests to one session take turns: a GET of where
// a session stands waits for a chunk being written to it. A request body that sends nothing for
// Options.BodyTimeout is cut, answered with 408 when the client still
// listens. A chunk cut before its end, by the client going away or by the
// timeout, leaves the bytes that arrived in the session, and Range says so,
// so that the client can resume where the session stands; a chunk that is
// refused (out of order, longer or shorter than its Content-Range, over a
// limit) leaves the session as it was.
//
// # Proxies
//
// Location and Link headers carry the scheme and host the request arrived
// with. Forwarding headers (Forwarded, X-Forwarded-Proto, X-Forwarded-Host)
// replace them only for requests from a peer address inside
// Options.TrustedProxies, only with values those proxies wrote (the headers
// are read from the right, hop by hop, while the recorded addresses stay
// inside the trusted networks), and only with an http or https scheme and a
// well-formed host; by default no proxy is trusted and the headers are
// ignored, so that a client cannot make the registry send others to a host
// of its choosing. A request whose own Host is not a well-formed host name or
// address, or that has none (HTTP/1.0), is answered with relative URLs.
//
// # Faults
//
// A fault makes requests fail on purpose, so that clients can be tested
// against what real registries and networks do. A SPEC is space-separated
// words:
//
//	METHOD TARGET [repo=NAME] KIND [xN]
//
// METHOD is an HTTP method or "*". TARGET is a route name ("blob",
// "manifest", "blob-upload", ... as the regapi.RouteName constants), an OCI
// endpoint ID ("end-2", "end-4a", ...; "end-7" stands for end-7a and
// end-7b alike) or "*". repo=NAME limits the fault to one repository. xN
// makes the fault fire on the next N matching requests (x1 by default).
// KIND is one of:
//
//	status=CODE [retry-after=SECONDS]
//	    answer CODE (any 4xx or 5xx) before the handler runs, so nothing
//	    stored changes; the error envelope carries the first code the
//	    descriptors list for that status on the request's variant,
//	    UNAVAILABLE for 503, TOOMANYREQUESTS for 429 and UNKNOWN otherwise.
//	    Example: GET blob status=503 retry-after=1 x2
//	reset=BYTES
//	    run the handler, then close the connection: before any response
//	    for 0, or after the headers and BYTES bytes of the body.
//	    Example: GET blob reset=65536
//	reset-request=BYTES
//	    close the connection once BYTES bytes of the request body were
//	    read; the handler sees the body cut there, as a client going away
//	    cuts it. Example: PATCH end-5 reset-request=1048576
//	truncate=BYTES
//	    run the handler, announce the full Content-Length and send BYTES
//	    bytes of the body. Example: GET end-2 truncate=100
//	delay=DURATION
//	    run the handler and hold its answer for DURATION (a Go duration).
//	    Example: PUT manifest delay=2s x3
//
// Faults fire only on requests that reached a route and passed
// authentication, in the order they were injected: a request takes the
// first fault that matches it and has firings left. Registry.InjectFault,
// Faults and ClearFaults manage them in a test; "regapi serve -fault SPEC"
// injects them at start, and Options.FaultEndpoint serves
// /_regapi/faults for a test outside the process (POST adds one SPEC a
// line, GET lists, DELETE clears). Without authentication anyone may use
// the endpoint; with Options.Auth, in either mode, it takes only the Basic
// credentials of a user who may push in every repository, and nothing
// else, not even a token: 401 with the challenge Basic realm="<service>"
// without them, 403 for a pull-only or repository-limited user. The
// request log (Registry.Requests)
// records on which request each fault fired.
//
// # Authentication
//
// Options.Auth asks clients for credentials: Basic on every request, or
// bearer tokens from the registry's own token server at /token, whose
// realm is built like Location headers (so trusted proxies apply). Users
// may pull, push and delete, or only pull, in every repository or in those
// User.Repositories names; anonymous pull is an option. A mount without
// from links the blob only from a repository the request may pull: with a
// token, one on which the token's own scopes grant pull (in token mode
// such a mount mostly opens an upload session, 202), with Basic, one the
// user may pull. A mount with from needs pull on from.
// Tokens are signed with a key drawn when the registry is made and expire
// after Auth.TokenTTL; the token server also answers the OAuth2 POST with
// the password and refresh_token grants. The answers follow distribution:
// see Auth.
//
// # What real registries do
//
// Options.ReferrersPageSize pages the referrers list with Link headers;
// manifest GET and HEAD honour Accept (Options.InterchangeableManifestTypes
// lets Docker and OCI types stand for each other); Options.BlobRedirect
// answers blob GETs with 307 to a signed URL on the same server;
// Options.BlobDir keeps blob content in files; Options.Warnings adds
// Warning headers to chosen requests.
//
// # Use in tests
//
// NewServer starts the registry on a loopback port, in the style of
// net/http/httptest:
//
//	srv := registrytest.NewServer(registrytest.Options{})
//	defer srv.Close()
//	resp, err := http.Get(srv.URL + "/v2/")
//
// New returns the registry as an http.Handler for use with any server.
//
// # Behaviour
//
// Content lives in memory (blobs in Options.BlobDir when it is set) and is
// lost when the Registry is garbage collected, unless Options.Store keeps
// it: "regapi serve -root DIR" serves a directory store that outlives the
// process. A Registry is safe for concurrent use; its
// behaviour is set once by Options and never changes afterwards, but for
// the faults a test injects. A method a route does not describe is answered with
// 405 UNSUPPORTED and an Allow header listing those it does.
//
// Repository names are validated against the OCI grammar
// ([a-z0-9]+ components separated by ".", "_", "__" or dashes, joined by
// "/") and a total length of at most 255 characters. A name that fails is
// answered with NAME_INVALID (400) on every endpoint. A path that matches no
// route is answered with 404 and UNSUPPORTED, or NAME_INVALID when the part
// naming the repository is not a valid name.
//
// A repository exists while it holds a blob, a manifest or a tag; it appears
// in the catalog and answers the tags list. Requests naming a repository that
// does not exist get NAME_UNKNOWN (tags list, manifests) or BLOB_UNKNOWN
// (blobs). Upload sessions do not create a repository.
//
// Blobs:
//
//   - GET and HEAD answer 200 with Content-Length, Docker-Content-Digest and
//     Content-Type application/octet-stream. GET honours a single byte range
//     (Range: bytes=a-b, a- or -n) with 206 and Content-Range; a range that
//     cannot be satisfied gets 416 with RANGE_INVALID and Content-Range
//     "bytes */<size>". A Range header that is not a single well-formed byte
//     range is ignored and the whole blob is sent.
//   - POST starts an upload session (202, Location, Docker-Upload-UUID,
//     Range "0-0", OCI-Chunk-Min-Length when Options.ChunkMinLength is set).
//     With ?digest= the body is the whole blob and the answer is 201. With
//     ?mount=<digest>&from=<repo> the blob is linked from the other
//     repository (201); without from, any repository holding the blob that
//     the request may pull is used (see "Authentication") unless
//     Options.DisableAnonymousMount is set. When the blob cannot be mounted
//     a normal session starts (202). ?digest-algorithm= must name
//     an algorithm the registry supports (sha256, sha384 or sha512), else
//     DIGEST_INVALID; the closing digest may use any supported algorithm.
//   - PATCH appends a chunk. With Content-Range "<start>-<end>" the start
//     must equal the bytes received so far and the body must hold exactly
//     end-start+1 bytes; otherwise 416 RANGE_INVALID (or 400 SIZE_INVALID
//     for a length mismatch) is answered and the session is left as it was.
//     A range that would take the blob over Options.MaxBlobSize is refused
//     with 413 SIZE_INVALID before the body is read. Without Content-Range
//     the body is appended as a stream. The answer is 202 with Location,
//     Range "0-<last byte>" and Docker-Upload-UUID. Requests writing to one
//     session take turns: of chunks sent at once for the same place, the
//     first is appended and the others then get 416.
//   - GET on a session answers 204 with Location, Range and
//     Docker-Upload-UUID; the Range of a session with no bytes is "0-0", as
//     distribution answers.
//   - PUT ?digest= closes the session, optionally with a last chunk (which
//     Content-Range, when present, must continue the upload). The content is
//     verified against the digest, whatever its algorithm: a mismatch is
//     DIGEST_INVALID and a missing or malformed digest is DIGEST_INVALID
//     too. Success is 201 with Location and Docker-Content-Digest. A failed
//     close leaves the session open. A close that meets the session closed
//     meanwhile by another request gets BLOB_UPLOAD_UNKNOWN, and one that
//     meets it grown by a chunk gets 416 RANGE_INVALID.
//   - DELETE on a session cancels it (204). Unknown sessions, or sessions
//     addressed through another repository, get BLOB_UPLOAD_UNKNOWN (404).
//   - DELETE on a blob unlinks it from the repository (202); manifests that
//     reference it are kept.
//
// Blobs larger than Options.MaxBlobSize are refused with 413 and
// SIZE_INVALID. Content that would take the registry over
// Options.MaxStorage, including chunks of open sessions, is refused with 403
// DENIED, and the session is left as it was; since a body takes space while
// it is read, a registry that is full refuses even a manifest it holds.
// Sessions that received nothing for Options.UploadTTL (an hour by default)
// are forgotten; at most Options.MaxUploads are open at once (429
// TOOMANYREQUESTS with Retry-After beyond).
//
// Manifests:
//
//   - PUT stores the exact bytes under the digest of the reference when the
//     reference is a digest (the content must match it: DIGEST_INVALID
//     otherwise) or under the sha256 digest of the bytes when it is a tag,
//     which then points at it. The Content-Type of the request, without
//     parameters, is kept and served back; without one the manifest's
//     mediaType field is used. A body that is not a JSON object, has fields
//     of the wrong JSON type or malformed descriptor digests, or whose
//     mediaType disagrees with Content-Type is MANIFEST_INVALID. Bodies over
//     Options.MaxManifestSize get 413 with SIZE_INVALID. What else is
//     refused is listed under "A strict registry".
//   - A PUT by digest may carry tag query parameters: each is validated
//     (TAG_INVALID), more than Options.MaxTagsPerPush are refused with 414,
//     and each accepted tag is listed in its own OCI-Tag response header.
//   - A manifest with a subject field is indexed as a referrer of the
//     subject digest and the response carries OCI-Subject.
//   - GET and HEAD answer by tag or digest with the stored bytes, their
//     Content-Type, Content-Length and Docker-Content-Digest. An Accept
//     header that lists media types, none of them */* or the manifest's,
//     gets 404 MANIFEST_UNKNOWN: manifests are never converted.
//   - DELETE by tag removes the tag; DELETE by digest removes the manifest,
//     every tag pointing at it and its referrer entry (202 both). Unknown
//     ones get MANIFEST_UNKNOWN (404).
//
// Discovery:
//
//   - The tags list and the catalog are sorted. n limits the page size (a
//     value that is not a non-negative integer is PAGINATION_NUMBER_INVALID),
//     last starts after the given entry, and a Link header with rel="next"
//     points to the next page when entries remain. n=0 answers an empty list
//     without Link.
//   - The referrers endpoint answers an OCI image index of the manifests whose
//     subject is the digest, in digest order, each descriptor
//     carrying the manifest's artifactType (or its config media type) and
//     annotations. An artifactType query parameter filters the list and is
//     acknowledged with OCI-Filters-Applied: artifactType. With
//     Options.ReferrersPageSize the pages are cursored by digest: the
//     Link's last is the digest the next page starts after, so that a
//     referrer pushed or deleted meanwhile shifts no page. Unknown
//     repositories and digests give an empty index, never 404.
package registrytest
