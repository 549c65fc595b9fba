package server

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/manifest"
	"github.com/regapi/regapi/internal/reply"
	"github.com/regapi/regapi/registry"
)

// manifestReference splits the reference of a manifest path into a tag or
// a digest.
func manifestReference(ref string) (tag string, dgst digest.Digest, err error) {
	if grammar.IsDigest(ref) {
		dgst, err = parseDigest(ref)
		return "", dgst, err
	}
	if !grammar.IsTag(ref) {
		return "", "", errcode.ErrorCodeTagInvalid.WithDetail(map[string]string{"tag": reply.Truncate(ref, 200)})
	}
	return ref, "", nil
}

// serveManifest answers GET and HEAD on a manifest (end-3): HEAD through
// ResolveManifest, GET through GetManifest.
func (s *Server) serveManifest(c *request) error {
	if _, _, err := manifestReference(c.match.Reference); err != nil {
		return err
	}
	ctx := c.r.Context()
	var desc registry.Descriptor
	var rd registry.BlobReader
	if c.head() {
		d, err := s.store.ResolveManifest(ctx, c.name, c.match.Reference)
		if err != nil {
			return s.orNameUnknown(c, err)
		}
		desc = d
	} else {
		r, err := s.store.GetManifest(ctx, c.name, c.match.Reference)
		if err != nil {
			return s.orNameUnknown(c, err)
		}
		defer r.Close()
		rd, desc = r, r.Descriptor()
	}
	if !s.acceptable(c.r.Header.Values("Accept"), desc.MediaType) {
		// The manifest exists, but not in a type the client reads; the
		// server converts nothing.
		return errcode.ErrorCodeManifestUnknown.WithMessage("the manifest is not of a media type the Accept header lists").
			WithDetail(map[string]string{"mediaType": desc.MediaType})
	}
	h := c.w.Header()
	etag, length := etagAndLength(desc.Digest, desc.Size)
	vs := headerValues(desc.MediaType, desc.Digest.String(), etag, length)
	h["Content-Type"], h["Docker-Content-Digest"], h["Etag"], h["Content-Length"] = vs[0], vs[1], vs[2], vs[3]
	c.w.WriteHeader(http.StatusOK)
	if rd != nil {
		s.copyContent(c, rd, desc.Size)
	}
	return nil
}

