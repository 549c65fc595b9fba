package registrytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
)

// The manifest media types every registry knows.
const (
	mediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// manifestKind is what a manifest media type says the document is.
type manifestKind int

const (
	kindUnknown manifestKind = iota
	kindImage                // config and layers: OCI image manifest, Docker manifest
	kindIndex                // manifests: OCI image index, Docker manifest list
	kindOther                // a type added by Options.ManifestMediaTypes
)

// manifestRules is how a registry checks the manifests pushed to it.
type manifestRules struct {
	lenient         bool
	requireChildren bool
	kinds           map[string]manifestKind
}

func newManifestRules(opts Options) manifestRules {
	r := manifestRules{
		lenient:         opts.LenientManifests,
		requireChildren: opts.RequireManifestBlobs,
		kinds: map[string]manifestKind{
			mediaTypeOCIManifest:    kindImage,
			mediaTypeDockerManifest: kindImage,
			mediaTypeOCIIndex:       kindIndex,
			mediaTypeDockerList:     kindIndex,
		},
	}
	for _, mt := range opts.ManifestMediaTypes {
		if _, known := r.kinds[mt]; !known {
			r.kinds[mt] = kindOther
		}
	}
	return r
}

// manifest is a stored manifest. It never changes once stored.
type manifest struct {
	digest    digest.Digest
	mediaType string
	data      []byte
	subject   digest.Digest
	// artifactType is the artifactType of the manifest or, for an image
	// manifest without one, its config's media type, as the referrers API
	// reports it.
	artifactType string
	annotations  map[string]string
	// blobs are the config and layers, children the manifests of an index.
	blobs    []descriptor
	children []descriptor
	// seq numbers the manifest among those the registry stored, in push
	// order.
	seq uint64
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

// manifestJSON is what the registry reads of a manifest. The fields whose
// presence matters are kept raw.
type manifestJSON struct {
	SchemaVersion *int              `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        json.RawMessage   `json:"config"`
	Layers        json.RawMessage   `json:"layers"`
	Manifests     json.RawMessage   `json:"manifests"`
	Subject       *descriptor       `json:"subject"`
	Annotations   map[string]string `json:"annotations"`
}

// invalid is a MANIFEST_INVALID answer saying why.
func invalid(format string, args ...any) error {
	return errcode.ErrorCodeManifestInvalid.WithDetail(fmt.Sprintf(format, args...))
}

// parse checks a manifest body pushed with contentType (without
// parameters; empty when the request had none) and returns what the
// registry keeps of it. The checks are those of the package documentation.
// The references to blobs and manifests are checked against the
// repository later, under the store's lock.
func (rules manifestRules) parse(body []byte, contentType string) (*manifest, error) {
	if err := checkObject(body); err != nil {
		return nil, invalid("%v", err)
	}
	var mj manifestJSON
	if err := json.Unmarshal(body, &mj); err != nil {
		return nil, invalid("the manifest does not parse: %v", err)
	}
	if contentType == "application/json" {
		// Some clients send the generic type; the body then says what it is.
		contentType = ""
	}
	if mj.MediaType != "" && contentType != "" && mj.MediaType != contentType {
		return nil, invalid("mediaType %q differs from Content-Type %q", truncate(mj.MediaType, 100), truncate(contentType, 100))
	}
	mediaType := contentType
	if mediaType == "" {
		mediaType = mj.MediaType
	}
	kind := rules.kinds[mediaType]
	if !rules.lenient {
		switch {
		case mediaType == "":
			return nil, invalid("neither Content-Type nor the manifest's mediaType names its media type")
		case kind == kindUnknown:
			return nil, invalid("%q is not a manifest media type this registry accepts", truncate(mediaType, 100))
		case kind != kindOther && (mj.SchemaVersion == nil || *mj.SchemaVersion != 2):
			return nil, invalid("schemaVersion must be 2")
		case kind == kindImage && present(mj.Manifests):
			return nil, invalid("an image manifest (%s) must not carry manifests", mediaType)
		case kind == kindImage && !present(mj.Config):
			return nil, invalid("an image manifest (%s) needs a config", mediaType)
		case kind == kindIndex && (present(mj.Config) || present(mj.Layers)):
			return nil, invalid("an index (%s) must not carry config or layers", mediaType)
		case kind == kindIndex && !present(mj.Manifests):
			return nil, invalid("an index (%s) needs manifests", mediaType)
		}
	}
	if kind == kindUnknown || kind == kindOther {
		// Read what the document has, as the lenient registry does.
		switch {
		case present(mj.Manifests):
			kind = kindIndex
		default:
			kind = kindImage
		}
		if mediaType == "" {
			mediaType = mediaTypeOCIManifest
			if kind == kindIndex {
				mediaType = mediaTypeOCIIndex
			}
		}
	}

	m := &manifest{mediaType: mediaType, artifactType: mj.ArtifactType, annotations: mj.Annotations}
	if kind == kindImage {
		if present(mj.Config) {
			config, err := decodeDescriptor("config", mj.Config, !rules.lenient)
			if err != nil {
				return nil, err
			}
			m.blobs = append(m.blobs, config)
			if m.artifactType == "" {
				m.artifactType = config.MediaType
			}
		}
		layers, err := decodeDescriptors("layers", mj.Layers, !rules.lenient)
		if err != nil {
			return nil, err
		}
		m.blobs = append(m.blobs, layers...)
	}
	children, err := decodeDescriptors("manifests", mj.Manifests, !rules.lenient)
	if err != nil {
		return nil, err
	}
	m.children = children
	if mj.Subject != nil {
		if err := checkDescriptor("subject", *mj.Subject, !rules.lenient); err != nil {
			return nil, err
		}
		m.subject = digest.Digest(mj.Subject.Digest)
	}
	return m, nil
}

// present reports whether a field was in the document, null included.
func present(raw json.RawMessage) bool {
	return len(raw) > 0
}

// decodeDescriptor decodes the descriptor in field and checks it.
func decodeDescriptor(field string, raw json.RawMessage, strict bool) (descriptor, error) {
	var d descriptor
	if err := json.Unmarshal(raw, &d); err != nil || bytes.Equal(raw, []byte("null")) {
		return d, invalid("%s is not a descriptor", field)
	}
	return d, checkDescriptor(field, d, strict)
}

// decodeDescriptors decodes the list of descriptors in field, if present,
// and checks each.
func decodeDescriptors(field string, raw json.RawMessage, strict bool) ([]descriptor, error) {
	if !present(raw) {
		return nil, nil
	}
	var list []descriptor
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, invalid("%s is not a list of descriptors", field)
	}
	for i, d := range list {
		if err := checkDescriptor(fmt.Sprintf("%s[%d]", field, i), d, strict); err != nil {
			return nil, err
		}
	}
	return list, nil
}

// checkDescriptor checks a descriptor's digest and size and, when strict,
// that it has a media type.
func checkDescriptor(field string, d descriptor, strict bool) error {
	if _, err := digest.Parse(d.Digest); err != nil {
		return invalid("%s: invalid digest %q: %v", field, truncate(d.Digest, 100), err)
	}
	if d.Size < 0 {
		return invalid("%s: negative size", field)
	}
	if strict && d.MediaType == "" {
		return invalid("%s: no mediaType", field)
	}
	return nil
}

// distributable reports whether a blob descriptor names content the registry
// is expected to hold: not foreign or non-distributable layers, which
// clients fetch from their urls.
func distributable(d descriptor) bool {
	if len(d.URLs) > 0 {
		return false
	}
	return !strings.Contains(d.MediaType, "nondistributable") && !strings.Contains(d.MediaType, ".foreign.")
}

// checkObject checks that body is one JSON object in which no object holds
// a name twice. encoding/json keeps the last of repeated names where other
// parsers keep the first, so a document with repeated names can mean one
// thing to the registry and another to a client: the confusion behind
// CVE-2021-41190. Such documents are refused.
func checkObject(body []byte) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("the manifest is not JSON: %v", err)
	}
	if tok != json.Delim('{') {
		return errors.New("a manifest must be a JSON object")
	}
	if err := checkObjectRest(dec, 1); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("the manifest has more after its object")
	}
	return nil
}

// maxDepth bounds the nesting checkObject follows, so that a deeply nested
// document cannot exhaust the stack.
const maxDepth = 64

// checkObjectRest reads the rest of an object whose "{" was read.
func checkObjectRest(dec *json.Decoder, depth int) error {
	if depth > maxDepth {
		return errors.New("the manifest is nested too deeply")
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("the manifest is not JSON: %v", err)
		}
		name, _ := tok.(string)
		if seen[name] {
			return fmt.Errorf("the field %q appears twice", truncate(name, 100))
		}
		seen[name] = true
		if err := checkValue(dec, depth); err != nil {
			return err
		}
	}
	_, err := dec.Token() // "}"
	return err
}

// checkValue reads one value, checking the objects in it.
func checkValue(dec *json.Decoder, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return fmt.Errorf("the manifest is not JSON: %v", err)
	}
	switch tok {
	case json.Delim('{'):
		return checkObjectRest(dec, depth+1)
	case json.Delim('['):
		if depth+1 > maxDepth {
			return errors.New("the manifest is nested too deeply")
		}
		for dec.More() {
			if err := checkValue(dec, depth+1); err != nil {
				return err
			}
		}
		_, err := dec.Token() // "]"
		return err
	}
	return nil
}
