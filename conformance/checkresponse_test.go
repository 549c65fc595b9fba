package conformance_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/regapi/regapi/conformance"
)

// Digests of known content: the sha256 of "hello" and of "{}".
const (
	helloDigest = "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"
	emptyJSON   = "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
)

// exchange is a request and response written out for CheckResponse.
type exchange struct {
	method, target string
	reqHeader      http.Header
	status         int
	header         http.Header
	body           string
}

// violations runs CheckResponse on the exchange and returns the rules
// broken, each once, and the messages.
func (ex exchange) violations(c conformance.Checker) ([]conformance.Rule, []string) {
	req := httptest.NewRequest(ex.method, ex.target, nil)
	for k, vs := range ex.reqHeader {
		req.Header[k] = vs
	}
	resp := &http.Response{StatusCode: ex.status, Header: ex.header, Body: io.NopCloser(strings.NewReader(ex.body))}
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	var rules []conformance.Rule
	var msgs []string
	for _, v := range c.CheckResponse(req, resp) {
		if !slices.Contains(rules, v.Rule) {
			rules = append(rules, v.Rule)
		}
		msgs = append(msgs, v.String())
	}
	return rules, msgs
}

func TestCheckResponse(t *testing.T) {
	json := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name    string
		spec    conformance.SpecVersion
		prefix  string
		ex      exchange
		want    []conformance.Rule
		message string // in one of the messages, when want is not empty
	}{
		{
			name: "upload started",
			ex: exchange{method: "POST", target: "/v2/a/b/blobs/uploads/", status: 202,
				header: http.Header{"Location": {"/v2/a/b/blobs/uploads/123?_state=x"}, "Range": {"0-0"}, "Docker-Upload-Uuid": {"123"}}},
		},
		{
			name:    "upload started without Location",
			ex:      exchange{method: "POST", target: "/v2/a/blobs/uploads/", status: 202, header: http.Header{"Range": {"0-0"}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "Location is missing",
		},
		{
			name:    "Location that is not a URL",
			ex:      exchange{method: "POST", target: "/v2/a/blobs/uploads/", status: 202, header: http.Header{"Location": {"http://[::1"}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "does not resolve",
		},
		{
			name:    "a status no variant lists",
			ex:      exchange{method: "POST", target: "/v2/a/blobs/uploads/", status: 200},
			want:    []conformance.Rule{conformance.RuleStatus},
			message: "status 200",
		},
		{
			name: "a redirect the main branch allows anywhere",
			spec: conformance.SpecDev,
			ex:   exchange{method: "GET", target: "/v2/a/tags/list", status: 307, header: http.Header{"Location": {"https://mirror.example/v2/a/tags/list"}}},
		},
		{
			name: "blob created with the digest asked for",
			ex: exchange{method: "PUT", target: "/v2/a/blobs/uploads/1?digest=" + helloDigest, status: 201,
				header: http.Header{"Location": {"/v2/a/blobs/" + helloDigest}, "Docker-Content-Digest": {helloDigest}}},
		},
		{
			name: "blob created with another digest of the same algorithm",
			ex: exchange{method: "PUT", target: "/v2/a/blobs/uploads/1?digest=" + helloDigest, status: 201,
				header: http.Header{"Location": {"/v2/a/blobs/" + emptyJSON}, "Docker-Content-Digest": {emptyJSON}}},
			want:    []conformance.Rule{conformance.RuleDigest},
			message: "the request names " + helloDigest,
		},
		{
			name: "blob body matches its digest",
			ex:   exchange{method: "GET", target: "/v2/a/blobs/" + helloDigest, status: 200, header: http.Header{"Docker-Content-Digest": {helloDigest}}, body: "hello"},
		},
		{
			name:    "blob body does not match its digest",
			ex:      exchange{method: "GET", target: "/v2/a/blobs/" + helloDigest, status: 200, header: http.Header{"Docker-Content-Digest": {helloDigest}}, body: "jello"},
			want:    []conformance.Rule{conformance.RuleDigest},
			message: "the body's digest",
		},
		{
			name:    "malformed Docker-Content-Digest",
			ex:      exchange{method: "GET", target: "/v2/a/blobs/" + helloDigest, status: 200, header: http.Header{"Docker-Content-Digest": {"sha256:xyz!"}}, body: "hello"},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "does not have the form",
		},
		{
			name: "blob without digest header, held to v1.1",
			ex:   exchange{method: "GET", target: "/v2/a/blobs/" + helloDigest, status: 200, body: "hello"},
		},
		{
			name:    "blob without digest header, held to dev",
			spec:    conformance.SpecDev,
			ex:      exchange{method: "GET", target: "/v2/a/blobs/" + helloDigest, status: 200, body: "hello"},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "Docker-Content-Digest is missing: specification dev requires it",
		},
		{
			name:    "HEAD without Content-Length, held to dev",
			spec:    conformance.SpecDev,
			ex:      exchange{method: "HEAD", target: "/v2/a/manifests/latest", status: 200, header: http.Header{"Docker-Content-Digest": {emptyJSON}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "Content-Length is missing",
		},
		{
			name:    "HEAD with a body",
			ex:      exchange{method: "HEAD", target: "/v2/a/manifests/latest", status: 404, body: "{}"},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "HEAD response carries 2 bytes",
		},
		{
			name:    "Content-Length that disagrees with the body",
			ex:      exchange{method: "GET", target: "/v2/a/manifests/" + emptyJSON, status: 200, header: http.Header{"Content-Length": {"3"}, "Content-Type": {"application/vnd.oci.image.manifest.v1+json"}}, body: "{}"},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "Content-Length is 3 but the body has 2 bytes",
		},
		{
			name: "an error envelope with a listed code",
			ex:   exchange{method: "GET", target: "/v2/a/manifests/latest", status: 404, header: json, body: `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown","detail":{"tag":"latest"}}]}`},
		},
		{
			name:    "an error envelope with a code the status does not list",
			ex:      exchange{method: "GET", target: "/v2/a/manifests/latest", status: 404, header: json, body: `{"errors":[{"code":"BLOB_UNKNOWN","message":""}]}`},
			want:    []conformance.Rule{conformance.RuleErrors},
			message: "error code BLOB_UNKNOWN is not one the descriptors list for 404",
		},
		{
			name:    "an error code in lower case",
			ex:      exchange{method: "GET", target: "/v2/a/manifests/latest", status: 404, header: json, body: `{"errors":[{"code":"manifest_unknown"}]}`},
			want:    []conformance.Rule{conformance.RuleErrors},
			message: "capital letters",
		},
		{
			name:    "a body declared JSON that does not parse",
			ex:      exchange{method: "GET", target: "/v2/a/manifests/latest", status: 404, header: json, body: `{"errors":`},
			want:    []conformance.Rule{conformance.RuleErrors},
			message: "not a JSON object",
		},
		{
			name: "an error body in another format",
			ex:   exchange{method: "GET", target: "/v2/a/manifests/latest", status: 404, header: http.Header{"Content-Type": {"text/html"}}, body: "<h1>Not Found</h1>"},
		},
		{
			name: "a server failure with a proxy's body",
			ex:   exchange{method: "PUT", target: "/v2/a/manifests/latest", status: 502, header: http.Header{"Content-Type": {"text/plain"}}, body: "bad gateway"},
		},
		{
			name: "a server failure with a code of the server's own",
			ex:   exchange{method: "DELETE", target: "/v2/a/blobs/" + helloDigest, status: 500, header: json, body: `{"errors":[{"code":"INTERNAL_SERVER_ERROR","message":"not found"}]}`},
		},
		{
			name: "a mount of a blob the source lacks, refused",
			ex:   exchange{method: "POST", target: "/v2/a/blobs/uploads/?mount=" + helloDigest + "&from=b", status: 404, header: json, body: `{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}`},
		},
		{
			name: "a registry that does not cancel uploads",
			ex:   exchange{method: "DELETE", target: "/v2/a/blobs/uploads/u1", status: 405, header: json, body: `{"errors":[{"code":"UNSUPPORTED","message":"the operation is unsupported"}]}`},
		},
		{
			name: "chunk accepted with the Range of its Content-Range",
			ex: exchange{method: "PATCH", target: "/v2/a/blobs/uploads/u1", reqHeader: http.Header{"Content-Range": {"0-1023"}}, status: 202,
				header: http.Header{"Location": {"/v2/a/blobs/uploads/u1"}, "Range": {"0-1023"}}},
		},
		{
			name: "chunk accepted with another Range",
			ex: exchange{method: "PATCH", target: "/v2/a/blobs/uploads/u1", reqHeader: http.Header{"Content-Range": {"0-1023"}}, status: 202,
				header: http.Header{"Location": {"/v2/a/blobs/uploads/u1"}, "Range": {"0-511"}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: `want "0-1023"`,
		},
		{
			name:    "upload status with a Range not starting at 0",
			ex:      exchange{method: "GET", target: "/v2/a/blobs/uploads/u1", status: 204, header: http.Header{"Location": {"/v2/a/blobs/uploads/u1"}, "Range": {"bytes=0-10"}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "Range",
		},
		{
			name:    "OCI-Chunk-Min-Length that is not a size",
			ex:      exchange{method: "POST", target: "/v2/a/blobs/uploads/", status: 202, header: http.Header{"Location": {"/v2/a/blobs/uploads/u1"}, "Oci-Chunk-Min-Length": {"lots"}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "OCI-Chunk-Min-Length",
		},
		{
			name: "tags page with a Link",
			ex: exchange{method: "GET", target: "/v2/a/tags/list?n=1", status: 200,
				header: http.Header{"Link": {`</v2/a/tags/list?last=a&n=1>; rel="next"`}, "Content-Type": {"application/json"}}, body: `{"name":"a","tags":["a"]}`},
		},
		{
			name: "tags page with a Link of another relation",
			ex: exchange{method: "GET", target: "/v2/a/tags/list?n=1", status: 200,
				header: http.Header{"Link": {`</v2/a/tags/list?last=a&n=1>; rel="prev"`}}, body: `{"name":"a","tags":["a"]}`},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: `no link has rel="next"`,
		},
		{
			name:    "referrers in another media type",
			ex:      exchange{method: "GET", target: "/v2/a/referrers/" + helloDigest, status: 200, header: json, body: `{"schemaVersion":2,"manifests":[]}`},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "Content-Type is",
		},
		{
			name:    "a Warning without its code",
			ex:      exchange{method: "GET", target: "/v2/", status: 200, header: http.Header{"Warning": {"deprecated"}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "Warning",
		},
		{
			name:    "more warning text than allowed",
			ex:      exchange{method: "GET", target: "/v2/", status: 200, header: http.Header{"Warning": {`299 - "` + strings.Repeat("w", 2100) + `"`, `299 - "` + strings.Repeat("v", 2100) + `"`}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "at most 4096",
		},
		{
			name:    "a 401 without its challenge",
			ex:      exchange{method: "GET", target: "/v2/", status: 401, header: json, body: `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "WWW-Authenticate is missing",
		},
		{
			name:   "a registry below a prefix",
			prefix: "/mirror",
			ex:     exchange{method: "POST", target: "/mirror/v2/a/blobs/uploads/", status: 200},
			want:   []conformance.Rule{conformance.RuleStatus},
		},
		{
			name:   "a path outside the prefix",
			prefix: "/mirror",
			ex:     exchange{method: "POST", target: "/other/v2/a/blobs/uploads/", status: 200},
		},
		{
			name: "a path outside the API",
			ex:   exchange{method: "GET", target: "/healthz", status: 500},
		},
		{
			name:    "a prefix found without being told",
			ex:      exchange{method: "DELETE", target: "/registry/v2/a/blobs/" + helloDigest, status: 200},
			want:    []conformance.Rule{conformance.RuleStatus},
			message: `"Delete Blob"`,
		},
		{
			name: "a manifest pushed by digest, answered with that digest",
			ex: exchange{method: "PUT", target: "/v2/a/manifests/" + emptyJSON, status: 201,
				header: http.Header{"Location": {"/v2/a/manifests/" + emptyJSON}, "Docker-Content-Digest": {emptyJSON}, "Oci-Subject": {helloDigest}}},
		},
		{
			name: "OCI-Tag with a value that is no tag",
			ex: exchange{method: "PUT", target: "/v2/a/manifests/" + emptyJSON + "?tag=v1", status: 201,
				header: http.Header{"Location": {"/v2/a/manifests/" + emptyJSON}, "Oci-Tag": {"v1, -bad"}}},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "not a tag",
		},
		{
			name:    "a blob part with a malformed Content-Range",
			ex:      exchange{method: "GET", target: "/v2/a/blobs/" + helloDigest, reqHeader: http.Header{"Range": {"bytes=1-2"}}, status: 206, header: http.Header{"Content-Range": {"1-2/5"}}, body: "el"},
			want:    []conformance.Rule{conformance.RuleHeaders},
			message: "Content-Range",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, msgs := tt.ex.violations(conformance.Checker{Spec: tt.spec, Prefix: tt.prefix})
			if !slices.Equal(got, tt.want) {
				t.Fatalf("rules %v, want %v; violations:\n%s", got, tt.want, strings.Join(msgs, "\n"))
			}
			if tt.message != "" && !strings.Contains(strings.Join(msgs, "\n"), tt.message) {
				t.Errorf("no violation mentions %q:\n%s", tt.message, strings.Join(msgs, "\n"))
			}
		})
	}
}

// TestCheckResponseKeepsTheBody checks that the caller can still read the
// whole body, short or longer than what the check inspects.
func TestCheckResponseKeepsTheBody(t *testing.T) {
	for _, size := range []int{0, 5, 5 << 20} {
		body := strings.Repeat("x", size)
		req := httptest.NewRequest(http.MethodGet, "/v2/a/tags/list", nil)
		resp := &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body))}
		conformance.CheckResponse(req, resp)
		got, err := io.ReadAll(resp.Body)
		if err != nil || string(got) != body {
			t.Errorf("size %d: read back %d bytes (%v)", size, len(got), err)
		}
	}
}

// TestCheckResponseReadsTheRequestBody checks that a pushed manifest's
// digest is learnt through GetBody.
func TestCheckResponseReadsTheRequestBody(t *testing.T) {
	req, err := http.NewRequest(http.MethodPut, "http://registry.test/v2/a/manifests/latest", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		header string
		broken bool
	}{{emptyJSON, false}, {helloDigest, true}} {
		resp := &http.Response{StatusCode: 201, Body: http.NoBody, Header: http.Header{
			"Location": {"/v2/a/manifests/" + tt.header}, "Docker-Content-Digest": {tt.header}}}
		vs := conformance.CheckResponse(req, resp)
		if broken := len(vs) > 0; broken != tt.broken {
			t.Errorf("digest %s: violations %v, want broken=%v", tt.header, vs, tt.broken)
		}
	}
}
