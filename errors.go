package regapi

import "github.com/regapi/regapi/errcode"

// The registry API's error codes, exported here under the names the
// registry/api/v2 package of distribution v2.8 used, for code written against
// that layout. Each is the same value as its namesake in package errcode,
// where all twenty registered codes live.
var (
	// ErrorCodeDigestInvalid means: content did not match its digest, or a digest
	// was malformed.
	ErrorCodeDigestInvalid = errcode.ErrorCodeDigestInvalid

	// ErrorCodeSizeInvalid means: the received length differs from the declared
	// length.
	ErrorCodeSizeInvalid = errcode.ErrorCodeSizeInvalid

	// ErrorCodeRangeInvalid means: an upload chunk's range does not continue the
	// upload.
	ErrorCodeRangeInvalid = errcode.ErrorCodeRangeInvalid

	// ErrorCodeNameInvalid means: the repository name is not acceptable.
	ErrorCodeNameInvalid = errcode.ErrorCodeNameInvalid

	// ErrorCodeTagInvalid means: a manifest's tag differs from the tag in the path.
	ErrorCodeTagInvalid = errcode.ErrorCodeTagInvalid

	// ErrorCodeNameUnknown means: the repository does not exist.
	ErrorCodeNameUnknown = errcode.ErrorCodeNameUnknown

	// ErrorCodeManifestUnknown means: no manifest answers to the reference.
	ErrorCodeManifestUnknown = errcode.ErrorCodeManifestUnknown

	// ErrorCodeManifestInvalid means: a pushed manifest failed validation.
	ErrorCodeManifestInvalid = errcode.ErrorCodeManifestInvalid

	// ErrorCodeManifestUnverified means: a signed manifest's signature did not
	// verify.
	ErrorCodeManifestUnverified = errcode.ErrorCodeManifestUnverified

	// ErrorCodeManifestBlobUnknown means: a pushed manifest references a blob the
	// repository lacks.
	ErrorCodeManifestBlobUnknown = errcode.ErrorCodeManifestBlobUnknown

	// ErrorCodeBlobUnknown means: the blob does not exist in the repository.
	ErrorCodeBlobUnknown = errcode.ErrorCodeBlobUnknown

	// ErrorCodeBlobUploadUnknown means: the upload session does not exist.
	ErrorCodeBlobUploadUnknown = errcode.ErrorCodeBlobUploadUnknown

	// ErrorCodeBlobUploadInvalid means: the upload session cannot continue.
	ErrorCodeBlobUploadInvalid = errcode.ErrorCodeBlobUploadInvalid

	// ErrorCodePaginationNumberInvalid means: the n query parameter is not
	// acceptable.
	ErrorCodePaginationNumberInvalid = errcode.ErrorCodePaginationNumberInvalid
)
