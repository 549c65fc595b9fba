// Package registry says what a container registry does, as Go calls: the
// Interface a store implements so that package server can speak the whole
// HTTP protocol over it, and the optional interfaces through which a store
// offers more.
//
// A store keeps bytes. It never sees HTTP and never parses JSON: the server
// checks a manifest and hands the store a Manifest whose subject and
// references it has already read. Every error a store returns for a
// condition of the protocol is an errcode code, returned as the code itself
// or as an errcode.Error, possibly wrapped with a detail of the store's
// own, so that errors.Is(err, errcode.ErrorCodeBlobUnknown) holds at every
// layer. The codes a store uses are
//
//   - errcode.ErrorCodeBlobUnknown: no such blob in the repository;
//   - errcode.ErrorCodeBlobUploadUnknown: no such upload session (unknown,
//     expired, ended, or another repository's);
//   - errcode.ErrorCodeManifestUnknown: no such manifest or tag;
//   - errcode.ErrorCodeNameUnknown: no such repository;
//   - errcode.ErrorCodeDigestInvalid: content that does not match its digest,
//     or a digest of an algorithm the store does not verify;
//   - errcode.ErrorCodeSizeInvalid: content that does not match its size;
//   - errcode.ErrorCodeRangeInvalid: an upload resumed at an offset that is
//     not the session's size (a writer that waited for another writer of the
//     same session finds it moved on), or a blob range starting past its end;
//   - errcode.ErrorCodeUnsupported: an operation the store does not do, such
//     as deleting from a read-only store;
//   - errcode.ErrorCodeDenied: a store full to its limit, or a limit of open
//     sessions reached (a store may also match errcode.ErrorCodeTooManyRequests
//     for the latter, which the server then answers 429, as for a client that
//     should come back later).
//
// Any other error is the store failing (a disk error, a lost connection): the
// server answers it 500 UNKNOWN, without its text, and logs it for the
// operator.
//
// Interface will not grow: a method added to it would break every store
// written against it. What a store may do beyond it is declared here as an
// optional interface (BlobRedirector, BlobLocator, RollbackBlobWriter,
// SpaceReserver), which the server looks for with a type assertion.
package registry
