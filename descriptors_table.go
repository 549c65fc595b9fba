package regapi

import (
	"net/http"
	"regexp"
	"sync"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/errcode"
)

// algorithmPattern is the algorithm part of a digest, such as sha512.
const algorithmPattern = `[a-z0-9]+(?:[.+_-][a-z0-9]+)*`

// Example values shared by several parameters.
const (
	exampleDigest = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	exampleUUID   = "6b4f5a1c-0c41-4a59-9d3e-1f2a3b4c5d6e"
)

// parameterRegexps are the validators of the parameters, anchored versions
// of the route patterns. Every table shares them: a compiled regexp is safe
// for concurrent use, and compiling the tag pattern's bounded repetition
// once per table would cost more than the rest of the table.
type parameterRegexps struct {
	name, tag, digest, uuid, algorithm, count, chunkRange, uploadRange *regexp.Regexp
}

// valueRegexps compiles the validators on first use.
var valueRegexps = sync.OnceValue(func() *parameterRegexps {
	return &parameterRegexps{
		name: wholeValue(namePattern),
		tag:  wholeValue(reference.TagRegexp.String()),
		// go-digest compiles this one already.
		digest:      digest.DigestRegexpAnchored,
		uuid:        wholeValue(uuidPattern),
		algorithm:   wholeValue(algorithmPattern),
		count:       wholeValue(`[0-9]+`),
		chunkRange:  wholeValue(`[0-9]+-[0-9]+`),
		uploadRange: wholeValue(`0-[0-9]+`),
	}
})

// wholeValue compiles pattern so that it matches complete values only.
func wholeValue(pattern string) *regexp.Regexp {
	return regexp.MustCompile("^(?:" + pattern + ")$")
}

// withHeaders returns r with headers added after its own.
func withHeaders(r ResponseDescriptor, headers ...ParameterDescriptor) ResponseDescriptor {
	r.Headers = append(append(make([]ParameterDescriptor, 0, len(r.Headers)+len(headers)), r.Headers...), headers...)
	return r
}

// withoutBody returns r as a HEAD request gets it: same status and headers
// and no body. The error codes stay: they name the conditions the status
// stands for, which the matching GET would spell out in its body.
func withoutBody(r ResponseDescriptor) ResponseDescriptor {
	r.Body = BodyDescriptor{}
	return r
}

// optional returns p marked as not required.
func optional(p ParameterDescriptor) ParameterDescriptor {
	p.Required = false
	return p
}

// inPath returns p as a path variable describes it: without a Regexp, since
// the route's path template holds the variable's pattern.
func inPath(p ParameterDescriptor) ParameterDescriptor {
	p.Regexp = nil
	return p
}

