package regapi_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"

	"github.com/distribution/reference"
	"github.com/gorilla/mux"
	"github.com/regapi/regapi"
	"github.com/regapi/regapi/errcode"
)

// A server takes a fresh router, attaches a handler to each route it serves
// and reads the path variables with mux.Vars.
func ExampleRouter() {
	router := regapi.Router()
	router.Get(regapi.RouteNameManifest).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		vars := mux.Vars(r)
		fmt.Printf("manifest %q of repository %q\n", vars["reference"], vars["name"])
	})
	router.Get(regapi.RouteNameTags).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Printf("tags of repository %q\n", mux.Vars(r)["name"])
	})

	for _, path := range []string{
		"/v2/library/alpine/manifests/3.20",
		"/v2/team/app/manifests/tags/list", // the tags of "team/app/manifests"
	} {
		router.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	// Output:
	// manifest "3.20" of repository "library/alpine"
	// tags of repository "team/app/manifests"
}

// A router with a prefix serves the API below a path of the host.
func ExampleRouterWithPrefix() {
	router := regapi.RouterWithPrefix("/registry")
	router.Get(regapi.RouteNameBase).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println("base route at", r.URL.Path)
	})
	router.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/registry/v2/", nil))

	// Paths that lack the final slash are redirected to it.
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/registry/v2", nil))
	fmt.Println(rec.Code, rec.Header().Get("Location"))
	// Output:
	// base route at /registry/v2/
	// 301 /registry/v2/
}

// A client builds the URLs of a registry from its root.
func ExampleURLBuilder() {
	ub, err := regapi.NewURLBuilderFromString("https://registry.example.com/", false)
	if err != nil {
		panic(err)
	}
	named, _ := reference.WithName("library/alpine")
	tagged, _ := reference.WithTag(named, "3.20")

	manifest, _ := ub.BuildManifestURL(tagged)
	tags, _ := ub.BuildTagsURL(named, url.Values{"n": {"50"}, "last": {"3.19"}})
	upload, _ := ub.BuildBlobUploadURL(named)
	fmt.Println(manifest)
	fmt.Println(tags)
	fmt.Println(upload)
	// Output:
	// https://registry.example.com/v2/library/alpine/manifests/3.20
	// https://registry.example.com/v2/library/alpine/tags/list?last=3.19&n=50
	// https://registry.example.com/v2/library/alpine/blobs/uploads/
}

// A server builds Location headers that point back the way the request
// came, through proxies that set Forwarded.
func ExampleNewURLBuilderFromRequest() {
	req := httptest.NewRequest(http.MethodPost, "http://10.0.0.5:5000/v2/app/blobs/uploads/", nil)
	req.Header.Set("Forwarded", `for=192.0.2.7;proto=https;host="registry.example.com"`)

	ub := regapi.NewURLBuilderFromRequest(req, false)
	named, _ := reference.WithName("app")
	loc, _ := ub.BuildBlobUploadChunkURL(named, "3b1a6c2e-0d0f-4e39-9c55-7a3c7e9f1a20")
	fmt.Println(loc)
	// Output:
	// https://registry.example.com/v2/app/blobs/uploads/3b1a6c2e-0d0f-4e39-9c55-7a3c7e9f1a20
}

// A server behind two proxies in 10.0.0.0/8 believes what they appended to
// X-Forwarded-*, and not the host the client put in front of their values.
func ExampleNewURLBuilderFromRequestWithOptions() {
	req := httptest.NewRequest(http.MethodPost, "http://10.0.0.5:5000/v2/app/blobs/uploads/", nil)
	req.RemoteAddr = "10.0.0.1:41000" // the inner proxy
	req.Header.Set("X-Forwarded-For", "203.0.113.9, 10.0.0.2")
	req.Header.Set("X-Forwarded-Proto", "https, http")
	req.Header.Set("X-Forwarded-Host", "evil.example, registry.example.com, registry.internal")

	ub := regapi.NewURLBuilderFromRequestWithOptions(req, regapi.FromRequestOptions{
		TrustedProxies:    []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
		ForwardingHeaders: regapi.XForwardedOnly,
	})
	named, _ := reference.WithName("app")
	loc, _ := ub.BuildBlobUploadChunkURL(named, "3b1a6c2e-0d0f-4e39-9c55-7a3c7e9f1a20")
	fmt.Println(loc)
	// Output:
	// https://registry.example.com/v2/app/blobs/uploads/3b1a6c2e-0d0f-4e39-9c55-7a3c7e9f1a20
}

// The referrers URL of a manifest, with an artifact type filter.
func ExampleURLBuilder_BuildReferrersURL() {
	ub, _ := regapi.NewURLBuilderFromString("https://registry.example.com", false)
	ref, _ := reference.ParseNormalizedNamed("registry.example.com/app@sha256:" +
		"6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b")
	canonical := ref.(reference.Canonical)
	u, _ := ub.BuildReferrersURL(canonical, url.Values{"artifactType": {"application/vnd.example.sbom"}})
	fmt.Println(u)
	// Output:
	// https://registry.example.com/v2/registry.example.com/app/referrers/sha256:6c3c624b58dbbcd3c0dd82b4c53f04194d1247c6eebdaab7c610cf7d66709b3b?artifactType=application%2Fvnd.example.sbom
}

// The descriptors document every route; here, the methods of each.
func ExampleAPIDescriptor() {
	for _, route := range regapi.APIDescriptor.RouteDescriptors {
		if route.Name != regapi.RouteNameBlob {
			continue
		}
		for _, m := range route.Methods {
			fmt.Println(m.Method)
		}
	}
	// Output:
	// GET
	// HEAD
	// DELETE
}

// The registry codes are also exported here under their v2.8 names.
func Example_errorCodes() {
	fmt.Println(regapi.ErrorCodeManifestUnknown == errcode.ErrorCodeManifestUnknown)
	fmt.Println(regapi.ErrorCodeManifestUnknown.Descriptor().HTTPStatusCode)
	// Output:
	// true
	// 404
}
