package dirstore

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"slices"

	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// Repositories lists the repositories in lexical order, from the first
// after after. A repository exists while it links a blob or a manifest; the
// directories of one that no longer does are not listed.
func (s *Store) Repositories(ctx context.Context, after string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		names, err := s.repositories(ctx)
		if err != nil {
			yield("", err)
			return
		}
		for _, n := range names {
			if n > after && !yield(n, nil) {
				return
			}
		}
	}
}

// repositories returns every repository's name, sorted.
func (s *Store) repositories(ctx context.Context) ([]string, error) {
	var names []string
	var walk func(dir, name string) error
	walk = func(dir, name string) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if name != "" {
			ok, err := s.repoExists(name)
			if err != nil {
				return err
			}
			if ok {
				names = append(names, name)
			}
		}
		for _, e := range entries {
			// Children whose names are no path component are the
			// store's own (_blobs, _lock...) or temporary files.
			if !e.IsDir() || !validRepository(e.Name()) {
				continue
			}
			child := e.Name()
			if name != "" {
				child = name + "/" + child
			}
			if err := walk(filepath.Join(dir, e.Name()), child); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(s.repos, ""); err != nil {
		return nil, err
	}
	slices.Sort(names)
	return names, nil
}

// repoExists reports whether repo links a blob or a manifest.
func (s *Store) repoExists(repo string) (bool, error) {
	dir := s.repoDir(repo)
	for _, kind := range []string{dirBlobs, dirManifests} {
		algs, err := readNames(filepath.Join(dir, kind))
		if err != nil {
			return false, err
		}
		for _, alg := range algs {
			ok, err := hasEntries(filepath.Join(dir, kind, alg))
			if ok || err != nil {
				return ok, err
			}
		}
	}
	return false, nil
}

// Tags lists the tags of repo in lexical order, from the first after after.
// Errors: NAME_UNKNOWN for an unknown repository.
func (s *Store) Tags(ctx context.Context, repo, after string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		ok := validRepository(repo)
		var err error
		if ok {
			ok, err = s.repoExists(repo)
		}
		if err == nil && !ok {
			err = codeError(errcode.ErrorCodeNameUnknown, "%s", repo)
		}
		var names []string
		if err == nil {
			names, err = readNames(filepath.Join(s.repoDir(repo), dirTags))
		}
		if err != nil {
			yield("", err)
			return
		}
		for _, n := range names {
			if n > after && validTag(n) && !yield(n, nil) {
				return
			}
		}
	}
}

// Referrers lists the entries of subject's referrers in repo, in digest
// order, from the first after after, only those of artifactType when it is
// not empty. An unknown repository or subject lists nothing.
func (s *Store) Referrers(ctx context.Context, repo string, subject digest.Digest, artifactType string, after digest.Digest) iter.Seq2[registry.Descriptor, error] {
	return func(yield func(registry.Descriptor, error) bool) {
		if !validRepository(repo) || !validSubjectDigest(subject) {
			return
		}
		dir := s.referrersDir(repo, subject)
		names, err := readNames(dir)
		if err != nil {
			yield(registry.Descriptor{}, err)
			return
		}
		dgsts := make([]digest.Digest, 0, len(names))
		for _, n := range names {
			if d, ok := referrerDigest(n); ok && d > after {
				dgsts = append(dgsts, d)
			}
		}
		slices.Sort(dgsts)
		for _, d := range dgsts {
			if err := ctx.Err(); err != nil {
				yield(registry.Descriptor{}, err)
				return
			}
			raw, err := os.ReadFile(filepath.Join(dir, referrerName(d)))
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted since the listing
			}
			var desc registry.Descriptor
			if err == nil {
				err = json.Unmarshal(raw, &desc)
			}
			if err != nil {
				yield(registry.Descriptor{}, err)
				return
			}
			if artifactType != "" && desc.ArtifactType != artifactType {
				continue
			}
			if !yield(desc, nil) {
				return
			}
		}
	}
}

// BlobRepositories lists the repositories that link blob dgst, in lexical
// order.
func (s *Store) BlobRepositories(ctx context.Context, dgst digest.Digest) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		if !validContentDigest(dgst) {
			return
		}
		names, err := s.repositories(ctx)
		if err != nil {
			yield("", err)
			return
		}
		for _, n := range names {
			ok, err := exists(s.blobLinkPath(n, dgst))
			if err != nil {
				yield("", err)
				return
			}
			if ok && !yield(n, nil) {
				return
			}
		}
	}
}
