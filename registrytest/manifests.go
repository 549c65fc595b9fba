package registrytest

import (
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
)

// manifestReference splits the reference of a manifest path into a tag or
// a digest.
func manifestReference(ref string) (tag string, dgst digest.Digest, err error) {
	if grammar.IsDigest(ref) {
		dgst, err = parseDigest(ref)
		return "", dgst, err
	}
	if !grammar.IsTag(ref) {
		return "", "", errcode.ErrorCodeTagInvalid.WithDetail(map[string]string{"tag": truncate(ref, 200)})
	}
	return ref, "", nil
}

// serveManifest answers GET and HEAD on a manifest (end-3).
func (reg *Registry) serveManifest(c *request) error {
	tag, dgst, err := manifestReference(c.match.Reference)
	if err != nil {
		return err
	}
	rp, m := reg.store.manifest(c.name, tag, dgst)
	if rp == nil {
		return errcode.ErrorCodeNameUnknown.WithDetail(map[string]string{"name": c.name})
	}
	if m == nil {
		return manifestUnknown(tag, dgst)
	}
	if !reg.acceptable(c.r.Header.Values("Accept"), m.mediaType) {
		// The manifest exists, but not in a type the client reads; the
		// registry converts nothing.
		return errcode.ErrorCodeManifestUnknown.WithMessage("the manifest is not of a media type the Accept header lists").
			WithDetail(map[string]string{"mediaType": m.mediaType})
	}
	h := c.w.Header()
	h.Set("Content-Type", m.mediaType)
	h.Set("Content-Length", strconv.Itoa(len(m.data)))
	h.Set("Docker-Content-Digest", m.digest.String())
	h.Set("ETag", `"`+m.digest.String()+`"`)
	c.w.WriteHeader(http.StatusOK)
	if !c.head() {
		_, _ = c.w.Write(m.data)
	}
	return nil
}

func manifestUnknown(tag string, dgst digest.Digest) error {
	if tag != "" {
		return errcode.ErrorCodeManifestUnknown.WithDetail(map[string]string{"tag": tag})
	}
	return errcode.ErrorCodeManifestUnknown.WithDetail(map[string]string{"digest": dgst.String()})
}

// putManifest stores a manifest (end-7a), by digest with tags (end-7b).
func (reg *Registry) putManifest(c *request) error {
	tag, dgst, err := manifestReference(c.match.Reference)
	if err != nil {
		return err
	}
	contentType := ""
	if ct := c.r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return invalid("Content-Type %q: %v", truncate(ct, 200), err)
		}
		contentType = strings.Clone(mt) // kept as the media type, without the rest of the header
	}

	// The tags the push creates: the one in the path, or those of the
	// query for a push by digest.
	var tags []string
	if tag != "" {
		tags = []string{tag}
	} else if extra := c.query["tag"]; len(extra) > 0 {
		if reg.opts.MaxTagsPerPush > 0 && len(extra) > reg.opts.MaxTagsPerPush {
			return withStatus(http.StatusRequestURITooLong, errcode.ErrorCodeTagInvalid.WithMessage(
				fmt.Sprintf("at most %d tag parameters are accepted", reg.opts.MaxTagsPerPush)))
		}
		// A set, since without a limit the parameters may be tens of
		// thousands; the list keeps the order first given, in which
		// OCI-Tag answers them.
		seen := make(map[string]struct{}, len(extra))
		for _, t := range extra {
			if !grammar.IsTag(t) {
				return errcode.ErrorCodeTagInvalid.WithDetail(map[string]string{"tag": truncate(t, 200)})
			}
			if _, dup := seen[t]; !dup {
				seen[t] = struct{}{}
				tags = append(tags, t)
			}
		}
	}

	body, err := reg.readManifest(c)
	if err != nil {
		return err
	}
	held := int64(len(body)) // reserved by readManifest, until stored
	release := func() { reg.space.release(held) }

	algo := digest.Canonical
	if dgst != "" {
		algo = dgst.Algorithm()
	}
	actual := bytesDigest(algo, body)
	if dgst != "" && actual != dgst {
		release()
		return errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": dgst.String(), "content": actual.String()})
	}
	m, err := reg.rules.parse(body, contentType)
	if err != nil {
		release()
		return err
	}
	m.digest, m.data = actual, body

	if err := reg.store.putManifest(c.name, m, tags, reg.rules, held); err != nil {
		return err
	}

	loc, err := c.urls().BuildManifestURL(canonicalRef{c.name, m.digest})
	if err != nil {
		return err
	}
	h := c.w.Header()
	vs := headerValues(loc, m.digest.String())
	h["Location"], h["Docker-Content-Digest"] = vs[0], vs[1]
	if m.subject != "" {
		h.Set("OCI-Subject", m.subject.String())
	}
	if tag == "" {
		for _, t := range tags {
			h.Add("OCI-Tag", t)
		}
	}
	h["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusCreated)
	return nil
}

