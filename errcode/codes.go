package errcode

import "net/http"

// The codes of the "errcode" group are general conditions that any HTTP API
// built on this package can answer with. The messages are wire values shared
// with distribution: clients compare them, so they never change.
var (
	// ErrorCodeUnknown is the fallback for a failure that no other code
	// describes, and the code given to errors of unregistered codes.
	ErrorCodeUnknown = register("errcode", ErrorDescriptor{
		Value:          "UNKNOWN",
		Message:        "unknown error",
		Description:    "The failure has no more specific code. Servers answer it with 500.",
		HTTPStatusCode: http.StatusInternalServerError,
	})

	// ErrorCodeUnsupported says the registry does not implement the
	// operation, or not with the parameters given.
	ErrorCodeUnsupported = register("errcode", ErrorDescriptor{
		Value:          "UNSUPPORTED",
		Message:        "The operation is unsupported.",
		Description:    "The registry does not offer this operation, or not with these parameters, for example a deletion on a registry configured to refuse deletes.",
		HTTPStatusCode: http.StatusMethodNotAllowed,
	})

	// ErrorCodeUnauthorized says the request lacks valid credentials.
	ErrorCodeUnauthorized = register("errcode", ErrorDescriptor{
		Value:          "UNAUTHORIZED",
		Message:        "authentication required",
		Description:    "The client did not present valid credentials. The response carries a WWW-Authenticate challenge saying how to obtain them.",
		HTTPStatusCode: http.StatusUnauthorized,
	})

	// ErrorCodeDenied says the authenticated client may not do this.
	ErrorCodeDenied = register("errcode", ErrorDescriptor{
		Value:          "DENIED",
		Message:        "requested access to the resource is denied",
		Description:    "The client is known but its credentials do not grant the access this operation needs on the resource.",
		HTTPStatusCode: http.StatusForbidden,
	})

	// ErrorCodeUnavailable says the registry cannot serve the request now.
	ErrorCodeUnavailable = register("errcode", ErrorDescriptor{
		Value:          "UNAVAILABLE",
		Message:        "service unavailable",
		Description:    "The registry, or a service it depends on, is temporarily unable to handle the request; the client may retry later.",
		HTTPStatusCode: http.StatusServiceUnavailable,
	})

	// ErrorCodeTooManyRequests says the client exceeded a rate limit.
	ErrorCodeTooManyRequests = register("errcode", ErrorDescriptor{
		Value:          "TOOMANYREQUESTS",
		Message:        "too many requests",
		Description:    "The client sent more requests than the registry allows in a period. A Retry-After header may say when to try again.",
		HTTPStatusCode: http.StatusTooManyRequests,
	})
)

// registryGroup is the group of the registry API's own codes, named as in
// distribution so that GetErrorCodeGroup answers the same.
const registryGroup = "registry.api.v2"

