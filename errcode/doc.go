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
// so code written for it works unchanged. One difference: a body whose code
// is not registered here keeps that code (see Error.Value) instead of turning
// it into UNKNOWN.
package errcode