// readManifest reads a manifest body of at most MaxManifestSize bytes into
// one slice, reserving its space first. The caller gives the space back
// unless the manifest is stored.
func (reg *Registry) readManifest(c *request) ([]byte, error) {
	limit := reg.opts.MaxManifestSize
	tooLarge := func() error {
		return withStatus(http.StatusRequestEntityTooLarge, errcode.ErrorCodeSizeInvalid.WithMessage(
			fmt.Sprintf("the manifest exceeds the limit of %d bytes", limit)))
	}
	if limit >= 0 && c.r.ContentLength > limit {
		return nil, tooLarge()
	}
	w := newMemWriter(reg.space, limit)
	if _, err := w.readFrom(reg.body(c, nil), limit, c.r.ContentLength); err != nil {
		w.discard()
		if err == errTooLarge {
			return nil, tooLarge()
		}
		if err == errNoSpace {
			return nil, reg.space.full()
		}
		return nil, bodyFailure(c.w, err)
	}
	data, held := w.finish()
	mc := data.(*memContent)
	if len(mc.segs) == 1 && held == mc.n {
		return mc.segs[0], nil
	}
	// Several segments (a body over a megabyte, or of unknown length):
	// one slice is needed to parse it.
	if !reg.space.reserve(mc.n) {
		reg.space.release(held)
		return nil, reg.space.full()
	}
	body := make([]byte, 0, mc.n)
	for _, s := range mc.segs {
		body = append(body, s...)
	}
	reg.space.release(held)
	return body, nil
}

// putManifest stores manifest m in repository name under the tags, after
// checking the blobs and manifests it references, all under the lock so
// that nothing it needs goes meanwhile. held is the space the manifest's
// bytes hold; it is given back whatever happens, but for the bytes the
// stored manifest keeps.
func (s *store) putManifest(name string, m *manifest, tags []string, rules manifestRules, held int64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	rp := s.repos[name]
	if err := rules.checkReferences(s, rp, m); err != nil {
		s.space.release(held)
		return err
	}
	// The manifest's bytes count unless it is there already, and so does
	// the name of every tag that is new.
	if rp != nil && rp.manifests[m.digest] != nil {
		s.space.release(held)
		held = 0
	}
	var cost int64
	for _, t := range tags {
		if rp == nil || rp.tags[t] == "" {
			cost += int64(len(t))
		}
	}
	if !s.space.reserve(cost) {
		s.space.release(held)
		return s.space.full()
	}
	rp = s.repo(name, true)
	if old := rp.manifests[m.digest]; old != nil {
		m = old // the same bytes: keep the stored copy, already a referrer
	} else {
		s.pushes++
		m.seq = s.pushes
		rp.manifests[m.digest] = m
		if m.subject != "" {
			// Appended with the highest number yet, so that the list
			// stays in the order of the numbers.
			rp.referrers[m.subject] = append(rp.referrers[m.subject], m.digest)
		}
	}
	for _, t := range tags {
		if _, moved := rp.tags[t]; !moved {
			rp.sortedTags.clear()
		}
		// Assigning to a key that is there replaces the key too.
		rp.tags[strings.Clone(t)] = m.digest
	}
	return nil
}

