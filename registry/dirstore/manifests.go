package dirstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// manifestRecord is the file that links a manifest into a repository: its
// descriptor as pushed, and its subject, so that deleting it finds its
// referrer entry.
type manifestRecord struct {
	registry.Descriptor
	Subject *registry.Descriptor `json:"subject,omitempty"`
}

// journalEntry is one manifest operation on a repository, written to the
// journal before its first change and removed after its last: a process
// that finds it (under the repository's lock, so its writer is gone)
// applies it again. Every step is idempotent.
type journalEntry struct {
	Op         string         `json:"op"` // opPut or opDelete
	Repository string         `json:"repository"`
	Manifest   manifestRecord `json:"manifest"`
	Tags       []string       `json:"tags,omitempty"` // pointed at the manifest, or, for a delete, removed
}

const (
	opPut    = "put"
	opDelete = "delete"
)

// PushManifest stores m in repo and points tags at it, all or none, across
// a crash too: the content is written (content-addressed, so harmless if
// nothing links it), then, under the repository's lock, the operation is
// recorded in the journal, applied (manifest record, referrer entry, tags)
// and removed from the journal.
// Errors: DIGEST_INVALID when m.Content does not match m.Digest, when
// m.Digest is not of an algorithm the store verifies, or when the subject's
// digest is malformed; NAME_INVALID, TAG_INVALID for names that cannot be a
// repository's or a tag.
func (s *Store) PushManifest(ctx context.Context, repo string, m registry.Manifest, tags ...string) (registry.Descriptor, error) {
	if !validRepository(repo) {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeNameInvalid, "%q", repo)
	}
	for _, t := range tags {
		if !validTag(t) {
			return registry.Descriptor{}, codeError(errcode.ErrorCodeTagInvalid, "%q", t)
		}
	}
	h := contentHash(m.Digest)
	if h == nil {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeDigestInvalid, "%q is not a digest the store verifies", m.Digest)
	}
	h.Write(m.Content)
	if got := digest.NewDigest(m.Digest.Algorithm(), h); got != m.Digest {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeDigestInvalid, "content is %s, not %s", got, m.Digest)
	}
	if m.Subject != nil && !validSubjectDigest(m.Subject.Digest) {
		return registry.Descriptor{}, codeError(errcode.ErrorCodeDigestInvalid, "subject %q", m.Subject.Digest)
	}
	desc := m.Descriptor
	desc.Size = int64(len(m.Content))
	target := s.contentPath(m.Digest)
	if ok, err := exists(target); err != nil {
		return registry.Descriptor{}, err
	} else if !ok {
		if err := writeFileAtomic(target, m.Content); err != nil {
			return registry.Descriptor{}, err
		}
	}
	rec := manifestRecord{Descriptor: desc}
	if m.Subject != nil {
		subject := *m.Subject
		rec.Subject = &subject
	}
	err := s.withRepoLock(ctx, repo, func() error {
		return s.run(journalEntry{Op: opPut, Repository: repo, Manifest: rec, Tags: tags})
	})
	if err != nil {
		return registry.Descriptor{}, err
	}
	return desc, nil
}

// withRepoLock runs f holding repo's lock, after completing what a killed
// process left in repo's journal.
func (s *Store) withRepoLock(ctx context.Context, repo string, f func() error) error {
	release, err := s.locks.lockFile(ctx, filepath.Join(s.repoDir(repo), fileRepoLock), lockMode{create: true})
	if err != nil {
		return err
	}
	defer release()
	if err := s.recoverJournal(repo); err != nil {
		return err
	}
	return f()
}

// run applies e, through the journal when it changes more than one file.
// The caller holds the repository's lock.
func (s *Store) run(e journalEntry) error {
	if len(e.Tags) == 0 && e.Manifest.Subject == nil {
		return s.apply(e)
	}
	raw, err := json.Marshal(e)
	if err != nil {
		return err
	}
	path := s.journalPath(e.Repository)
	if err := writeFileAtomic(path, raw); err != nil {
		return err
	}
	if err := s.apply(e); err != nil {
		// The entry stays in the journal: the next operation on the
		// repository, or the next Open, completes it.
		return err
	}
	return os.Remove(path)
}

