package conformance

import (
	"fmt"
	"net/http"
	"strconv"
)

// pull runs the pull workflow on what the push workflow stored.
func (s *suite) pull() {
	d := s.data
	dev := s.set.spec == SpecDev
	s.step("end-2/get-blob", nil, func() error {
		if len(d.pushed) == 0 {
			return &skipError{"the push workflow stored no blob"}
		}
		for _, b := range d.pushed {
			if err := s.expectBlob(http.MethodGet, d.repo, b, dev); err != nil {
				return err
			}
		}
		return nil
	})
	s.step("end-2/head-blob", nil, func() error {
		if len(d.pushed) == 0 {
			return &skipError{"the push workflow stored no blob"}
		}
		for _, b := range d.pushed {
			if err := s.expectBlob(http.MethodHead, d.repo, b, dev); err != nil {
				return err
			}
		}
		return nil
	})
	s.step("end-2/get-blob-range", nil, s.getBlobRange)
	s.step("end-2/get-blob-missing", nil, func() error {
		for _, method := range []string{http.MethodGet, http.MethodHead} {
			if err := s.expectMissing(method, s.blobURL(d.repo, d.missingBlob.digest)); err != nil {
				return err
			}
		}
		return nil
	})
	s.step("end-2/get-empty-blob", nil, func() error {
		if err := s.needBlobs(d.emptyBlob); err != nil {
			return err
		}
		return first(s.expectBlob(http.MethodGet, d.repo, d.emptyBlob, dev), s.expectBlob(http.MethodHead, d.repo, d.emptyBlob, dev))
	})
	s.step("end-2/get-blob-sha512", nil, func() error {
		if err := s.needBlobs(d.sha512Layer); err != nil {
			return err
		}
		for _, b := range []*blob{d.sha512Layer, d.sha512AlgLayer} {
			if !d.stored[b.digest] {
				continue // end-4c reports its own failure
			}
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				if err := s.expectBlob(method, d.repo, b, dev); err != nil {
					return err
				}
			}
		}
		return nil
	})
	s.step("end-3/get-manifest-tag", nil, func() error {
		if err := s.needManifests(d.imageA); err != nil {
			return err
		}
		return s.expectManifest(http.MethodGet, d.repo, d.tagA, d.imageA)
	})
	s.step("end-3/get-manifest-digest", nil, func() error {
		if err := s.needManifests(d.imageA); err != nil {
			return err
		}
		for _, m := range d.manifests {
			if err := s.expectManifest(http.MethodGet, d.repo, m.digest.String(), m); err != nil {
				return err
			}
		}
		return nil
	})
	s.step("end-3/head-manifest-tag", nil, func() error {
		if err := s.needManifests(d.imageA); err != nil {
			return err
		}
		return s.expectManifest(http.MethodHead, d.repo, d.tagA, d.imageA)
	})
	s.step("end-3/head-manifest-digest", nil, func() error {
		if err := s.needManifests(d.imageA); err != nil {
			return err
		}
		for _, m := range d.manifests {
			if err := s.expectManifest(http.MethodHead, d.repo, m.digest.String(), m); err != nil {
				return err
			}
		}
		return nil
	})
	s.step("end-3/get-manifest-missing", nil, func() error {
		for _, ref := range []string{d.missingTag, d.unknownManifest.String()} {
			for _, method := range []string{http.MethodGet, http.MethodHead} {
				if err := s.expectMissing(method, s.manifestURL(d.repo, ref)); err != nil {
					return err
				}
			}
		}
		return nil
	})
	s.step("end-3/get-manifest-sha512", nil, func() error {
		if err := s.needManifests(d.image512); err != nil {
			return err
		}
		return s.expectManifest(http.MethodGet, d.repo, d.image512.digest.String(), d.image512)
	})
}

// expectBlob fetches b from repo with GET or HEAD and checks the answer:
// the bytes, or for HEAD the size and no body. requireDigest makes
// Docker-Content-Digest required.
func (s *suite) expectBlob(method, repo string, b *blob, requireDigest bool) error {
	resp, err := s.do(request{method: method, url: s.blobURL(repo, b.digest), follow: true})
	if err != nil {
		return err
	}
	if err := expectStatus(resp, http.StatusOK); err != nil {
		return err
	}
	if method == http.MethodHead {
		// Behind a redirect the final response comes from storage, whose
		// headers the specification does not govern.
		if s.c.onRegistry(resp.url) {
			if err := first(expectContentLength(resp, len(b.data), requireDigest), expectDigestHeader(resp, b.digest, requireDigest)); err != nil {
				return err
			}
		}
		if resp.bodyLen > 0 {
			return failf(resp, "a HEAD response carries %d bytes of body", resp.bodyLen)
		}
		return nil
	}
	return first(expectBody(resp, b.data, "blob "+b.digest.String()), expectDigestHeader(resp, b.digest, false))
}

