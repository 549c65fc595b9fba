package memstore

import (
	"context"
	"fmt"
	"iter"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// The iterators read lists that are never changed once made, taken under
// the lock and yielded without it: the loop a caller runs may call the
// store.

// Repositories lists the repositories in lexical order, from the first
// after after.
func (s *Store) Repositories(ctx context.Context, after string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		s.mu.RLock()
		if s.repos == nil {
			s.mu.RUnlock()
			yield("", errClosed)
			return
		}
		names := s.names.get(func() []string { return sortedKeys(s.repos) })
		s.mu.RUnlock()
		yieldAfter(names, after, yield)
	}
}

// Tags lists the tags of repo in lexical order, from the first after
// after.
func (s *Store) Tags(ctx context.Context, repo, after string) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		s.mu.RLock()
		if s.repos == nil {
			s.mu.RUnlock()
			yield("", errClosed)
			return
		}
		rp := s.repos[repo]
		if rp == nil {
			s.mu.RUnlock()
			yield("", fmt.Errorf("%w: no repository %.300q", errcode.ErrorCodeNameUnknown, repo))
			return
		}
		tags := rp.sortedTags.get(func() []string { return sortedKeys(rp.tags) })
		s.mu.RUnlock()
		yieldAfter(tags, after, yield)
	}
}

// yieldAfter yields the names of the sorted list that come after after.
func yieldAfter(list []string, after string, yield func(string, error) bool) {
	i := sort.SearchStrings(list, after)
	if i < len(list) && list[i] == after {
		i++
	}
	for _, name := range list[i:] {
		if !yield(name, nil) {
			return
		}
	}
}

// Referrers lists the manifests of repo whose subject is subject, in
// digest order, from the first after after, of artifactType unless it is
// empty.
func (s *Store) Referrers(ctx context.Context, repo string, subject digest.Digest, artifactType string, after digest.Digest) iter.Seq2[registry.Descriptor, error] {
	return func(yield func(registry.Descriptor, error) bool) {
		s.mu.RLock()
		if s.repos == nil {
			s.mu.RUnlock()
			yield(registry.Descriptor{}, errClosed)
			return
		}
		var list []*manifest
		if rp := s.repos[repo]; rp != nil {
			list = rp.referrers[subject]
		}
		s.mu.RUnlock()
		i := sort.Search(len(list), func(i int) bool { return strings.Compare(string(list[i].desc.Digest), string(after)) > 0 })
		for _, m := range list[i:] {
			if artifactType != "" && m.desc.ArtifactType != artifactType {
				continue
			}
			if !yield(m.desc, nil) {
				return
			}
		}
	}
}

// BlobRepositories lists the repositories that link blob dgst, in lexical
// order.
func (s *Store) BlobRepositories(ctx context.Context, dgst digest.Digest) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		s.mu.RLock()
		if s.repos == nil {
			s.mu.RUnlock()
			yield("", errClosed)
			return
		}
		var holders []string
		if b := s.blobs[dgst]; b != nil {
			names := s.names.get(func() []string { return sortedKeys(s.repos) })
			for _, name := range names {
				if _, ok := s.repos[name].blobs[b]; ok {
					holders = append(holders, name)
					if len(holders) == b.links {
						break
					}
				}
			}
		}
		s.mu.RUnlock()
		for _, name := range holders {
			if !yield(name, nil) {
				return
			}
		}
	}
}
