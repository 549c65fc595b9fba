package registrytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
)

// Media types the registry knows by name.
const (
	mediaTypeOCIManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeOCIIndex    = "application/vnd.oci.image.index.v1+json"
)

// manifest is a stored manifest. It is immutable once stored.
type manifest struct {
	digest    digest.Digest
	mediaType string
	data      []byte
	subject   digest.Digest
	// artifactType is the artifactType of the manifest or, for an image
	// manifest without one, its config's media type.
	artifactType string
	annotations  map[string]string
	// blobs and children are the descriptors the manifest references,
	// checked when Options.RequireManifestBlobs is set.
	blobs    []descriptor
	children []descriptor
}

// descriptor is the JSON form of an OCI content descriptor, reduced to the
// fields the registry reads or writes.
type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	URLs         []string          `json:"urls,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// manifestJSON is what the registry reads of a manifest or index.
type manifestJSON struct {
	SchemaVersion *int              `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        *descriptor       `json:"config"`
	Layers        []descriptor      `json:"layers"`
	Manifests     []descriptor      `json:"manifests"`
	Subject       *descriptor       `json:"subject"`
	Annotations   map[string]string `json:"annotations"`
}

// parseManifest validates a manifest body and extracts what the registry
// keeps of it. contentType is the request's media type, without parameters.
func parseManifest(body []byte, contentType string) (*manifest, error) {
	if !bytes.HasPrefix(bytes.TrimLeft(body, " \t\r\n"), []byte("{")) {
		return nil, fmt.Errorf("a manifest must be a JSON object")
	}
	var mj manifestJSON
	if err := json.Unmarshal(body, &mj); err != nil {
		return nil, fmt.Errorf("manifest does not parse: %v", err)
	}
	if mj.MediaType != "" && contentType != "" && mj.MediaType != contentType {
		return nil, fmt.Errorf("mediaType %q differs from Content-Type %q", mj.MediaType, contentType)
	}
	m := &manifest{mediaType: contentType, artifactType: mj.ArtifactType, annotations: mj.Annotations}
	if m.mediaType == "" {
		m.mediaType = mj.MediaType
	}
	if m.mediaType == "" {
		if mj.Manifests != nil {
			m.mediaType = mediaTypeOCIIndex
		} else {
			m.mediaType = mediaTypeOCIManifest
		}
	}
	check := func(field string, d descriptor) error {
		if _, err := digest.Parse(d.Digest); err != nil {
			return fmt.Errorf("%s: invalid digest %q: %v", field, truncate(d.Digest, 100), err)
		}
		if d.Size < 0 {
			return fmt.Errorf("%s: negative size", field)
		}
		return nil
	}
	if mj.Config != nil {
		if err := check("config", *mj.Config); err != nil {
			return nil, err
		}
		m.blobs = append(m.blobs, *mj.Config)
		if m.artifactType == "" {
			m.artifactType = mj.Config.MediaType
		}
	}
	for i, l := range mj.Layers {
		if err := check(fmt.Sprintf("layers[%d]", i), l); err != nil {
			return nil, err
		}
		m.blobs = append(m.blobs, l)
	}
	for i, c := range mj.Manifests {
		if err := check(fmt.Sprintf("manifests[%d]", i), c); err != nil {
			return nil, err
		}
		m.children = append(m.children, c)
	}
	if mj.Subject != nil {
		if err := check("subject", *mj.Subject); err != nil {
			return nil, err
		}
		m.subject = digest.Digest(mj.Subject.Digest)
	}
	return m, nil
}

// distributable reports whether a blob descriptor names content the registry
// is expected to hold: not foreign layers fetched from their urls.
func distributable(d descriptor) bool {
	if len(d.URLs) > 0 {
		return false
	}
	return !strings.Contains(d.MediaType, "nondistributable") && !strings.Contains(d.MediaType, ".foreign.")
}

// serveManifest answers GET, HEAD, PUT and DELETE on
// /v2/<name>/manifests/<reference>.
func (reg *Registry) serveManifest(w http.ResponseWriter, r *http.Request, req *request) {
	refStr := req.match.Reference
	var tag string
	var dgst digest.Digest
	if strings.Contains(refStr, ":") {
		d, err := parseDigest(refStr)
		if err != nil {
			serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(err))
			return
		}
		dgst = d
	} else {
		if !validTag(refStr) {
			serveError(w, 0, errcode.ErrorCodeTagInvalid.WithDetail(map[string]string{"tag": truncate(refStr, 200)}))
			return
		}
		tag = refStr
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		reg.getManifest(w, r, req, tag, dgst)
	case http.MethodPut:
		reg.putManifest(w, r, req, tag, dgst)
	case http.MethodDelete:
		reg.deleteManifest(w, req, tag, dgst)
	default:
		serveMethodNotAllowed(w, r, "GET, HEAD, PUT, DELETE")
	}
}