// recoverJournal applies the entry a killed process left in repo's
// journal, if any, and removes it. The caller holds the repository's lock,
// so the entry's writer is gone.
func (s *Store) recoverJournal(repo string) error {
	path := s.journalPath(repo)
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var e journalEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return fmt.Errorf("journal %s: %w", path, err)
	}
	if e.Repository != repo || !validContentDigest(e.Manifest.Digest) {
		return fmt.Errorf("journal %s: not an entry of %s", path, repo)
	}
	if err := s.apply(e); err != nil {
		return err
	}
	return os.Remove(path)
}

// recoverJournals completes every entry in the journal.
func (s *Store) recoverJournals(ctx context.Context) error {
	names, err := readNames(s.journal)
	if err != nil {
		return err
	}
	for _, name := range names {
		repo := strings.ReplaceAll(name, "+", "/")
		if !validRepository(repo) {
			continue
		}
		if err := s.withRepoLock(ctx, repo, func() error { return nil }); err != nil {
			return err
		}
	}
	return nil
}

// apply makes the changes of e, each of which is a rename or a removal, so
// that applying it again after a crash, at any step, ends the same.
func (s *Store) apply(e journalEntry) error {
	rec := e.Manifest
	dgst := rec.Digest
	var entryPath string
	if rec.Subject != nil && validSubjectDigest(rec.Subject.Digest) {
		entryPath = filepath.Join(s.referrersDir(e.Repository, rec.Subject.Digest), referrerName(dgst))
	}
	switch e.Op {
	case opPut:
		raw, err := json.Marshal(rec)
		if err != nil {
			return err
		}
		if err := writeFileAtomic(s.manifestLinkPath(e.Repository, dgst), raw); err != nil {
			return err
		}
		if entryPath != "" {
			raw, err := json.Marshal(rec.Descriptor)
			if err != nil {
				return err
			}
			if err := writeFileAtomic(entryPath, raw); err != nil {
				return err
			}
		}
		for _, t := range e.Tags {
			if !validTag(t) {
				continue
			}
			if err := writeFileAtomic(s.tagPath(e.Repository, t), []byte(dgst)); err != nil {
				return err
			}
		}
	case opDelete:
		for _, t := range e.Tags {
			if !validTag(t) {
				continue
			}
			if named, err := s.readTag(e.Repository, t); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			} else if named == dgst {
				if err := removeIfExists(s.tagPath(e.Repository, t)); err != nil {
					return err
				}
			}
		}
		if entryPath != "" {
			if err := removeIfExists(entryPath); err != nil {
				return err
			}
		}
		if err := removeIfExists(s.manifestLinkPath(e.Repository, dgst)); err != nil {
			return err
		}
	default:
		return fmt.Errorf("journal: unknown operation %q", e.Op)
	}
	return nil
}

// readTag returns the digest tag names in repo.
func (s *Store) readTag(repo, tag string) (digest.Digest, error) {
	raw, err := os.ReadFile(s.tagPath(repo, tag))
	if err != nil {
		return "", err
	}
	return digest.Digest(bytes.TrimSpace(raw)), nil
}

// readManifestRecord returns the record of manifest dgst in repo;
// fs.ErrNotExist when repo does not hold it.
func (s *Store) readManifestRecord(repo string, dgst digest.Digest) (manifestRecord, error) {
	var rec manifestRecord
	raw, err := os.ReadFile(s.manifestLinkPath(repo, dgst))
	if err != nil {
		return rec, err
	}
	if err := json.Unmarshal(raw, &rec); err != nil {
		return rec, fmt.Errorf("dirstore: manifest record of %s in %s: %w", dgst, repo, err)
	}
	rec.Digest = dgst
	return rec, nil
}

