package conformance

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
)

// apiVersion checks the base endpoint.
func (s *suite) apiVersion() error {
	resp, err := s.do(request{method: http.MethodGet, url: s.baseURL()})
	if err != nil {
		return err
	}
	return expectStatus(resp, http.StatusOK)
}

// push runs the push workflow, which makes the content of the others.
func (s *suite) push() {
	d := s.data
	var session string // the Location of the session post-session opened
	s.step("end-4a/post-session", nil, func() (err error) {
		_, session, err = s.startUpload(d.repo, nil)
		return err
	})
	s.step("end-6/put-monolithic", []string{"end-4a/post-session"}, func() error {
		return s.completeUpload(session, d.monoLayer, nil, nil)
	})
	s.step("end-6/put-empty-blob", []string{"end-4a/post-session"}, func() error {
		return s.pushBlob(d.repo, d.emptyBlob)
	})
	s.step("end-4b/post-monolithic", []string{"end-4a/post-session"}, func() error {
		return s.postMonolithic(d.singleLayer, true)
	})
	var chunked string // the Location of the chunked upload's session
	s.step("end-5/patch-chunks", []string{"end-4a/post-session"}, func() (err error) {
		chunked, err = s.patchChunks()
		return err
	})
	s.step("end-5/patch-out-of-order", []string{"end-5/patch-chunks"}, func() error {
		return s.patchOutOfOrder(chunked)
	})
	s.step("end-6/put-out-of-order", []string{"end-4a/post-session"}, s.putOutOfOrder)
	s.step("end-13/upload-status", []string{"end-5/patch-chunks"}, func() error {
		loc, err := s.uploadStatus(chunked, 2*d.chunk)
		if err == nil {
			chunked = loc // the registry may move the session
		}
		return err
	})
	s.step("end-6/put-final-chunk", []string{"end-5/patch-chunks"}, func() error {
		rest := d.chunkLayer.data[2*d.chunk:]
		h := octetStream()
		h.Set("Content-Range", fmt.Sprintf("%d-%d", 2*d.chunk, len(d.chunkLayer.data)-1))
		return s.completeUpload(chunked, d.chunkLayer, rest, h)
	})
	s.step("end-6/put-close", []string{"end-4a/post-session"}, func() error {
		return s.patchThenClose(d.closeLayer, true)
	})
	s.step("end-5/patch-stream", []string{"end-4a/post-session"}, func() error {
		return s.patchThenClose(d.streamLayer, false)
	})
	s.step("end-6/put-wrong-digest", []string{"end-4a/post-session"}, s.putWrongDigest)
	s.step("end-4b/post-monolithic-sha512", []string{"end-4a/post-session"}, func() error {
		return s.postMonolithic(d.sha512Layer, false)
	})
	s.step("end-4c/post-digest-algorithm", []string{"end-4a/post-session"}, s.postDigestAlgorithm)
	s.step("end-11/mount", nil, s.mount)
	s.step("end-11/mount-missing", []string{"end-4a/post-session"}, s.mountMissing)
	s.step("end-11/mount-anonymous", nil, s.mountAnonymous)
	s.step("end-14/cancel-upload", []string{"end-4a/post-session"}, s.cancelUpload)
	s.pushManifests()
}

// startUpload opens an upload session in repo and returns the response
// and the session's Location.
func (s *suite) startUpload(repo string, q url.Values) (*response, string, error) {
	resp, err := s.do(request{method: http.MethodPost, url: s.uploadURL(repo, q)})
	if err != nil {
		return nil, "", err
	}
	if err := expectStatus(resp, http.StatusAccepted); err != nil {
		return resp, "", err
	}
	loc, err := location(resp)
	return resp, loc, err
}

// completeUpload closes the session at loc with a PUT carrying body (the
// whole blob when body is nil) and checks that b can then be fetched from
// the Location of the answer.
func (s *suite) completeUpload(loc string, b *blob, body []byte, h http.Header) error {
	if body == nil {
		body = b.data
	}
	if h == nil {
		h = octetStream()
	}
	resp, err := s.do(request{method: http.MethodPut, url: withQuery(loc, url.Values{"digest": {b.digest.String()}}), header: h, body: body})
	if err != nil {
		return err
	}
	return s.blobCreated(resp, b)
}

