package server

import (
	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/reply"
)

// mountBlob links a blob from another repository (end-11), or opens a
// session when there is nothing to mount. With from, the store mounts from
// that repository, which the request's access covers (its scopes include
// pull on from). Without from, and unless Options.DisableAnonymousMount is
// set, a store that is a registry.BlobLocator names the repositories
// holding the blob, and the server tries, in turn, those that
// Options.Authorize lets the request pull.
func (s *Server) mountBlob(c *request) error {
	dgst, err := parseDigest(c.query.Get("mount"))
	if err != nil {
		return err
	}
	if from, hasFrom := c.query["from"]; hasFrom {
		if !grammar.IsRepository(from[0]) {
			return errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"from": reply.Truncate(from[0], 300)})
		}
		_, err := s.store.MountBlob(c.r.Context(), from[0], c.name, dgst)
		switch {
		case err == nil:
			return s.serveBlobCreated(c, dgst)
		case !notHeld(err):
			return err
		}
		return s.startUpload(c)
	}
	if !s.opts.DisableAnonymousMount && s.locator != nil {
		mounted, err := s.mountFromAny(c, dgst)
		if err != nil {
			return err
		}
		if mounted {
			return s.serveBlobCreated(c, dgst)
		}
	}
	return s.startUpload(c)
}

// notHeld reports whether a mount failed because the source does not hold
// the blob: the mount becomes an upload.
func notHeld(err error) bool {
	return isCode(err, errcode.ErrorCodeBlobUnknown) || isCode(err, errcode.ErrorCodeNameUnknown)
}

// mountFromAny mounts dgst into the request's repository from the first
// repository holding it that the request may pull, trying at most
// Options.MaxMountCandidates of them. The candidates are listed before any
// is mounted, so that no mount runs while the store lists.
func (s *Server) mountFromAny(c *request, dgst digest.Digest) (bool, error) {
	ctx := c.r.Context()
	var candidates []string
	for repo, err := range s.locator.BlobRepositories(ctx, dgst) {
		if err != nil {
			return false, err
		}
		candidates = append(candidates, repo)
		if len(candidates) == s.opts.MaxMountCandidates {
			break
		}
	}
	for _, repo := range candidates {
		if !s.mayPull(c, repo) {
			continue
		}
		_, err := s.store.MountBlob(ctx, repo, c.name, dgst)
		switch {
		case err == nil:
			return true, nil
		case !notHeld(err):
			return false, err
		}
	}
	return false, nil
}

// mayPull reports whether Options.Authorize lets the request pull from
// repo: always without a hook.
func (s *Server) mayPull(c *request, repo string) bool {
	if s.opts.Authorize == nil {
		return true
	}
	if !grammar.IsRepository(repo) {
		return false
	}
	scopes := []auth.Scope{{Type: "repository", Name: repo, Actions: []string{"pull"}}}
	return s.opts.Authorize(c.r, c.match, scopes) == nil
}