func (reg *Registry) getManifest(w http.ResponseWriter, r *http.Request, req *request, tag string, dgst digest.Digest) {
	reg.mu.RLock()
	rp := reg.repo(req.name, false)
	var m *manifest
	if rp != nil {
		if tag != "" {
			dgst = rp.tags[tag]
		}
		m = rp.manifests[dgst]
	}
	reg.mu.RUnlock()
	if rp == nil {
		serveError(w, 0, errcode.ErrorCodeNameUnknown.WithDetail(map[string]string{"name": req.name}))
		return
	}
	if m == nil {
		serveManifestUnknown(w, tag, dgst)
		return
	}
	h := w.Header()
	h.Set("Content-Type", m.mediaType)
	h.Set("Content-Length", strconv.Itoa(len(m.data)))
	h.Set("Docker-Content-Digest", m.digest.String())
	h.Set("ETag", `"`+m.digest.String()+`"`)
	w.WriteHeader(http.StatusOK)
	if r.Method == http.MethodGet {
		_, _ = w.Write(m.data)
	}
}

func serveManifestUnknown(w http.ResponseWriter, tag string, dgst digest.Digest) {
	detail := map[string]string{"tag": tag}
	if tag == "" {
		detail = map[string]string{"digest": dgst.String()}
	}
	serveError(w, 0, errcode.ErrorCodeManifestUnknown.WithDetail(detail))
}

func (reg *Registry) putManifest(w http.ResponseWriter, r *http.Request, req *request, tag string, dgst digest.Digest) {
	contentType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil {
			serveError(w, 0, errcode.ErrorCodeManifestInvalid.WithDetail(fmt.Sprintf("Content-Type %q: %v", truncate(ct, 200), err)))
			return
		}
		contentType = mt
	}

	// Tags given as query parameters, for a push by digest.
	var tags []string
	if tag != "" {
		tags = []string{tag}
	} else if extra := r.URL.Query()["tag"]; len(extra) > 0 {
		if reg.opts.MaxTagsPerPush > 0 && len(extra) > reg.opts.MaxTagsPerPush {
			serveError(w, http.StatusRequestURITooLong, errcode.ErrorCodeTagInvalid.WithMessage(
				fmt.Sprintf("at most %d tag parameters are accepted", reg.opts.MaxTagsPerPush)))
			return
		}
		for _, t := range extra {
			if !validTag(t) {
				serveError(w, 0, errcode.ErrorCodeTagInvalid.WithDetail(map[string]string{"tag": truncate(t, 200)}))
				return
			}
			if !containsString(tags, t) {
				tags = append(tags, t)
			}
		}
	}

	body, err := readBody(r, reg.opts.MaxManifestSize)
	if err != nil {
		if err == errTooLarge {
			serveError(w, http.StatusRequestEntityTooLarge, errcode.ErrorCodeSizeInvalid.WithMessage(
				fmt.Sprintf("manifest exceeds the limit of %d bytes", reg.opts.MaxManifestSize)))
			return
		}
		serveError(w, 0, errcode.ErrorCodeManifestInvalid.WithDetail(err))
		return
	}

	algo := digest.Canonical
	if dgst != "" {
		algo = dgst.Algorithm()
	}
	actual := algo.FromBytes(body)
	if dgst != "" && actual != dgst {
		serveError(w, 0, errcode.ErrorCodeDigestInvalid.WithDetail(map[string]string{"digest": dgst.String(), "content": actual.String()}))
		return
	}
	m, err := parseManifest(body, contentType)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeManifestInvalid.WithDetail(err))
		return
	}
	m.digest = actual
	m.data = body

	reg.mu.Lock()
	if reg.opts.RequireManifestBlobs {
		if missing := reg.missingReferences(req.name, m); len(missing) > 0 {
			reg.mu.Unlock()
			errs := make(errcode.Errors, 0, len(missing))
			for _, d := range missing {
				errs = append(errs, errcode.ErrorCodeManifestBlobUnknown.WithDetail(map[string]string{"digest": d}))
			}
			serveError(w, 0, errs)
			return
		}
	}
	// The manifest's bytes count unless it is there already, and so does
	// the name of every tag that is new.
	cost := int64(len(m.data))
	if old := reg.repos[req.name]; old != nil {
		if prev := old.manifests[m.digest]; prev != nil {
			cost -= int64(len(prev.data))
		}
		for _, t := range tags {
			if _, ok := old.tags[t]; !ok {
				cost += int64(len(t))
			}
		}
	} else {
		for _, t := range tags {
			cost += int64(len(t))
		}
	}
	if !reg.reserve(cost) {
		reg.mu.Unlock()
		reg.serveStorageFull(w)
		return
	}
	rp := reg.repo(req.name, true)
	rp.manifests[m.digest] = m
	for _, t := range tags {
		rp.tags[t] = m.digest
	}
	if m.subject != "" && !containsDigest(rp.referrers[m.subject], m.digest) {
		rp.referrers[m.subject] = append(rp.referrers[m.subject], m.digest)
	}
	reg.mu.Unlock()

	loc, err := manifestURL(req, m.digest)
	if err != nil {
		serveError(w, 0, errcode.ErrorCodeUnknown.WithDetail(err))
		return
	}
	h := w.Header()
	h.Set("Location", loc)
	h.Set("Docker-Content-Digest", m.digest.String())
	if m.subject != "" {
		h.Set("OCI-Subject", m.subject.String())
	}
	if tag == "" {
		for _, t := range tags {
			h.Add("OCI-Tag", t)
		}
	}
	h.Set("Content-Length", "0")
	w.WriteHeader(http.StatusCreated)
}

