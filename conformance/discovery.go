package conformance

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"
)

// tagList is the body of a tags list response.
type tagList struct {
	Name string   `json:"name"`
	Tags []string `json:"tags"`
}

// discovery runs the content discovery workflow.
func (s *suite) discovery() {
	d := s.data
	var all []string // the whole tag list, as the registry gives it
	s.step("end-8a/list-tags", nil, func() (err error) {
		if err := s.needManifests(d.imageA); err != nil {
			return err
		}
		all, err = s.listTags()
		return err
	})
	s.step("end-8a/list-tags-unknown-repository", nil, func() error {
		resp, err := s.do(request{method: http.MethodGet, url: s.tagsURL(d.repo+"/missing", nil)})
		if err != nil {
			return err
		}
		return expectStatus(resp, http.StatusNotFound)
	})
	needList := []string{"end-8a/list-tags"}
	s.step("end-8b/list-tags-n", needList, func() error {
		return s.expectPage(url.Values{"n": {"2"}}, all[:2])
	})
	s.step("end-8b/list-tags-last", needList, func() error {
		return first(
			s.expectPage(url.Values{"n": {"2"}, "last": {all[0]}}, all[1:3]),
			s.expectPage(url.Values{"last": {all[1]}}, all[2:]),
		)
	})
	s.step("end-8b/list-tags-n-zero", needList, func() error {
		resp, list, err := s.getTags(s.tagsURL(d.repo, url.Values{"n": {"0"}}))
		if err != nil {
			return err
		}
		if len(list.Tags) != 0 {
			return failf(resp, "n=0 listed %d tags, want none", len(list.Tags))
		}
		if resp.header.Get("Link") != "" {
			return failf(resp, "n=0 answered with a Link header")
		}
		return nil
	})
	s.step("end-8b/list-tags-pages", needList, func() error {
		return s.walkTags(all)
	})
	s.step("end-12a/referrers", nil, func() error {
		if err := s.needManifests(d.refSBOM, d.refSig); err != nil {
			return err
		}
		resp, got, err := s.referrers(d.imageA.digest, nil)
		if err != nil {
			return err
		}
		return expectReferrers(resp, got, []*manifest{d.refSBOM, d.refSig}, nil)
	})
	s.step("end-12a/referrers-empty", nil, func() error {
		resp, got, err := s.referrers(d.unknownManifest, nil)
		if err != nil {
			return err
		}
		if len(got) != 0 {
			return failf(resp, "the referrers of a digest nothing refers to list %d manifests", len(got))
		}
		// The second repository holds blobs and no manifest; it may
		// also be unknown to a registry that counts only manifests.
		resp, err = s.do(request{method: http.MethodGet, url: s.referrersURL(d.repo2, d.unknownManifest, nil)})
		if err != nil || resp.status == http.StatusNotFound {
			return err
		}
		if err := first(expectStatus(resp, http.StatusOK), expectMediaType(resp, mediaTypeImageIndex)); err != nil {
			return err
		}
		idx, err := s.referrersPage(resp, 0)
		if err != nil {
			return err
		}
		s.limits.read++
		if len(idx.Manifests) != 0 {
			return failf(resp, "the referrers in a repository without manifests are not an empty index")
		}
		return nil
	})
	s.step("end-12a/referrers-subject-missing", nil, func() error {
		if err := s.needManifests(d.refOrphan); err != nil {
			return err
		}
		resp, got, err := s.referrers(d.orphanSubject, nil)
		if err != nil {
			return err
		}
		return expectReferrers(resp, got, []*manifest{d.refOrphan}, nil)
	})
	s.step("end-12b/referrers-filter", nil, s.referrersFilter)
	s.step("catalog/list-catalog", nil, s.listCatalog)
}

// listTags pushes image A under more tags and reads the whole list.
func (s *suite) listTags() ([]string, error) {
	d := s.data
	for _, t := range d.extraTags {
		if _, err := s.storeManifest(d.repo, t, d.imageA, nil); err != nil {
			return nil, err
		}
	}
	resp, list, err := s.getTags(s.tagsURL(d.repo, nil))
	if err != nil {
		return nil, err
	}
	if list.Name != d.repo {
		return nil, failf(resp, "the list names repository %q, want %q", list.Name, d.repo)
	}
	want := append([]string{d.tagA}, d.extraTags...)
	if containsManifest(d.manifests, d.index) {
		want = append(want, d.tagIndex)
	}
	if s.passed["end-7b/put-manifest-tags"] {
		want = append(want, d.paramTags...)
	}
	for _, t := range want {
		if !slices.Contains(list.Tags, t) {
			return nil, failf(resp, "the list lacks tag %q: %q", t, list.Tags)
		}
	}
	if !sorted(list.Tags) {
		return nil, failf(resp, "the tags are not in lexical order: %q", list.Tags)
	}
	if resp.header.Get("Link") != "" {
		s.note = "the registry pages even the unlimited list; its first page is used"
	}
	if len(list.Tags) < 3 {
		return nil, failf(resp, "the list has %d tags; the pagination checks need 3", len(list.Tags))
	}
	return list.Tags, nil
}

