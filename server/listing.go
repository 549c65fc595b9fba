package server

import (
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/reply"
)

// page is one page of a sorted listing.
type page struct {
	entries []string
	// next is the last entry of the page when more entries follow.
	next string
	n    int
}

// paginate reads the page the n query parameter asks for from a listing
// that starts after the last parameter: all of it without n, else n
// entries and whether more follow. A listing's error ends it.
func paginate(query url.Values, list iter.Seq2[string, error]) (page, error) {
	p := page{n: -1, entries: []string{}}
	if nStr, has := query["n"]; has {
		n, err := strconv.Atoi(nStr[0])
		if err != nil || n < 0 {
			return p, errcode.ErrorCodePaginationNumberInvalid.WithDetail(map[string]string{"n": reply.Truncate(nStr[0], 50)})
		}
		p.n = n
	}
	for entry, err := range list {
		if err != nil {
			return p, err
		}
		if p.n >= 0 && len(p.entries) == p.n {
			// One more than asked for: there is a next page, unless
			// none was asked for at all.
			if p.n > 0 {
				p.next = p.entries[p.n-1]
			}
			break
		}
		p.entries = append(p.entries, entry)
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

// serveTags answers the tags list (end-8a, end-8b).
func (s *Server) serveTags(c *request) error {
	p, err := paginate(c.query, s.store.Tags(c.r.Context(), c.name, c.query.Get("last")))
	if err != nil {
		return err
	}
	if err := setLink(c.w, p, func(v url.Values) (string, error) { return c.urls().BuildTagsURL(repoRef(c.name), v) }); err != nil {
		return err
	}
	return reply.JSON(c.w, c.r, http.StatusOK, "application/json", struct {
		Name string   `json:"name"`
		Tags []string `json:"tags"`
	}{c.name, p.entries})
}

// serveCatalog answers the catalog.
func (s *Server) serveCatalog(c *request) error {
	p, err := paginate(c.query, s.store.Repositories(c.r.Context(), c.query.Get("last")))
	if err != nil {
		return err
	}
	if err := setLink(c.w, p, func(v url.Values) (string, error) { return c.urls().BuildCatalogURL(v) }); err != nil {
		return err
	}
	return reply.JSON(c.w, c.r, http.StatusOK, "application/json", struct {
		Repositories []string `json:"repositories"`
	}{p.entries})
}
