package memstore

import "fmt"

// checkAccounting recomputes from what the store holds the bytes it counts
// against MaxStorage, and compares them with its count: each blob's
// memory once (and its size again for each link beyond the first with
// CountEachLink), manifests, tag names, sessions' memory and reservations. It also checks
// each blob's count of links and that no empty repository is kept.
func (s *Store) checkAccounting() error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var used int64
	for d, b := range s.blobs {
		links := 0
		for _, rp := range s.repos {
			if _, ok := rp.blobs[b]; ok {
				links++
			}
		}
		if links != b.links || links == 0 {
			return fmt.Errorf("blob %s counts %d links; %d repositories link it", d, b.links, links)
		}
		if b.data.n != b.desc.Size {
			return fmt.Errorf("blob %s of %d bytes holds %d", d, b.desc.Size, b.data.n)
		}
		used += b.data.held
		if s.opts.CountEachLink {
			used += int64(links-1) * b.desc.Size
		}
	}
	for name, rp := range s.repos {
		if len(rp.blobs) == 0 && len(rp.manifests) == 0 {
			return fmt.Errorf("empty repository %q kept", name)
		}
		for b := range rp.blobs {
			if s.blobs[b.desc.Digest] != b {
				return fmt.Errorf("repository %q links a blob the store no longer holds", name)
			}
		}
		for _, m := range rp.manifests {
			used += int64(len(m.content))
		}
		for t, m := range rp.tags {
			used += int64(len(t))
			if rp.manifests[m.desc.Digest] != m {
				return fmt.Errorf("tag %q of %q names a manifest the repository no longer holds", t, name)
			}
		}
	}
	s.sessions.mu.Lock()
	for _, ses := range s.sessions.byID {
		used += ses.data.held
	}
	s.sessions.mu.Unlock()
	used += s.reserved.Load()
	if got := s.space.used.Load(); got != used {
		return fmt.Errorf("the store counts %d bytes; it holds %d", got, used)
	}
	return nil
}
