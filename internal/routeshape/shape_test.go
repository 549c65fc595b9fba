package routeshape

import "testing"

func TestShapeOfUnknownTemplates(t *testing.T) {
	for _, tpl := range []string{
		"/v2/{name}/things/{thing}",  // a variable with no check
		"/v2/{name}/x{reference}",    // a value not after a slash
		"/v2/{other}/tags/list",      // another first variable
		"/v2/{name}/a/{digest}/b",    // text after the final variable
		"/v2/{name}/{reference}/{x}", // two variables after the name
	} {
		if s, ok := Of(tpl); ok {
			t.Errorf("Of(%q) = %+v, want no shape", tpl, s)
		}
	}
}

// templates are the templates of the API's routes, as the root package's
// descriptors give them; the root package checks that each of its routes
// has a shape.
var templates = map[string]string{
	"base":              "/v2/",
	"tags":              "/v2/{name}/tags/list",
	"manifest":          "/v2/{name}/manifests/{reference}",
	"blob":              "/v2/{name}/blobs/{digest}",
	"blob-upload":       "/v2/{name}/blobs/uploads/",
	"blob-upload-chunk": "/v2/{name}/blobs/uploads/{uuid}",
	"catalog":           "/v2/_catalog",
	"referrers":         "/v2/{name}/referrers/{digest}",
}

func TestRouteShapeAdmits(t *testing.T) {
	const dgst = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	tests := []struct {
		route  string
		prefix string
		path   string
		want   bool
	}{
		{"base", "", "/v2/", true},
		{"base", "", "/v2", true},
		{"base", "", "/v2/foo", false},
		{"base", "/registry", "/registry/v2/", true},
		{"base", "/registry", "/v2/", false},
		{"catalog", "", "/v2/_catalog", true},
		{"catalog", "", "/v2/_catalog/", true},
		{"catalog", "", "/v2/x/_catalog", false},
		{"tags", "", "/v2/library/ubuntu/tags/list", true},
		{"tags", "", "/v2/tags/list", false}, // no name
		{"tags", "", "/v2/a/tags/list/x", false},
		{"blob-upload", "", "/v2/foo/blobs/uploads/", true},
		{"blob-upload", "", "/v2/foo/blobs/uploads/abc", false},
		{"manifest", "", "/v2/foo/manifests/latest", true},
		{"manifest", "", "/v2/foo/manifests/" + dgst, true},
		{"manifest", "", "/v2/a/manifests/b/manifests/latest", true}, // the last occurrence
		{"manifest", "", "/v2/foo/manifests/", false},                // no reference
		{"manifest", "", "/v2/manifests/latest", false},              // no name
		{"manifest", "", "/v2/foo/manifests/-bad", false},
		{"manifest", "", "/v2/foo/manifests/a/b", false},
		// The name is the regexp's to check.
		{"manifest", "", "/v2/UPPER/manifests/latest", true},
		{"blob", "", "/v2/foo/blobs/" + dgst, true},
		{"blob", "", "/v2/foo/blobs/uploads", false}, // an upload start, not a blob
		{"blob", "", "/v2/foo/blobs/uploads/", false},
		{"blob", "", "/v2/foo/blobs/sha256", false},
		{"blob-upload-chunk", "", "/v2/foo/blobs/uploads/4d0b6d5e-6a0b", true},
		{"blob-upload-chunk", "", "/v2/foo/blobs/uploads/a b", false},
		{"blob-upload-chunk", "", "/v2/foo/blobs/" + dgst, false},
		{"referrers", "", "/v2/foo/referrers/" + dgst, true},
		{"referrers", "", "/v2/foo/referrers/latest", false},
		{"referrers", "/r", "/r/v2/foo/referrers/" + dgst, true},
	}
	for _, tt := range tests {
		shape, ok := Of(templates[tt.route])
		if !ok {
			t.Fatalf("route %s has no shape", tt.route)
		}
		if got := shape.Admits(tt.prefix, tt.path); got != tt.want {
			t.Errorf("%s shape admits(%q, %q) = %v, want %v", tt.route, tt.prefix, tt.path, got, tt.want)
		}
	}
}
