package server

import (
	"net/http"
	"net/url"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/manifest"
	"github.com/regapi/regapi/internal/reply"
	"github.com/regapi/regapi/registry"
)

// index is the OCI image index the referrers endpoint answers.
type index struct {
	SchemaVersion int                   `json:"schemaVersion"`
	MediaType     string                `json:"mediaType"`
	Manifests     []registry.Descriptor `json:"manifests"`
}

// serveReferrers answers the referrers list (end-12a, end-12b): every
// manifest whose subject is the digest, in digest order, filtered by
// artifactType when asked, and paged by Options.ReferrersPageSize with the
// last digest of a page as the cursor of the next. It never answers 404:
// an unknown repository or digest has no referrers.
func (s *Server) serveReferrers(c *request) error {
	subject, err := parseDigest(c.match.Digest)
	if err != nil {
		return err
	}
	artifactType := c.query.Get("artifactType")
	var after digest.Digest
	if last := c.query.Get("last"); last != "" {
		if after, err = parseDigest(last); err != nil {
			return errcode.ErrorCodePaginationNumberInvalid.WithDetail(map[string]string{"last": reply.Truncate(last, 200)})
		}
	}
	out := index{SchemaVersion: 2, MediaType: manifest.MediaTypeOCIIndex, Manifests: []registry.Descriptor{}}
	more := false
	for d, err := range s.store.Referrers(c.r.Context(), c.name, subject, artifactType, after) {
		if err != nil {
			return err
		}
		if size := s.opts.ReferrersPageSize; size > 0 && len(out.Manifests) == size {
			more = true
			break
		}
		out.Manifests = append(out.Manifests, d)
	}
	if more {
		v := url.Values{"last": {out.Manifests[len(out.Manifests)-1].Digest.String()}}
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
	return reply.JSON(c.w, c.r, http.StatusOK, manifest.MediaTypeOCIIndex, out)
}
