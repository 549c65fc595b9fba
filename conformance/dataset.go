package conformance

import (
	"github.com/opencontainers/go-digest"
)

// defaultChunk is the chunk size of chunked uploads when the registry asks
// for no minimum.
const defaultChunk = 64 << 10

// maxChunk bounds the chunk size the suite accepts from
// OCI-Chunk-Min-Length, to keep its memory bounded.
const maxChunk = 32 << 20

// dataSet is the content of a run and what became of it.
type dataSet struct {
	c           content
	repo, repo2 string

	monoLayer, closeLayer, singleLayer, streamLayer *blob
	chunkLayer                                      *blob // made once the chunk size is known
	emptyBlob, wrongBlob, missingBlob               *blob
	emptyCfg, sbomLayer, sigConfig                  *blob
	sha512Layer, sha512AlgLayer                     *blob
	mgmtLayer                                       *blob

	imageA, imageB, index, sparse *manifest
	refSBOM, refSig, refOrphan    *manifest
	image512, mgmtImage           *manifest
	orphanSubject                 digest.Digest
	unknownManifest               digest.Digest

	tagA, tagIndex string
	paramTags      []string
	extraTags      []string
	mgmtTags       []string
	missingTag     string

	// pushed lists the sha256 blobs known to be in repo, for the pull
	// checks; manifests the manifests, with their references.
	pushed    []*blob
	manifests []*manifest
	// stored holds the digests of the blobs stored in repo, of any
	// algorithm.
	stored map[digest.Digest]bool
	// chunk is the chunk size of the chunked uploads.
	chunk int
}

// newDataSet makes the content of the run whose id is runID.
func newDataSet(runID, repo, repo2 string) *dataSet {
	c := content{seed: runID}
	d := &dataSet{
		c: c, repo: repo, repo2: repo2, chunk: defaultChunk, stored: map[digest.Digest]bool{},
		monoLayer:      c.layer("monolithic", 3000),
		closeLayer:     c.layer("closed", 5000),
		singleLayer:    c.layer("single-post", 2000),
		streamLayer:    c.layer("streamed", 7000),
		emptyBlob:      newBlob("application/octet-stream", []byte{}, digest.SHA256),
		wrongBlob:      newBlob("application/octet-stream", c.bytes("wrong", 1500), digest.SHA256),
		missingBlob:    newBlob("application/octet-stream", c.bytes("missing", 100), digest.SHA256),
		emptyCfg:       emptyConfig(),
		sbomLayer:      newBlob(mediaTypeSBOMLayer, []byte(`{"sbom":"`+runID+`"}`), digest.SHA256),
		sigConfig:      newBlob(mediaTypeSignatureCfg, []byte(`{"signature":"`+runID+`"}`), digest.SHA256),
		sha512Layer:    newBlob(mediaTypeLayerTar, c.layer("sha512", 1200).data, digest.SHA512),
		sha512AlgLayer: newBlob(mediaTypeLayerTar, c.layer("digest-algorithm", 1300).data, digest.SHA512),
		mgmtLayer:      c.layer("management", 900),

		orphanSubject:   digest.SHA256.FromBytes(c.bytes("orphan subject", 64)),
		unknownManifest: digest.SHA256.FromBytes(c.bytes("unknown manifest", 64)),

		tagA: "alpha", tagIndex: "bravo",
		paramTags:  []string{"charlie", "delta", "echo"},
		extraTags:  []string{"foxtrot", "golf", "hotel"},
		mgmtTags:   []string{"yankee", "zulu"},
		missingTag: "missing" + runID,
	}
	for b, label := range map[*blob]string{
		d.monoLayer: "the layer pushed with POST and PUT", d.closeLayer: "the layer closed by an empty PUT",
		d.singleLayer: "the layer pushed with a single POST", d.streamLayer: "the streamed layer",
		d.emptyBlob: "the empty blob", d.wrongBlob: "the blob pushed with a wrong digest",
		d.missingBlob: "a blob never pushed", d.emptyCfg: "the empty config", d.sbomLayer: "the SBOM layer",
		d.sigConfig: "the signature config", d.sha512Layer: "the sha512 layer",
		d.sha512AlgLayer: "the layer pushed with digest-algorithm", d.mgmtLayer: "the layer of the deletion checks",
	} {
		b.label = label
	}
	return d
}

// setChunk sets the chunk size from a registry's OCI-Chunk-Min-Length and
// makes the chunked layer: two whole chunks and half a chunk more.
func (d *dataSet) setChunk(min int64) {
	if min > int64(d.chunk) && min <= maxChunk {
		d.chunk = int(min)
	}
	d.chunkLayer = d.c.layer("chunked", 2*d.chunk+d.chunk/2)
	d.chunkLayer.label = "the chunked layer"
}

// annotations returns the annotations of a referrer, which the referrers
// list must repeat.
func (d *dataSet) annotations(kind string) map[string]string {
	return map[string]string{
		"org.opencontainers.image.created": "2024-01-01T00:00:00Z",
		"org.regapi.conformance.kind":      kind,
		"org.regapi.conformance.run":       d.c.seed,
	}
}

