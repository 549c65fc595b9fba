// Package manifest reads and checks the manifests a registry is pushed:
// a fast strict reader of the fields a registry needs, the checks of the
// strictest registries (one JSON object, no name twice, known media types,
// the shape each type requires, well-formed descriptors), and the rules
// that decide which of the references a push must find stored.
package manifest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
)

// The manifest media types every registry knows.
const (
	MediaTypeOCIManifest    = "application/vnd.oci.image.manifest.v1+json"
	MediaTypeOCIIndex       = "application/vnd.oci.image.index.v1+json"
	MediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	MediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// kind is what a manifest media type says the document is.
type kind int

const (
	kindUnknown kind = iota
	kindImage        // config and layers: OCI image manifest, Docker manifest
	kindIndex        // manifests: OCI image index, Docker manifest list
	kindOther        // a type the registry was told to accept
)

// Rules is how a registry checks the manifests pushed to it. The zero
// value is not usable; make one with NewRules. A Rules is only read once
// made.
type Rules struct {
	// Lenient accepts any JSON object with well-formed descriptors,
	// whatever its media type and schemaVersion.
	Lenient bool

	// RequireChildren requires the manifests an index names to be
	// manifests of the repository.
	RequireChildren bool

	kinds map[string]kind
}

// NewRules returns the rules of a registry that is lenient or not, that
// requires the children of an index or not, and that accepts the media
// types extra as manifests besides the four every registry knows. Media
// types compare without regard to case; a value with parameters, or that is
// not a media type, could never match a Content-Type and is ignored.
func NewRules(lenient, requireChildren bool, extra []string) Rules {
	r := Rules{
		Lenient:         lenient,
		RequireChildren: requireChildren,
		kinds: map[string]kind{
			MediaTypeOCIManifest:    kindImage,
			MediaTypeDockerManifest: kindImage,
			MediaTypeOCIIndex:       kindIndex,
			MediaTypeDockerList:     kindIndex,
		},
	}
	for _, v := range extra {
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

// Manifest is what a registry keeps of a manifest it read.
type Manifest struct {
	// MediaType is the manifest's media type: the push's Content-Type, else
	// the body's mediaType, else the OCI type of the document's shape.
	MediaType string

	// ArtifactType is the artifactType of the manifest or, for an image
	// manifest without one, its config's media type, as the referrers API
	// reports it.
	ArtifactType string

	// Annotations are the manifest's annotations.
	Annotations map[string]string

	// Blobs are the config and layers of an image manifest, Children the
	// manifests of an index.
	Blobs    []Descriptor
	Children []Descriptor

	// Subject is the manifest's subject, nil without one.
	Subject *Descriptor
}

// Descriptor is the JSON form of an OCI content descriptor, reduced to the
// fields a registry reads.
type Descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	URLs         []string          `json:"urls,omitempty"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// manifestJSON is what is read of a manifest. The fields whose presence
// matters are pointers: nil when the field is absent or null.
type manifestJSON struct {
	SchemaVersion *int              `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        *Descriptor       `json:"config"`
	Layers        *[]Descriptor     `json:"layers"`
	Manifests     *[]Descriptor     `json:"manifests"`
	Subject       *Descriptor       `json:"subject"`
	Annotations   map[string]string `json:"annotations"`
}

// Invalid is a MANIFEST_INVALID error saying why.
func Invalid(format string, args ...any) error {
	return errcode.ErrorCodeManifestInvalid.WithDetail(fmt.Sprintf(format, args...))
}

// Parse checks a manifest body pushed with contentType (a media type
// without parameters; empty when the request had none) and returns what a
// registry keeps of it. The references to blobs and manifests are left to
// the caller, who checks them against the repository. Every refusal is a
// MANIFEST_INVALID error.
func (rules Rules) Parse(body []byte, contentType string) (*Manifest, error) {
	if trimmed := bytes.TrimLeft(body, " \t\r\n"); len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, Invalid("a manifest must be a JSON object")
	}
	mj, repeated, twice, err := decodeManifest(body)
	if err != nil {
		return nil, Invalid("the manifest does not parse: %v", err)
	}
	if twice {
		return nil, Invalid("the field %q appears twice", truncate(repeated, 100))
	}
	if contentType == "application/json" {
		// Some clients send the generic type; the body then says what it is.
		contentType = ""
	}
	if mj.MediaType != "" && contentType != "" && mj.MediaType != contentType {
		return nil, Invalid("mediaType %q differs from Content-Type %q", truncate(mj.MediaType, 100), truncate(contentType, 100))
	}
	mediaType := contentType
	if mediaType == "" {
		mediaType = mj.MediaType
	}
	k := rules.kinds[mediaType]
	if !rules.Lenient {
		switch {
		case mediaType == "":
			return nil, Invalid("neither Content-Type nor the manifest's mediaType names its media type")
		case k == kindUnknown:
			return nil, Invalid("%q is not a manifest media type this registry accepts", truncate(mediaType, 100))
		case k != kindOther && (mj.SchemaVersion == nil || *mj.SchemaVersion != 2):
			return nil, Invalid("schemaVersion must be 2")
		case k == kindImage && mj.Manifests != nil:
			return nil, Invalid("an image manifest (%s) must not carry manifests", mediaType)
		case k == kindImage && mj.Config == nil:
			return nil, Invalid("an image manifest (%s) needs a config", mediaType)
		case k == kindIndex && (mj.Config != nil || mj.Layers != nil):
			return nil, Invalid("an index (%s) must not carry config or layers", mediaType)
		case k == kindIndex && mj.Manifests == nil:
			return nil, Invalid("an index (%s) needs manifests", mediaType)
		}
	}
	if k == kindUnknown || k == kindOther {
		// Read what the document has, as a lenient registry does.
		k = kindImage
		if mj.Manifests != nil {
			k = kindIndex
		}
		if mediaType == "" {
			mediaType = MediaTypeOCIManifest
			if k == kindIndex {
				mediaType = MediaTypeOCIIndex
			}
		}
	}

	m := &Manifest{MediaType: mediaType, ArtifactType: mj.ArtifactType, Annotations: mj.Annotations}
	strict := !rules.Lenient
	if k == kindImage {
		if mj.Config != nil {
			if err := checkDescriptor("config", *mj.Config, strict); err != nil {
				return nil, err
			}
			m.Blobs = append(m.Blobs, *mj.Config)
			if m.ArtifactType == "" {
				m.ArtifactType = mj.Config.MediaType
			}
		}
		if mj.Layers != nil {
			if err := checkDescriptors("layers", *mj.Layers, strict); err != nil {
				return nil, err
			}
			m.Blobs = append(m.Blobs, *mj.Layers...)
		}
	}
	if mj.Manifests != nil {
		if err := checkDescriptors("manifests", *mj.Manifests, strict); err != nil {
			return nil, err
		}
		m.Children = *mj.Manifests
	}
	if mj.Subject != nil {
		if err := checkDescriptor("subject", *mj.Subject, strict); err != nil {
			return nil, err
		}
		s := *mj.Subject
		m.Subject = &s
	}
	return m, nil
}

// checkDescriptors checks each descriptor of the list in field. The name
// of an entry is made only for the one that fails.
func checkDescriptors(field string, list []Descriptor, strict bool) error {
	for i, d := range list {
		if err := checkDescriptor(field, d, strict); err != nil {
			return checkDescriptor(fmt.Sprintf("%s[%d]", field, i), d, strict)
		}
	}
	return nil
}

// checkDescriptor checks a descriptor's digest and size and, when strict,
// that it has a media type.
func checkDescriptor(field string, d Descriptor, strict bool) error {
	if !ValidDigest(d.Digest) {
		return Invalid("%s: invalid digest %q", field, truncate(d.Digest, 100))
	}
	if d.Size < 0 {
		return Invalid("%s: negative size", field)
	}
	if strict && d.MediaType == "" {
		return Invalid("%s: no mediaType", field)
	}
	return nil
}

// Distributable reports whether a blob descriptor names content a registry
// is expected to hold: not foreign or non-distributable layers, which
// clients fetch from their urls.
func Distributable(d Descriptor) bool {
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

// encodedLength is the length of the hex encoding of each digest algorithm
// a registry computes.
var encodedLength = map[digest.Algorithm]int{digest.SHA256: 64, digest.SHA384: 96, digest.SHA512: 128}

// ValidDigest reports whether s is a digest of an algorithm a registry
// computes (sha256, sha384, sha512, linked into the program) with an
// encoding of lower-case hex of the algorithm's length, as digest.Parse
// checks, without its regular expressions.
func ValidDigest(s string) bool {
	if !grammar.IsDigest(s) {
		return false
	}
	d := digest.Digest(s)
	n, ok := encodedLength[d.Algorithm()]
	if !ok || !d.Algorithm().Available() {
		return false
	}
	enc := d.Encoded()
	if len(enc) != n {
		return false
	}
	for i := 0; i < len(enc); i++ {
		if c := enc[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// truncate shortens what a client sent before it is echoed in a detail.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
