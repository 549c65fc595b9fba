package registrytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
)

// call is one request to a registry and what is expected of its answer.
type call struct {
	method  string
	path    string
	header  map[string]string
	body    []byte
	status  int
	code    string            // first error code of the body, when status is an error
	headers map[string]string // response headers expected; "" means absent
}

// result is a recorded answer.
type result struct {
	status int
	header http.Header
	body   []byte
}

// serve sends one request to h.
func serve(t *testing.T, h http.Handler, method, path string, header map[string]string, body []byte) result {
	t.Helper()
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, "http://registry.test"+path, r)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
}

// run sends c to h and checks the answer.
func run(t *testing.T, h http.Handler, c call) result {
	t.Helper()
	res := serve(t, h, c.method, c.path, c.header, c.body)
	if res.status != c.status {
		t.Fatalf("%s %s: status %d, want %d; body %s", c.method, c.path, res.status, c.status, res.body)
	}
	if c.code != "" {
		if got := errorCode(t, res); got != c.code {
			t.Fatalf("%s %s: error code %q, want %q; body %s", c.method, c.path, got, c.code, res.body)
		}
	}
	for k, want := range c.headers {
		if got := res.header.Get(k); got != want {
			t.Fatalf("%s %s: header %s = %q, want %q", c.method, c.path, k, got, want)
		}
	}
	return res
}

// errorCode checks an error response with checkErrorBody and returns its
// first code.
func errorCode(t *testing.T, res result) string {
	t.Helper()
	codes, err := checkErrorBody(res.status, res.header, res.body)
	if err != nil {
		t.Fatal(err)
	}
	return codes[0]
}

// pushBlob uploads content monolithically to repository name.
func pushBlob(t *testing.T, h http.Handler, name string, content []byte) digest.Digest {
	t.Helper()
	d := digest.FromBytes(content)
	run(t, h, call{method: "POST", path: "/v2/" + name + "/blobs/uploads/?digest=" + d.String(), body: content, status: http.StatusCreated})
	return d
}

// pushManifest uploads a manifest under reference (a tag or digest).
func pushManifest(t *testing.T, h http.Handler, name, ref, mediaType string, body []byte) result {
	t.Helper()
	return run(t, h, call{method: "PUT", path: "/v2/" + name + "/manifests/" + ref,
		header: map[string]string{"Content-Type": mediaType}, body: body, status: http.StatusCreated})
}

// location returns the path and query of a Location header.
func location(t *testing.T, res result) string {
	t.Helper()
	loc := res.header.Get("Location")
	if loc == "" {
		t.Fatalf("no Location header")
	}
	loc = strings.TrimPrefix(loc, "http://registry.test")
	if !strings.HasPrefix(loc, "/v2/") {
		t.Fatalf("Location %q is not below http://registry.test/v2/", res.header.Get("Location"))
	}
	return loc
}

// testImage is a valid OCI image: a config, layers, and the manifest that
// names them with their true digests and sizes.
type testImage struct {
	config   []byte
	layers   [][]byte
	manifest []byte
	digest   digest.Digest
}

// newTestImage returns an image whose config and single layer are made
// from seed, with extra top-level JSON fields (raw, without braces) in the
// manifest if any.
func newTestImage(seed, extra string) testImage {
	im := testImage{config: []byte(`{"seed":"` + seed + `"}`), layers: [][]byte{[]byte("layer of " + seed)}}
	im.manifest = imageManifest(im.config, im.layers, extra)
	im.digest = digest.FromBytes(im.manifest)
	return im
}