// buildImageA makes image A from the config and the layers pushed by
// POST and PUT and in chunks.
func (d *dataSet) buildImageA() *blob {
	cfg := d.c.config("image a", digest.SHA256, d.monoLayer, d.chunkLayer)
	d.imageA = image(digest.SHA256, imageManifest{
		Config: cfg.descriptor(),
		Layers: []descriptor{d.monoLayer.descriptor(), d.chunkLayer.descriptor()},
	})
	d.imageA.label, cfg.label = "image A", "the config of image A"
	return cfg
}

// buildImageB makes image B from the layers pushed by a single POST and
// closed by an empty PUT.
func (d *dataSet) buildImageB() *blob {
	cfg := d.c.config("image b", digest.SHA256, d.singleLayer, d.closeLayer)
	d.imageB = image(digest.SHA256, imageManifest{
		Config: cfg.descriptor(),
		Layers: []descriptor{d.singleLayer.descriptor(), d.closeLayer.descriptor()},
	})
	d.imageB.label, cfg.label = "image B", "the config of image B"
	return cfg
}

// buildIndex makes the index of images A and B.
func (d *dataSet) buildIndex() {
	a, b := d.imageA.descriptor(), d.imageB.descriptor()
	a.Platform = &platform{Architecture: "amd64", OS: "linux"}
	b.Platform = &platform{Architecture: "arm64", OS: "linux"}
	d.index = index([]descriptor{a, b}, nil)
	d.index.label = "the index of images A and B"
}

// buildReferrers makes the artifacts referring to image A: one with an
// artifactType, one whose artifactType is its config's media type and
// which has no layers.
func (d *dataSet) buildReferrers() {
	subject := d.imageA.descriptor()
	d.refSBOM = image(digest.SHA256, imageManifest{
		ArtifactType: artifactTypeSBOM,
		Config:       d.emptyCfg.descriptor(),
		Layers:       []descriptor{d.sbomLayer.descriptor()},
		Subject:      &subject,
		Annotations:  d.annotations("sbom"),
	})
	d.refSig = image(digest.SHA256, imageManifest{
		Config:      d.sigConfig.descriptor(),
		Subject:     &subject,
		Annotations: d.annotations("signature"),
	})
	d.refSBOM.label, d.refSig.label = "the SBOM referrer", "the signature referrer"
}

// buildOrphan makes an artifact whose subject the registry does not hold.
func (d *dataSet) buildOrphan() {
	subject := descriptor{MediaType: mediaTypeImageManifest, Digest: d.orphanSubject.String(), Size: 64}
	d.refOrphan = image(digest.SHA256, imageManifest{
		ArtifactType: artifactTypeOrphan,
		Config:       d.emptyCfg.descriptor(),
		Layers:       []descriptor{d.sbomLayer.descriptor()},
		Subject:      &subject,
		Annotations:  d.annotations("orphan"),
	})
	d.refOrphan.label = "the referrer of a missing subject"
}

// buildImage512 makes an image whose config and layer are addressed by
// sha512, to be pushed under its own sha512 digest.
func (d *dataSet) buildImage512() *blob {
	cfg := d.c.config("sha512", digest.SHA512, d.sha512Layer)
	d.image512 = image(digest.SHA512, imageManifest{
		Config: cfg.descriptor(),
		Layers: []descriptor{d.sha512Layer.descriptor()},
	})
	d.image512.label, cfg.label = "the sha512 image", "the sha512 config"
	return cfg
}

// buildSparse makes an index of image A and a manifest never pushed.
func (d *dataSet) buildSparse() {
	missing := descriptor{MediaType: mediaTypeImageManifest, Digest: d.unknownManifest.String(), Size: 64,
		Platform: &platform{Architecture: "s390x", OS: "linux"}}
	a := d.imageA.descriptor()
	a.Platform = &platform{Architecture: "amd64", OS: "linux"}
	d.sparse = index([]descriptor{a, missing}, map[string]string{"org.regapi.conformance.kind": "sparse"})
	d.sparse.label = "the sparse index"
}

// buildManagement makes the image the deletion checks delete.
func (d *dataSet) buildManagement() *blob {
	cfg := d.c.config("management", digest.SHA256, d.mgmtLayer)
	d.mgmtImage = image(digest.SHA256, imageManifest{
		Config: cfg.descriptor(),
		Layers: []descriptor{d.mgmtLayer.descriptor()},
	})
	d.mgmtImage.label, cfg.label = "the image of the deletion checks", "its config"
	return cfg
}

// addPushed remembers b as a blob of the run's first repository: stored,
// and, for the pull checks, which fetch the sha256 blobs of more than zero
// bytes (the others have checks of their own), pushed.
func (d *dataSet) addPushed(repo string, b *blob) {
	if repo != d.repo {
		return
	}
	d.stored[b.digest] = true
	if b.digest.Algorithm() != digest.SHA256 || len(b.data) == 0 {
		return
	}
	for _, x := range d.pushed {
		if x.digest == b.digest {
			return
		}
	}
	d.pushed = append(d.pushed, b)
}
