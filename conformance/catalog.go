package conformance

import (
	"net/http"
	"slices"
)

// maxCatalogPages bounds the pages of the catalog the suite reads: a
// registry listing a hundred repositories a page reaches the default bound
// on a listing, DefaultMaxListEntries, in a thousand.
const maxCatalogPages = 1000

// listCatalog reads the catalog page after page until it names the
// repository the run pushed its images to.
func (s *suite) listCatalog() error {
	d := s.data
	if err := s.needManifests(d.imageA); err != nil {
		return err
	}
	u, err := s.urls.BuildCatalogURL()
	if err != nil {
		return failf(nil, "the catalog URL: %v", err)
	}
	seen := 0 // the repositories listed so far
	for page := 0; ; page++ {
		if page == maxCatalogPages {
			return failf(nil, "the catalog goes on past %d pages without %q", maxCatalogPages, d.repo)
		}
		resp, err := s.do(request{method: http.MethodGet, url: u})
		if err != nil {
			return err
		}
		if err := expectStatus(resp, http.StatusOK); err != nil {
			return err
		}
		repos, err := readPage[string](&s.limits, resp, "catalog", "repositories", seen, nil)
		if err != nil {
			return err
		}
		seen += len(repos)
		link := resp.header.Get("Link")
		if slices.Contains(repos, d.repo) || link == "" {
			s.limits.read++
			if !slices.Contains(repos, d.repo) {
				return failf(resp, "the catalog, %d repositories, lacks %q", seen, d.repo)
			}
			return nil
		}
		if u, err = s.nextPage(resp, link); err != nil {
			return err
		}
	}
}