// imageManifest returns an OCI image manifest naming config and layers,
// with extra top-level JSON fields (raw, without braces) if any.
func imageManifest(config []byte, layers [][]byte, extra string) []byte {
	var b strings.Builder
	b.WriteString(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",`)
	b.WriteString(`"config":` + descriptorJSON("application/vnd.oci.image.config.v1+json", config) + `,"layers":[`)
	for i, l := range layers {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(descriptorJSON("application/vnd.oci.image.layer.v1.tar", l))
	}
	b.WriteString("]")
	if extra != "" {
		b.WriteString("," + extra)
	}
	b.WriteString("}")
	return []byte(b.String())
}

// descriptorJSON is the descriptor of content with the media type.
func descriptorJSON(mediaType string, content []byte) string {
	return `{"mediaType":"` + mediaType + `","digest":"` + digest.FromBytes(content).String() + `","size":` + strconv.Itoa(len(content)) + `}`
}

// pushBlobs uploads the image's config and layers to repository name.
func (im testImage) pushBlobs(t *testing.T, h http.Handler, name string) {
	t.Helper()
	pushBlob(t, h, name, im.config)
	for _, l := range im.layers {
		pushBlob(t, h, name, l)
	}
}

// push uploads the image's blobs and its manifest under ref.
func (im testImage) push(t *testing.T, h http.Handler, name, ref string) result {
	t.Helper()
	im.pushBlobs(t, h, name)
	return pushManifest(t, h, name, ref, "application/vnd.oci.image.manifest.v1+json", im.manifest)
}

// documentedStatus lists the statuses doc.go gives codes in place of the
// status of the code's own descriptor: 413 and 414 for content and tag
// lists over a limit, 404 for a path that matches no endpoint.
var documentedStatus = map[string]int{
	"SIZE_INVALID": http.StatusRequestEntityTooLarge,
	"TAG_INVALID":  http.StatusRequestURITooLong,
	"UNSUPPORTED":  http.StatusNotFound,
}

// checkErrorBody checks an error response: Content-Type application/json, a
// body that decodes as an errcode.Errors envelope with at least one entry,
// every code a string registered with package errcode (and not UNKNOWN,
// which means a server fault), every message set, and a status that is the
// first code's own or the one documentedStatus gives it. It returns the
// codes.
func checkErrorBody(status int, header http.Header, body []byte) ([]string, error) {
	if ct := header.Get("Content-Type"); ct != "application/json" {
		return nil, fmt.Errorf("error response with Content-Type %q", ct)
	}
	var errs errcode.Errors
	if err := json.Unmarshal(body, &errs); err != nil {
		return nil, fmt.Errorf("error body %q does not decode as an envelope: %v", body, err)
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("error body %q has no errors", body)
	}
	var raw struct {
		Errors []struct {
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &raw); err != nil || len(raw.Errors) != len(errs) {
		return nil, fmt.Errorf("error body %q: %d entries, envelope decoded %d (%v)", body, len(raw.Errors), len(errs), err)
	}
	var codes []string
	for i, e := range raw.Errors {
		var value string
		if err := json.Unmarshal(e.Code, &value); err != nil {
			return nil, fmt.Errorf("error body %q: code %s is not a string", body, e.Code)
		}
		code := errcode.ParseErrorCode(value)
		if code.String() != value || code == errcode.ErrorCodeUnknown {
			return nil, fmt.Errorf("error body %q: code %q is not a registered registry code", body, value)
		}
		var decoded errcode.ErrorCode
		switch entry := errs[i].(type) {
		case errcode.ErrorCode:
			decoded = entry
		case errcode.Error:
			decoded = entry.Code
			if entry.Value() != value {
				return nil, fmt.Errorf("error body %q: entry %d decoded as %q", body, i, entry.Value())
			}
		default:
			return nil, fmt.Errorf("error body %q: entry %d decoded as %T", body, i, entry)
		}
		if decoded != code {
			return nil, fmt.Errorf("error body %q: entry %d decoded as %v, want %v", body, i, decoded, code)
		}
		if e.Message == "" {
			return nil, fmt.Errorf("error body %q: entry %d has no message", body, i)
		}
		codes = append(codes, value)
	}
	first := errcode.ParseErrorCode(codes[0])
	if want := first.Descriptor().HTTPStatusCode; status != want && documentedStatus[codes[0]] != status {
		return nil, fmt.Errorf("status %d for code %s, whose status is %d", status, codes[0], want)
	}
	return codes, nil
}

// checkURLHeader checks a Location or Link target: a path below /v2/, or an
// absolute http or https URL of a well-formed host whose path is below /v2/.
func checkURLHeader(target string) error {
	if strings.HasPrefix(target, "/") {
		if !strings.HasPrefix(target, "/v2/") {
			return fmt.Errorf("relative URL %q is not below /v2/", target)
		}
		return nil
	}
	u, err := url.Parse(target)
	if err != nil {
		return fmt.Errorf("URL %q does not parse: %v", target, err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.User != nil || !grammar.IsHost(u.Host) ||
		!strings.HasPrefix(target, u.Scheme+"://"+u.Host+"/v2/") {
		return fmt.Errorf("URL %q is not an http(s) URL of a well-formed host below /v2/", target)
	}
	return nil
}

// checkAccounting checks, for a registry over its own memory store, that
// the store's count of what it holds stays within MaxStorage and that
// Reserve agrees with it: all the space the count leaves can be reserved,
// and not a byte more. The recomputation of the count from what the store
// holds is the memory store's own test (registry/memstore).
func (reg *Registry) checkAccounting() error {
	_, err := reg.heldBytes()
	return err
}

// heldBytes returns what the registry's memory store counts against
// MaxStorage, found by reserving the space left, and checks that the space
// left can be reserved and not a byte more.
func (reg *Registry) heldBytes() (int64, error) {
	if reg.mem == nil || reg.opts.MaxStorage < 0 {
		return 0, nil
	}
	ctx := context.Background()
	lo, hi := int64(-1), reg.opts.MaxStorage+1 // lo fits, hi does not
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		release, err := reg.mem.Reserve(ctx, mid)
		if err != nil {
			hi = mid
			continue
		}
		release()
		lo = mid
	}
	if lo < 0 {
		return 0, fmt.Errorf("not even 0 bytes can be reserved")
	}
	release, err := reg.mem.Reserve(ctx, lo)
	if err != nil {
		return 0, fmt.Errorf("%d free bytes could not be reserved again: %v", lo, err)
	}
	defer release()
	if release2, err := reg.mem.Reserve(ctx, 1); err == nil {
		release2()
		return 0, fmt.Errorf("a byte reserved beyond the %d free", lo)
	}
	return reg.opts.MaxStorage - lo, nil
}

// index is an OCI image index as the referrers endpoint answers it.
type index struct {
	SchemaVersion int          `json:"schemaVersion"`
	MediaType     string       `json:"mediaType"`
	Manifests     []descriptor `json:"manifests"`
}

// descriptor is a descriptor as the referrers list has it.
type descriptor struct {
	MediaType    string            `json:"mediaType"`
	Digest       string            `json:"digest"`
	Size         int64             `json:"size"`
	ArtifactType string            `json:"artifactType,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
}

// testClock is a clock that moves only when a test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

// stoppedClock makes reg time its upload sessions by a testClock, which it
// returns.
func stoppedClock(reg *Registry) *testClock {
	c := &testClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	reg.now = c.now
	return c
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
