package manifest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// slowDecode is decodeManifest without its fast path: encoding/json and
// the scan for repeated names, the reference fastDecode is held to.
func slowDecode(body []byte) (mj manifestJSON, repeated string, twice bool, err error) {
	if err := json.Unmarshal(body, &mj); err != nil {
		return mj, "", false, err
	}
	repeated, twice = repeatedName(body)
	return mj, repeated, twice, nil
}

// checkFastDecode fails t when fastDecode takes body but reads it
// otherwise than the slow path, and returns whether it took it.
func checkFastDecode(t *testing.T, body []byte) bool {
	t.Helper()
	fast, ok := fastDecode(body)
	if !ok {
		return false
	}
	slow, repeated, twice, err := slowDecode(body)
	switch {
	case err != nil:
		t.Fatalf("fastDecode took %q, which encoding/json refuses: %v", body, err)
	case twice:
		t.Fatalf("fastDecode took %q, which holds %q twice", body, repeated)
	case !reflect.DeepEqual(fast, slow):
		t.Fatalf("fastDecode(%q) =\n%+v\nencoding/json reads\n%+v", body, fast, slow)
	}
	return true
}

// plainManifests are manifests as clients push them, every one of which
// the fast path must take.
var plainManifests = []string{
	`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":32654}]}`,
	"{\n  \"schemaVersion\": 2,\n  \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n  \"manifests\": [\n    {\n      \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n      \"digest\": \"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\n      \"size\": 528,\n      \"platform\": {\"architecture\": \"amd64\", \"os\": \"linux\", \"features\": [\"sse4\"]}\n    }\n  ]\n}\n",
	`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/vnd.example.sbom","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"data":"e30="},"layers":[],"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":7682},"annotations":{"org.opencontainers.image.created":"2026-11-29T07:00:00Z","é":"ünïcode"}}`,
	`{"schemaVersion":2,"config":{"mediaType":"a/b","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":0,"urls":[],"annotations":{}},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.foreign.diff.tar.gzip","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":-0,"urls":["https://example.com/layer"]}],"extra":[1,-2.5e+3,true,false,null,{"x":[{}]},"s"]}`,
	` { "schemaVersion" : 2 , "manifests" : [ ] } `,
}

// unplainManifests are documents the fast path must leave to encoding/json:
// malformed ones, and valid ones it is not sure to read alike.
var unplainManifests = []string{
	``,
	`[]`,
	`{`,
	`{"schemaVersion":2,}`,
	`{"schemaVersion":2}x`,
	`{"schemaVersion":2.0}`,
	`{"schemaVersion":2e0}`,
	`{"schemaVersion":02}`,
	`{"schemaVersion":-}`,
	`{"schemaVersion":99999999999999999999}`,
	`{"schemaVersion":"2"}`,
	`{"schemaVersion":null}`,
	`{"mediaType":null}`,
	`{"mediaType":"a\u0062"}`,
	`{"mediaType":"tab	inside"}`,
	"{\"mediaType\":\"\xff\"}",
	`{"MediaType":"a/b"}`,
	`{"MEDIATYPE":"a/b"}`,
	`{"medıaType":"a/b"}`,
	`{"ſchemaVersion":2}`,
	`{"schemaVersion":2,"schemaVersion":2}`,
	`{"a":1,"a":2}`,
	`{"config":{"digest":"x","digest":"y"}}`,
	`{"annotations":{"k":"v","k":"w"}}`,
	`{"annotations":{"k":1}}`,
	`{"config":[]}`,
	`{"config":null}`,
	`{"layers":{}}`,
	`{"layers":[null]}`,
	`{"layers":[{"size":1.5}]}`,
	`{"layers":[{"urls":[1]}]}`,
	`{"x":tru}`,
	`{"x":nul}`,
	`{"x":01}`,
	`{"x":1.}`,
	`{"x":1e}`,
	`{"x":"\"escaped\""}`,
	`{"x\u0000":1}`,
	`{"` + strings.Repeat(`a":{"`, 100) + `b":1` + strings.Repeat(`}`, 101),
	manyNames(40), // more names than the fast path compares
}

// manyNames returns an object of n distinct names.
func manyNames(n int) string {
	var b strings.Builder
	b.WriteString(`{"schemaVersion":2`)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `,"k%d":%d`, i, i)
	}
	b.WriteString(`}`)
	return b.String()
}

func TestFastDecode(t *testing.T) {
	for _, m := range plainManifests {
		if !checkFastDecode(t, []byte(m)) {
			t.Errorf("fastDecode left a plain manifest to encoding/json: %s", m)
		}
	}
	for _, m := range unplainManifests {
		if checkFastDecode(t, []byte(m)) {
			t.Errorf("fastDecode took %q, which it is to leave to encoding/json", m)
		}
	}
	// What decodeManifest answers is the slow path's, whichever path
	// read the document.
	for _, m := range append(append([]string{}, plainManifests...), unplainManifests...) {
		mj, repeated, twice, err := decodeManifest([]byte(m))
		smj, srepeated, stwice, serr := slowDecode([]byte(m))
		if (err == nil) != (serr == nil) || (err != nil && err.Error() != serr.Error()) || repeated != srepeated || twice != stwice || (err == nil && !reflect.DeepEqual(mj, smj)) {
			t.Errorf("decodeManifest(%q) = %+v, %q, %v, %v; the slow path gives %+v, %q, %v, %v", m, mj, repeated, twice, err, smj, srepeated, stwice, serr)
		}
	}
}

func FuzzFastDecode(f *testing.F) {
	for _, m := range append(append([]string{}, plainManifests...), unplainManifests...) {
		f.Add([]byte(m))
	}
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkFastDecode(t, body)
	})
}

// BenchmarkDecodeManifest compares the two ways a plain image manifest is
// read: the fast path, and encoding/json with the scan for repeated names.
func BenchmarkDecodeManifest(b *testing.B) {
	body := []byte(plainManifests[0])
	for _, path := range []struct {
		name   string
		decode func([]byte)
	}{
		{"fast", func(b []byte) { fastDecode(b) }},
		{"encoding-json", func(b []byte) { slowDecode(b) }},
	} {
		b.Run(path.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				path.decode(body)
			}
		})
	}
}