// newRouteTable builds the table of routes, in the order the router tries
// them; everything else in the package derives from it. Every call builds a
// new table, sharing nothing a caller could change with another call's, so
// that APIDescriptor, the table the package routes by (built on first use)
// and the copies Descriptors returns are independent.
func newRouteTable() []RouteDescriptor {
	re := valueRegexps()
	var (
		nameValueRegexp      = re.name
		tagValueRegexp       = re.tag
		digestValueRegexp    = re.digest
		uuidValueRegexp      = re.uuid
		algorithmValueRegexp = re.algorithm
		countValueRegexp     = re.count
		chunkRangeRegexp     = re.chunkRange
		uploadRangeRegexp    = re.uploadRange
	)

	// digestParameter describes a required parameter whose value is a digest.
	digestParameter := func(name, description string) ParameterDescriptor {
		return ParameterDescriptor{
			Name:        name,
			Type:        "string",
			Required:    true,
			Format:      digestPattern,
			Regexp:      digestValueRegexp,
			Examples:    []string{exampleDigest},
			Description: description,
		}
	}

	// The path variables. Every request of a route lists the variables of the
	// route's path.
	var (
		namePathParameter = ParameterDescriptor{
			Name:        "name",
			Type:        "string",
			Required:    true,
			Format:      namePattern,
			Examples:    []string{"library/ubuntu", "registry.example.com:5000/team/app"},
			Description: "Repository name: one or more path components of lower-case letters and digits, separated by slashes; within a component, `.`, `_`, `__` or runs of `-` may join the alphanumerics. A leading registry host (with optional port) is accepted. Names longer than 255 characters are refused with `NAME_INVALID`.",
		}

		referencePathParameter = ParameterDescriptor{
			Name:        "reference",
			Type:        "string",
			Required:    true,
			Format:      referencePattern,
			Examples:    []string{"latest", exampleDigest},
			Description: "A tag or the digest of a manifest. A tag is 1 to 128 characters: letters, digits, `_`, `.` and `-`, not starting with `.` or `-`.",
		}

		blobDigestPathParameter = inPath(digestParameter("digest",
			"Digest of the blob, written `<algorithm>:<encoded>`."))

		subjectDigestPathParameter = inPath(digestParameter("digest",
			"Digest of the manifest whose referrers are listed: the manifest that other manifests name in their `subject` field."))

		uuidPathParameter = ParameterDescriptor{
			Name:        "uuid",
			Type:        "string",
			Required:    true,
			Format:      uuidPattern,
			Examples:    []string{exampleUUID},
			Description: "Opaque identifier of an upload session, chosen by the registry. Clients take it from the `Location` of the previous response and never build it themselves.",
		}
	)

	// The query parameters.
	var (
		uploadDigestQueryParameter = digestParameter("digest",
			"Digest of the whole blob (not of the last chunk). The registry checks the received content against it before storing the blob.")

		digestAlgorithmQueryParameter = ParameterDescriptor{
			Name:        "digest-algorithm",
			Type:        "string",
			Required:    true,
			Format:      algorithmPattern,
			Regexp:      algorithmValueRegexp,
			Examples:    []string{"sha512"},
			Description: "Digest algorithm the registry should compute while receiving the upload, for blobs that are not addressed by sha256.",
		}

		mountQueryParameter = digestParameter("mount",
			"Digest of the blob to link into this repository.")

		fromQueryParameter = ParameterDescriptor{
			Name:        "from",
			Type:        "string",
			Required:    true,
			Format:      namePattern,
			Regexp:      nameValueRegexp,
			Examples:    []string{"library/ubuntu"},
			Description: "Repository that already holds the blob.",
		}

		tagQueryParameter = ParameterDescriptor{
			Name:        "tag",
			Type:        "string",
			Required:    true,
			Format:      reference.TagRegexp.String(),
			Regexp:      tagValueRegexp,
			Examples:    []string{"1.2.3", "latest"},
			Repeatable:  true,
			Description: "A tag to point at the pushed manifest. Give the parameter once per tag; registries that offer this accept at least 10 tags in one request.",
		}

		pageSizeQueryParameter = ParameterDescriptor{
			Name:        "n",
			Type:        "integer",
			Format:      "<non-negative integer>",
			Regexp:      countValueRegexp,
			Examples:    []string{"100"},
			Description: "Largest number of entries to return. Zero gives an empty list and no `Link` header. Without it the registry picks the page size (distribution lists every tag, and 100 repositories of the catalog). A negative or non-numeric value is refused with `PAGINATION_NUMBER_INVALID`; a value above the registry's limit is refused the same way or served as a shorter page with a `Link` header.",
		}

		lastTagQueryParameter = ParameterDescriptor{
			Name:        "last",
			Type:        "string",
			Format:      reference.TagRegexp.String(),
			Regexp:      tagValueRegexp,
			Examples:    []string{"v1.0"},
			Description: "A tag; the list starts with the first tag that sorts after it. Usually the last tag of the previous page.",
		}

		lastRepositoryQueryParameter = ParameterDescriptor{
			Name:        "last",
			Type:        "string",
			Format:      namePattern,
			Regexp:      nameValueRegexp,
			Examples:    []string{"library/ubuntu"},
			Description: "A repository name; the list starts with the first name that sorts after it. Usually the last name of the previous page.",
		}

		artifactTypeQueryParameter = ParameterDescriptor{
			Name:        "artifactType",
			Type:        "string",
			Required:    true,
			Format:      "<media type>",
			Examples:    []string{"application/vnd.example.sbom.v1"},
			Description: "Keep only the referrers whose `artifactType` equals this media type. Registries should, but need not, support the filter; the `OCI-Filters-Applied` response header says whether it was applied.",
		}
	)

	// The request headers.
	var (
		hostHeader = ParameterDescriptor{
			Name:        "Host",
			Type:        "string",
			Format:      "<registry host>[:<port>]",
			Examples:    []string{"registry.example.com"},
			Description: "The registry's host, as HTTP requires. Behind a proxy it names the proxy, not the host in the repository name.",
		}

		authorizationHeader = ParameterDescriptor{
			Name:        "Authorization",
			Type:        "string",
			Format:      "<scheme> <credentials>",
			Examples:    []string{"Bearer ZXhhbXBsZSB0b2tlbiwgbm90IGEgcmVhbCBvbmU="},
			Description: "Credentials as RFC 7235 defines them, such as a bearer token obtained by answering the registry's `WWW-Authenticate` challenge. Not needed where anonymous access is allowed.",
		}

		acceptHeader = ParameterDescriptor{
			Name:        "Accept",
			Type:        "string",
			Format:      "<media type>[, <media type>...]",
			Examples:    []string{mediaTypeImageManifest + ", " + mediaTypeImageIndex},
			Description: "The manifest media types the client understands. The registry answers with one of them, or may convert or refuse when it holds the manifest in another type.",
		}

		blobRangeHeader = ParameterDescriptor{
			Name:        "Range",
			Type:        "string",
			Required:    true,
			Format:      "bytes=<start>-<end>",
			Examples:    []string{"bytes=0-1048575"},
			Description: "The byte range of the blob to fetch, as RFC 9110 defines it; both ends are inclusive.",
		}

		manifestContentTypeHeader = ParameterDescriptor{
			Name:        "Content-Type",
			Type:        "string",
			Format:      "<media type of the manifest>",
			Examples:    []string{mediaTypeImageManifest},
			Description: "Media type of the manifest, without parameters. A manifest with a `mediaType` field is pushed with that type, and is fetched with the type it was pushed with.",
		}

		octetStreamContentTypeHeader = ParameterDescriptor{
			Name:        "Content-Type",
			Type:        "string",
			Format:      mediaTypeOctetStream,
			Examples:    []string{mediaTypeOctetStream},
			Description: "Blob content is sent as opaque bytes.",
		}

		blobContentLengthHeader = ParameterDescriptor{
			Name:        "Content-Length",
			Type:        "integer",
			Required:    true,
			Format:      "<size of the blob in bytes>",
			Examples:    []string{"32654"},
			Description: "Size of the request body, which is the whole blob; it must equal the blob's real size.",
		}

		chunkContentLengthHeader = ParameterDescriptor{
			Name:        "Content-Length",
			Type:        "integer",
			Required:    true,
			Format:      "<size of the chunk in bytes>",
			Examples:    []string{"1048576"},
			Description: "Size of the chunk in the body. Every chunk but the last should be at least the `OCI-Chunk-Min-Length` the registry announced.",
		}

		chunkContentRangeHeader = ParameterDescriptor{
			Name:        "Content-Range",
			Type:        "string",
			Required:    true,
			Format:      "<start>-<end>",
			Regexp:      chunkRangeRegexp,
			Examples:    []string{"0-1048575", "1048576-2097151"},
			Description: "Offsets of the chunk's first and last bytes within the blob, both inclusive, without the `bytes ` prefix of RFC 9110. The first chunk starts at 0 and each later one right after the end of the previous one; anything else is refused with 416.",
		}

		// contentLengthZeroHeader is used on requests and responses that carry
		// no body.
		contentLengthZeroHeader = ParameterDescriptor{
			Name:        "Content-Length",
			Type:        "integer",
			Format:      "0",
			Examples:    []string{"0"},
			Description: "Zero: the message has no body.",
		}
	)

	// The response headers.
	var (
		wwwAuthenticateHeader = ParameterDescriptor{
			Name:        "WWW-Authenticate",
			Type:        "string",
			Required:    true,
			Format:      `<scheme> realm="<realm>"[,<parameter>="<value>"...]`,
			Examples:    []string{`Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:library/ubuntu:pull"`},
			Description: "The RFC 7235 challenge telling the client how and where to obtain credentials: for Bearer, the token server (`realm`), the `service` to name to it and the `scope` the request needs, space-separated. A registry should send one challenge per field, with quoted values, as many clients read no more.",
		}

		retryAfterHeader = ParameterDescriptor{
			Name:        "Retry-After",
			Type:        "string",
			Format:      "<seconds> | <HTTP date>",
			Examples:    []string{"30"},
			Description: "How long to wait before sending another request, in seconds or as a date (RFC 9110).",
		}

		warningHeader = ParameterDescriptor{
			Name:        "Warning",
			Type:        "string",
			Format:      `299 - "<text>"`,
			Examples:    []string{`299 - "This repository is deprecated."`},
			Repeatable:  true,
			Description: "An informational message for the user, such as a deprecation notice; it may repeat. The code is always 299 and the agent `-`, with no date, and all warnings together stay within 4096 bytes. Clients show warnings but never act on them.",
		}

		apiVersionHeader = ParameterDescriptor{
			Name:        "Docker-Distribution-API-Version",
			Type:        "string",
			Format:      "registry/2.0",
			Examples:    []string{"registry/2.0"},
			Description: "Legacy marker of the Docker Registry API V2. Optional: clients should not depend on it.",
		}

		bodyLengthHeader = ParameterDescriptor{
			Name:        "Content-Length",
			Type:        "integer",
			Format:      "<size of the body in bytes>",
			Examples:    []string{"1024"},
			Description: "Size of the response body.",
		}

		contentSizeHeader = ParameterDescriptor{
			Name:        "Content-Length",
			Type:        "integer",
			Format:      "<size of the content in bytes>",
			Examples:    []string{"32654"},
			Description: "Size of the manifest or blob. A HEAD response carries it too, though it sends no body.",
		}

		dockerContentDigestHeader = ParameterDescriptor{
			Name:        "Docker-Content-Digest",
			Type:        "string",
			Format:      "<digest>",
			Regexp:      digestValueRegexp,
			Examples:    []string{exampleDigest},
			Description: "Digest of the content the response is about. Clients that use it verify it against the content; its algorithm may differ from the one the client used.",
		}

		referrersContentTypeHeader = ParameterDescriptor{
			Name:        "Content-Type",
			Type:        "string",
			Required:    true,
			Format:      mediaTypeImageIndex,
			Examples:    []string{mediaTypeImageIndex},
			Description: "Always the OCI image index media type.",
		}

		acceptRangesHeader = ParameterDescriptor{
			Name:        "Accept-Ranges",
			Type:        "string",
			Format:      "bytes",
			Examples:    []string{"bytes"},
			Description: "Present when the registry serves byte ranges of the blob.",
		}

		blobContentRangeHeader = ParameterDescriptor{
			Name:        "Content-Range",
			Type:        "string",
			Format:      "bytes <start>-<end>/<size>",
			Examples:    []string{"bytes 0-1048575/32654321"},
			Description: "The range of the blob in the body and the blob's whole size, as RFC 9110 defines it.",
		}

		blobLocationHeader = ParameterDescriptor{
			Name:        "Location",
			Type:        "url",
			Required:    true,
			Format:      "<url of the blob>",
			Examples:    []string{"/v2/library/ubuntu/blobs/" + exampleDigest},
			Description: "Where the stored blob can be fetched. It may be absolute or relative, and may point to another server.",
		}

		redirectLocationHeader = ParameterDescriptor{
			Name:        "Location",
			Type:        "url",
			Required:    true,
			Format:      "<url of the content>",
			Examples:    []string{"https://storage.example.com/blobs/6c3c624b?signature=..."},
			Description: "Where to fetch the blob instead, for example a signed storage URL. Clients must not send their registry `Authorization` header to another host.",
		}

		manifestLocationHeader = ParameterDescriptor{
			Name:        "Location",
			Type:        "url",
			Required:    true,
			Format:      "<url of the manifest>",
			Examples:    []string{"/v2/library/ubuntu/manifests/" + exampleDigest},
			Description: "Where the stored manifest can be fetched.",
		}

		uploadLocationHeader = ParameterDescriptor{
			Name:        "Location",
			Type:        "url",
			Required:    true,
			Format:      "/v2/<name>/blobs/uploads/<uuid>[?<parameters>]",
			Examples:    []string{"/v2/library/ubuntu/blobs/uploads/" + exampleUUID + "?_state=opaque"},
			Description: "Where to send the next request of the upload. Clients use it as given, adding only their own query parameters, because it may change from one response to the next and its query may carry state the registry needs. It may be absolute or relative.",
		}

		uploadRangeHeader = ParameterDescriptor{
			Name:        "Range",
			Type:        "string",
			Required:    true,
			Format:      "0-<end>",
			Regexp:      uploadRangeRegexp,
			Examples:    []string{"0-1048575"},
			Description: "The bytes of the blob received so far: `<end>` is the offset of the last one, so the next chunk starts at `<end>` + 1. Distribution reports `0-0` before any byte has arrived.",
		}

		uploadUUIDHeader = ParameterDescriptor{
			Name:        "Docker-Upload-UUID",
			Type:        "string",
			Format:      "<uuid>",
			Regexp:      uuidValueRegexp,
			Examples:    []string{exampleUUID},
			Description: "Identifier of the upload session (a Docker extension). Clients must not build URLs from it.",
		}

		chunkMinLengthHeader = ParameterDescriptor{
			Name:        "OCI-Chunk-Min-Length",
			Type:        "integer",
			Format:      "<size in bytes>",
			Examples:    []string{"5242880"},
			Description: "Smallest chunk the registry wants in a PATCH, except for the last chunk. Absent when the registry has no minimum.",
		}

		subjectHeader = ParameterDescriptor{
			Name:        "OCI-Subject",
			Type:        "string",
			Format:      "<digest>",
			Regexp:      digestValueRegexp,
			Examples:    []string{exampleDigest},
			Description: "Digest of the manifest's `subject`, sent when the registry processed the field and lists the manifest in the subject's referrers. Without it, a client that pushed a manifest with a subject maintains the referrers tag itself.",
		}

		filtersAppliedHeader = ParameterDescriptor{
			Name:        "OCI-Filters-Applied",
			Type:        "string",
			Format:      "<filter>[,<filter>...]",
			Examples:    []string{"artifactType"},
			Description: "The filters the registry applied to the list, comma separated. Absent when it ignored them, in which case the client filters the list itself.",
		}

		tagHeader = ParameterDescriptor{
			Name:        "OCI-Tag",
			Type:        "string",
			Format:      "<tag>[, <tag>...]",
			Examples:    []string{"1.2.3, 1.2, 1", "latest"},
			Repeatable:  true,
			Description: "The tags the registry created, one value per accepted tag; values may be combined in one header with commas or spread over several headers (RFC 9110 section 5). A tag missing from them was not created.",
		}

		linkHeader = ParameterDescriptor{
			Name:        "Link",
			Type:        "string",
			Format:      `<<url>?n=<n>&last=<last entry>>; rel="next"`,
			Examples:    []string{`</v2/library/ubuntu/tags/list?last=v1.9&n=10>; rel="next"`},
			Description: "Address of the next page (RFC 5988, relation `next`). Present only when more entries follow; clients should follow it rather than build the next query themselves.",
		}
	)

	// errorsBody is the body of every failure that carries error codes.
	errorsBody := BodyDescriptor{ContentType: mediaTypeJSON, Format: errorsBodyFormat}

	// errorResponse describes a failure whose body is the error envelope with
	// one of codes.
	errorResponse := func(status int, name, description string, codes ...errcode.ErrorCode) ResponseDescriptor {
		return ResponseDescriptor{
			Name:        name,
			Description: description,
			StatusCode:  status,
			Headers:     []ParameterDescriptor{bodyLengthHeader},
			ErrorCodes:  codes,
			Body:        errorsBody,
		}
	}

	// The failures any request can meet: missing credentials, refused access and
	// rate limiting.
	var (
		unauthorizedResponse = withHeaders(errorResponse(http.StatusUnauthorized, "Authentication Required",
			"The request carries no credentials, credentials the registry does not accept, or a token without the access the request needs, marked `error=\"insufficient_scope\"` in the challenge. The challenge in `WWW-Authenticate` says how to obtain them; clients fetch a new token after a 401, not after a 403.",
			errcode.ErrorCodeUnauthorized),
			wwwAuthenticateHeader)

		deniedResponse = errorResponse(http.StatusForbidden, "Access Denied",
			"The client is authenticated but may not perform this operation on this repository.",
			errcode.ErrorCodeDenied)

		tooManyRequestsResponse = withHeaders(errorResponse(http.StatusTooManyRequests, "Too Many Requests",
			"The client exceeded the registry's rate limit. `Retry-After` says when to try again.",
			errcode.ErrorCodeTooManyRequests),
			retryAfterHeader)

		internalErrorResponse = errorResponse(http.StatusInternalServerError, "Server Error",
			"The registry failed to handle the request. The client may retry.",
			errcode.ErrorCodeUnknown)

		badGatewayResponse = errorResponse(http.StatusBadGateway, "Bad Gateway",
			"A proxy in front of the registry got no valid answer from it. The body, when a proxy wrote it, may be in any format.",
			errcode.ErrorCodeUnknown, errcode.ErrorCodeUnavailable)

		unavailableResponse = withHeaders(errorResponse(http.StatusServiceUnavailable, "Service Unavailable",
			"The registry, or a proxy in front of it, cannot serve the request now, for example during maintenance or under load. `Retry-After` may say when to try again.",
			errcode.ErrorCodeUnavailable, errcode.ErrorCodeUnknown),
			retryAfterHeader)

		gatewayTimeoutResponse = errorResponse(http.StatusGatewayTimeout, "Gateway Timeout",
			"A proxy in front of the registry gave up waiting for its answer. The body, when a proxy wrote it, may be in any format.",
			errcode.ErrorCodeUnknown, errcode.ErrorCodeUnavailable)

		requestTimeoutResponse = errorResponse(http.StatusRequestTimeout, "Request Timeout",
			"The client stopped sending the request body for longer than the registry waits. An upload session stays usable: the client asks for its status and resumes.",
			errcode.ErrorCodeUnknown)
	)

	// failures returns the given failures followed by the failures every
	// request can meet: 401, 403, 429 and the server errors 500, 502, 503
	// and 504, which a registry or its proxies answer whatever the request.
	failures := func(specific ...ResponseDescriptor) []ResponseDescriptor {
		out := make([]ResponseDescriptor, 0, len(specific)+7)
		out = append(out, specific...)
		return append(out, unauthorizedResponse, deniedResponse, tooManyRequestsResponse,
			internalErrorResponse, badGatewayResponse, unavailableResponse, gatewayTimeoutResponse)
	}

	// bodyFailures is failures for requests with a body, which a registry
	// may stop waiting for: 408 besides the rest.
	bodyFailures := func(specific ...ResponseDescriptor) []ResponseDescriptor {
		return failures(append(specific[:len(specific):len(specific)], requestTimeoutResponse)...)
	}

	// The access each request needs, in the token protocol's scope grammar
	// with the request's values in braces.
	var (
		anyClientScopes = []string{}
		pullScopes      = []string{"repository:{name}:pull"}
		pushScopes      = []string{"repository:{name}:pull,push"}
		deleteScopes    = []string{"repository:{name}:delete"}
		mountScopes     = []string{"repository:{name}:pull,push", "repository:{from}:pull"}
		catalogScopes   = []string{"registry:catalog:*"}
	)

	// headFailures is failures for HEAD requests, whose responses have no body.
	headFailures := func(specific ...ResponseDescriptor) []ResponseDescriptor {
		out := failures(specific...)
		for i := range out {
			out[i] = withoutBody(out[i])
		}
		return out
	}

	// The failures several routes share.
	var (
		repositoryUnknownResponse = errorResponse(http.StatusNotFound, "Repository Unknown",
			"No repository of this name exists in the registry.",
			errcode.ErrorCodeNameUnknown)

		paginationInvalidResponse = errorResponse(http.StatusBadRequest, "Invalid Page Size",
			"The `n` parameter is not a non-negative integer, or exceeds the largest page the registry serves.",
			errcode.ErrorCodePaginationNumberInvalid)

		pushUnsupportedResponse = errorResponse(http.StatusMethodNotAllowed, "Push Not Allowed",
			"The registry does not accept content here, for example because it is a read-only mirror or a pull-through cache.",
			errcode.ErrorCodeUnsupported)

		deleteUnsupportedResponse = errorResponse(http.StatusMethodNotAllowed, "Delete Not Allowed",
			"Deletion is disabled on this registry, or it is a pull-through cache. Some registries answer 400 instead.",
			errcode.ErrorCodeUnsupported)
	)

	// The responses of the manifest route.
	var (
		manifestFoundResponse = ResponseDescriptor{
			Name:        "Manifest",
			Description: "The manifest, byte for byte as it was pushed, in whatever media type it has (OCI image manifest or index, or a Docker manifest type); the shape shown is that of an OCI image manifest. When the reference is a digest the client should check the body against it.",
			StatusCode:  http.StatusOK,
			Headers:     []ParameterDescriptor{dockerContentDigestHeader, manifestContentTypeHeader, contentSizeHeader, warningHeader},
			Body:        BodyDescriptor{ContentType: mediaTypeImageManifest, Format: manifestBodyFormat},
		}

		manifestReferenceInvalidResponse = errorResponse(http.StatusBadRequest, "Invalid Name or Reference",
			"The repository name or the reference is malformed.",
			errcode.ErrorCodeNameInvalid, errcode.ErrorCodeTagInvalid)

		manifestUnknownResponse = errorResponse(http.StatusNotFound, "Manifest Unknown",
			"The repository does not exist, or holds no manifest under this tag or digest.",
			errcode.ErrorCodeNameUnknown, errcode.ErrorCodeManifestUnknown)

		manifestCreatedResponse = ResponseDescriptor{
			Name:        "Manifest Stored",
			Description: "The registry stored the manifest, byte for byte, under the reference.",
			StatusCode:  http.StatusCreated,
			Headers:     []ParameterDescriptor{manifestLocationHeader, dockerContentDigestHeader, subjectHeader, contentLengthZeroHeader, warningHeader},
		}

		manifestInvalidResponse = errorResponse(http.StatusBadRequest, "Invalid Manifest",
			"The manifest was refused; the error codes say why. `MANIFEST_BLOB_UNKNOWN` (`BLOB_UNKNOWN` from older registries) names, one error each, the referenced blobs or manifests the repository lacks; `DIGEST_INVALID` means the body does not match the digest in the path. A manifest whose `subject` is missing is never refused for that reason.",
			errcode.ErrorCodeNameInvalid,
			errcode.ErrorCodeTagInvalid,
			errcode.ErrorCodeDigestInvalid,
			errcode.ErrorCodeManifestInvalid,
			errcode.ErrorCodeManifestUnverified,
			errcode.ErrorCodeManifestBlobUnknown,
			errcode.ErrorCodeBlobUnknown,
		)

		manifestTooLargeResponse = ResponseDescriptor{
			Name:        "Manifest Too Large",
			Description: "The manifest exceeds the largest size the registry accepts. Registries should accept manifests of at least 4 MiB.",
			StatusCode:  http.StatusRequestEntityTooLarge,
		}

		tooManyTagsResponse = ResponseDescriptor{
			Name:        "Too Many Tags",
			Description: "The request names more tags than the registry accepts at once. The client can push fewer tags per request.",
			StatusCode:  http.StatusRequestURITooLong,
		}

		manifestDeletedResponse = ResponseDescriptor{
			Name:        "Deleted",
			Description: "The registry accepted the deletion. Fetching the reference now answers 404.",
			StatusCode:  http.StatusAccepted,
			Headers:     []ParameterDescriptor{contentLengthZeroHeader, warningHeader},
		}

		manifestDeleteInvalidResponse = errorResponse(http.StatusBadRequest, "Delete Refused",
			"The name or reference is malformed, or the registry does not delete this way (some answer 400 rather than 405 when deletion, or deletion by tag, is disabled).",
			errcode.ErrorCodeNameInvalid,
			errcode.ErrorCodeTagInvalid,
			errcode.ErrorCodeDigestInvalid,
			errcode.ErrorCodeUnsupported,
		)
	)

	// The responses of the blob routes.
	var (
		blobFoundResponse = ResponseDescriptor{
			Name:        "Blob",
			Description: "The whole blob. The client should check the body against the digest it asked for.",
			StatusCode:  http.StatusOK,
			Headers:     []ParameterDescriptor{dockerContentDigestHeader, contentSizeHeader, acceptRangesHeader, warningHeader},
			Body:        BodyDescriptor{ContentType: mediaTypeOctetStream, Format: blobBodyFormat},
		}

		blobRedirectResponse = ResponseDescriptor{
			Name:        "Blob Elsewhere",
			Description: "The blob is served from another location, such as a storage service. The client repeats the request there.",
			StatusCode:  http.StatusTemporaryRedirect,
			Headers:     []ParameterDescriptor{redirectLocationHeader, dockerContentDigestHeader},
		}

		blobPartResponse = ResponseDescriptor{
			Name:        "Blob Part",
			Description: "The requested range of the blob.",
			StatusCode:  http.StatusPartialContent,
			Headers:     []ParameterDescriptor{blobContentRangeHeader, bodyLengthHeader, dockerContentDigestHeader, warningHeader},
			Body:        BodyDescriptor{ContentType: mediaTypeOctetStream, Format: chunkBodyFormat},
		}

		blobRangeUnsatisfiableResponse = ResponseDescriptor{
			Name:        "Range Not Satisfiable",
			Description: "The range is malformed or lies outside the blob.",
			StatusCode:  http.StatusRequestedRangeNotSatisfiable,
			Headers:     []ParameterDescriptor{blobContentRangeHeader},
		}

		blobRequestInvalidResponse = errorResponse(http.StatusBadRequest, "Invalid Name or Digest",
			"The repository name or the digest is malformed, or the digest uses an algorithm the registry does not support.",
			errcode.ErrorCodeNameInvalid, errcode.ErrorCodeDigestInvalid)

		blobUnknownResponse = errorResponse(http.StatusNotFound, "Blob Unknown",
			"The repository does not exist, or holds no blob of this digest.",
			errcode.ErrorCodeNameUnknown, errcode.ErrorCodeBlobUnknown)

		blobDeletedResponse = ResponseDescriptor{
			Name:        "Deleted",
			Description: "The registry accepted the deletion of the blob from the repository.",
			StatusCode:  http.StatusAccepted,
			Headers:     []ParameterDescriptor{dockerContentDigestHeader, contentLengthZeroHeader, warningHeader},
		}

		blobDeleteInvalidResponse = errorResponse(http.StatusBadRequest, "Delete Refused",
			"The name or digest is malformed, or the registry does not delete blobs (some answer 400 rather than 405 when deletion is disabled).",
			errcode.ErrorCodeNameInvalid, errcode.ErrorCodeDigestInvalid, errcode.ErrorCodeUnsupported)
	)

	// The responses of the upload routes.
	var (
		blobCreatedResponse = ResponseDescriptor{
			Name:        "Blob Stored",
			Description: "The blob is complete and stored in the repository; `Location` says where to fetch it.",
			StatusCode:  http.StatusCreated,
			Headers:     []ParameterDescriptor{blobLocationHeader, dockerContentDigestHeader, contentLengthZeroHeader, warningHeader},
		}

		uploadStartedResponse = ResponseDescriptor{
			Name:        "Upload Started",
			Description: "An upload session is open and holds no data yet. The client continues at `Location`, with PATCH requests or a closing PUT.",
			StatusCode:  http.StatusAccepted,
			Headers:     []ParameterDescriptor{uploadLocationHeader, optional(uploadRangeHeader), uploadUUIDHeader, chunkMinLengthHeader, contentLengthZeroHeader, warningHeader},
		}

		uploadStartInvalidResponse = errorResponse(http.StatusBadRequest, "Invalid Upload Request",
			"The repository name is malformed, or the `mount` digest is malformed or uses an algorithm the registry does not support.",
			errcode.ErrorCodeNameInvalid, errcode.ErrorCodeDigestInvalid)

		uploadRequestInvalidResponse = errorResponse(http.StatusBadRequest, "Invalid Upload Request",
			"The repository name or a digest is malformed or uses an unsupported algorithm, or the content does not match its digest or declared length.",
			errcode.ErrorCodeNameInvalid, errcode.ErrorCodeDigestInvalid, errcode.ErrorCodeSizeInvalid)

		uploadProgressResponse = ResponseDescriptor{
			Name:        "Upload Progress",
			Description: "The upload session is open. `Range` says how much of the blob it holds and `Location` where to continue.",
			StatusCode:  http.StatusNoContent,
			Headers:     []ParameterDescriptor{uploadLocationHeader, uploadRangeHeader, uploadUUIDHeader, contentLengthZeroHeader, warningHeader},
		}

		chunkAcceptedResponse = ResponseDescriptor{
			Name:        "Chunk Accepted",
			Description: "The data was appended to the upload. `Range` gives the new end and `Location` where to send the next request.",
			StatusCode:  http.StatusAccepted,
			Headers:     []ParameterDescriptor{uploadLocationHeader, uploadRangeHeader, uploadUUIDHeader, contentLengthZeroHeader, warningHeader},
		}

		uploadFailedResponse = errorResponse(http.StatusBadRequest, "Upload Failed",
			"The name is malformed, or the upload session broke and cannot continue; the client starts a new upload.",
			errcode.ErrorCodeNameInvalid, errcode.ErrorCodeDigestInvalid, errcode.ErrorCodeBlobUploadInvalid)

		uploadCompletionInvalidResponse = errorResponse(http.StatusBadRequest, "Upload Not Completed",
			"The content does not match the `digest` parameter or the declared length, the digest is malformed or of an unsupported algorithm, or the session broke. The client starts a new upload.",
			errcode.ErrorCodeNameInvalid,
			errcode.ErrorCodeDigestInvalid,
			errcode.ErrorCodeSizeInvalid,
			errcode.ErrorCodeBlobUploadInvalid,
			errcode.ErrorCodeUnsupported,
		)

		uploadUnknownResponse = errorResponse(http.StatusNotFound, "Upload Unknown",
			"The repository or the upload session does not exist: the session was never opened, or was completed, cancelled or expired. The client starts a new upload.",
			errcode.ErrorCodeNameUnknown, errcode.ErrorCodeBlobUploadUnknown)

		chunkRangeInvalidResponse = withHeaders(errorResponse(http.StatusRequestedRangeNotSatisfiable, "Chunk Out of Order",
			"The `Content-Range` is malformed or does not start right after the last byte received. A GET of the upload says where to resume.",
			errcode.ErrorCodeRangeInvalid),
			optional(uploadLocationHeader), optional(uploadRangeHeader))

		uploadCancelledResponse = ResponseDescriptor{
			Name:        "Upload Cancelled",
			Description: "The session is closed and the data it held released.",
			StatusCode:  http.StatusNoContent,
			Headers:     []ParameterDescriptor{contentLengthZeroHeader, warningHeader},
		}

		mountSourceUnknownResponse = errorResponse(http.StatusNotFound, "Repository or Blob Unknown",
			"The repository does not exist, or the blob to mount is unknown to the source. Registries should rather open an upload session (202) when they cannot mount.",
			errcode.ErrorCodeNameUnknown, errcode.ErrorCodeBlobUnknown)

		cancelUnsupportedResponse = errorResponse(http.StatusMethodNotAllowed, "Cancel Not Supported",
			"The registry does not cancel upload sessions (a request the specification added after 1.1); unfinished sessions expire instead.",
			errcode.ErrorCodeUnsupported)

		uploadCancelInvalidResponse = errorResponse(http.StatusBadRequest, "Cancel Failed",
			"The registry could not cancel the session. The client may ignore this: unfinished sessions expire.",
			errcode.ErrorCodeNameInvalid, errcode.ErrorCodeBlobUploadInvalid)
	)

	// The responses of the listing routes.
	var (
		tagListResponse = ResponseDescriptor{
			Name:        "Tag List",
			Description: "The repository's tags in lexical order. The list may be empty.",
			StatusCode:  http.StatusOK,
			Headers:     []ParameterDescriptor{bodyLengthHeader, warningHeader},
			Body:        BodyDescriptor{ContentType: mediaTypeJSON, Format: tagsBodyFormat},
		}

		catalogResponse = ResponseDescriptor{
			Name:        "Repository List",
			Description: "Repository names in lexical order.",
			StatusCode:  http.StatusOK,
			Headers:     []ParameterDescriptor{bodyLengthHeader, warningHeader},
			Body:        BodyDescriptor{ContentType: mediaTypeJSON, Format: catalogBodyFormat},
		}

		referrersResponse = ResponseDescriptor{
			Name:        "Referrers",
			Description: "An image index listing one descriptor per manifest of the repository whose `subject` is the digest, with its `artifactType` and annotations. The list is empty when nothing refers to the digest, even when no manifest has it.",
			StatusCode:  http.StatusOK,
			Headers:     []ParameterDescriptor{referrersContentTypeHeader, bodyLengthHeader, linkHeader, warningHeader},
			Body:        BodyDescriptor{ContentType: mediaTypeImageIndex, Format: referrersBodyFormat},
		}

		referrersInvalidResponse = errorResponse(http.StatusBadRequest, "Invalid Request",
			"The repository name or the digest is malformed.",
			errcode.ErrorCodeNameInvalid, errcode.ErrorCodeDigestInvalid)

		referrersUnavailableResponse = errorResponse(http.StatusNotFound, "Referrers Unavailable",
			"The repository does not exist, or the registry does not offer the referrers API (a registry that offers it never answers 404 for an existing repository). The client then reads the referrers tag `<algorithm>-<encoded>` instead.",
			errcode.ErrorCodeNameUnknown)
	)

	// Responses built from others.
	var (
		manifestCreatedWithTagsResponse = withHeaders(manifestCreatedResponse, tagHeader)
		tagPageResponse                 = withHeaders(tagListResponse, linkHeader)
		catalogPageResponse             = withHeaders(catalogResponse, linkHeader)
		filteredReferrersResponse       = withHeaders(referrersResponse, filtersAppliedHeader)
	)

	// The path variables of each route.
	var (
		repositoryPath = []ParameterDescriptor{namePathParameter}
		manifestPath   = []ParameterDescriptor{namePathParameter, referencePathParameter}
		blobPath       = []ParameterDescriptor{namePathParameter, blobDigestPathParameter}
		uploadPath     = []ParameterDescriptor{namePathParameter, uuidPathParameter}
		referrersPath  = []ParameterDescriptor{namePathParameter, subjectDigestPathParameter}
	)

	// The request headers most requests send.
	var (
		commonHeaders           = []ParameterDescriptor{hostHeader, authorizationHeader}
		emptyBodyHeaders        = []ParameterDescriptor{hostHeader, authorizationHeader, contentLengthZeroHeader}
		manifestPullHeaders     = []ParameterDescriptor{hostHeader, authorizationHeader, acceptHeader}
		blobBodyHeaders         = []ParameterDescriptor{hostHeader, authorizationHeader, blobContentLengthHeader, octetStreamContentTypeHeader}
		paginationTagParameters = []ParameterDescriptor{pageSizeQueryParameter, lastTagQueryParameter}
	)

	// blobBody is the body of a request that sends a whole blob.
	blobBody := BodyDescriptor{ContentType: mediaTypeOctetStream, Format: blobBodyFormat}

	// routeDescriptors is the table of routes, in the order the router tries
	// them. Everything else in the package derives from it.
	return []RouteDescriptor{
		{
			Name:        RouteNameBase,
			Path:        "/v2/",
			Entity:      "Base",
			Description: "The root of the API. Clients use it to learn whether the server speaks this API and whether, and how, they must authenticate.",
			Methods: []MethodDescriptor{{
				Method:      http.MethodGet,
				Description: "Check that the registry implements the API and that the client's credentials, if any, are accepted.",
				Requests: []RequestDescriptor{{
					Name:        "Check API Support",
					Description: "A request with an empty body. A 200 means the API is available to this client; a 401 carries the authentication challenge to answer.",
					EndpointID:  "end-1",
					Scopes:      anyClientScopes,
					Headers:     commonHeaders,
					Successes: []ResponseDescriptor{{
						Name:        "API Supported",
						Description: "The registry implements the API and the client may use it.",
						StatusCode:  http.StatusOK,
						Headers:     []ParameterDescriptor{apiVersionHeader, warningHeader},
					}},
					Failures: failures(ResponseDescriptor{
						Name:        "API Not Supported",
						Description: "The server does not implement this API.",
						StatusCode:  http.StatusNotFound,
					}),
				}},
			}},
		},
		{
			Name:        RouteNameTags,
			Path:        "/v2/" + pathVar("name", namePattern) + "/tags/list",
			Entity:      "Tags",
			Description: "The tags of a repository.",
			Methods: []MethodDescriptor{{
				Method:      http.MethodGet,
				Description: "List the tags of the repository `name` in lexical order, whole or a page at a time.",
				Requests: []RequestDescriptor{
					{
						Name:           "List Tags",
						Description:    "Ask for every tag of the repository.",
						EndpointID:     "end-8a",
						Scopes:         pullScopes,
						Headers:        commonHeaders,
						PathParameters: repositoryPath,
						Successes:      []ResponseDescriptor{tagListResponse},
						Failures:       failures(repositoryUnknownResponse),
					},
					{
						Name:            "List Tags Paginated",
						Description:     "Ask for at most `n` tags that sort after `last`. The page is shorter than `n` only at the end of the list or when a `Link` header points to the next page; `n=0` returns an empty list without a `Link` header.",
						EndpointID:      "end-8b",
						Scopes:          pullScopes,
						Headers:         commonHeaders,
						PathParameters:  repositoryPath,
						QueryParameters: paginationTagParameters,
						Successes:       []ResponseDescriptor{tagPageResponse},
						Failures:        failures(paginationInvalidResponse, repositoryUnknownResponse),
					},
				},
			}},
		},
		{
			Name:        RouteNameManifest,
			Path:        "/v2/" + pathVar("name", namePattern) + "/manifests/" + pathVar("reference", referencePattern),
			Entity:      "Manifest",
			Description: "A manifest of a repository, addressed by tag or by digest: fetch it, check that it exists, push it, or delete it or its tag.",
			Methods: []MethodDescriptor{
				{
					Method:      http.MethodGet,
					Description: "Fetch the manifest that `reference` names in repository `name`. The `Accept` header lists the media types the client can read.",
					Requests: []RequestDescriptor{{
						Name:           "Fetch Manifest",
						Description:    "Fetch a manifest by tag or by digest.",
						EndpointID:     "end-3",
						Scopes:         pullScopes,
						Headers:        manifestPullHeaders,
						PathParameters: manifestPath,
						Successes:      []ResponseDescriptor{manifestFoundResponse},
						Failures:       failures(manifestReferenceInvalidResponse, manifestUnknownResponse),
					}},
				},
				{
					Method:      http.MethodHead,
					Description: "Check that the manifest exists and learn its digest, size and media type without downloading it.",
					Requests: []RequestDescriptor{{
						Name:           "Check Manifest",
						Description:    "The headers of a manifest fetch, without the body.",
						EndpointID:     "end-3",
						Scopes:         pullScopes,
						Headers:        manifestPullHeaders,
						PathParameters: manifestPath,
						Successes:      []ResponseDescriptor{withoutBody(manifestFoundResponse)},
						Failures:       headFailures(manifestReferenceInvalidResponse, manifestUnknownResponse),
					}},
				},
				{
					Method:      http.MethodPut,
					Description: "Push a manifest under a tag or a digest. The blobs and manifests it references should be pushed first; the manifest named by `subject` need not exist.",
					Requests: []RequestDescriptor{
						{
							Name:           "Push Manifest",
							Description:    "Store the body as the manifest that `reference` names. With a digest reference the body must hash to it; with a tag the tag now points to the pushed manifest.",
							EndpointID:     "end-7a",
							Scopes:         pushScopes,
							Headers:        []ParameterDescriptor{hostHeader, authorizationHeader, manifestContentTypeHeader},
							PathParameters: manifestPath,
							Body:           BodyDescriptor{ContentType: mediaTypeImageManifest, Format: manifestBodyFormat},
							Successes:      []ResponseDescriptor{manifestCreatedResponse},
							Failures:       bodyFailures(manifestInvalidResponse, repositoryUnknownResponse, pushUnsupportedResponse, manifestTooLargeResponse),
						},
						{
							Name:            "Push Manifest with Tags",
							Description:     "Push by digest and point several tags at the manifest in the same request, one `tag` parameter each. Registries need not support this; those that do list every tag they created in `OCI-Tag`.",
							EndpointID:      "end-7b",
							Scopes:          pushScopes,
							Headers:         []ParameterDescriptor{hostHeader, authorizationHeader, manifestContentTypeHeader},
							PathParameters:  manifestPath,
							QueryParameters: []ParameterDescriptor{tagQueryParameter},
							Body:            BodyDescriptor{ContentType: mediaTypeImageManifest, Format: manifestBodyFormat},
							Successes:       []ResponseDescriptor{manifestCreatedWithTagsResponse},
							Failures:        bodyFailures(manifestInvalidResponse, repositoryUnknownResponse, pushUnsupportedResponse, manifestTooLargeResponse, tooManyTagsResponse),
						},
					},
				},
				{
					Method:      http.MethodDelete,
					Description: "Delete a manifest by digest, or remove a tag. Registries may disable either.",
					Requests: []RequestDescriptor{
						{
							Name:           "Delete Manifest",
							Description:    "With a digest reference, delete the manifest and every tag that points to it.",
							EndpointID:     "end-9",
							Scopes:         deleteScopes,
							Headers:        commonHeaders,
							PathParameters: manifestPath,
							Successes:      []ResponseDescriptor{manifestDeletedResponse},
							Failures:       failures(manifestDeleteInvalidResponse, manifestUnknownResponse, deleteUnsupportedResponse),
						},
						{
							Name:           "Delete Tag",
							Description:    "With a tag reference, remove the tag; the manifest stays, reachable by digest.",
							EndpointID:     "end-9",
							Scopes:         deleteScopes,
							Headers:        commonHeaders,
							PathParameters: manifestPath,
							Successes:      []ResponseDescriptor{manifestDeletedResponse},
							Failures:       failures(manifestDeleteInvalidResponse, manifestUnknownResponse, deleteUnsupportedResponse),
						},
					},
				},
			},
		},
		{
			Name:        RouteNameBlob,
			Path:        "/v2/" + pathVar("name", namePattern) + "/blobs/" + pathVar("digest", digestPattern),
			Entity:      "Blob",
			Description: "A blob of a repository, such as a layer or a config, addressed by its digest.",
			Methods: []MethodDescriptor{
				{
					Method:      http.MethodGet,
					Description: "Download the blob, whole or a byte range of it. The registry may redirect to where the content is served.",
					Requests: []RequestDescriptor{
						{
							Name:           "Fetch Blob",
							Description:    "Download the whole blob.",
							EndpointID:     "end-2",
							Scopes:         pullScopes,
							Headers:        commonHeaders,
							PathParameters: blobPath,
							Successes:      []ResponseDescriptor{blobFoundResponse, blobRedirectResponse},
							Failures:       failures(blobRequestInvalidResponse, blobUnknownResponse),
						},
						{
							Name:           "Fetch Blob Part",
							Description:    "Download part of the blob with a `Range` header, for example to resume an interrupted download. A registry that does not serve ranges answers 200 with the whole blob; `Accept-Ranges: bytes` on a HEAD response announces range support.",
							EndpointID:     "end-2",
							Scopes:         pullScopes,
							Headers:        []ParameterDescriptor{hostHeader, authorizationHeader, blobRangeHeader},
							PathParameters: blobPath,
							Successes:      []ResponseDescriptor{blobPartResponse, blobFoundResponse, blobRedirectResponse},
							Failures:       failures(blobRequestInvalidResponse, blobUnknownResponse, blobRangeUnsatisfiableResponse),
						},
					},
				},
				{
					Method:      http.MethodHead,
					Description: "Check that the repository holds the blob and learn its size without downloading it.",
					Requests: []RequestDescriptor{{
						Name:           "Check Blob",
						Description:    "The headers of a blob fetch, without the body.",
						EndpointID:     "end-2",
						Scopes:         pullScopes,
						Headers:        commonHeaders,
						PathParameters: blobPath,
						Successes:      []ResponseDescriptor{withoutBody(blobFoundResponse), blobRedirectResponse},
						Failures:       headFailures(blobRequestInvalidResponse, blobUnknownResponse),
					}},
				},
				{
					Method:      http.MethodDelete,
					Description: "Delete the blob from the repository. Registries may disable deletion.",
					Requests: []RequestDescriptor{{
						Name:           "Delete Blob",
						Description:    "Delete the blob that `digest` names.",
						EndpointID:     "end-10",
						Scopes:         deleteScopes,
						Headers:        commonHeaders,
						PathParameters: blobPath,
						Successes:      []ResponseDescriptor{blobDeletedResponse},
						Failures:       failures(blobDeleteInvalidResponse, blobUnknownResponse, deleteUnsupportedResponse),
					}},
				},
			},
		},
		{
			Name:        RouteNameBlobUpload,
			Path:        "/v2/" + pathVar("name", namePattern) + "/blobs/uploads/",
			Entity:      "Initiate Blob Upload",
			Description: "Where every blob upload begins: open an upload session, push a whole blob in one request, or mount a blob from another repository.",
			Methods: []MethodDescriptor{{
				Method:      http.MethodPost,
				Description: "Start an upload to repository `name`. Without parameters the registry opens a session for PATCH and PUT requests; with `digest` the body is the whole blob; with `mount` the registry links an existing blob instead.",
				Requests: []RequestDescriptor{
					{
						Name:           "Start Upload",
						Description:    "Open an upload session with an empty request. The blob follows in one PUT (a monolithic upload) or in PATCH chunks closed by a PUT.",
						EndpointID:     "end-4a",
						Scopes:         pushScopes,
						Headers:        emptyBodyHeaders,
						PathParameters: repositoryPath,
						Successes:      []ResponseDescriptor{uploadStartedResponse},
						Failures:       failures(uploadStartInvalidResponse, repositoryUnknownResponse, pushUnsupportedResponse),
					},
					{
						Name:            "Upload Blob in One Request",
						Description:     "Send the whole blob as the body, with its digest as a parameter. Registries need not support this: one that does not answers 202 and the client completes the upload with a PUT to `Location`.",
						EndpointID:      "end-4b",
						Scopes:          pushScopes,
						Headers:         blobBodyHeaders,
						PathParameters:  repositoryPath,
						QueryParameters: []ParameterDescriptor{uploadDigestQueryParameter},
						Body:            blobBody,
						Successes:       []ResponseDescriptor{blobCreatedResponse, uploadStartedResponse},
						Failures:        bodyFailures(uploadRequestInvalidResponse, repositoryUnknownResponse, pushUnsupportedResponse),
					},
					{
						Name:            "Start Upload with Digest Algorithm",
						Description:     "Open a session for a blob addressed by another algorithm than sha256, such as sha512. Given also `digest` and the blob as the body, the upload completes at once.",
						EndpointID:      "end-4c",
						Scopes:          pushScopes,
						Headers:         []ParameterDescriptor{hostHeader, authorizationHeader, optional(blobContentLengthHeader), octetStreamContentTypeHeader},
						PathParameters:  repositoryPath,
						QueryParameters: []ParameterDescriptor{digestAlgorithmQueryParameter, optional(uploadDigestQueryParameter)},
						Body:            BodyDescriptor{ContentType: mediaTypeOctetStream, Format: "<blob bytes, only with digest>"},
						Successes:       []ResponseDescriptor{uploadStartedResponse, blobCreatedResponse},
						Failures:        bodyFailures(uploadRequestInvalidResponse, repositoryUnknownResponse, pushUnsupportedResponse),
					},
					{
						Name:            "Mount Blob",
						Description:     "Link a blob that repository `from` holds into this repository, without sending its content. When the registry cannot or will not mount it, it opens an upload session instead (202) and the client uploads the blob.",
						EndpointID:      "end-11",
						Scopes:          mountScopes,
						Headers:         emptyBodyHeaders,
						PathParameters:  repositoryPath,
						QueryParameters: []ParameterDescriptor{mountQueryParameter, fromQueryParameter},
						Successes:       []ResponseDescriptor{blobCreatedResponse, uploadStartedResponse},
						Failures:        failures(uploadStartInvalidResponse, mountSourceUnknownResponse, pushUnsupportedResponse),
					},
					{
						Name:            "Mount Blob from Any Repository",
						Description:     "Mount without naming the source: registries may treat `from` as optional and link the blob when they find it in a repository that the access granted to this request allows it to pull. For a bearer token that access is the scopes in the token, never the account's wider rights, so a token for the target alone finds the blob nowhere else. The scopes listed here cover only the target: the server must check pull on each candidate repository itself (in Go, `auth.Allows` with `repository:<candidate>:pull` against the request's grant) before linking from it. When no repository it may link from holds the blob, the registry opens an upload session (202).",
						EndpointID:      "end-11",
						Scopes:          pushScopes,
						Headers:         emptyBodyHeaders,
						PathParameters:  repositoryPath,
						QueryParameters: []ParameterDescriptor{mountQueryParameter},
						Successes:       []ResponseDescriptor{blobCreatedResponse, uploadStartedResponse},
						Failures:        failures(uploadStartInvalidResponse, mountSourceUnknownResponse, pushUnsupportedResponse),
					},
				},
			}},
		},
		{
			Name:        RouteNameBlobUploadChunk,
			Path:        "/v2/" + pathVar("name", namePattern) + "/blobs/uploads/" + pathVar("uuid", uuidPattern),
			Entity:      "Blob Upload",
			Description: "An open upload session. Clients reach it only through the `Location` of the previous upload response, used as given, and never build its URL.",
			Methods: []MethodDescriptor{
				{
					Method:      http.MethodGet,
					Description: "Report how much of the blob the session holds, to resume an upload, for example after a 416.",
					Requests: []RequestDescriptor{{
						Name:           "Upload Status",
						Description:    "Ask for the session's progress; the next chunk starts right after the end of `Range`.",
						EndpointID:     "end-13",
						Scopes:         pullScopes,
						Headers:        commonHeaders,
						PathParameters: uploadPath,
						Successes:      []ResponseDescriptor{uploadProgressResponse},
						Failures:       failures(uploadFailedResponse, uploadUnknownResponse),
					}},
				},
				{
					Method:      http.MethodPatch,
					Description: "Append a chunk of the blob to the session, in order.",
					Requests: []RequestDescriptor{
						{
							Name:           "Upload Chunk",
							Description:    "Send the next chunk with its `Content-Range`. Chunks go in order, each starting right after the previous one ends.",
							EndpointID:     "end-5",
							Scopes:         pushScopes,
							Headers:        []ParameterDescriptor{hostHeader, authorizationHeader, chunkContentRangeHeader, chunkContentLengthHeader, octetStreamContentTypeHeader},
							PathParameters: uploadPath,
							Body:           BodyDescriptor{ContentType: mediaTypeOctetStream, Format: chunkBodyFormat},
							Successes:      []ResponseDescriptor{chunkAcceptedResponse},
							Failures:       bodyFailures(uploadFailedResponse, uploadUnknownResponse, chunkRangeInvalidResponse),
						},
						{
							Name:           "Stream Upload",
							Description:    "Send data without `Content-Range`; the registry appends it to what the session holds. A Docker extension that OCI registries need not support.",
							EndpointID:     "end-5",
							Scopes:         pushScopes,
							Headers:        []ParameterDescriptor{hostHeader, authorizationHeader, octetStreamContentTypeHeader},
							PathParameters: uploadPath,
							Body:           BodyDescriptor{ContentType: mediaTypeOctetStream, Format: chunkBodyFormat},
							Successes:      []ResponseDescriptor{chunkAcceptedResponse},
							Failures:       bodyFailures(uploadFailedResponse, uploadUnknownResponse),
						},
					},
				},
				{
					Method:      http.MethodPut,
					Description: "Complete the upload: the registry checks the content against `digest` and stores the blob. The body may carry the whole blob or the last chunk.",
					Requests: []RequestDescriptor{
						{
							Name:            "Complete Upload",
							Description:     "The second step of a monolithic upload: send the whole blob to the session that a POST opened.",
							EndpointID:      "end-6",
							Scopes:          pushScopes,
							Headers:         blobBodyHeaders,
							PathParameters:  uploadPath,
							QueryParameters: []ParameterDescriptor{uploadDigestQueryParameter},
							Body:            blobBody,
							Successes:       []ResponseDescriptor{blobCreatedResponse},
							Failures:        bodyFailures(uploadCompletionInvalidResponse, uploadUnknownResponse),
						},
						{
							Name:            "Close Chunked Upload",
							Description:     "Close a chunked upload. The body is empty when every chunk went in a PATCH, or holds the last chunk with its `Content-Range`. `digest` is that of the whole blob.",
							EndpointID:      "end-6",
							Scopes:          pushScopes,
							Headers:         []ParameterDescriptor{hostHeader, authorizationHeader, optional(chunkContentRangeHeader), optional(chunkContentLengthHeader), octetStreamContentTypeHeader},
							PathParameters:  uploadPath,
							QueryParameters: []ParameterDescriptor{uploadDigestQueryParameter},
							Body:            BodyDescriptor{ContentType: mediaTypeOctetStream, Format: "<last chunk bytes, optional>"},
							Successes:       []ResponseDescriptor{blobCreatedResponse},
							Failures:        bodyFailures(uploadCompletionInvalidResponse, uploadUnknownResponse, chunkRangeInvalidResponse),
						},
					},
				},
				{
					Method:      http.MethodDelete,
					Description: "Cancel the upload and release what the session holds. Sessions that are never completed or cancelled expire.",
					Requests: []RequestDescriptor{{
						Name:           "Cancel Upload",
						Description:    "Abandon the session. Clients may ignore a failure: the registry removes stale sessions itself.",
						EndpointID:     "end-14",
						Scopes:         deleteScopes,
						Headers:        emptyBodyHeaders,
						PathParameters: uploadPath,
						Successes:      []ResponseDescriptor{uploadCancelledResponse},
						Failures:       failures(uploadCancelInvalidResponse, uploadUnknownResponse, cancelUnsupportedResponse),
					}},
				},
			},
		},
		{
			Name:        RouteNameCatalog,
			Path:        "/v2/_catalog",
			Entity:      "Catalog",
			Description: "The repositories of the registry, a Docker extension that the OCI specification does not define. It lists only what this registry holds, not what a pull-through cache could fetch, and registries may restrict or disable it.",
			Methods: []MethodDescriptor{{
				Method:      http.MethodGet,
				Description: "List repository names in lexical order, whole or a page at a time.",
				Requests: []RequestDescriptor{
					{
						Name:        "List Repositories",
						Scopes:      catalogScopes,
						Description: "Ask for every repository. The registry may still cut the list short, announcing the rest with a `Link` header.",
						Headers:     commonHeaders,
						Successes:   []ResponseDescriptor{catalogPageResponse},
						Failures:    failures(),
					},
					{
						Name:            "List Repositories Paginated",
						Scopes:          catalogScopes,
						Description:     "Ask for at most `n` names that sort after `last`, and follow the `Link` header for the next page.",
						Headers:         commonHeaders,
						QueryParameters: []ParameterDescriptor{pageSizeQueryParameter, lastRepositoryQueryParameter},
						Successes:       []ResponseDescriptor{catalogPageResponse},
						Failures:        failures(paginationInvalidResponse),
					},
				},
			}},
		},
		{
			Name:        RouteNameReferrers,
			Path:        "/v2/" + pathVar("name", namePattern) + "/referrers/" + pathVar("digest", digestPattern),
			Entity:      "Referrers",
			Description: "The manifests of a repository that refer to a given manifest through their `subject` field, such as signatures and SBOMs (OCI distribution-spec 1.1).",
			Methods: []MethodDescriptor{{
				Method:      http.MethodGet,
				Description: "List the referrers of the manifest `digest` as an OCI image index, optionally only those of one artifact type. Long lists are paged with `Link` headers.",
				Requests: []RequestDescriptor{
					{
						Name:           "List Referrers",
						Description:    "List every referrer of the digest.",
						EndpointID:     "end-12a",
						Scopes:         pullScopes,
						Headers:        commonHeaders,
						PathParameters: referrersPath,
						Successes:      []ResponseDescriptor{referrersResponse},
						Failures:       failures(referrersInvalidResponse, referrersUnavailableResponse),
					},
					{
						Name:            "List Referrers by Artifact Type",
						Description:     "List only the referrers of one artifact type. When the response lacks `OCI-Filters-Applied`, the registry ignored the filter and the client filters the list itself.",
						EndpointID:      "end-12b",
						Scopes:          pullScopes,
						Headers:         commonHeaders,
						PathParameters:  referrersPath,
						QueryParameters: []ParameterDescriptor{artifactTypeQueryParameter},
						Successes:       []ResponseDescriptor{filteredReferrersResponse},
						Failures:        failures(referrersInvalidResponse, referrersUnavailableResponse),
					},
				},
			}},
		},
	}

}
