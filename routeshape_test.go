package regapi

import "testing"

func TestEveryRouteHasAShape(t *testing.T) {
	for _, d := range routeDescriptors {
		if _, ok := shapeOf(d.Template()); !ok {
			t.Errorf("route %s (%s): no shape, so no filter before its regexp", d.Name, d.Template())
		}
	}
}

func TestShapeOfUnknownTemplates(t *testing.T) {
	for _, tpl := range []string{
		"/v2/{name}/things/{thing}",  // a variable with no check
		"/v2/{name}/x{reference}",    // a value not after a slash
		"/v2/{other}/tags/list",      // another first variable
		"/v2/{name}/a/{digest}/b",    // text after the final variable
		"/v2/{name}/{reference}/{x}", // two variables after the name
	} {
		if s, ok := shapeOf(tpl); ok {
			t.Errorf("shapeOf(%q) = %+v, want no shape", tpl, s)
		}
	}
}

func TestRouteShapeAdmits(t *testing.T) {
	const dgst = "sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b"
	tests := []struct {
		route  string
		prefix string
		path   string
		want   bool
	}{
		{RouteNameBase, "", "/v2/", true},
		{RouteNameBase, "", "/v2", true},
		{RouteNameBase, "", "/v2/foo", false},
		{RouteNameBase, "/registry", "/registry/v2/", true},
		{RouteNameBase, "/registry", "/v2/", false},
		{RouteNameCatalog, "", "/v2/_catalog", true},
		{RouteNameCatalog, "", "/v2/_catalog/", true},
		{RouteNameCatalog, "", "/v2/x/_catalog", false},
		{RouteNameTags, "", "/v2/library/ubuntu/tags/list", true},
		{RouteNameTags, "", "/v2/tags/list", false}, // no name
		{RouteNameTags, "", "/v2/a/tags/list/x", false},
		{RouteNameBlobUpload, "", "/v2/foo/blobs/uploads/", true},
		{RouteNameBlobUpload, "", "/v2/foo/blobs/uploads/abc", false},
		{RouteNameManifest, "", "/v2/foo/manifests/latest", true},
		{RouteNameManifest, "", "/v2/foo/manifests/" + dgst, true},
		{RouteNameManifest, "", "/v2/a/manifests/b/manifests/latest", true}, // the last occurrence
		{RouteNameManifest, "", "/v2/foo/manifests/", false},                // no reference
		{RouteNameManifest, "", "/v2/manifests/latest", false},              // no name
		{RouteNameManifest, "", "/v2/foo/manifests/-bad", false},
		{RouteNameManifest, "", "/v2/foo/manifests/a/b", false},
		// The name is the regexp's to check.
		{RouteNameManifest, "", "/v2/UPPER/manifests/latest", true},
		{RouteNameBlob, "", "/v2/foo/blobs/" + dgst, true},
		{RouteNameBlob, "", "/v2/foo/blobs/uploads", false}, // an upload start, not a blob
		{RouteNameBlob, "", "/v2/foo/blobs/uploads/", false},
		{RouteNameBlob, "", "/v2/foo/blobs/sha256", false},
		{RouteNameBlobUploadChunk, "", "/v2/foo/blobs/uploads/4d0b6d5e-6a0b", true},
		{RouteNameBlobUploadChunk, "", "/v2/foo/blobs/uploads/a b", false},
		{RouteNameBlobUploadChunk, "", "/v2/foo/blobs/" + dgst, false},
		{RouteNameReferrers, "", "/v2/foo/referrers/" + dgst, true},
		{RouteNameReferrers, "", "/v2/foo/referrers/latest", false},
		{RouteNameReferrers, "/r", "/r/v2/foo/referrers/" + dgst, true},
	}
	for _, tt := range tests {
		shape, ok := shapeOf(routeDescriptorsByName[tt.route].Template())
		if !ok {
			t.Fatalf("route %s has no shape", tt.route)
		}
		if got := shape.admits(tt.prefix, tt.path); got != tt.want {
			t.Errorf("%s shape admits(%q, %q) = %v, want %v", tt.route, tt.prefix, tt.path, got, tt.want)
		}
	}
}
