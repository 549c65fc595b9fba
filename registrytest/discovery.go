package registrytest

import (
	"encoding/json"

	"net/http"
	"net/url"
	"sort"
	"strconv"

	"github.com/regapi/regapi/errcode"
)

// page is one page of a sorted listing.
type page struct {
	entries []string
	// next is the last entry of the page when more entries follow.
	next string
	n    int
}

// paginate cuts the page the n and last query parameters ask for out of the
// sorted list all.
func paginate(query url.Values, all []string) (page, error) {
	var p page
	last := query.Get("last")
	start := 0
	if last != "" {
		start = sort.SearchStrings(all, last)
		if start < len(all) && all[start] == last {
			start++
		}
	}
	rest := all[start:]
	p.entries = rest
	if nStr, has := query["n"]; has {
		n, err := strconv.Atoi(nStr[0])
		if err != nil || n < 0 {
			return p, errcode.ErrorCodePaginationNumberInvalid.WithDetail(map[string]string{"n": truncate(nStr[0], 50)})
		}
		p.n = n
		if n < len(rest) {
			p.entries = rest[:n]
			if n > 0 {
				p.next = rest[n-1]
			}
		}
	}
	if p.entries == nil {
		p.entries = []string{}
	}
	return p, nil
}

// setLink adds the Link header to the next page built by build, when there
// is one.
func setLink(w http.ResponseWriter, p page, build func(url.Values) (string, error)) error {
	if p.next == "" {
		return nil
	}
	u, err := build(url.Values{"n": {strconv.Itoa(p.n)}, "last": {p.next}})
	if err != nil {
		return err
	}
	w.Header().Set("Link", "<"+u+`>; rel="next"`)
	return nil
}

// writeJSON answers r with status and v encoded as JSON of the given media
// type, the body left out for a HEAD request. It writes nothing when v does
// not encode.
func writeJSON(w http.ResponseWriter, r *http.Request, status int, mediaType string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
	return nil
}

// serveTags answers the tags list (end-8a, end-8b).
func (reg *Registry) serveTags(c *request) error {
	tags, ok := reg.store.tags(c.name)
	if !ok {
		return errcode.ErrorCodeNameUnknown.WithDetail(map[string]string{"name": c.name})
	}
	p, err := paginate(c.query, tags)
	if err != nil {
		return err
	}
	if err := setLink(c.w, p, func(v url.Values) (string, error) { return c.urls().BuildTagsURL(repoRef(c.name), v) }); err != nil {
		return err
	}
	return writeJSON(c.w, c.r, http.StatusOK, "application/json", struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{c.name, p.entries})
}

// serveCatalog answers the catalog.
func (reg *Registry) serveCatalog(c *request) error {
	p, err := paginate(c.query, reg.store.names())
	if err != nil {
		return err
	}
	if err := setLink(c.w, p, func(v url.Values) (string, error) { return c.urls().BuildCatalogURL(v) }); err != nil {
		return err
	}
	return writeJSON(c.w, c.r, http.StatusOK, "application/json", struct {
		Repositories []string `json:"repositories"`
	}{p.entries})
}

// index is the OCI image index the referrers endpoint answers.
type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// serveReferrers answers the referrers list (end-12a, end-12b): every
// manifest whose subject is the digest, filtered by artifactType when
// asked. It never answers 404: an unknown repository or digest has no
// referrers.
func (reg *Registry) serveReferrers(c *request) error {
	subject, err := parseDigest(c.match.Digest)
	if err != nil {
		return err
	}
	artifactType := c.query.Get("artifactType")
	// A page starts after the manifest numbered last, the cursor of the
	// previous page's Link.
	var after uint64
	if last := c.query.Get("last"); last != "" {
		n, err := strconv.ParseUint(last, 10, 64)
		if err != nil {
			return errcode.ErrorCodePaginationNumberInvalid.WithDetail(map[string]string{"last": truncate(last, 50)})
		}
		after = n
	}
	page, more := reg.store.referrers(c.name, subject, after, artifactType, reg.opts.ReferrersPageSize)
	out := index{SchemaVersion: 2, MediaType: mediaTypeOCIIndex, Manifests: make([]descriptor, 0, len(page))}
	for _, m := range page {
		out.Manifests = append(out.Manifests, descriptor{
			MediaType:    m.mediaType,
			Digest:       m.digest.String(),
			Size:         int64(len(m.data)),
			ArtifactType: m.artifactType,
			Annotations:  m.annotations,
		})
	}
	if more {
		// The Link names where the next page starts: after the last
		// manifest of this one.
		v := url.Values{"last": {strconv.FormatUint(page[len(page)-1].seq, 10)}}
		if artifactType != "" {
			v.Set("artifactType", artifactType)
		}
		u, err := c.urls().BuildReferrersURL(canonicalRef{c.name, subject}, v)
		if err != nil {
			return err
		}
		c.w.Header().Set("Link", "<"+u+`>; rel="next"`)
	}
	if artifactType != "" {
		c.w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	return writeJSON(c.w, c.r, http.StatusOK, mediaTypeOCIIndex, out)
}