// putManifest checks a manifest and has the store keep it (end-7a), by
// digest with tags (end-7b).
func (s *Server) putManifest(c *request) error {
	tag, dgst, err := manifestReference(c.match.Reference)
	if err != nil {
		return err
	}
	contentType := ""
	if ct := c.r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			return manifest.Invalid("Content-Type %q: %v", reply.Truncate(ct, 200), err)
		}
		contentType = mt
	}
	tags, err := s.pushTags(c, tag)
	if err != nil {
		return err
	}

	body, release, err := s.readManifest(c)
	if err != nil {
		return err
	}
	defer release()

	algo := digest.Canonical
	if dgst != "" {
		algo = dgst.Algorithm()
	}
	actual := algo.FromBytes(body)
	if dgst != "" && actual != dgst {
		return errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": dgst.String(), "content": actual.String()})
	}
	parsed, err := s.rules.Parse(body, contentType)
	if err != nil {
		return err
	}
	if err := s.checkReferences(c, parsed); err != nil {
		return err
	}
	m := registry.Manifest{
		Descriptor: registry.Descriptor{
			MediaType:    parsed.MediaType,
			Digest:       actual,
			Size:         int64(len(body)),
			ArtifactType: parsed.ArtifactType,
			Annotations:  parsed.Annotations,
		},
		Content:    body,
		References: make([]registry.Descriptor, 0, len(parsed.Blobs)+len(parsed.Children)),
	}
	if parsed.Subject != nil {
		sd := storeDescriptor(*parsed.Subject)
		m.Subject = &sd
	}
	for _, d := range parsed.Blobs {
		m.References = append(m.References, storeDescriptor(d))
	}
	for _, d := range parsed.Children {
		m.References = append(m.References, storeDescriptor(d))
	}
	if _, err := s.store.PushManifest(c.r.Context(), c.name, m, tags...); err != nil {
		return err
	}

	loc, err := c.urls().BuildManifestURL(canonicalRef{c.name, actual})
	if err != nil {
		return err
	}
	h := c.w.Header()
	vs := headerValues(loc, actual.String())
	h["Location"], h["Docker-Content-Digest"] = vs[0], vs[1]
	if m.Subject != nil {
		h.Set("OCI-Subject", m.Subject.Digest.String())
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

// storeDescriptor converts a descriptor the manifest reader checked.
func storeDescriptor(d manifest.Descriptor) registry.Descriptor {
	return registry.Descriptor{MediaType: d.MediaType, Digest: digest.Digest(d.Digest), Size: d.Size,
		ArtifactType: d.ArtifactType, Annotations: d.Annotations}
}

// pushTags returns the tags a push creates: the one in the path, or those
// of the query for a push by digest, each once, in the order first given
// (in which OCI-Tag answers them).
func (s *Server) pushTags(c *request, tag string) ([]string, error) {
	if tag != "" {
		return []string{tag}, nil
	}
	extra := c.query["tag"]
	if len(extra) == 0 {
		return nil, nil
	}
	if s.opts.MaxTagsPerPush > 0 && len(extra) > s.opts.MaxTagsPerPush {
		return nil, reply.WithStatus(http.StatusRequestURITooLong, errcode.ErrorCodeTagInvalid.WithMessage(
			fmt.Sprintf("at most %d tag parameters are accepted", s.opts.MaxTagsPerPush)))
	}
	// A set, since without a limit the parameters may be tens of
	// thousands.
	seen := make(map[string]struct{}, len(extra))
	var tags []string
	for _, t := range extra {
		if !grammar.IsTag(t) {
			return nil, errcode.ErrorCodeTagInvalid.WithDetail(map[string]string{"tag": reply.Truncate(t, 200)})
		}
		if _, dup := seen[t]; !dup {
			seen[t] = struct{}{}
			tags = append(tags, t)
		}
	}
	return tags, nil
}

// readManifest reads a manifest body of at most MaxManifestSize bytes into
// one slice. Where the store bounds what it holds (registry.SpaceReserver)
// the body's space is reserved as it grows; release gives it back once the
// store has the manifest or refused it.
func (s *Server) readManifest(c *request) (body []byte, release func(), err error) {
	limit := s.opts.MaxManifestSize
	tooLarge := func() error {
		return reply.WithStatus(http.StatusRequestEntityTooLarge, errcode.ErrorCodeSizeInvalid.WithMessage(
			fmt.Sprintf("the manifest exceeds the limit of %d bytes", limit)))
	}
	if limit >= 0 && c.r.ContentLength > limit {
		return nil, nil, tooLarge()
	}
	res := reservation{s: s, c: c}
	src := c.source(limit)
	// What the request announces is reserved and taken at once; a body of
	// unknown length grows by doubling from a small start.
	// What is announced is believed up to a megabyte only: a client
	// announcing more must send it before it is given room for it.
	first := int64(512)
	if c.r.ContentLength >= 0 {
		first = min(c.r.ContentLength+1, 1<<20) // one more, for the read that sees the end
	}
	if err := res.grow(first); err != nil {
		return nil, nil, err
	}
	buf := make([]byte, 0, first)
	for {
		if len(buf) == cap(buf) {
			// Full: twice the room, the old slice still counted until
			// the end, since it is garbage only once collected.
			if err := res.grow(int64(2 * cap(buf))); err != nil {
				res.release()
				return nil, nil, err
			}
			buf = append(make([]byte, 0, 2*cap(buf)), buf...)
		}
		n, err := src.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			res.release()
			if errors.Is(err, errTooLarge) {
				return nil, nil, tooLarge()
			}
			return nil, nil, bodyFailure(c.w, err)
		}
	}
	return buf, res.release, nil
}

// reservation is the space a buffered body holds in a store that bounds
// what it holds.
type reservation struct {
	s        *Server
	c        *request
	releases []func()
}

// grow reserves n more bytes, or answers DENIED as the store does.
func (r *reservation) grow(n int64) error {
	if r.s.reserver == nil {
		return nil
	}
	rel, err := r.s.reserver.Reserve(r.c.r.Context(), n)
	if err != nil {
		return err
	}
	r.releases = append(r.releases, rel)
	return nil
}

