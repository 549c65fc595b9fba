package registrytest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry"
)

func TestTagsList(t *testing.T) {
	reg := New(Options{})
	im := newTestImage("tags", "")
	im.pushBlobs(t, reg, "r/s")
	// Pushed out of order; the list is sorted.
	for _, tag := range []string{"b", "a", "d", "c", "e"} {
		pushManifest(t, reg, "r/s", tag, "application/vnd.oci.image.manifest.v1+json", im.manifest)
	}
	tests := []struct {
		query string
		tags  []string
		link  string
	}{
		{"", []string{"a", "b", "c", "d", "e"}, ""},
		{"?n=2", []string{"a", "b"}, `<http://registry.test/v2/r/s/tags/list?last=b&n=2>; rel="next"`},
		{"?n=2&last=b", []string{"c", "d"}, `<http://registry.test/v2/r/s/tags/list?last=d&n=2>; rel="next"`},
		{"?n=2&last=d", []string{"e"}, ""},
		{"?n=5", []string{"a", "b", "c", "d", "e"}, ""},
		{"?n=4", []string{"a", "b", "c", "d"}, `<http://registry.test/v2/r/s/tags/list?last=d&n=4>; rel="next"`},
		{"?n=0", []string{}, ""},
		{"?last=c", []string{"d", "e"}, ""},
		{"?last=bb", []string{"c", "d", "e"}, ""},
		{"?last=e", []string{}, ""},
		{"?n=100&last=a", []string{"b", "c", "d", "e"}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := run(t, reg, call{method: "GET", path: "/v2/r/s/tags/list" + tc.query, status: http.StatusOK,
				headers: map[string]string{"Link": tc.link, "Content-Type": "application/json"}})
			var got struct {
				Name string   `json:"name"`
				Tags []string `json:"tags"`
			}
			if err := json.Unmarshal(res.body, &got); err != nil {
				t.Fatal(err)
			}
			if got.Name != "r/s" || !reflect.DeepEqual(got.Tags, tc.tags) {
				t.Fatalf("got %s, want name r/s and tags %q", res.body, tc.tags)
			}
		})
	}
}

