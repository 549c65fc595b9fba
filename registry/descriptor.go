package registry

import "github.com/opencontainers/go-digest"

// Descriptor describes content: its media type, digest and size, and, for a
// manifest, the artifact type and annotations that the referrers API lists.
// It encodes as an OCI descriptor.
type Descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       digest.Digest     `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// Manifest is a manifest the server has parsed and checked, handed to a
// store so that the store never parses JSON.
//
// Descriptor holds the manifest's media type, its digest (of the algorithm
// of the request's reference, sha256 for a push by tag), the size of
// Content, the effective artifact type (the manifest's artifactType, else its
// config's media type) and its annotations. Content is the manifest exactly
// as pushed; the store keeps it byte for byte and must not change it after
// PushManifest returns.
type Manifest struct {
	Descriptor

	// Content is the manifest's bytes as the client sent them.
	Content []byte

	// Subject is the manifest's subject, nil when it has none. A store
	// lists the manifest among the referrers of Subject.Digest.
	Subject *Descriptor

	// References are what the manifest refers to: an image manifest's
	// config and layers, or an index's manifests. The server has checked
	// that each exists where the options require it; a store may use them
	// to keep referenced content alive.
	References []Descriptor
}