// checkReferences checks the blobs and manifests m references against
// repository rp of store s (rp nil when it does not exist; the caller holds
// s.mu): the config and layers of an
// image manifest must be blobs of the repository with the sizes their
// descriptors give, unless they are foreign; the manifests of an index
// must be manifests of the repository when RequireManifestBlobs is set.
// A lenient registry checks only what RequireManifestBlobs asks.
func (rules manifestRules) checkReferences(s *store, rp *repository, m *manifest) error {
	var missing, wrong errcode.Errors
	if !rules.lenient || rules.requireChildren {
		for _, b := range m.blobs {
			if !distributable(b) {
				continue
			}
			have := s.linked(rp, digest.Digest(b.Digest))
			switch {
			case have == nil:
				missing = append(missing, errcode.ErrorCodeManifestBlobUnknown.WithDetail(map[string]string{"digest": b.Digest}))
			case have.data.size() != b.Size && !rules.lenient:
				wrong = append(wrong, errcode.ErrorCodeManifestInvalid.WithDetail(map[string]any{
					"digest": b.Digest, "size": b.Size, "stored size": have.data.size()}))
			}
		}
	}
	if rules.requireChildren {
		for _, child := range m.children {
			if rp == nil || rp.manifests[digest.Digest(child.Digest)] == nil {
				missing = append(missing, errcode.ErrorCodeManifestBlobUnknown.WithDetail(map[string]string{"digest": child.Digest}))
			}
		}
	}
	if len(missing)+len(wrong) > 0 {
		return append(missing, wrong...)
	}
	return nil
}

// deleteManifest removes a tag, or a manifest by digest with every tag
// pointing at it (end-9).
func (reg *Registry) deleteManifest(c *request) error {
	tag, dgst, err := manifestReference(c.match.Reference)
	if err != nil {
		return err
	}
	exists, found := reg.store.deleteManifest(c.name, tag, dgst)
	if !exists {
		return errcode.ErrorCodeNameUnknown.WithDetail(map[string]string{"name": c.name})
	}
	if !found {
		return manifestUnknown(tag, dgst)
	}
	c.w.Header()["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusAccepted)
	return nil
}

// acceptable reports whether Accept header values allow a manifest of
// mediaType: no Accept header allows anything; otherwise one of the listed
// types (parameters ignored, those with q=0 left out) must be */* or equal
// mediaType, or its counterpart when Options.InterchangeableManifestTypes
// is set. The client writes the header, so the items are walked in place:
// a header of many thousand items costs no memory.
func (reg *Registry) acceptable(accept []string, mediaType string) bool {
	listed := false
	for _, value := range accept {
		for rest := value; rest != ""; {
			var item string
			item, rest, _ = strings.Cut(rest, ",")
			mt, params, _ := strings.Cut(item, ";")
			mt = strings.TrimSpace(mt)
			if mt == "" {
				continue
			}
			listed = true
			if refused(params) {
				continue
			}
			if mt == "*/*" || strings.EqualFold(mt, mediaType) ||
				reg.opts.InterchangeableManifestTypes && isCounterpart(mt, mediaType) {
				return true
			}
		}
	}
	return !listed
}

// refused reports whether the parameters of an Accept item give it q=0.
func refused(params string) bool {
	for rest := params; rest != ""; {
		var p string
		p, rest, _ = strings.Cut(rest, ";")
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return err == nil && q == 0
		}
	}
	return false
}

// isCounterpart reports whether the media type an Accept item names, in
// any case, is the counterpart of mediaType.
func isCounterpart(accepted, mediaType string) bool {
	for a, b := range counterpart {
		if b == mediaType && strings.EqualFold(a, accepted) {
			return true
		}
	}
	return false
}

// counterpart maps each Docker schema 2 manifest type to its OCI
// counterpart and back.
var counterpart = map[string]string{
	mediaTypeDockerManifest: mediaTypeOCIManifest,
	mediaTypeOCIManifest:    mediaTypeDockerManifest,
	mediaTypeDockerList:     mediaTypeOCIIndex,
	mediaTypeOCIIndex:       mediaTypeDockerList,
}
