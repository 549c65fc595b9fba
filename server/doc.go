// Package server speaks the registry HTTP API (the OCI distribution
// specification and Docker Registry V2) over a store: any implementation
// of registry.Interface, such as a memory store, a directory, a database or
// object storage.
//
//	srv := server.New(store, server.Options{})
//	http.ListenAndServe("127.0.0.1:5000", srv)
//
// The server holds the protocol and the store holds the bytes. Requests are
// routed by regapi.MatchPath (the router of regapi.Router answers those it
// refuses: redirects to clean paths, paths of no route) and recognised
// down to their request variant by regapi.MatchRequest, which picks the one
// handler of that variant; every Location and Link header is built by a
// regapi.URLBuilder derived from the request, so that it keeps a path
// prefix in front of /v2/. The server keeps no state of the protocol
// between requests: every upload session, blob, manifest and tag lives in
// the store, so that several servers over one shared store are one
// registry.
//
// # Errors
//
// Every error a handler meets is answered in one place, in the registry's
// error envelope with a Content-Length (also for HEAD, which gets no body).
// An error of the store that carries an errcode code, bare, as an
// errcode.Error with a detail, or wrapped with fmt.Errorf's %w, is answered
// with that code's status and that entry's own message and detail, never
// with the text of what wraps it: a store may wrap a file path or a
// database message for its own logs without the client seeing it. An error
// without a code is the store failing: it is answered 500 UNKNOWN with
// neither text nor detail, and written to Options.ErrorLog for the
// operator.
//
// # Access
//
// Options.Authorize is called for every request that matched a variant,
// before anything is read from the store, with the access the variant
// needs (see auth.RequiredFor): pull for reads, pull and push for writes,
// delete for deletes, pull on the source of a mount, registry:catalog:*
// for the catalog. Its refusal is answered as it says: an
// errcode.HTTPError carries the status, the challenges (WWW-Authenticate)
// and the entries; a code such as UNAUTHORIZED or DENIED is answered with
// its status. Without Authorize every request may go on.
//
// # A strict registry
//
// By default the server refuses what the strictest registries refuse. A
// manifest push is refused with 400 and the code named when:
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
//   - the config or a layer is not a blob of the repository, as the store's
//     ResolveBlob says (MANIFEST_BLOB_UNKNOWN, one entry per missing
//     digest), or is one of another size than its descriptor says
//     (MANIFEST_INVALID). Layers with urls or a non-distributable media type
//     are never required.
//
// An index may name manifests the repository lacks (sparse indexes are
// valid), unless Options.RequireManifestBlobs is set; a subject that does
// not exist is accepted, as the specification requires.
// Options.LenientManifests accepts any JSON object with well-formed
// descriptors instead. The server reads a manifest once and hands the store
// a registry.Manifest: the bytes as pushed, the digest (of the algorithm of
// the request's digest, sha256 for a push by tag), the media type, the
// effective artifact type (artifactType, else the config's media type),
// the annotations, the subject and the references. A push by tag passes
// that tag; a push by digest with tag parameters (OCI 1.1) passes them all,
// each once, and the answer lists each in an OCI-Tag header. A manifest
// with a subject is answered with OCI-Subject.
//
// # Blobs
//
// HEAD of a blob asks the store's ResolveBlob only. A GET reads content
// only through GetBlob or, for a single byte range (bytes=a-b, a- or -n),
// GetBlobRange, answered 206 with Content-Range; ResolveBlob is asked for
// the size of a suffix range and of a range the server cannot satisfy
// (416 RANGE_INVALID with Content-Range "bytes */<size>"). A Range header
// that is not a single byte range is ignored. A store that is a
// registry.BlobRedirector sends GETs to its URL with 307.
//
// Uploads: POST opens a session (202, Location, Range "0-0",
// Docker-Upload-UUID, OCI-Chunk-Min-Length when Options.ChunkMinLength is
// set; a store's limit of open sessions, an error matching
// TOOMANYREQUESTS, is answered 429 with Retry-After), or with ?digest= has the store take the body as the whole blob
// (201). PATCH appends a chunk, whose Content-Range, when given, must start
// where the session ends (416 RANGE_INVALID with the session's Location and
// Range otherwise) and whose body must be as long as the range says (400
// SIZE_INVALID); without Content-Range the body is a stream. PUT ?digest=
// closes the session with an optional last chunk, and the store verifies
// the content. GET answers where a session stands (204), DELETE cancels it.
// Requests to one session take turns, through the store
// (PushBlobChunkedResume waits for the writer holding a session): a GET of
// a session's state waits for a chunk being written to it. A chunk that is
// refused (out of order, of the wrong length, over a limit, refused by the
// store) or a close of the wrong digest is taken back where the store can
// (registry.RollbackBlobWriter), leaving the session as it was; a chunk the
// client cut (it went away, or stalled for Options.BodyTimeout) keeps what
// arrived, and Range says so, so that the client can resume.
//
// Mounts: with ?mount=&from= the store links the blob from the other
// repository (201), which the request's access covers: its scopes include
// pull on from. Without from, a store that is a registry.BlobLocator names
// the repositories holding the blob, and the server mounts from the first
// that Options.Authorize lets the request pull. When nothing can be mounted
// an ordinary session starts (202).
//
// # Manifests
//
// GET and HEAD of a manifest ask the store's GetManifest and
// ResolveManifest; DELETE its DeleteTag or DeleteManifest. When the store
// answers MANIFEST_UNKNOWN, which it answers for an unknown repository
// too, the server asks Tags whether the repository is known, and answers
// NAME_UNKNOWN when it is not.
//
// # Listings
//
// The tags list and the catalog are read from the store's iterators: n
// limits a page (a value that is not a non-negative integer is
// PAGINATION_NUMBER_INVALID), last starts after the given entry, and a Link
// header with rel="next" names the next page when entries remain; n=0 is an
// empty list without Link. The referrers endpoint answers an OCI image
// index of the store's referrers, in digest order; artifactType filters it
// (OCI-Filters-Applied: artifactType), and Options.ReferrersPageSize pages
// it, the Link's last being the digest the next page starts after. An
// unknown repository or subject has no referrers, never 404.
//
// # Limits
//
// Blobs over Options.MaxBlobSize and manifests over Options.MaxManifestSize
// are refused with 413 SIZE_INVALID, before the body is read when its
// length is announced; more tag parameters than Options.MaxTagsPerPush with
// 414. A manifest body is buffered to be read, its space reserved as it
// grows where the store is a registry.SpaceReserver, so that the store's
// bound holds bodies being read too. A request body that sends nothing for
// Options.BodyTimeout is cut: 408 if the client still listens, and the
// connection closed. Large bodies (over 64 KiB, or of unknown length) are
// read a few at a time (Options.MaxBodyReaders), so that small requests find
// a processor free while large blobs are pushed.
//
// # Proxies
//
// Location and Link headers carry the scheme and host the request arrived
// with. Forwarding headers replace them only for requests from a peer
// inside Options.TrustedProxies, only with values those proxies wrote, and
// only with an http or https scheme and a well-formed host (see
// regapi.NewURLBuilderFromRequestWithOptions). A request whose Host is not
// a well-formed host, or that has none, is answered with relative URLs, as
// every request is with Options.RelativeURLs.
//
// # Names and methods
//
// Repository names are checked against the grammar (NAME_INVALID, 400, on
// every endpoint); a path of no route is 404 UNSUPPORTED, or NAME_INVALID
// when the part naming the repository is not a name; a method a route does
// not describe is 405 UNSUPPORTED with an Allow header listing those it
// does.
package server