// release gives back everything reserved.
func (r *reservation) release() {
	for _, rel := range r.releases {
		rel()
	}
	r.releases = nil
}

// checkReferences checks what a manifest references against the
// repository: the config and layers of an image manifest must be blobs of
// the repository with the sizes their descriptors give, unless they are
// foreign; the manifests of an index must be manifests of the repository
// when RequireManifestBlobs is set. A lenient server checks only what
// RequireManifestBlobs asks. The check is not atomic with the push: content
// deleted meanwhile is the deleter's choice.
func (s *Server) checkReferences(c *request, m *manifest.Manifest) error {
	ctx := c.r.Context()
	var missing, wrong errcode.Errors
	if !s.rules.Lenient || s.rules.RequireChildren {
		for _, b := range m.Blobs {
			if !manifest.Distributable(b) {
				continue
			}
			desc, err := s.store.ResolveBlob(ctx, c.name, digest.Digest(b.Digest))
			switch {
			case isCode(err, errcode.ErrorCodeBlobUnknown):
				missing = append(missing, errcode.ErrorCodeManifestBlobUnknown.WithDetail(map[string]string{"digest": b.Digest}))
			case err != nil:
				return err
			case desc.Size != b.Size && !s.rules.Lenient:
				wrong = append(wrong, errcode.ErrorCodeManifestInvalid.WithDetail(map[string]any{
					"digest": b.Digest, "size": b.Size, "stored size": desc.Size}))
			}
		}
	}
	if s.rules.RequireChildren {
		for _, child := range m.Children {
			_, err := s.store.ResolveManifest(ctx, c.name, child.Digest)
			switch {
			case isCode(err, errcode.ErrorCodeManifestUnknown):
				missing = append(missing, errcode.ErrorCodeManifestBlobUnknown.WithDetail(map[string]string{"digest": child.Digest}))
			case err != nil:
				return err
			}
		}
	}
	if len(missing)+len(wrong) > 0 {
		return append(missing, wrong...)
	}
	return nil
}

// orNameUnknown turns a MANIFEST_UNKNOWN of the store into NAME_UNKNOWN
// when the repository is not known either, as the store's Tags says: a
// client told NAME_UNKNOWN learns that the repository, not only the
// manifest, is missing. The store is asked only on that miss.
func (s *Server) orNameUnknown(c *request, err error) error {
	if !isCode(err, errcode.ErrorCodeManifestUnknown) {
		return err
	}
	for _, terr := range s.store.Tags(c.r.Context(), c.name, "") {
		if terr != nil && isCode(terr, errcode.ErrorCodeNameUnknown) {
			return errcode.ErrorCodeNameUnknown.WithDetail(map[string]string{"name": c.name})
		}
		break
	}
	return err
}

// deleteManifest removes a tag (DeleteTag), or a manifest by digest with
// every tag pointing at it (DeleteManifest) (end-9).
func (s *Server) deleteManifest(c *request) error {
	tag, dgst, err := manifestReference(c.match.Reference)
	if err != nil {
		return err
	}
	if tag != "" {
		err = s.store.DeleteTag(c.r.Context(), c.name, tag)
	} else {
		err = s.store.DeleteManifest(c.r.Context(), c.name, dgst)
	}
	if err != nil {
		return s.orNameUnknown(c, err)
	}
	c.w.Header()["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusAccepted)
	return nil
}

// acceptable reports whether Accept header values allow a manifest of
// mediaType: no Accept header allows anything; otherwise one of the listed
// types (parameters ignored, those with q=0 left out) must be */* or equal
// mediaType, or its counterpart when Options.InterchangeableManifestTypes
// is set. The items are walked in place: a header of many thousand items
// costs no memory.
func (s *Server) acceptable(accept []string, mediaType string) bool {
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
				s.opts.InterchangeableManifestTypes && isCounterpart(mt, mediaType) {
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
	manifest.MediaTypeDockerManifest: manifest.MediaTypeOCIManifest,
	manifest.MediaTypeOCIManifest:    manifest.MediaTypeDockerManifest,
	manifest.MediaTypeDockerList:     manifest.MediaTypeOCIIndex,
	manifest.MediaTypeOCIIndex:       manifest.MediaTypeDockerList,
}