// expectManifest fetches the manifest ref of repo with GET or HEAD and
// checks it is m: bytes and media type, or for HEAD size and digest.
func (s *suite) expectManifest(method, repo, ref string, m *manifest) error {
	resp, err := s.do(request{method: method, url: s.manifestURL(repo, ref), header: http.Header{"Accept": {acceptManifests}}, follow: true})
	if err != nil {
		return err
	}
	dev := s.set.spec == SpecDev
	if err := first(expectStatus(resp, http.StatusOK), expectMediaType(resp, m.mediaType)); err != nil {
		return err
	}
	// A tag names content of the registry's choosing algorithm; the
	// digest header is compared when it uses the manifest's.
	if err := expectDigestHeader(resp, m.digest, dev); err != nil {
		return err
	}
	if method == http.MethodHead {
		if resp.bodyLen > 0 {
			return failf(resp, "a HEAD response carries %d bytes of body", resp.bodyLen)
		}
		return expectContentLength(resp, len(m.data), dev)
	}
	if err := expectBody(resp, m.data, "manifest "+ref); err != nil {
		return err
	}
	// The client hashed the body in the algorithm of a well-formed
	// Docker-Content-Digest as it read it.
	if got := resp.header.Get("Docker-Content-Digest"); resp.bodyDigest != "" && string(resp.bodyDigest) != got {
		return failf(resp, "Docker-Content-Digest %s is not the digest of the manifest", got)
	}
	return nil
}

// expectMissing fetches url with GET or HEAD and expects 404.
func (s *suite) expectMissing(method, url string) error {
	resp, err := s.do(request{method: method, url: url, header: http.Header{"Accept": {acceptManifests}}})
	if err != nil {
		return err
	}
	return expectStatus(resp, http.StatusNotFound)
}

// getBlobRange fetches part of the chunked layer.
func (s *suite) getBlobRange() error {
	b := s.data.chunkLayer
	if err := s.needBlobs(b); err != nil {
		return err
	}
	start, end := 100, 100+s.data.chunk // inclusive end, across a chunk boundary
	resp, err := s.do(request{method: http.MethodGet, url: s.blobURL(s.data.repo, b.digest),
		header: http.Header{"Range": {fmt.Sprintf("bytes=%d-%d", start, end)}}, follow: true})
	if err != nil {
		return err
	}
	if resp.status == http.StatusOK && !s.set.features[FeatureBlobRange] {
		s.note = "the registry ignores Range and sends the whole blob"
		return expectBody(resp, b.data, "the blob, sent whole for a Range request")
	}
	if err := expectStatus(resp, http.StatusPartialContent); err != nil {
		return err
	}
	want := fmt.Sprintf("bytes %d-%d/%s", start, end, strconv.Itoa(len(b.data)))
	if got := resp.header.Get("Content-Range"); got != want {
		return failf(resp, "Content-Range is %q, want %q", got, want)
	}
	if err := expectBody(resp, b.data[start:end+1], "the range of the blob"); err != nil {
		return err
	}
	// A registry that serves ranges serves them all as RFC 9110 says: the
	// last bytes, and 416 for a range past the end.
	size := len(b.data)
	for _, r := range []struct {
		header string
		status int
		body   []byte
	}{
		{"bytes=-100", http.StatusPartialContent, b.data[size-100:]},
		{fmt.Sprintf("bytes=%d-%d", size+10, size+20), http.StatusRequestedRangeNotSatisfiable, nil},
	} {
		resp, err := s.do(request{method: http.MethodGet, url: s.blobURL(s.data.repo, b.digest),
			header: http.Header{"Range": {r.header}}, follow: true})
		if err != nil {
			return err
		}
		if err := expectStatus(resp, r.status); err != nil {
			return err
		}
		if r.body != nil {
			if err := expectBody(resp, r.body, "the range "+r.header); err != nil {
				return err
			}
		}
	}
	return nil
}