// blobCreated checks a 201 answering the upload of b: its digest, and that
// its Location names a blob of b's size.
func (s *suite) blobCreated(resp *response, b *blob) error {
	if err := first(expectStatus(resp, http.StatusCreated), expectDigestHeader(resp, b.digest, false)); err != nil {
		return err
	}
	s.data.addPushed(s.data.repo, b)
	loc, err := location(resp)
	if err != nil {
		return err
	}
	// The bytes are compared by the pull checks (end-2), which own the
	// download; here the Location must name the stored blob.
	got, err := s.do(request{method: http.MethodHead, url: loc, follow: true})
	if err != nil {
		return err
	}
	return first(expectStatus(got, http.StatusOK), expectContentLength(got, len(b.data), false))
}

// pushBlob pushes b to repo with POST and PUT, the upload every registry
// offers.
func (s *suite) pushBlob(repo string, b *blob) error {
	_, loc, err := s.startUpload(repo, nil)
	if err != nil {
		return err
	}
	resp, err := s.do(request{method: http.MethodPut, url: withQuery(loc, url.Values{"digest": {b.digest.String()}}), header: octetStream(), body: b.data})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusCreated); err != nil {
		return err
	}
	s.data.addPushed(repo, b)
	return nil
}

// postMonolithic pushes b with a single POST. A registry that answers 202
// instead gets the blob in a PUT, as the specification lets it.
func (s *suite) postMonolithic(b *blob, verify bool) error {
	resp, err := s.do(request{method: http.MethodPost, url: s.uploadURL(s.data.repo, url.Values{"digest": {b.digest.String()}}), header: octetStream(), body: b.data})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusCreated, http.StatusAccepted); err != nil {
		return err
	}
	if resp.status == http.StatusAccepted {
		s.note = "the registry answered 202 and took the blob in a PUT"
		loc, err := location(resp)
		if err != nil {
			return err
		}
		return s.completeUpload(loc, b, nil, nil)
	}
	if !verify {
		if err := expectDigestHeader(resp, b.digest, false); err != nil {
			return err
		}
		s.data.addPushed(s.data.repo, b)
		return nil
	}
	return s.blobCreated(resp, b)
}

// patchChunks opens a session and sends the first two chunks of the
// chunked layer, returning the Location to continue at.
func (s *suite) patchChunks() (string, error) {
	resp, loc, err := s.startUpload(s.data.repo, nil)
	if err != nil {
		return "", err
	}
	min := int64(0)
	if v := resp.header.Get("OCI-Chunk-Min-Length"); v != "" {
		min, _ = strconv.ParseInt(v, 10, 64)
	}
	s.data.setChunk(min)
	for i := 0; i < 2; i++ {
		if loc, err = s.patchChunk(loc, i*s.data.chunk, (i+1)*s.data.chunk); err != nil {
			return "", err
		}
	}
	return loc, nil
}

// patchChunk sends bytes [start, end) of the chunked layer and checks the
// registry's account of them.
func (s *suite) patchChunk(loc string, start, end int) (string, error) {
	h := octetStream()
	h.Set("Content-Range", fmt.Sprintf("%d-%d", start, end-1))
	resp, err := s.do(request{method: http.MethodPatch, url: loc, header: h, body: s.data.chunkLayer.data[start:end]})
	if err != nil {
		return "", err
	}
	if err := expectStatus(resp, http.StatusAccepted); err != nil {
		return "", err
	}
	if got, want := resp.header.Get("Range"), fmt.Sprintf("0-%d", end-1); got != want {
		return "", failf(resp, "Range is %q after bytes %d-%d, want %q", got, start, end-1, want)
	}
	return location(resp)
}

// patchOutOfOrder sends a chunk that leaves a gap and one that repeats the
// last, to the chunked upload's session; both must get 416.
func (s *suite) patchOutOfOrder(loc string) error {
	c := s.data.chunk
	data := s.data.chunkLayer.data
	for _, r := range []struct{ start, end int }{
		{2*c + 1, len(data)}, // a gap of one byte
		{c, 2 * c},           // the last chunk again
	} {
		h := octetStream()
		h.Set("Content-Range", fmt.Sprintf("%d-%d", r.start, r.end-1))
		resp, err := s.do(request{method: http.MethodPatch, url: loc, header: h, body: data[r.start:r.end]})
		if err != nil {
			return err
		}
		if err := expectStatus(resp, http.StatusRequestedRangeNotSatisfiable); err != nil {
			return err
		}
	}
	return nil
}

// uploadStatus asks for the state of the session at loc, which must hold
// size bytes, and returns the Location to continue at.
func (s *suite) uploadStatus(loc string, size int) (string, error) {
	resp, err := s.do(request{method: http.MethodGet, url: loc})
	if err != nil {
		return "", err
	}
	if err := expectStatus(resp, http.StatusNoContent); err != nil {
		return "", err
	}
	if got, want := resp.header.Get("Range"), fmt.Sprintf("0-%d", size-1); got != want {
		return "", failf(resp, "Range is %q for a session holding %d bytes, want %q", got, size, want)
	}
	return location(resp)
}