// The codes of the registry API. Their values and messages are those of the
// Docker Registry HTTP API V2 and the OCI distribution specification.
var (
	// ErrorCodeDigestInvalid says content did not match the digest given
	// for it, or a digest was malformed.
	ErrorCodeDigestInvalid = register(registryGroup, ErrorDescriptor{
		Value:          "DIGEST_INVALID",
		Message:        "provided digest did not match uploaded content",
		Description:    "The digest given for a blob or manifest does not match the bytes received, or is not a well-formed digest. The detail may name the offending digest.",
		HTTPStatusCode: http.StatusBadRequest,
	})

	// ErrorCodeSizeInvalid says the received length differs from the
	// declared one.
	ErrorCodeSizeInvalid = register(registryGroup, ErrorDescriptor{
		Value:          "SIZE_INVALID",
		Message:        "provided length did not match content length",
		Description:    "The number of bytes received differs from the length the client declared for the content.",
		HTTPStatusCode: http.StatusBadRequest,
	})

	// ErrorCodeRangeInvalid says an upload chunk's range does not continue
	// the upload.
	ErrorCodeRangeInvalid = register(registryGroup, ErrorDescriptor{
		Value:          "RANGE_INVALID",
		Message:        "invalid content range",
		Description:    "The Content-Range of an upload chunk is malformed or does not start where the upload currently ends.",
		HTTPStatusCode: http.StatusRequestedRangeNotSatisfiable,
	})

	// ErrorCodeNameInvalid says a repository name is not acceptable.
	ErrorCodeNameInvalid = register(registryGroup, ErrorDescriptor{
		Value:          "NAME_INVALID",
		Message:        "invalid repository name",
		Description:    "The repository name breaks the naming rules (grammar or length), or differs from the name inside a pushed manifest.",
		HTTPStatusCode: http.StatusBadRequest,
	})

	// ErrorCodeTagInvalid says a manifest's tag differs from the tag in the
	// request path.
	ErrorCodeTagInvalid = register(registryGroup, ErrorDescriptor{
		Value:          "TAG_INVALID",
		Message:        "manifest tag did not match URI",
		Description:    "The tag recorded in a pushed manifest differs from the tag in the request path, or the tag is malformed.",
		HTTPStatusCode: http.StatusBadRequest,
	})

	// ErrorCodeNameUnknown says the repository does not exist here.
	ErrorCodeNameUnknown = register(registryGroup, ErrorDescriptor{
		Value:          "NAME_UNKNOWN",
		Message:        "repository name not known to registry",
		Description:    "No repository of this name exists in the registry.",
		HTTPStatusCode: http.StatusNotFound,
	})

	// ErrorCodeManifestUnknown says no manifest answers to the reference.
	ErrorCodeManifestUnknown = register(registryGroup, ErrorDescriptor{
		Value:          "MANIFEST_UNKNOWN",
		Message:        "manifest unknown",
		Description:    "The repository holds no manifest under the requested tag or digest.",
		HTTPStatusCode: http.StatusNotFound,
	})

	// ErrorCodeManifestInvalid says a pushed manifest failed validation.
	ErrorCodeManifestInvalid = register(registryGroup, ErrorDescriptor{
		Value:          "MANIFEST_INVALID",
		Message:        "manifest invalid",
		Description:    "A pushed manifest could not be parsed or failed a validity check that no more specific code covers. The detail may say which check.",
		HTTPStatusCode: http.StatusBadRequest,
	})

	// ErrorCodeManifestUnverified says a signed manifest's signature did
	// not verify.
	ErrorCodeManifestUnverified = register(registryGroup, ErrorDescriptor{
		Value:          "MANIFEST_UNVERIFIED",
		Message:        "manifest failed signature verification",
		Description:    "A pushed manifest carries a signature that does not verify. Only legacy signed manifests have one.",
		HTTPStatusCode: http.StatusBadRequest,
	})

	// ErrorCodeManifestBlobUnknown says a pushed manifest references a blob
	// the repository does not have.
	ErrorCodeManifestBlobUnknown = register(registryGroup, ErrorDescriptor{
		Value:          "MANIFEST_BLOB_UNKNOWN",
		Message:        "blob unknown to registry",
		Description:    "A pushed manifest references a blob (config or layer) that the repository does not hold. The detail may name the digest.",
		HTTPStatusCode: http.StatusBadRequest,
	})

	// ErrorCodeBlobUnknown says the blob does not exist in the repository.
	ErrorCodeBlobUnknown = register(registryGroup, ErrorDescriptor{
		Value:          "BLOB_UNKNOWN",
		Message:        "blob unknown to registry",
		Description:    "The repository holds no blob of the requested digest, whether fetched, deleted or mounted.",
		HTTPStatusCode: http.StatusNotFound,
	})

	// ErrorCodeBlobUploadUnknown says the upload session does not exist.
	ErrorCodeBlobUploadUnknown = register(registryGroup, ErrorDescriptor{
		Value:          "BLOB_UPLOAD_UNKNOWN",
		Message:        "blob upload unknown to registry",
		Description:    "No upload session has this id: it was never started, was cancelled, completed or expired.",
		HTTPStatusCode: http.StatusNotFound,
	})

	// ErrorCodeBlobUploadInvalid says the upload session cannot continue.
	ErrorCodeBlobUploadInvalid = register(registryGroup, ErrorDescriptor{
		Value:          "BLOB_UPLOAD_INVALID",
		Message:        "blob upload invalid",
		Description:    "The upload session exists but has failed and cannot continue; the client should start a new upload.",
		HTTPStatusCode: http.StatusNotFound,
	})

	// ErrorCodePaginationNumberInvalid says the n query parameter is not
	// acceptable.
	ErrorCodePaginationNumberInvalid = register(registryGroup, ErrorDescriptor{
		Value:          "PAGINATION_NUMBER_INVALID",
		Message:        "invalid number of results requested",
		Description:    "The n query parameter is not a non-negative integer, or exceeds the largest page the registry serves.",
		HTTPStatusCode: http.StatusBadRequest,
	})
)