func TestTagsListFollowLinks(t *testing.T) {
	reg := New(Options{RelativeURLs: true})
	im := newTestImage("links", "")
	im.pushBlobs(t, reg, "r")
	var want []string
	for i := 0; i < 23; i++ {
		tag := fmt.Sprintf("t%02d", i)
		want = append(want, tag)
		pushManifest(t, reg, "r", tag, "application/vnd.oci.image.manifest.v1+json", im.manifest)
	}
	var got []string
	path := "/v2/r/tags/list?n=5"
	for pages := 0; path != ""; pages++ {
		if pages > 10 {
			t.Fatal("too many pages")
		}
		res := run(t, reg, call{method: "GET", path: path, status: http.StatusOK})
		var page struct {
			Tags []string `json:"tags"`
		}
		if err := json.Unmarshal(res.body, &page); err != nil {
			t.Fatal(err)
		}
		got = append(got, page.Tags...)
		path = ""
		if link := res.header.Get("Link"); link != "" {
			if !strings.HasPrefix(link, "</v2/r/tags/list?") || !strings.HasSuffix(link, `>; rel="next"`) {
				t.Fatalf("Link %q is not a relative next link", link)
			}
			path = strings.TrimSuffix(strings.TrimPrefix(link, "<"), `>; rel="next"`)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("tags %q, want %q", got, want)
	}
}

func TestCatalog(t *testing.T) {
	reg := New(Options{})
	for _, name := range []string{"c", "a/b", "a", "b"} {
		pushBlob(t, reg, name, []byte(name))
	}
	tests := []struct {
		query string
		repos []string
		link  string
	}{
		{"", []string{"a", "a/b", "b", "c"}, ""},
		{"?n=2", []string{"a", "a/b"}, `<http://registry.test/v2/_catalog?last=a%2Fb&n=2>; rel="next"`},
		{"?n=2&last=a%2Fb", []string{"b", "c"}, ""},
		{"?n=0", []string{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			res := run(t, reg, call{method: "GET", path: "/v2/_catalog" + tc.query, status: http.StatusOK, headers: map[string]string{"Link": tc.link}})
			var got struct {
				Repositories []string `json:"repositories"`
			}
			if err := json.Unmarshal(res.body, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got.Repositories, tc.repos) {
				t.Fatalf("got %s, want %q", res.body, tc.repos)
			}
		})
	}

	// A repository emptied by deletes leaves the catalog.
	run(t, reg, call{method: "DELETE", path: "/v2/c/blobs/" + digest.FromString("c").String(), status: http.StatusAccepted})
	res := run(t, reg, call{method: "GET", path: "/v2/_catalog", status: http.StatusOK})
	if strings.Contains(string(res.body), `"c"`) {
		t.Fatalf("emptied repository still listed: %s", res.body)
	}
}

func TestReferrers(t *testing.T) {
	reg := New(Options{})
	im := newTestImage("subject", "")
	subjectBody := im.manifest
	subject := digest.FromBytes(subjectBody)
	im.push(t, reg, "r", "subject")
	// The config of the artifacts: the empty JSON object.
	pushBlob(t, reg, "r", []byte("{}"))
	subjectField := `"subject":{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"` + subject.String() + `","size":` + fmt.Sprint(len(subjectBody)) + `}`

	// An artifact with an artifactType, an image whose config media type
	// stands for it, and an index.
	sig := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"application/example.sig",` +
		`"config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[],` +
		subjectField + `,"annotations":{"org.example":"sig"}}`)
	sbom := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",` +
		`"config":{"mediaType":"application/example.sbom","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2},"layers":[],` +
		subjectField + `}`)
	idx := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","artifactType":"application/example.sig","manifests":[],` + subjectField + `}`)

	for _, m := range []struct {
		body []byte
		mt   string
	}{{sig, "application/vnd.oci.image.manifest.v1+json"}, {sbom, "application/vnd.oci.image.manifest.v1+json"}, {idx, "application/vnd.oci.image.index.v1+json"}} {
		d := digest.FromBytes(m.body)
		res := run(t, reg, call{method: "PUT", path: "/v2/r/manifests/" + d.String(), header: map[string]string{"Content-Type": m.mt},
			body: m.body, status: http.StatusCreated, headers: map[string]string{"OCI-Subject": subject.String()}})
		_ = res
	}

	sigDesc := descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromBytes(sig).String(), Size: int64(len(sig)),
		ArtifactType: "application/example.sig", Annotations: map[string]string{"org.example": "sig"}}
	sbomDesc := descriptor{MediaType: "application/vnd.oci.image.manifest.v1+json", Digest: digest.FromBytes(sbom).String(), Size: int64(len(sbom)),
		ArtifactType: "application/example.sbom"}
	idxDesc := descriptor{MediaType: "application/vnd.oci.image.index.v1+json", Digest: digest.FromBytes(idx).String(), Size: int64(len(idx)),
		ArtifactType: "application/example.sig"}

	tests := []struct {
		name    string
		path    string
		want    []descriptor
		filters string
	}{
		{"all", "/v2/r/referrers/" + subject.String(), []descriptor{sigDesc, sbomDesc, idxDesc}, ""},
		{"filtered", "/v2/r/referrers/" + subject.String() + "?artifactType=application/example.sig", []descriptor{sigDesc, idxDesc}, "artifactType"},
		{"filter matching nothing", "/v2/r/referrers/" + subject.String() + "?artifactType=application/none", []descriptor{}, "artifactType"},
		{"no referrers", "/v2/r/referrers/" + digest.FromString("nothing").String(), []descriptor{}, ""},
		{"unknown repository", "/v2/unknown/referrers/" + subject.String(), []descriptor{}, ""},
		{"sha512 digest", "/v2/r/referrers/" + digest.SHA512.FromString("x").String(), []descriptor{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkReferrers(t, reg, tc.path, tc.want, tc.filters)
		})
	}
	run(t, reg, call{method: "GET", path: "/v2/r/referrers/sha256:bad", status: http.StatusBadRequest, code: "DIGEST_INVALID"})

	// Deleting the subject keeps its referrers listed; deleting a referrer
	// removes it.
	run(t, reg, call{method: "DELETE", path: "/v2/r/manifests/" + subject.String(), status: http.StatusAccepted})
	run(t, reg, call{method: "DELETE", path: "/v2/r/manifests/" + sbomDesc.Digest, status: http.StatusAccepted})
	checkReferrers(t, reg, "/v2/r/referrers/"+subject.String(), []descriptor{sigDesc, idxDesc}, "")

	// Pushing a referrer again does not list it twice.
	pushManifest(t, reg, "r", "again", "application/vnd.oci.image.manifest.v1+json", sig)
	checkReferrers(t, reg, "/v2/r/referrers/"+subject.String(), []descriptor{sigDesc, idxDesc}, "")
}