// patchThenClose uploads b in one PATCH, with Content-Range or as a stream,
// and closes the session with an empty PUT.
func (s *suite) patchThenClose(b *blob, withRange bool) error {
	_, loc, err := s.startUpload(s.data.repo, nil)
	if err != nil {
		return err
	}
	h := octetStream()
	if withRange {
		h.Set("Content-Range", fmt.Sprintf("0-%d", len(b.data)-1))
	}
	resp, err := s.do(request{method: http.MethodPatch, url: loc, header: h, body: b.data})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusAccepted); err != nil {
		return err
	}
	if got, want := resp.header.Get("Range"), fmt.Sprintf("0-%d", len(b.data)-1); got != want {
		return failf(resp, "Range is %q after %d bytes, want %q", got, len(b.data), want)
	}
	if loc, err = location(resp); err != nil {
		return err
	}
	return s.completeUpload(loc, b, []byte{}, http.Header{})
}

// putWrongDigest closes an upload with the digest of other content: the
// registry must refuse it and store nothing.
func (s *suite) putWrongDigest() error {
	_, loc, err := s.startUpload(s.data.repo, nil)
	if err != nil {
		return err
	}
	claimed := s.data.missingBlob.digest
	resp, err := s.do(request{method: http.MethodPut, url: withQuery(loc, url.Values{"digest": {claimed.String()}}), header: octetStream(), body: s.data.wrongBlob.data})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusBadRequest); err != nil {
		return err
	}
	for _, d := range []digest.Digest{claimed, s.data.wrongBlob.digest} {
		got, err := s.do(request{method: http.MethodHead, url: s.blobURL(s.data.repo, d)})
		if err != nil {
			return err
		}
		if got.status != http.StatusNotFound {
			return failf(got, "after a refused upload, HEAD of %s answered %d, want 404", d, got.status)
		}
	}
	return nil
}

// postDigestAlgorithm opens a session for a sha512 blob and closes it.
func (s *suite) postDigestAlgorithm() error {
	resp, err := s.do(request{method: http.MethodPost, url: s.uploadURL(s.data.repo, url.Values{"digest-algorithm": {"sha512"}})})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusAccepted); err != nil {
		return err
	}
	loc, err := location(resp)
	if err != nil {
		return err
	}
	return s.completeUpload(loc, s.data.sha512AlgLayer, nil, nil)
}

// mount links the monolithic layer into the second repository.
func (s *suite) mount() error {
	b := s.data.monoLayer
	if err := s.needBlobs(b); err != nil {
		return err
	}
	resp, err := s.do(request{method: http.MethodPost, url: s.uploadURL(s.data.repo2, url.Values{"mount": {b.digest.String()}, "from": {s.data.repo}})})
	if err != nil {
		return err
	}
	if resp.status == http.StatusAccepted {
		return failf(resp, "the registry opened a session (202) instead of mounting; disable feature %s if it does not mount", FeatureMount)
	}
	if err := expectStatus(resp, http.StatusCreated); err != nil {
		return err
	}
	return s.expectBlobIn(s.data.repo2, b)
}

// expectBlobIn checks that repo serves b.
func (s *suite) expectBlobIn(repo string, b *blob) error {
	got, err := s.do(request{method: http.MethodGet, url: s.blobURL(repo, b.digest), follow: true})
	if err != nil {
		return err
	}
	return first(expectStatus(got, http.StatusOK), expectBody(got, b.data, "the mounted blob"))
}

// mountMissing asks to mount a blob the source lacks.
func (s *suite) mountMissing() error {
	resp, err := s.do(request{method: http.MethodPost, url: s.uploadURL(s.data.repo2, url.Values{"mount": {s.data.missingBlob.digest.String()}, "from": {s.data.repo}})})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusAccepted); err != nil {
		return err
	}
	loc, err := location(resp)
	if err == nil {
		s.abandon(loc)
	}
	return err
}

// mountAnonymous asks to mount the closed layer without naming its source.
func (s *suite) mountAnonymous() error {
	b := s.data.closeLayer
	if err := s.needBlobs(b); err != nil {
		return err
	}
	resp, err := s.do(request{method: http.MethodPost, url: s.uploadURL(s.data.repo2, url.Values{"mount": {b.digest.String()}})})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusCreated, http.StatusAccepted); err != nil {
		return err
	}
	if resp.status == http.StatusAccepted {
		s.note = "the registry opened a session (202): it does not mount without a source"
		loc, err := location(resp)
		if err == nil {
			s.abandon(loc)
		}
		return err
	}
	return s.expectBlobIn(s.data.repo2, b)
}