// sorted reports whether tags are in lexical order, in the byte order of
// Go's sort.Strings or case-insensitively, both of which the
// specification allows.
func sorted(tags []string) bool {
	return sort.StringsAreSorted(tags) || sort.SliceIsSorted(tags, func(i, j int) bool {
		return strings.ToLower(tags[i]) < strings.ToLower(tags[j])
	})
}

// getTags fetches and decodes a tag list, of one page.
func (s *suite) getTags(u string) (*response, tagList, error) {
	resp, list, err := s.tagsPage(u, 0)
	if err == nil {
		s.limits.read++
	}
	return resp, list, err
}

// tagsPage fetches and decodes a page of a tag list that holds sofar tags
// before it.
func (s *suite) tagsPage(u string, sofar int) (*response, tagList, error) {
	var list tagList
	resp, err := s.do(request{method: http.MethodGet, url: u})
	if err != nil {
		return nil, list, err
	}
	if err := expectStatus(resp, http.StatusOK); err != nil {
		return resp, list, err
	}
	tags, err := readPage[string](&s.limits, resp, "tag list", "tags", sofar, func(name string, dec *json.Decoder) (bool, error) {
		if !strings.EqualFold(name, "name") {
			return false, nil
		}
		return true, dec.Decode(&list.Name)
	})
	if err != nil {
		return resp, list, err
	}
	list.Tags = tags
	return resp, list, nil
}

// expectPage fetches a page of the tag list and checks it against want,
// the tags the whole list has at that place: the page holds them all, or,
// with a Link to the rest, the first of them.
func (s *suite) expectPage(q url.Values, want []string) error {
	resp, list, err := s.getTags(s.tagsURL(s.data.repo, q))
	if err != nil {
		return err
	}
	if resp.header.Get("Link") != "" && len(list.Tags) < len(want) {
		want = want[:len(list.Tags)]
	}
	if !slices.Equal(list.Tags, want) {
		return failf(resp, "%s listed %q, want %q", q.Encode(), list.Tags, want)
	}
	return nil
}

// walkTags reads the tag list one tag at a time, following Link headers,
// or last where a page has none, and compares it with all.
func (s *suite) walkTags(all []string) error {
	next := s.tagsURL(s.data.repo, url.Values{"n": {"1"}})
	var got []string
	for i := 0; i <= len(all)+1 && next != ""; i++ {
		resp, list, err := s.tagsPage(next, len(got))
		if err != nil {
			return err
		}
		if len(list.Tags) > 1 {
			return failf(resp, "a page of n=1 listed %d tags", len(list.Tags))
		}
		got = append(got, list.Tags...)
		switch link := resp.header.Get("Link"); {
		case link != "":
			if next, err = s.nextPage(resp, link); err != nil {
				return err
			}
		case len(list.Tags) == 1:
			next = s.tagsURL(s.data.repo, url.Values{"n": {"1"}, "last": {list.Tags[0]}})
		default:
			next = ""
		}
	}
	s.limits.read++
	if !slices.Equal(got, all) {
		return failf(nil, "the pages listed %q, want %q", got, all)
	}
	return nil
}

// referrers fetches the referrers of subject, every page of them.
func (s *suite) referrers(subject digest.Digest, q url.Values) (*response, []descriptor, error) {
	var all []descriptor
	var head *response
	next := s.referrersURL(s.data.repo, subject, q)
	for page := 0; next != "" && page < maxReferrersPages; page++ {
		resp, err := s.do(request{method: http.MethodGet, url: next})
		if err != nil {
			return nil, nil, err
		}
		if head == nil {
			head = resp
		}
		if err := first(expectStatus(resp, http.StatusOK), expectMediaType(resp, mediaTypeImageIndex)); err != nil {
			return resp, nil, err
		}
		idx, err := s.referrersPage(resp, len(all))
		if err != nil {
			return resp, nil, err
		}
		if idx.SchemaVersion != 2 || idx.MediaType != "" && idx.MediaType != mediaTypeImageIndex {
			return resp, nil, failf(resp, "the referrers list is not an image index: schemaVersion %d, mediaType %q", idx.SchemaVersion, idx.MediaType)
		}
		all = append(all, idx.Manifests...)
		next = ""
		if link := resp.header.Get("Link"); link != "" {
			if next, err = s.nextPage(resp, link); err != nil {
				return resp, nil, err
			}
		}
	}
	if next != "" {
		return head, nil, failf(head, "the referrers list goes on past %d pages", maxReferrersPages)
	}
	s.limits.read++
	return head, all, nil
}

