package registrytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
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
	for _, v := range opts.ManifestMediaTypes {
		// A push's Content-Type is compared by its media type, in lower
		// case and without parameters: a value is taken in that form, and
		// one that is not a media type could never match and is left out.
		mt, params, err := mime.ParseMediaType(v)
		if err != nil || len(params) > 0 {
			continue
		}
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
// presence matters are pointers: nil when the field is absent or null.
type manifestJSON struct {
	SchemaVersion *int              `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        *descriptor       `json:"config"`
	Layers        *[]descriptor     `json:"layers"`
	Manifests     *[]descriptor     `json:"manifests"`
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
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, invalid("a manifest must be a JSON object")
	}
	mj, repeated, twice, err := decodeManifest(body)
	if err != nil {
		return nil, invalid("the manifest does not parse: %v", err)
	}
	if twice {
		return nil, invalid("the field %q appears twice", truncate(repeated, 100))
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
		case kind == kindImage && mj.Manifests != nil:
			return nil, invalid("an image manifest (%s) must not carry manifests", mediaType)
		case kind == kindImage && mj.Config == nil:
			return nil, invalid("an image manifest (%s) needs a config", mediaType)
		case kind == kindIndex && (mj.Config != nil || mj.Layers != nil):
			return nil, invalid("an index (%s) must not carry config or layers", mediaType)
		case kind == kindIndex && mj.Manifests == nil:
			return nil, invalid("an index (%s) needs manifests", mediaType)
		}
	}
	if kind == kindUnknown || kind == kindOther {
		// Read what the document has, as the lenient registry does.
		kind = kindImage
		if mj.Manifests != nil {
			kind = kindIndex
		}
		if mediaType == "" {
			mediaType = mediaTypeOCIManifest
			if kind == kindIndex {
				mediaType = mediaTypeOCIIndex
			}
		}
	}

	m := &manifest{mediaType: mediaType, artifactType: mj.ArtifactType, annotations: mj.Annotations}
	strict := !rules.lenient
	if kind == kindImage {
		if mj.Config != nil {
			if err := checkDescriptor("config", *mj.Config, strict); err != nil {
				return nil, err
			}
			m.blobs = append(m.blobs, *mj.Config)
			if m.artifactType == "" {
				m.artifactType = mj.Config.MediaType
			}
		}
		if mj.Layers != nil {
			if err := checkDescriptors("layers", *mj.Layers, strict); err != nil {
				return nil, err
			}
			m.blobs = append(m.blobs, *mj.Layers...)
		}
	}
	if mj.Manifests != nil {
		if err := checkDescriptors("manifests", *mj.Manifests, strict); err != nil {
			return nil, err
		}
		m.children = *mj.Manifests
	}
	if mj.Subject != nil {
		if err := checkDescriptor("subject", *mj.Subject, !rules.lenient); err != nil {
			return nil, err
		}
		m.subject = digest.Digest(mj.Subject.Digest)
	}
	return m, nil
}

// checkDescriptors checks each descriptor of the list in field. The name
// of an entry is made only for the one that fails.
func checkDescriptors(field string, list []descriptor, strict bool) error {
	for i, d := range list {
		if err := checkDescriptor(field, d, strict); err != nil {
			return checkDescriptor(fmt.Sprintf("%s[%d]", field, i), d, strict)
		}
	}
	return nil
}

// checkDescriptor checks a descriptor's digest and size and, when strict,
// that it has a media type.
func checkDescriptor(field string, d descriptor, strict bool) error {
	if _, err := parseDigest(d.Digest); err != nil {
		return invalid("%s: invalid digest %q", field, truncate(d.Digest, 100))
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

// repeatedName reports the first name an object of the JSON document body
// holds twice, if any. encoding/json keeps the last of repeated names
// where other parsers keep the first, so a document with repeated names
// can mean one thing to the registry and another to a client: the
// confusion behind CVE-2021-41190. body must be valid JSON; the scan reads
// it in one pass without building anything but the names of the objects
// it is in, compared as written unless they hold escapes, which are
// undone so that "a" and "\u0061" are the same name.
func repeatedName(body []byte) (string, bool) {
	type frame struct {
		object   bool
		wantName bool     // the next string is a name
		names    []string // the names of the object so far, while few
		set      map[string]bool
	}
	stack := make([]frame, 0, 8)
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '{':
			stack = append(stack, frame{object: true, wantName: true})
		case '[':
			stack = append(stack, frame{})
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		case ',':
			if len(stack) > 0 && stack[len(stack)-1].object {
				stack[len(stack)-1].wantName = true
			}
		case '"':
			start := i + 1
			escaped := false
			for i = start; body[i] != '"'; i++ {
				if body[i] == '\\' {
					escaped = true
					i++
				}
			}
			if len(stack) == 0 {
				continue // a document that is only a string
			}
			top := &stack[len(stack)-1]
			if !top.object || !top.wantName {
				continue
			}
			top.wantName = false
			name := string(body[start:i])
			if escaped {
				var s string
				if err := json.Unmarshal(body[start-1:i+1], &s); err == nil {
					name = s
				}
			}
			// A list while the object is small; a set once it is not, so
			// that a forged object of many names costs linear time.
			if top.set != nil {
				if top.set[name] {
					return name, true
				}
				top.set[name] = true
				continue
			}
			for _, seen := range top.names {
				if seen == name {
					return name, true
				}
			}
			top.names = append(top.names, name)
			if len(top.names) > 16 {
				top.set = make(map[string]bool, 2*len(top.names))
				for _, n := range top.names {
					top.set[n] = true
				}
				top.names = nil
			}
		}
	}
	return "", false
}