// abandon cancels a session the suite does not need, where the registry
// offers cancelling; the outcome matters to no check but the contract.
func (s *suite) abandon(loc string) {
	if s.set.features[FeatureUploadCancel] {
		_, _ = s.do(request{method: http.MethodDelete, url: loc})
	}
}

// cancelUpload opens a session, sends a chunk, cancels it, and checks that
// it is gone.
func (s *suite) cancelUpload() error {
	_, loc, err := s.startUpload(s.data.repo, nil)
	if err != nil {
		return err
	}
	chunk := s.data.c.bytes("cancelled", 512)
	h := octetStream()
	h.Set("Content-Range", fmt.Sprintf("0-%d", len(chunk)-1))
	resp, err := s.do(request{method: http.MethodPatch, url: loc, header: h, body: chunk})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusAccepted); err != nil {
		return err
	}
	if loc, err = location(resp); err != nil {
		return err
	}
	if resp, err = s.do(request{method: http.MethodDelete, url: loc}); err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusNoContent); err != nil {
		return err
	}
	if resp, err = s.do(request{method: http.MethodGet, url: loc}); err != nil {
		return err
	}
	if resp.status != http.StatusNotFound {
		return failf(resp, "the cancelled session answered GET with %d, want 404", resp.status)
	}
	return nil
}

// storeManifest pushes m to repo under ref, with the query q, and checks
// that the registry stored it: 201 and m's digest. Setups use it alone,
// so that a registry that stores content but answers imperfectly is still
// tested on what follows.
func (s *suite) storeManifest(repo, ref string, m *manifest, q url.Values) (*response, error) {
	resp, err := s.do(request{
		method: http.MethodPut, url: withQuery(s.manifestURL(repo, ref), q),
		header: http.Header{"Content-Type": {m.mediaType}}, body: m.data,
	})
	if err != nil {
		return nil, err
	}
	if err := first(expectStatus(resp, http.StatusCreated), expectDigestHeader(resp, m.digest, false)); err != nil {
		return resp, err
	}
	if repo == s.data.repo && !containsManifest(s.data.manifests, m) {
		s.data.manifests = append(s.data.manifests, m)
	}
	return resp, nil
}

// putManifest is storeManifest, checking also that the Location of the
// answer names a manifest of m's size.
func (s *suite) putManifest(repo, ref string, m *manifest, q url.Values) (*response, error) {
	resp, err := s.storeManifest(repo, ref, m, q)
	if err != nil {
		return resp, err
	}
	loc, err := location(resp)
	if err != nil {
		return resp, err
	}
	// The bytes are compared by the pull checks (end-3); here the Location
	// must name the stored manifest.
	got, err := s.do(request{method: http.MethodHead, url: loc, header: http.Header{"Accept": {acceptManifests}}, follow: true})
	if err != nil {
		return resp, err
	}
	if err := first(expectStatus(got, http.StatusOK), expectContentLength(got, len(m.data), false)); err != nil {
		return resp, err
	}
	return resp, nil
}

// containsManifest reports whether list holds m, which may be nil.
func containsManifest(list []*manifest, m *manifest) bool {
	if m == nil {
		return false
	}
	for _, x := range list {
		if x.digest == m.digest {
			return true
		}
	}
	return false
}

