// Package memstore is a registry.Interface that keeps everything in memory,
// for tests, for registries whose content may go with the process, and as
// the store beneath a test registry.
//
// Blob content is kept once however many repositories link it, in segments
// of at most a megabyte that are never grown, so that no byte is copied to
// make room. Every byte is counted against Options.MaxStorage before it is
// taken: blobs, manifests, tag names, the bytes of open upload sessions and
// what a server reserves through Reserve for the bodies it buffers, so the
// bound holds at every moment. A session is hashed with sha256 as it
// arrives, and a commit of a sha256 digest reads nothing again; its hash
// state is saved when a writer takes the session, so that Rollback restores
// it without hashing again either.
//
// What is not counted is small beside what is: the names of repositories,
// a repository's links (a word each), descriptors, and the memory of a
// deleted blob that readers still hold.
package memstore
