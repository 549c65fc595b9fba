package registry

import (
	"context"
	"io"
	"iter"

	"github.com/opencontainers/go-digest"
)

// Interface is what a registry does, as Go calls: a store implements it and
// package server speaks the HTTP protocol over it. Repository names, tags
// and digests reach a store already checked against the API's grammar.
//
// Each method documents the errcode codes it returns; any other error is the
// store failing. A method that returns an iterator reports its errors
// through it, as the second value of a pair after which the iteration ends.
// All methods are safe for concurrent use.
type Interface interface {
	// GetBlob returns the content of blob dgst in repo.
	// Errors: BLOB_UNKNOWN.
	GetBlob(ctx context.Context, repo string, dgst digest.Digest) (BlobReader, error)

	// GetBlobRange returns bytes [start, end) of blob dgst in repo; an end
	// that is negative or past the blob's size reads to its end. The
	// reader's Descriptor().Size is the whole blob's.
	// Errors: BLOB_UNKNOWN; RANGE_INVALID for a start past the blob's end.
	GetBlobRange(ctx context.Context, repo string, dgst digest.Digest, start, end int64) (BlobReader, error)

	// ResolveBlob describes blob dgst in repo without reading it.
	// Errors: BLOB_UNKNOWN.
	ResolveBlob(ctx context.Context, repo string, dgst digest.Digest) (Descriptor, error)

	// PushBlob stores the content r gives as blob desc.Digest in repo,
	// verifying it against desc.Digest and, when desc.Size is not
	// negative, desc.Size. Nothing is stored unless all of it verifies.
	// Errors: DIGEST_INVALID, SIZE_INVALID, DENIED (a full store).
	PushBlob(ctx context.Context, repo string, desc Descriptor, r io.Reader) (Descriptor, error)

	// PushBlobChunked opens an upload session in repo. The session creates
	// no repository: only a blob committed from it does.
	// Errors: DENIED (too many open sessions, or a full store).
	PushBlobChunked(ctx context.Context, repo string) (BlobWriter, error)

	// PushBlobChunkedResume returns a writer for the open session id of
	// repo. With offset negative the writer starts at the session's end;
	// otherwise offset must be the session's size. A session that another
	// writer holds is waited for, under ctx, and then held by this one.
	// Errors: BLOB_UPLOAD_UNKNOWN for an unknown, expired or ended
	// session, or one of another repository; RANGE_INVALID for an offset
	// that is not the session's size.
	PushBlobChunkedResume(ctx context.Context, repo, id string, offset int64) (BlobWriter, error)

	// MountBlob links blob dgst of repository from into repository to,
	// without copying it, and describes it. from is required.
	// Errors: BLOB_UNKNOWN when from does not hold it.
	MountBlob(ctx context.Context, from, to string, dgst digest.Digest) (Descriptor, error)

	// DeleteBlob unlinks blob dgst from repo. Other repositories linking
	// it keep it.
	// Errors: BLOB_UNKNOWN; UNSUPPORTED for a store that does not delete.
	DeleteBlob(ctx context.Context, repo string, dgst digest.Digest) error

	// GetManifest returns the manifest that reference, a tag or a digest,
	// names in repo.
	// Errors: MANIFEST_UNKNOWN (also for an unknown repository).
	GetManifest(ctx context.Context, repo, reference string) (BlobReader, error)

	// ResolveManifest describes the manifest that reference names in
	// repo, without reading it.
	// Errors: MANIFEST_UNKNOWN (also for an unknown repository).
	ResolveManifest(ctx context.Context, repo, reference string) (Descriptor, error)

	// PushManifest stores m in repo and points each of tags at it, all or
	// none: a manifest and its tags are stored together or not at all. A
	// push by tag passes that tag first. Pushing a manifest already held
	// stores nothing again and moves the tags. A manifest with a subject is
	// listed among the subject's referrers from then on.
	// Errors: DIGEST_INVALID when m.Content does not match m.Digest;
	// DENIED (a full store); UNSUPPORTED for a read-only store.
	PushManifest(ctx context.Context, repo string, m Manifest, tags ...string) (Descriptor, error)

	// DeleteManifest deletes manifest dgst from repo, with the tags that
	// point at it and its entry among its subject's referrers.
	// Errors: MANIFEST_UNKNOWN; UNSUPPORTED for a store that does not
	// delete.
	DeleteManifest(ctx context.Context, repo string, dgst digest.Digest) error

	// DeleteTag deletes tag from repo; the manifest it named stays.
	// Errors: MANIFEST_UNKNOWN for a tag that does not exist;
	// UNSUPPORTED for a store that does not delete.
	DeleteTag(ctx context.Context, repo, tag string) error

	// Repositories lists the repositories, in lexical order, from the first
	// name after after ("" for all). A repository exists while it holds a
	// blob or a manifest.
	Repositories(ctx context.Context, after string) iter.Seq2[string, error]

	// Tags lists the tags of repo in lexical order, from the first after
	// after ("" for all).
	// Errors: NAME_UNKNOWN for an unknown repository.
	Tags(ctx context.Context, repo, after string) iter.Seq2[string, error]

	// Referrers lists the manifests in repo whose subject is subject, as
	// descriptors, in digest order, from the first digest after after (""
	// for all). With artifactType not empty only those of that effective
	// artifact type are listed. An unknown repository or subject lists
	// nothing, without an error.
	Referrers(ctx context.Context, repo string, subject digest.Digest, artifactType string, after digest.Digest) iter.Seq2[Descriptor, error]
}