// pushManifests runs the manifest checks of the push workflow.
func (s *suite) pushManifests() {
	d := s.data
	s.step("end-7a/put-manifest-tag", nil, func() error {
		if err := s.needBlobs(d.monoLayer, d.chunkLayer); err != nil {
			return err
		}
		if err := s.pushBlob(d.repo, d.buildImageA()); err != nil {
			return err
		}
		_, err := s.putManifest(d.repo, d.tagA, d.imageA, nil)
		return err
	})
	s.step("end-7a/put-manifest-digest", nil, func() error {
		if err := s.needBlobs(d.singleLayer, d.closeLayer); err != nil {
			return err
		}
		if err := s.pushBlob(d.repo, d.buildImageB()); err != nil {
			return err
		}
		_, err := s.putManifest(d.repo, d.imageB.digest.String(), d.imageB, nil)
		return err
	})
	s.step("end-7a/put-index", nil, func() error {
		if err := s.needManifests(d.imageA, d.imageB); err != nil {
			return err
		}
		d.buildIndex()
		_, err := s.putManifest(d.repo, d.tagIndex, d.index, nil)
		return err
	})
	s.step("end-7a/put-manifest-subject", nil, func() error {
		if err := s.needManifests(d.imageA); err != nil {
			return err
		}
		d.buildReferrers()
		for _, b := range []*blob{d.emptyCfg, d.sbomLayer, d.sigConfig} {
			if err := s.pushBlob(d.repo, b); err != nil {
				return err
			}
		}
		// Both are pushed whatever the first answer, for the referrers
		// checks; the first failure is the check's.
		var errs []error
		for _, m := range []*manifest{d.refSBOM, d.refSig} {
			errs = append(errs, s.putReferrer(m, d.imageA.digest, true))
		}
		return first(errs...)
	})
	s.step("end-7a/put-manifest-subject-missing", []string{"end-4a/post-session"}, func() error {
		d.buildOrphan()
		for _, b := range []*blob{d.emptyCfg, d.sbomLayer} {
			if err := s.pushBlob(d.repo, b); err != nil {
				return err
			}
		}
		return s.putReferrer(d.refOrphan, d.orphanSubject, s.set.features[FeatureReferrers])
	})
	s.step("end-7a/put-manifest-sha512", nil, func() error {
		if err := s.needBlobs(d.sha512Layer); err != nil {
			return err
		}
		cfg := d.buildImage512()
		if err := s.pushBlob(d.repo, cfg); err != nil {
			return err
		}
		_, err := s.putManifest(d.repo, d.image512.digest.String(), d.image512, nil)
		return err
	})
	s.step("end-7a/put-sparse-index", nil, func() error {
		if err := s.needManifests(d.imageA); err != nil {
			return err
		}
		d.buildSparse()
		_, err := s.putManifest(d.repo, d.sparse.digest.String(), d.sparse, nil)
		return err
	})
	s.step("end-7b/put-manifest-tags", nil, s.putManifestTags)
}

// putReferrer pushes m, whose subject is subject, by digest; with
// wantSubject the registry must acknowledge the subject in OCI-Subject.
func (s *suite) putReferrer(m *manifest, subject digest.Digest, wantSubject bool) error {
	resp, err := s.putManifest(s.data.repo, m.digest.String(), m, nil)
	if err != nil {
		return err
	}
	if got := resp.header.Get("OCI-Subject"); wantSubject && got != subject.String() {
		return failf(resp, "OCI-Subject is %q, want %q: a registry offering the referrers API acknowledges the subject", got, subject)
	}
	return nil
}

// putManifestTags pushes image A by digest with tag parameters.
func (s *suite) putManifestTags() error {
	d := s.data
	if err := s.needManifests(d.imageA); err != nil {
		return err
	}
	resp, err := s.putManifest(d.repo, d.imageA.digest.String(), d.imageA, url.Values{"tag": d.paramTags})
	if err != nil {
		return err
	}
	got := map[string]bool{}
	for _, v := range resp.header.Values("OCI-Tag") {
		for _, t := range strings.Split(v, ",") {
			got[strings.TrimSpace(t)] = true
		}
	}
	for _, t := range d.paramTags {
		if !got[t] {
			return failf(resp, "OCI-Tag %q does not list tag %q", resp.header.Values("OCI-Tag"), t)
		}
	}
	for _, t := range d.paramTags {
		if err := s.expectManifest(http.MethodGet, d.repo, t, d.imageA); err != nil {
			return err
		}
	}
	return nil
}

// putOutOfOrder closes a session of its own with a last chunk that leaves a
// gap; the registry must answer 416. Version 1.1 of the specification
// says nothing of it.
func (s *suite) putOutOfOrder() error {
	if s.set.spec != SpecDev {
		return &skipError{"specification v1.1 does not require it; dev does"}
	}
	data := s.data.c.bytes("put out of order", 2048)
	_, loc, err := s.startUpload(s.data.repo, nil)
	if err != nil {
		return err
	}
	h := octetStream()
	h.Set("Content-Range", "0-1023")
	resp, err := s.do(request{method: http.MethodPatch, url: loc, header: h, body: data[:1024]})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusAccepted); err != nil {
		return err
	}
	if loc, err = location(resp); err != nil {
		return err
	}
	h = octetStream()
	h.Set("Content-Range", "1025-2047")
	resp, err = s.do(request{method: http.MethodPut, url: withQuery(loc, url.Values{"digest": {digest.SHA256.FromBytes(data).String()}}), header: h, body: data[1025:]})
	if err != nil {
		return err
	}
	s.abandon(loc)
	return expectStatus(resp, http.StatusRequestedRangeNotSatisfiable)
}
