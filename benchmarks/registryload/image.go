// Package registryload measures registrytest's in-memory registry against
// go-containerregistry's pkg/registry, both in this process behind
// httptest servers on loopback: image pushes and pulls by concurrent
// clients, the latency of small requests while large images are pushed,
// and the memory each holds per byte stored. Command registry-load prints
// the comparison; bench.sh runs it. Known lists the other registries it
// can run the same way: package server over the memory store and over the
// directory store, and distribution's registry on its filesystem driver.
package registryload

import (
	// go-digest computes sha256 only where it is linked in.
	_ "crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/rand/v2"

	"github.com/opencontainers/go-digest"
)

// The media types of the images pushed. The layer is declared
// uncompressed so that its digest is also the config's diff_id, as in a
// real image; neither registry reads a layer's bytes.
const (
	MediaTypeManifest = "application/vnd.oci.image.manifest.v1+json"
	mediaTypeConfig   = "application/vnd.oci.image.config.v1+json"
	mediaTypeLayer    = "application/vnd.oci.image.layer.v1.tar"
)

// Image is one image as a client pushes it: a config, one layer, and the
// manifest that references both with their sizes and media types, which a
// strict registry checks.
type Image struct {
	Repo, Tag string

	Config, Layer, Manifest                   []byte
	ConfigDigest, LayerDigest, ManifestDigest digest.Digest
}

// Size is the number of bytes a registry stores for the image.
func (im *Image) Size() int64 {
	return int64(len(im.Config) + len(im.Layer) + len(im.Manifest))
}

// descriptor and manifest are the JSON of an OCI image manifest, as much
// of it as the images need.
type descriptor struct {
	MediaType string        `json:"mediaType"`
	Digest    digest.Digest `json:"digest"`
	Size      int64         `json:"size"`
}

type manifest struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Config        descriptor   `json:"config"`
	Layers        []descriptor `json:"layers"`
}

// repos is how many repositories the images are spread over, so that a
// registry's per-repository maps are exercised as by several projects
// pushing at once.
const repos = 8

// MakeImages returns n images whose layers have layerSize random bytes.
// Every image differs from every other in its config and layer, and so do
// images made with different seeds, so that no registry can store one
// blob for two images.
func MakeImages(n, layerSize int, seed uint64) []Image {
	var key [32]byte
	binary.LittleEndian.PutUint64(key[:], seed)
	binary.LittleEndian.PutUint64(key[8:], uint64(layerSize))
	rng := rand.NewChaCha8(key)
	images := make([]Image, n)
	for i := range images {
		layer := make([]byte, layerSize)
		_, _ = rng.Read(layer)
		layerDigest := digest.FromBytes(layer)
		config := fmt.Appendf(nil, `{"architecture":"amd64","os":"linux","config":{"Labels":{"load.image":"%d-%d"}},"rootfs":{"type":"layers","diff_ids":[%q]}}`,
			seed, i, layerDigest)
		im := Image{
			Repo:         fmt.Sprintf("load/project%d/app", i%repos),
			Tag:          fmt.Sprintf("v%d.%d", seed, i),
			Config:       config,
			Layer:        layer,
			ConfigDigest: digest.FromBytes(config),
			LayerDigest:  layerDigest,
		}
		m, err := json.Marshal(manifest{
			SchemaVersion: 2,
			MediaType:     MediaTypeManifest,
			Config:        descriptor{mediaTypeConfig, im.ConfigDigest, int64(len(config))},
			Layers:        []descriptor{{mediaTypeLayer, layerDigest, int64(layerSize)}},
		})
		if err != nil {
			panic(err) // plain structs always marshal
		}
		im.Manifest, im.ManifestDigest = m, digest.FromBytes(m)
		images[i] = im
	}
	return images
}
