package manifest

import (
	"errors"
	"reflect"
	"testing"

	"github.com/regapi/regapi/errcode"
)

// TestParse checks what Parse keeps of a manifest, and that what it
// refuses is MANIFEST_INVALID, strict and lenient.
func TestParse(t *testing.T) {
	const d = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
	cfg := Descriptor{MediaType: "application/vnd.oci.image.config.v1+json", Digest: d, Size: 2}
	layer := Descriptor{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: d, Size: 5, URLs: []string{"https://example.com/l"}}
	child := Descriptor{MediaType: MediaTypeOCIManifest, Digest: d, Size: 9, Annotations: map[string]string{"a": "b"}}
	subject := Descriptor{MediaType: MediaTypeOCIManifest, Digest: d, Size: 7}
	tests := []struct {
		name, contentType, body string
		strict, lenient         *Manifest // nil: refused
	}{
		{"image", MediaTypeOCIManifest,
			`{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + d + `","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + d + `","size":5,"urls":["https://example.com/l"]}]}`,
			&Manifest{MediaType: MediaTypeOCIManifest, ArtifactType: cfg.MediaType, Blobs: []Descriptor{cfg, layer}},
			&Manifest{MediaType: MediaTypeOCIManifest, ArtifactType: cfg.MediaType, Blobs: []Descriptor{cfg, layer}}},
		{"artifact with subject, type from the body", "",
			`{"schemaVersion":2,"mediaType":"` + MediaTypeOCIManifest + `","artifactType":"a/sig","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"` + d + `","size":2},"subject":{"mediaType":"` + MediaTypeOCIManifest + `","digest":"` + d + `","size":7},"annotations":{"k":"v"}}`,
			&Manifest{MediaType: MediaTypeOCIManifest, ArtifactType: "a/sig", Annotations: map[string]string{"k": "v"}, Blobs: []Descriptor{cfg}, Subject: &subject},
			&Manifest{MediaType: MediaTypeOCIManifest, ArtifactType: "a/sig", Annotations: map[string]string{"k": "v"}, Blobs: []Descriptor{cfg}, Subject: &subject}},
		{"index", "application/json",
			`{"schemaVersion":2,"mediaType":"` + MediaTypeDockerList + `","manifests":[{"mediaType":"` + MediaTypeOCIManifest + `","digest":"` + d + `","size":9,"annotations":{"a":"b"}}]}`,
			&Manifest{MediaType: MediaTypeDockerList, Children: []Descriptor{child}},
			&Manifest{MediaType: MediaTypeDockerList, Children: []Descriptor{child}}},
		{"untyped index", "", `{"manifests":[]}`,
			nil, &Manifest{MediaType: MediaTypeOCIIndex, Children: []Descriptor{}}},
		{"schemaVersion 1", MediaTypeOCIManifest, `{"schemaVersion":1,"config":{"mediaType":"a/b","digest":"` + d + `","size":2}}`,
			nil, &Manifest{MediaType: MediaTypeOCIManifest, ArtifactType: "a/b", Blobs: []Descriptor{{MediaType: "a/b", Digest: d, Size: 2}}}},
		{"image carrying manifests", MediaTypeOCIManifest, `{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"` + d + `","size":2},"manifests":[]}`,
			nil, &Manifest{MediaType: MediaTypeOCIManifest, ArtifactType: "a/b", Blobs: []Descriptor{{MediaType: "a/b", Digest: d, Size: 2}}, Children: []Descriptor{}}},
		{"descriptor without mediaType", MediaTypeOCIManifest, `{"schemaVersion":2,"config":{"digest":"` + d + `","size":2}}`,
			nil, &Manifest{MediaType: MediaTypeOCIManifest, Blobs: []Descriptor{{Digest: d, Size: 2}}}},
		{"bad digest", MediaTypeOCIManifest, `{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:00","size":2}}`, nil, nil},
		{"negative size", MediaTypeOCIManifest, `{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"` + d + `","size":-1}}`, nil, nil},
		{"repeated name", MediaTypeOCIManifest, `{"schemaVersion":2,"schemaVersion":2}`, nil, nil},
		{"not an object", MediaTypeOCIManifest, `[]`, nil, nil},
		{"type differs", MediaTypeOCIIndex, `{"schemaVersion":2,"mediaType":"` + MediaTypeOCIManifest + `"}`, nil, nil},
		{"unknown type", "a/b", `{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"` + d + `","size":2}}`,
			nil, &Manifest{MediaType: "a/b", ArtifactType: "a/b", Blobs: []Descriptor{{MediaType: "a/b", Digest: d, Size: 2}}}},
	}
	for _, tt := range tests {
		for _, mode := range []struct {
			name  string
			rules Rules
			want  *Manifest
		}{{"strict", NewRules(false, false, nil), tt.strict}, {"lenient", NewRules(true, false, nil), tt.lenient}} {
			t.Run(tt.name+"/"+mode.name, func(t *testing.T) {
				got, err := mode.rules.Parse([]byte(tt.body), tt.contentType)
				if mode.want == nil {
					var e errcode.Error
					if !errors.As(err, &e) || e.Code != errcode.ErrorCodeManifestInvalid {
						t.Fatalf("Parse = %+v, %v; want MANIFEST_INVALID", got, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, mode.want) {
					t.Fatalf("Parse =\n%+v\nwant\n%+v", got, mode.want)
				}
			})
		}
	}
}
