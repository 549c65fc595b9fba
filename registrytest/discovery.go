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
// sorted list all. It answers the error itself and returns ok false when n
// is not a non-negative integer.
func paginate(w http.ResponseWriter, r *http.Request, all []string) (p page, ok bool) {
	query := r.URL.Query()
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
			serveError(w, 0, errcode.ErrorCodePaginationNumberInvalid.WithDetail(map[string]string{"n": truncate(nStr[0], 50)}))
			return p, false
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
	return p, true
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

// writeJSON answers 200 with v encoded as JSON of the given media type.
func writeJSON(w http.ResponseWriter, r *http.Request, mediaType string, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeUnknown.WithDetail(err))
		return
	}
	w.Header().Set("Content-Type", mediaType)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// serveTags answers GET /v2/<name>/tags/list.
func (reg *Registry) serveTags(w http.ResponseWriter, r *http.Request, req *request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		serveMethodNotAllowed(w, r, "GET, HEAD")
		return
	}
	reg.mu.RLock()
	rp := reg.repo(req.name, false)
	var tags []string
	if rp != nil {
		tags = make([]string, 0, len(rp.tags))
		for t := range rp.tags {
			tags = append(tags, t)
		}
	}
	reg.mu.RUnlock()
	if rp == nil {
		serveError(w, 0, errcode.ErrorCodeNameUnknown.WithDetail(map[string]string{"name": req.name}))
		return
	}
	sort.Strings(tags)
	p, ok := paginate(w, r, tags)
	if !ok {
		return
	}
	if err := setLink(w, p, func(v url.Values) (string, error) { return req.urls().BuildTagsURL(req.ref, v) }); err != nil {
		serveError(w, 0, errcode.ErrorCodeUnknown.WithDetail(err))
		return
	}
	writeJSON(w, r, "application/json", struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{req.name, p.entries})
}

// serveCatalog answers GET /v2/_catalog.
func (reg *Registry) serveCatalog(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		serveMethodNotAllowed(w, r, "GET, HEAD")
		return
	}
	reg.mu.RLock()
	names := make([]string, 0, len(reg.repos))
	for name := range reg.repos {
		names = append(names, name)
	}
	reg.mu.RUnlock()
	sort.Strings(names)
	p, ok := paginate(w, r, names)
	if !ok {
		return
	}
	urls := reg.urlBuilder(r)
	if err := setLink(w, p, func(v url.Values) (string, error) { return urls.BuildCatalogURL(v) }); err != nil {
		serveError(w, 0, errcode.ErrorCodeUnknown.WithDetail(err))
		return
	}
	writeJSON(w, r, "application/json", struct {
		Repositories []string `json:"repositories"`
	}{p.entries})
}

// index is the OCI image index the referrers endpoint answers.
type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// serveReferrers answers GET /v2/<name>/referrers/<digest>.
func (reg *Registry) serveReferrers(w http.ResponseWriter, r *http.Request, req *request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		serveMethodNotAllowed(w, r, "GET, HEAD")
		return
	}
	subject, err := parseDigest(req.match.Digest)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(err))
		return
	}
	query := r.URL.Query()
	artifactType := query.Get("artifactType")

	out := index{SchemaVersion: 2, MediaType: mediaTypeOCIIndex, Manifests: []descriptor{}}
	reg.mu.RLock()
	if rp := reg.repo(req.name, false); rp != nil {
		for _, d := range rp.referrers[subject] {
			m := rp.manifests[d]
			if m == nil || (artifactType != "" && m.artifactType != artifactType) {
				continue
			}
			out.Manifests = append(out.Manifests, referrerDescriptor(m))
		}
	}
	reg.mu.RUnlock()
	if artifactType != "" {
		w.Header().Set("OCI-Filters-Applied", "artifactType")
	}
	writeJSON(w, r, mediaTypeOCIIndex, out)
}

// referrerDescriptor describes m in a referrers list.
func referrerDescriptor(m *manifest) descriptor {
	return descriptor{
		MediaType:    m.mediaType,
		Digest:       m.digest.String(),
		Size:         int64(len(m.data)),
		ArtifactType: m.artifactType,
		Annotations:  m.annotations,
	}
}