// GetManifest returns the manifest reference names in repo, read from its
// content file.
// Errors: MANIFEST_UNKNOWN (also for an unknown repository).
func (s *Store) GetManifest(ctx context.Context, repo, reference string) (registry.BlobReader, error) {
	desc, err := s.ResolveManifest(ctx, repo, reference)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(s.contentPath(desc.Digest))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, codeError(errcode.ErrorCodeManifestUnknown, "%s: linked in %s but its content is missing", desc.Digest, repo)
	}
	if err != nil {
		return nil, err
	}
	return &fileReader{f: f, src: f, desc: desc}, nil
}

// ResolveManifest describes the manifest reference names in repo from its
// record.
// Errors: MANIFEST_UNKNOWN (also for an unknown repository).
func (s *Store) ResolveManifest(ctx context.Context, repo, reference string) (registry.Descriptor, error) {
	unknown := codeError(errcode.ErrorCodeManifestUnknown, "%s", reference)
	if !validRepository(repo) {
		return registry.Descriptor{}, unknown
	}
	dgst := digest.Digest(reference)
	if !strings.Contains(reference, ":") {
		if !validTag(reference) {
			return registry.Descriptor{}, unknown
		}
		var err error
		if dgst, err = s.readTag(repo, reference); errors.Is(err, fs.ErrNotExist) {
			return registry.Descriptor{}, unknown
		} else if err != nil {
			return registry.Descriptor{}, err
		}
	}
	if !validContentDigest(dgst) {
		return registry.Descriptor{}, unknown
	}
	rec, err := s.readManifestRecord(repo, dgst)
	if errors.Is(err, fs.ErrNotExist) {
		return registry.Descriptor{}, unknown
	}
	if err != nil {
		return registry.Descriptor{}, err
	}
	return rec.Descriptor, nil
}

// DeleteManifest removes manifest dgst from repo with the tags that name
// it and its referrer entry, through the journal. Its content stays until
// Collect finds no repository linking it.
// Errors: MANIFEST_UNKNOWN.
func (s *Store) DeleteManifest(ctx context.Context, repo string, dgst digest.Digest) error {
	unknown := codeError(errcode.ErrorCodeManifestUnknown, "%s", dgst)
	if !validRepository(repo) || !validContentDigest(dgst) {
		return unknown
	}
	if ok, err := exists(s.manifestLinkPath(repo, dgst)); err != nil {
		return err
	} else if !ok {
		return unknown // checked before locking, which would create the repository's directory
	}
	return s.withRepoLock(ctx, repo, func() error {
		rec, err := s.readManifestRecord(repo, dgst)
		if errors.Is(err, fs.ErrNotExist) {
			return unknown
		}
		if err != nil {
			return err
		}
		names, err := readNames(filepath.Join(s.repoDir(repo), dirTags))
		if err != nil {
			return err
		}
		var tags []string
		for _, t := range names {
			if named, err := s.readTag(repo, t); err == nil && named == dgst {
				tags = append(tags, t)
			} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return s.run(journalEntry{Op: opDelete, Repository: repo, Manifest: rec, Tags: tags})
	})
}

// DeleteTag removes tag from repo.
// Errors: MANIFEST_UNKNOWN for a tag that does not exist.
func (s *Store) DeleteTag(ctx context.Context, repo, tag string) error {
	unknown := codeError(errcode.ErrorCodeManifestUnknown, "tag %s", tag)
	if !validRepository(repo) || !validTag(tag) {
		return unknown
	}
	if ok, err := exists(s.tagPath(repo, tag)); err != nil {
		return err
	} else if !ok {
		return unknown // checked before locking, which would create the repository's directory
	}
	return s.withRepoLock(ctx, repo, func() error {
		err := os.Remove(s.tagPath(repo, tag))
		if errors.Is(err, fs.ErrNotExist) {
			return unknown
		}
		return err
	})
}

// readNames returns the names in dir that are not temporary files, sorted;
// none for a missing dir.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	kept := names[:0]
	for _, n := range names {
		if !isTemp(n) {
			kept = append(kept, n)
		}
	}
	slices.Sort(kept)
	return kept, nil
}
