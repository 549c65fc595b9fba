// Package errcode defines registry error codes and the JSON envelope in which
// a registry returns them:
//
//	{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry","detail":...}]}
//
// Every code is registered once, with its wire value, default message,
// documentation and HTTP status, in a process-wide table that callers may
// extend with Register. ServeJSON answers a request with one or more errors;
// Errors decodes a registry's error body.
//
// The API and the bytes written are those of distribution's errcode package,
// so code written for it works unchanged. It differs in two ways: a body
// whose code is not registered here keeps that code (see Error.Value) instead
// of turning it into UNKNOWN, and decoded errors match by code (below).
//
// # Matching errors
//
// Decoded errors match by code, where distribution's do not: errors.Is(err,
// ErrorCodeManifestUnknown) holds when err is, wraps or contains (Errors and
// HTTPError unwrap to their entries) an entry of that code, whether the
// entry was decoded as a bare ErrorCode or as an Error with a message and a
// detail. An entry of a code not registered here matches by its wire value:
// a decoded TAG_IMMUTABLE matches another Error whose Value is TAG_IMMUTABLE,
// and not ErrorCodeUnknown. errors.As(err, &e), for e of type Error, finds
// the first entry, a bare code filled in with its default message.
//
// Targets are ErrorCode values or Error values without a detail. Before it
// calls an Is method, errors.Is compares each error with the target using
// ==, and comparing two Error values whose details hold the same
// uncomparable type, two maps for example, panics; an Error target with a
// detail is therefore matched only by ==, never by code.
package errcode
