// Package dirstore keeps a registry in a directory: a registry.Interface
// whose blobs, manifests, tags, referrers and upload sessions are files that
// outlive the process, and that several processes on one host can serve at
// once.
//
// # Layout
//
// Under the directory given to Open:
//
//	blobs/<alg>/<hex>                          content, blobs and manifests alike, once per directory
//	repositories/<name>/_blobs/<alg>/<hex>     empty: the repository links the blob
//	repositories/<name>/_manifests/<alg>/<hex> the manifest's descriptor and subject (JSON): the repository links it
//	repositories/<name>/_tags/<tag>            the digest the tag names
//	repositories/<name>/_referrers/<alg>/<hex>/<alg>-<hex>
//	                                           the descriptor (JSON) of a manifest whose subject is <alg>:<hex>
//	repositories/<name>/_lock                  serialises the repository's manifest and tag changes
//	journal/<name with "/" as "+">             a manifest operation being applied to the repository
//	uploads/<id>/data, state, lock             an upload session: its bytes, its size and sha256
//	                                           state (JSON), and the lock its writer holds
//	lock                                       held shared by every open Store, exclusively by Collect
//
// A repository name's "/" separates directories; the components of a name
// never start with "_" or ".", so they cannot meet the store's own names,
// and the store refuses, whatever the caller checked, any name, tag, digest
// or session id that could name a path outside the directory. The store
// keeps its own records as JSON; a client's manifest is kept as bytes and
// never parsed. A repository exists while it links a blob or a manifest.
// Tags are file names, so a filesystem that folds case is not supported.
//
// # Writes and crashes
//
// Every file the store writes is written under a temporary name beginning
// with "." in the directory of its target, then renamed into place: a
// reader, and a process started after a crash, finds the old file or the
// new one, never a part. Content is verified against its digest before it
// is renamed into blobs/, so a content file, once there, is complete and
// verified; it is written before any link names it. A session's data file
// becomes the blob's content by a rename, without a copy.
//
// A manifest push writes the content, then, holding the repository's lock,
// records the whole operation (the manifest's record, its referrer entry,
// its tags) in the journal with one rename, applies it file by file, and
// removes the entry. The entry's rename is the moment the push happens: a
// process killed before it leaves at most unlinked content, one killed
// after it leaves an entry that is applied again, every step being
// idempotent, by Open, by the next manifest operation on the repository
// (whose lock proves the entry's writer gone), or by the running stores'
// background sweep. A manifest and its tags are so stored together or not
// at all; deleting a manifest with its tags and referrer entry goes through
// the journal too. A session's state is saved when its writer closes; the
// bytes a killed process appended past the saved size are cut when the
// session is resumed.
//
// This holds against a process killed at any moment, SIGKILL included:
// what a process wrote is in the kernel's page cache and survives it. The
// store does not call fsync, so a power loss or a kernel crash may lose or
// tear recent writes; that is out of its scope.
//
// # Several processes
//
// Stores open on one directory, in one process or several on one host, are
// one registry: a Store holds nothing in memory that another could change.
// A session's writer holds flock(2) on the session's lock file, from the
// call that returns it until Close, Commit or Cancel, so that a writer of
// another process waits (under its context) and then finds the session as
// the first left it; manifest and tag changes take the repository's lock.
// Locks die with their process. flock is not reliable on network
// filesystems, which are not supported. On systems without flock
// (Windows) the package builds, with locks that hold only within one Store,
// so that there one Store at a time may use a directory; the store is
// exercised on Unix only.
//
// # Sessions and space
//
// Session ids are 128 random bits in hex. A session idle for longer than
// Options.UploadTTL is removed by the running stores, and a resumed one is
// checked against it; at most Options.MaxUploads sessions may be open in
// the directory. DeleteBlob and DeleteManifest remove links; the content
// stays until Collect, run while no Store has the directory open (the
// command "regapi gc"), removes content no repository links, the temporary
// files of killed processes and idle sessions. The store sets no bound on
// the space it uses.
package dirstore