// missingReferences lists the digests m references that repository name
// lacks. The caller holds reg.mu.
func (reg *Registry) missingReferences(name string, m *manifest) []string {
	rp := reg.repo(name, false)
	var missing []string
	for _, b := range m.blobs {
		if !distributable(b) {
			continue
		}
		if _, ok := repoBlob(rp, digest.Digest(b.Digest)); !ok {
			missing = append(missing, b.Digest)
		}
	}
	for _, c := range m.children {
		if rp == nil || rp.manifests[digest.Digest(c.Digest)] == nil {
			missing = append(missing, c.Digest)
		}
	}
	return missing
}

func (reg *Registry) deleteManifest(w http.ResponseWriter, req *request, tag string, dgst digest.Digest) {
	reg.mu.Lock()
	rp := reg.repo(req.name, false)
	found := false
	if rp != nil {
		if tag != "" {
			if _, found = rp.tags[tag]; found {
				delete(rp.tags, tag)
				reg.used -= int64(len(tag))
			}
		} else if m := rp.manifests[dgst]; m != nil {
			found = true
			delete(rp.manifests, dgst)
			reg.used -= int64(len(m.data))
			for t, d := range rp.tags {
				if d == dgst {
					delete(rp.tags, t)
					reg.used -= int64(len(t))
				}
			}
			if m.subject != "" {
				list := removeDigest(rp.referrers[m.subject], dgst)
				if len(list) == 0 {
					delete(rp.referrers, m.subject)
				} else {
					rp.referrers[m.subject] = list
				}
			}
		}
		if found {
			reg.dropIfEmpty(req.name)
		}
	}
	reg.mu.Unlock()
	if rp == nil {
		serveError(w, 0, errcode.ErrorCodeNameUnknown.WithDetail(map[string]string{"name": req.name}))
		return
	}
	if !found {
		serveManifestUnknown(w, tag, dgst)
		return
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusAccepted)
}

// manifestURL builds the Location of a manifest by digest.
func manifestURL(req *request, dgst digest.Digest) (string, error) {
	ref, err := reference.WithDigest(req.ref, dgst)
	if err != nil {
		return "", err
	}
	return req.urls().BuildManifestURL(ref)
}

// repoBlob returns a blob of rp, which may be nil.
func repoBlob(rp *repository, d digest.Digest) ([]byte, bool) {
	if rp == nil {
		return nil, false
	}
	b, ok := rp.blobs[d]
	return b, ok
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func containsDigest(list []digest.Digest, d digest.Digest) bool {
	for _, v := range list {
		if v == d {
			return true
		}
	}
	return false
}

// removeDigest returns list without d, as a new slice.
func removeDigest(list []digest.Digest, d digest.Digest) []digest.Digest {
	out := make([]digest.Digest, 0, len(list))
	for _, v := range list {
		if v != d {
			out = append(out, v)
		}
	}
	return out
}