// referrersPage decodes the page of a referrers list in resp, which holds
// sofar entries before it: the members of an image index the checks look
// at, the manifests within the bounds on listings.
func (s *suite) referrersPage(resp *response, sofar int) (imageIndex, error) {
	var idx imageIndex
	manifests, err := readPage[descriptor](&s.limits, resp, "referrers list", "manifests", sofar, func(name string, dec *json.Decoder) (bool, error) {
		switch {
		case strings.EqualFold(name, "schemaVersion"):
			return true, dec.Decode(&idx.SchemaVersion)
		case strings.EqualFold(name, "mediaType"):
			return true, dec.Decode(&idx.MediaType)
		}
		return false, nil
	})
	idx.Manifests = manifests
	return idx, err
}

// maxReferrersPages bounds the pages of one referrers list the suite reads:
// its lists have a few entries, which a registry may page one at a time.
const maxReferrersPages = 100

// nextPage returns the URL of the next page that resp's Link header names.
// A page elsewhere than on the registry is not fetched: the suite follows
// a registry's links only where it sent its own requests, so that a
// registry cannot point it at other hosts.
func (s *suite) nextPage(resp *response, link string) (string, error) {
	u, err := nextLink(resp.url, link)
	if err != nil {
		return "", failf(resp, "Link %q: %v", truncate(link, 200), err)
	}
	if !s.c.onRegistry(u) {
		return "", failf(resp, "Link %q leaves the registry: the next page must be on %s", truncate(link, 200), s.c.base.Redacted())
	}
	return u.String(), nil
}

// expectReferrers checks that got lists each of want as the specification
// describes it, and none of absent.
func expectReferrers(resp *response, got []descriptor, want, absent []*manifest) error {
	for _, m := range want {
		i := slices.IndexFunc(got, func(d descriptor) bool { return d.Digest == m.digest.String() })
		if i < 0 {
			return failf(resp, "the referrers list lacks %s (artifactType %s)", m.digest, m.artifactType)
		}
		d := got[i]
		switch {
		case d.MediaType != m.mediaType:
			return failf(resp, "referrer %s has mediaType %q, want %q", m.digest, d.MediaType, m.mediaType)
		case d.Size != int64(len(m.data)):
			return failf(resp, "referrer %s has size %d, want %d", m.digest, d.Size, len(m.data))
		case d.ArtifactType != m.artifactType:
			return failf(resp, "referrer %s has artifactType %q, want %q", m.digest, d.ArtifactType, m.artifactType)
		}
		for k, v := range m.annotations {
			if d.Annotations[k] != v {
				return failf(resp, "referrer %s lacks annotation %s=%q", m.digest, k, v)
			}
		}
	}
	for _, m := range absent {
		if slices.ContainsFunc(got, func(d descriptor) bool { return d.Digest == m.digest.String() }) {
			return failf(resp, "the filtered referrers list holds %s, of artifactType %s", m.digest, m.artifactType)
		}
	}
	return nil
}

// referrersFilter asks for the referrers of one artifact type.
func (s *suite) referrersFilter() error {
	d := s.data
	if err := s.needManifests(d.refSBOM, d.refSig); err != nil {
		return err
	}
	resp, got, err := s.referrers(d.imageA.digest, url.Values{"artifactType": {artifactTypeSBOM}})
	if err != nil {
		return err
	}
	applied := false
	for _, v := range resp.header.Values("OCI-Filters-Applied") {
		for _, f := range strings.Split(v, ",") {
			applied = applied || strings.TrimSpace(f) == "artifactType"
		}
	}
	if applied {
		for _, x := range got {
			if x.ArtifactType != artifactTypeSBOM {
				return failf(resp, "OCI-Filters-Applied claims the artifactType filter, but the list holds %s of artifactType %q", x.Digest, x.ArtifactType)
			}
		}
		return expectReferrers(resp, got, []*manifest{d.refSBOM}, []*manifest{d.refSig})
	}
	if s.set.features[FeatureReferrersFilter] {
		return failf(resp, "no OCI-Filters-Applied: the registry did not apply the artifactType filter")
	}
	s.note = "the registry does not filter (no OCI-Filters-Applied); clients filter the list"
	return expectReferrers(resp, got, []*manifest{d.refSBOM}, nil)
}
