package conformance

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"time"

	"github.com/opencontainers/go-digest"
)

// Media types of the content the suite pushes.
const (
	mediaTypeImageManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeImageIndex    = "application/vnd.oci.image.index.v1+json"
	mediaTypeImageConfig   = "application/vnd.oci.image.config.v1+json"
	mediaTypeLayerTar      = "application/vnd.oci.image.layer.v1.tar"
	mediaTypeEmpty         = "application/vnd.oci.empty.v1+json"

	// The artifact types of the referrers, and the config media type of
	// the referrer whose artifactType the registry must take from its
	// config.
	artifactTypeSBOM      = "application/vnd.regapi.conformance.sbom.v1+json"
	artifactTypeOrphan    = "application/vnd.regapi.conformance.orphan.v1+json"
	mediaTypeSignatureCfg = "application/vnd.regapi.conformance.signature.config.v1+json"
	mediaTypeSBOMLayer    = "application/vnd.regapi.conformance.sbom.layer.v1+json"
)

// blob is content pushed as a blob.
type blob struct {
	label     string // what it is, for messages
	mediaType string
	data      []byte
	digest    digest.Digest
}

// newBlob returns data as a blob addressed with alg.
func newBlob(mediaType string, data []byte, alg digest.Algorithm) *blob {
	return &blob{mediaType: mediaType, data: data, digest: alg.FromBytes(data)}
}

// descriptor returns the OCI descriptor of the blob.
func (b *blob) descriptor() descriptor {
	return descriptor{MediaType: b.mediaType, Digest: b.digest.String(), Size: int64(len(b.data))}
}

// manifest is a manifest or index the suite pushes, byte for byte as it
// is sent.
type manifest struct {
	label     string // what it is, for messages
	mediaType string
	data      []byte
	digest    digest.Digest
	// artifactType is what the referrers list must say of the manifest.
	artifactType string
	annotations  map[string]string
}

// descriptor returns the OCI descriptor of the manifest.
func (m *manifest) descriptor() descriptor {
	return descriptor{MediaType: m.mediaType, Digest: m.digest.String(), Size: int64(len(m.data))}
}

// descriptor is an OCI content descriptor.
type descriptor struct {
	MediaType    string      `json:"mediaType"`
	Digest       string      `json:"digest"`
	Size         int64       `json:"size"`
	ArtifactType string      `json:"artifactType,omitempty"`
	Annotations  annotations `json:"annotations,omitempty"`
	Platform     *platform   `json:"platform,omitempty"`
}

// platform is the platform of an index entry.
type platform struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
}

// imageManifest is the JSON of an OCI image manifest.
type imageManifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	ArtifactType  string            `json:"artifactType,omitempty"`
	Config        descriptor        `json:"config"`
	Layers        []descriptor      `json:"layers"`
	Subject       *descriptor       `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// imageIndex is the JSON of an OCI image index.
type imageIndex struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     string            `json:"mediaType"`
	Manifests     []descriptor      `json:"manifests"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

// imageConfig is the JSON of an OCI image configuration.
type imageConfig struct {
	Created      string `json:"created"`
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	RootFS       struct {
		Type    string   `json:"type"`
		DiffIDs []string `json:"diff_ids"`
	} `json:"rootfs"`
}

// content makes the run's content: bytes that differ from run to run, so
// that no earlier run's blobs are found in a registry, and that a test can
// make again from the same seed.
type content struct {
	seed string
}

// bytes returns n pseudo-random bytes for label: SHA-256 in counter mode
// over the seed and the label.
func (c content) bytes(label string, n int) []byte {
	out := make([]byte, 0, n+sha256.Size)
	var counter [8]byte
	for i := uint64(0); len(out) < n; i++ {
		binary.BigEndian.PutUint64(counter[:], i)
		h := sha256.New()
		h.Write([]byte(c.seed))
		h.Write([]byte{0})
		h.Write([]byte(label))
		h.Write(counter[:])
		out = h.Sum(out)
	}
	return out[:n]
}

// layer returns an uncompressed tar layer holding one file of size bytes,
// so that the pushed images are real images.
func (c content) layer(label string, size int) *blob {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	data := c.bytes(label, size)
	// Writing to a bytes.Buffer does not fail, and the header is valid.
	_ = tw.WriteHeader(&tar.Header{
		Name: "conformance/" + label, Mode: 0o644, Size: int64(len(data)),
		ModTime: time.Unix(0, 0), Typeflag: tar.TypeReg, Format: tar.FormatPAX,
	})
	_, _ = tw.Write(data)
	_ = tw.Close()
	return newBlob(mediaTypeLayerTar, buf.Bytes(), digest.SHA256)
}

// config returns the image configuration of the layers, addressed with alg.
func (c content) config(label string, alg digest.Algorithm, layers ...*blob) *blob {
	var cfg imageConfig
	cfg.Created = "2024-01-01T00:00:00Z"
	cfg.Architecture, cfg.OS = "amd64", "linux"
	cfg.RootFS.Type = "layers"
	cfg.RootFS.DiffIDs = []string{}
	for _, l := range layers {
		// The layers are uncompressed: each diff ID is the layer's own
		// sha256 digest.
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, digest.SHA256.FromBytes(l.data).String())
	}
	data, _ := json.Marshal(struct {
		imageConfig
		Label string `json:"comment"`
	}{cfg, "regapi conformance " + label + " " + c.seed})
	return newBlob(mediaTypeImageConfig, data, alg)
}

// image returns the image manifest of a config and layers, addressed with
// alg. Its artifactType in a referrers list is that of the manifest, or the
// config's media type.
func image(alg digest.Algorithm, m imageManifest) *manifest {
	m.SchemaVersion, m.MediaType = 2, mediaTypeImageManifest
	if m.Layers == nil {
		m.Layers = []descriptor{}
	}
	data, _ := json.Marshal(m)
	at := m.ArtifactType
	if at == "" {
		at = m.Config.MediaType
	}
	return &manifest{mediaType: mediaTypeImageManifest, data: data, digest: alg.FromBytes(data), artifactType: at, annotations: m.Annotations}
}

// index returns the image index of the given entries.
func index(entries []descriptor, annotations map[string]string) *manifest {
	data, _ := json.Marshal(imageIndex{SchemaVersion: 2, MediaType: mediaTypeImageIndex, Manifests: entries, Annotations: annotations})
	return &manifest{mediaType: mediaTypeImageIndex, data: data, digest: digest.SHA256.FromBytes(data), annotations: annotations}
}

// emptyConfig is the empty JSON object artifacts use as their config.
func emptyConfig() *blob {
	return newBlob(mediaTypeEmpty, []byte("{}"), digest.SHA256)
}
