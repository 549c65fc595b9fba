package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// acceptManifests is the Accept header of manifest requests: every
// manifest type a client of this suite reads.
const acceptManifests = mediaTypeImageManifest + ", " + mediaTypeImageIndex +
	", application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json"

// The URLs of the suite's requests come from the module's URL builder, so
// that no path of the API is written here a second time. The builder
// refuses only names and references that are not valid, and the suite's
// are: resolve checks the repositories, and the data set makes the tags
// and digests. Should one be refused all the same, the URL is empty and
// the request fails with an error naming no URL, rather than going
// somewhere else.

func (s *suite) baseURL() string {
	u, _ := s.urls.BuildBaseURL()
	return u
}

func (s *suite) blobURL(repo string, d digest.Digest) string {
	ref, err := canonical(repo, d)
	if err != nil {
		return ""
	}
	u, _ := s.urls.BuildBlobURL(ref)
	return u
}

// manifestURL returns the URL of manifest ref, a tag or a digest.
func (s *suite) manifestURL(repo, ref string) string {
	named, err := reference.WithName(repo)
	if err != nil {
		return ""
	}
	var r reference.Named
	if d, err := digest.Parse(ref); err == nil {
		r, err = reference.WithDigest(named, d)
		if err != nil {
			return ""
		}
	} else if r, err = reference.WithTag(named, ref); err != nil {
		return ""
	}
	u, _ := s.urls.BuildManifestURL(r)
	return u
}

func (s *suite) uploadURL(repo string, q url.Values) string {
	named, err := reference.WithName(repo)
	if err != nil {
		return ""
	}
	u, _ := s.urls.BuildBlobUploadURL(named, q)
	return u
}

func (s *suite) tagsURL(repo string, q url.Values) string {
	named, err := reference.WithName(repo)
	if err != nil {
		return ""
	}
	u, _ := s.urls.BuildTagsURL(named, q)
	return u
}

func (s *suite) referrersURL(repo string, d digest.Digest, q url.Values) string {
	ref, err := canonical(repo, d)
	if err != nil {
		return ""
	}
	u, _ := s.urls.BuildReferrersURL(ref, q)
	return u
}

// canonical returns the reference to digest d in repository repo.
func canonical(repo string, d digest.Digest) (reference.Canonical, error) {
	named, err := reference.WithName(repo)
	if err != nil {
		return nil, err
	}
	return reference.WithDigest(named, d)
}

// withQuery adds q to the URL u without re-encoding the query u has: an
// upload Location may carry state in a form of the registry's choosing.
func withQuery(u string, q url.Values) string {
	if len(q) == 0 {
		return u
	}
	sep := "?"
	if strings.Contains(u, "?") {
		sep = "&"
	}
	return u + sep + q.Encode()
}

// expectStatus fails unless resp has one of the statuses.
func expectStatus(resp *response, want ...int) error {
	if slices.Contains(want, resp.status) {
		return nil
	}
	ws := make([]string, len(want))
	for i, w := range want {
		ws[i] = strconv.Itoa(w)
	}
	msg := fmt.Sprintf("%s %s answered %d", resp.method, resp.url.Redacted(), resp.status)
	if codes := errorCodes(resp); len(codes) > 0 {
		msg += " (" + strings.Join(codes, ", ") + ")"
	}
	if resp.status >= 500 || resp.status == http.StatusRequestTimeout {
		msg += ", a failure of the registry rather than of its contract"
	}
	return failf(resp, "%s, want %s", msg, strings.Join(ws, " or "))
}

// maxNamedCodes bounds the codes of an error envelope a failure names.
const maxNamedCodes = 5

// errorCodes returns the first codes of an error envelope in resp's body,
// if any, with their messages.
func errorCodes(resp *response) []string {
	raw, ok, err := envelopeMember(resp.body)
	if err != nil || !ok {
		return nil
	}
	entries, err := envelopeEntries(raw, maxNamedCodes)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		var code, msg string
		if json.Unmarshal(e.code, &code) != nil {
			continue
		}
		_ = json.Unmarshal(e.message, &msg)
		out = append(out, truncate(code+": "+msg, 120))
	}
	return out
}

// location resolves the Location of resp against its request.
func location(resp *response) (string, error) {
	loc := resp.header.Get("Location")
	if loc == "" {
		return "", failf(resp, "%s %s answered %d without a Location", resp.method, resp.url.Redacted(), resp.status)
	}
	u, err := resolveLocation(resp.url, loc)
	if err != nil {
		return "", failf(resp, "Location %q does not resolve: %v", truncate(loc, 200), err)
	}
	return u.String(), nil
}

// expectBody fails unless resp's body is want, byte for byte.
func expectBody(resp *response, want []byte, what string) error {
	if !resp.complete {
		return failf(resp, "%s: the body is longer than %d bytes", what, maxKeep)
	}
	if !bytes.Equal(resp.body, want) {
		return failf(resp, "%s: the body differs from what was pushed (%d bytes, digest %s; want %d bytes, digest %s)",
			what, len(resp.body), digest.SHA256.FromBytes(resp.body), len(want), digest.SHA256.FromBytes(want))
	}
	return nil
}

// expectDigestHeader fails when resp has a Docker-Content-Digest of d's
// algorithm other than d, or lacks one where required.
func expectDigestHeader(resp *response, d digest.Digest, required bool) error {
	v := resp.header.Get("Docker-Content-Digest")
	if v == "" {
		if required {
			return failf(resp, "no Docker-Content-Digest")
		}
		return nil
	}
	got, err := digest.Parse(v)
	if err != nil {
		return failf(resp, "Docker-Content-Digest %q is not a digest", truncate(v, 100))
	}
	if got.Algorithm() == d.Algorithm() && got != d {
		return failf(resp, "Docker-Content-Digest is %s, want %s", got, d)
	}
	return nil
}

// expectContentLength fails when resp has a Content-Length other than n,
// or lacks one where required.
func expectContentLength(resp *response, n int, required bool) error {
	v := resp.header.Get("Content-Length")
	if v == "" {
		if required {
			return failf(resp, "no Content-Length")
		}
		return nil
	}
	if v != strconv.Itoa(n) {
		return failf(resp, "Content-Length is %s, want %d", truncate(v, 40), n)
	}
	return nil
}

// expectMediaType fails unless resp's Content-Type is mt, parameters
// aside.
func expectMediaType(resp *response, mt string) error {
	got, _, err := mime.ParseMediaType(resp.header.Get("Content-Type"))
	if err != nil || got != mt {
		return failf(resp, "Content-Type is %q, want %q", truncate(resp.header.Get("Content-Type"), 100), mt)
	}
	return nil
}

// octetStream is the header of requests that send blob bytes.
func octetStream() http.Header {
	return http.Header{"Content-Type": {"application/octet-stream"}}
}

// first returns the first error of errs that is not nil.
func first(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