func checkReferrers(t *testing.T, reg *Registry, path string, want []descriptor, filters string) {
	t.Helper()
	res := run(t, reg, call{method: "GET", path: path, status: http.StatusOK, headers: map[string]string{
		"Content-Type": "application/vnd.oci.image.index.v1+json", "OCI-Filters-Applied": filters}})
	var got index
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatal(err)
	}
	if got.SchemaVersion != 2 || got.MediaType != "application/vnd.oci.image.index.v1+json" {
		t.Fatalf("index header fields wrong: %s", res.body)
	}
	// Referrers are listed in digest order.
	want = slices.Clone(want)
	slices.SortFunc(want, func(a, b descriptor) int { return strings.Compare(a.Digest, b.Digest) })
	if got.Manifests == nil || !reflect.DeepEqual(got.Manifests, want) {
		t.Fatalf("referrers\n got %+v\nwant %+v", got.Manifests, want)
	}
	if !strings.Contains(string(res.body), `"manifests":[`) {
		t.Fatalf("manifests must be a list: %s", res.body)
	}
}

// bytesPerRun returns the bytes f allocates a run, on average over runs.
func bytesPerRun(runs int, f func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := 0; i < runs; i++ {
		f()
	}
	runtime.ReadMemStats(&after)
	return (after.TotalAlloc - before.TotalAlloc) / uint64(runs)
}

// TestListPagesAreNotSortedAgain checks that the tags list and the catalog
// read page by page sort their names once, not once a page: a page of ten
// of 20000 allocates a few kilobytes, not a copy of the list, and the list
// still follows every tag and repository that comes or goes.
func TestListPagesAreNotSortedAgain(t *testing.T) {
	const many = 20000
	reg := New(Options{MaxTagsPerPush: -1, RequestLogSize: -1})
	im := newTestImage("many", "")
	im.pushBlobs(t, reg, "r")
	q := url.Values{}
	for i := 0; i < many; i++ {
		q.Add("tag", fmt.Sprintf("t%05d", i))
	}
	run(t, reg, call{method: "PUT", path: "/v2/r/manifests/" + im.digest.String() + "?" + q.Encode(),
		header: map[string]string{"Content-Type": ociManifest}, body: im.manifest, status: http.StatusCreated})
	x := digest.FromString("x")
	for i := 0; i < many; i++ {
		if _, err := reg.store.PushBlob(context.Background(), fmt.Sprintf("repo%05d", i), registry.Descriptor{Digest: x, Size: 1}, strings.NewReader("x")); err != nil {
			t.Fatal(err)
		}
	}
	page := func(path, want string) {
		t.Helper()
		res := serve(t, reg, "GET", path, nil, nil)
		if res.status != http.StatusOK || !strings.Contains(string(res.body), want) {
			t.Fatalf("GET %s: %d %s, want %s in it", path, res.status, res.body, want)
		}
	}
	for _, tt := range []struct{ path, want string }{
		{"/v2/r/tags/list?n=10&last=t10000", `"t10001"`},
		{"/v2/_catalog?n=10&last=repo10000", `"repo10001"`},
	} {
		page(tt.path, tt.want)
		if n := bytesPerRun(20, func() { page(tt.path, tt.want) }); n > 32<<10 {
			t.Errorf("GET %s allocates %d bytes a page of ten", tt.path, n)
		}
	}

	// The lists follow what comes and goes.
	pushManifest(t, reg, "r", "t10000a", ociManifest, im.manifest)
	page("/v2/r/tags/list?n=1&last=t10000", `"tags":["t10000a"]`)
	run(t, reg, call{method: "DELETE", path: "/v2/r/manifests/t10000a", status: http.StatusAccepted})
	page("/v2/r/tags/list?n=1&last=t10000", `"tags":["t10001"]`)
	pushBlob(t, reg, "repo10000a", []byte("x"))
	page("/v2/_catalog?n=1&last=repo10000", `"repositories":["repo10000a"]`)
	run(t, reg, call{method: "DELETE", path: "/v2/repo10000a/blobs/" + digest.FromString("x").String(), status: http.StatusAccepted})
	page("/v2/_catalog?n=1&last=repo10000", `"repositories":["repo10001"]`)
}
