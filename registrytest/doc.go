// Package registrytest provides an in-memory registry that implements the OCI
// distribution specification, for tests of registry clients and for trying
// the API by hand (see "regapi serve").
//
// The registry is built only from package regapi: requests are routed by
// regapi.MatchPath, with the router of regapi.Router answering the requests
// it refuses (redirects to clean paths, paths matching no route); every
// Location and Link header is built with a regapi.URLBuilder derived from the
// request by regapi.NewURLBuilderFromRequestWithOptions, so that it keeps the
// path prefix in front of /v2/, and every error is answered with
// errcode.ServeJSON in the registry's error envelope.
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
// Content lives in memory and is lost when the Registry is garbage collected.
// A Registry is safe for concurrent use; its behaviour is set once by
// Options and never changes afterwards. There is no authentication: every
// request is allowed.
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
//     repository (201); without from, any repository holding the blob is
//     used unless Options.DisableAnonymousMount is set. When the blob cannot
//     be mounted a normal session starts (202). ?digest-algorithm= must name
//     an algorithm the registry supports (sha256, sha384 or sha512), else
//     DIGEST_INVALID; the closing digest may use any supported algorithm.
//   - PATCH appends a chunk. With Content-Range "<start>-<end>" the start
//     must equal the bytes received so far and the body must hold exactly
//     end-start+1 bytes; otherwise 416 RANGE_INVALID (or 400 SIZE_INVALID
//     for a length mismatch) is answered and the session is left as it was.
//     A range that would take the blob over Options.MaxBlobSize is refused
//     with 413 SIZE_INVALID before the body is read. Without Content-Range
//     the body is appended as a stream. The answer is 202 with Location,
//     Range "0-<last byte>" and Docker-Upload-UUID. Of chunks sent at once
//     for the same place, one is appended and the others get 416.
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
// DENIED, and the session is left as it was. Sessions idle for longer
// than Options.UploadTTL are forgotten; at most Options.MaxUploads are open
// at once (429 TOOMANYREQUESTS beyond).
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
//     Options.MaxManifestSize get 413 with SIZE_INVALID. Blobs and child
//     manifests need not exist unless Options.RequireManifestBlobs is set
//     (MANIFEST_BLOB_UNKNOWN then). Descriptors with urls or a
//     non-distributable media type are never required.
//   - A PUT by digest may carry tag query parameters: each is validated
//     (TAG_INVALID), more than Options.MaxTagsPerPush are refused with 414,
//     and each accepted tag is listed in its own OCI-Tag response header.
//   - A manifest with a subject field is indexed as a referrer of the
//     subject digest and the response carries OCI-Subject.
//   - GET and HEAD answer by tag or digest with the stored bytes, their
//     Content-Type, Content-Length and Docker-Content-Digest. The Accept
//     header is not consulted: manifests are never converted.
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
//     subject is the digest, in the order they were pushed, each descriptor
//     carrying the manifest's artifactType (or its config media type) and
//     annotations. An artifactType query parameter filters the list and is
//     acknowledged with OCI-Filters-Applied: artifactType. Unknown
//     repositories and digests give an empty index, never 404.
package registrytest
