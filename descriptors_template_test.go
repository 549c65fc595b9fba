package regapi

import "testing"

func TestRouteDescriptorTemplate(t *testing.T) {
	want := map[string]string{
		RouteNameBase:            "/v2/",
		RouteNameTags:            "/v2/{name}/tags/list",
		RouteNameManifest:        "/v2/{name}/manifests/{reference}",
		RouteNameBlob:            "/v2/{name}/blobs/{digest}",
		RouteNameBlobUpload:      "/v2/{name}/blobs/uploads/",
		RouteNameBlobUploadChunk: "/v2/{name}/blobs/uploads/{uuid}",
		RouteNameCatalog:         "/v2/_catalog",
		RouteNameReferrers:       "/v2/{name}/referrers/{digest}",
	}
	for _, d := range APIDescriptor.RouteDescriptors {
		if got := d.Template(); got != want[d.Name] {
			t.Errorf("%s: Template() = %q, want %q", d.Name, got, want[d.Name])
		}
	}
	if got := (RouteDescriptor{Path: "/v2/{broken"}).Template(); got != "/v2/{broken" {
		t.Errorf("a template that does not parse gave %q, want it unchanged", got)
	}
}
