package conformance

import (
	"net/http"
	"slices"
)

// management runs the content management workflow, on an image of its own
// so that the other workflows' content stays.
func (s *suite) management() {
	d := s.data
	var ready error
	prepared := false
	setup := func() error {
		if !prepared {
			prepared = true
			ready = s.pushManagementImage()
		}
		return ready
	}
	s.step("end-9/delete-tag", []string{"end-4a/post-session"}, func() error {
		if err := setup(); err != nil {
			return err
		}
		if err := s.expectDeleted(s.manifestURL(d.repo, d.mgmtTags[0]), FeatureDeleteTag); err != nil {
			return err
		}
		if err := s.expectMissing(http.MethodGet, s.manifestURL(d.repo, d.mgmtTags[0])); err != nil {
			return err
		}
		if err := s.expectManifest(http.MethodGet, d.repo, d.mgmtImage.digest.String(), d.mgmtImage); err != nil {
			return err
		}
		resp, list, err := s.getTags(s.tagsURL(d.repo, nil))
		if err != nil {
			return err
		}
		if slices.Contains(list.Tags, d.mgmtTags[0]) && resp.header.Get("Link") == "" {
			return failf(resp, "the tag list still holds the deleted tag %q", d.mgmtTags[0])
		}
		return nil
	})
	s.step("end-9/delete-manifest", []string{"end-4a/post-session"}, func() error {
		if err := setup(); err != nil {
			return err
		}
		if err := s.expectDeleted(s.manifestURL(d.repo, d.mgmtImage.digest.String()), FeatureDeleteManifest); err != nil {
			return err
		}
		return first(
			s.expectMissing(http.MethodGet, s.manifestURL(d.repo, d.mgmtImage.digest.String())),
			s.expectMissing(http.MethodGet, s.manifestURL(d.repo, d.mgmtTags[1])),
		)
	})
	s.step("end-8a/list-tags-after-delete", []string{"end-9/delete-manifest"}, func() error {
		// Registries that index tags apart from manifests have lost new
		// tags after deletions; the same image comes back under a tag.
		if _, err := s.storeManifest(d.repo, d.mgmtTags[1], d.mgmtImage, nil); err != nil {
			return err
		}
		resp, list, err := s.getTags(s.tagsURL(d.repo, nil))
		if err != nil {
			return err
		}
		if !slices.Contains(list.Tags, d.mgmtTags[1]) && resp.header.Get("Link") == "" {
			return failf(resp, "the tag list lacks %q, pushed again after its manifest was deleted: %q", d.mgmtTags[1], list.Tags)
		}
		return nil
	})
	s.step("end-9/delete-manifest-missing", nil, func() error {
		return s.expectDeleteMissing(s.manifestURL(d.repo, d.unknownManifest.String()))
	})
	s.step("end-10/delete-blob", []string{"end-4a/post-session"}, func() error {
		if err := setup(); err != nil {
			return err
		}
		if err := s.expectDeleted(s.blobURL(d.repo, d.mgmtLayer.digest), FeatureDeleteBlob); err != nil {
			return err
		}
		return s.expectMissing(http.MethodGet, s.blobURL(d.repo, d.mgmtLayer.digest))
	})
	s.step("end-10/delete-blob-missing", nil, func() error {
		return s.expectDeleteMissing(s.blobURL(d.repo, d.missingBlob.digest))
	})
}

// pushManagementImage pushes the image the deletion checks delete, under
// both its tags.
func (s *suite) pushManagementImage() error {
	d := s.data
	cfg := d.buildManagement()
	for _, b := range []*blob{d.mgmtLayer, cfg} {
		if err := s.pushBlob(d.repo, b); err != nil {
			return err
		}
	}
	for _, t := range d.mgmtTags {
		if _, err := s.storeManifest(d.repo, t, d.mgmtImage, nil); err != nil {
			return err
		}
	}
	return nil
}

// expectDeleted sends DELETE to url and expects 202. A registry that
// refuses deletion answers 400 or 405, which fails the check with a hint
// to disable the feature.
func (s *suite) expectDeleted(url string, f Feature) error {
	resp, err := s.do(request{method: http.MethodDelete, url: url})
	if err != nil {
		return err
	}
	if resp.status == http.StatusBadRequest || resp.status == http.StatusMethodNotAllowed {
		return failf(resp, "the registry refused the deletion (%d); disable feature %s if it does not delete", resp.status, f)
	}
	return expectStatus(resp, http.StatusAccepted)
}

// expectDeleteMissing deletes what does not exist and expects 404.
func (s *suite) expectDeleteMissing(url string) error {
	resp, err := s.do(request{method: http.MethodDelete, url: url})
	if err != nil {
		return err
	}
	return expectStatus(resp, http.StatusNotFound)
}
