package registryload

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/opencontainers/go-digest"
)

// Client pushes and pulls images on one registry, as a registry client
// does, checking every answer.
type Client struct {
	base *url.URL
	hc   *http.Client
}

// NewClient returns a client of the registry at baseURL that keeps up to
// conns connections open, so that that many workers never wait for a
// connection nor open a new one per request.
func NewClient(baseURL string, conns int) *Client {
	base, err := url.Parse(baseURL)
	if err != nil {
		panic(err)
	}
	tr := &http.Transport{
		// No proxy: the registries are on loopback in this process.
		Proxy:               nil,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		IdleConnTimeout:     time.Minute,
		// Neither registry compresses; asking would only add a header.
		DisableCompression: true,
	}
	// A bound on every request, so that a registry that stops answering
	// fails the run instead of hanging it.
	return &Client{base: base, hc: &http.Client{Transport: tr, Timeout: 2 * time.Minute}}
}

// Close closes the client's idle connections.
func (c *Client) Close() {
	c.hc.CloseIdleConnections()
}

// do sends a request and returns the answer when its status is want,
// else an error with the start of the body. The caller closes the body.
func (c *Client) do(method string, u *url.URL, header http.Header, body []byte, want int) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		// A bytes.Reader lets net/http send the body with its length and
		// resend it on a connection that closed while idle.
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, u.String(), rd)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != want {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 512))
		res.Body.Close()
		return nil, fmt.Errorf("%s %s: status %d, want %d: %s", method, u.Path, res.StatusCode, want, bytes.TrimSpace(msg))
	}
	return res, nil
}

// done reads what is left of a body, so that the connection can carry
// the next request, and closes it.
func done(res *http.Response) {
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
}

func (c *Client) path(p string) *url.URL {
	return c.base.ResolveReference(&url.URL{Path: p})
}

var (
	octetStream    = http.Header{"Content-Type": {"application/octet-stream"}}
	manifestPush   = http.Header{"Content-Type": {MediaTypeManifest}}
	manifestAccept = http.Header{"Accept": {MediaTypeManifest + ", application/vnd.oci.image.index.v1+json"}}
)

// Push pushes an image: its config, its layer, then its manifest by tag.
// Each blob goes up in two requests, as containerd and ORAS send a blob
// whose size they know: a POST opens an upload session and a PUT closes
// it with the whole blob as its body and the digest in the query.
// Existence checks (HEAD) before the upload are left out; the latency
// probes measure such small requests separately.
func (c *Client) Push(im *Image) error {
	if err := c.PushBlob(im.Repo, im.Config, im.ConfigDigest); err != nil {
		return err
	}
	if err := c.PushBlob(im.Repo, im.Layer, im.LayerDigest); err != nil {
		return err
	}
	res, err := c.do(http.MethodPut, c.path("/v2/"+im.Repo+"/manifests/"+im.Tag), manifestPush, im.Manifest, http.StatusCreated)
	if err != nil {
		return err
	}
	done(res)
	if got := res.Header.Get("Docker-Content-Digest"); got != im.ManifestDigest.String() {
		return fmt.Errorf("manifest %s:%s stored as %q, want %s", im.Repo, im.Tag, got, im.ManifestDigest)
	}
	return nil
}

// PushBlob uploads a blob to repository repo in a POST and a PUT.
func (c *Client) PushBlob(repo string, data []byte, d digest.Digest) error {
	loc, err := c.StartUpload(repo)
	if err != nil {
		return err
	}
	q := loc.Query()
	q.Set("digest", d.String())
	loc.RawQuery = q.Encode()
	res, err := c.do(http.MethodPut, loc, octetStream, data, http.StatusCreated)
	if err != nil {
		return err
	}
	done(res)
	if got := res.Header.Get("Docker-Content-Digest"); got != d.String() {
		return fmt.Errorf("blob %s stored as %q", d, got)
	}
	return nil
}

// StartUpload opens an upload session in repository repo and returns its
// location, absolute.
func (c *Client) StartUpload(repo string) (*url.URL, error) {
	res, err := c.do(http.MethodPost, c.path("/v2/"+repo+"/blobs/uploads/"), nil, nil, http.StatusAccepted)
	if err != nil {
		return nil, err
	}
	done(res)
	// registrytest answers with an absolute URL, go-containerregistry
	// with a path; both resolve against the base.
	loc, err := c.base.Parse(res.Header.Get("Location"))
	if err != nil {
		return nil, fmt.Errorf("upload location %q: %v", res.Header.Get("Location"), err)
	}
	return loc, nil
}

// HeadBlob checks that blob d of repository repo exists.
func (c *Client) HeadBlob(repo string, d digest.Digest) error {
	res, err := c.do(http.MethodHead, c.path("/v2/"+repo+"/blobs/"+d.String()), nil, nil, http.StatusOK)
	if err != nil {
		return err
	}
	done(res)
	return nil
}

// Pull pulls an image as a client does: the manifest by tag, then the
// config and layer it names. The manifest must be the bytes pushed, and
// every blob must have the digest and size its descriptor gives, which
// is checked by hashing it as it arrives. buf is the caller's copy buffer.
func (c *Client) Pull(im *Image, buf []byte) error {
	res, err := c.do(http.MethodGet, c.path("/v2/"+im.Repo+"/manifests/"+im.Tag), manifestAccept, nil, http.StatusOK)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		return err
	}
	if !bytes.Equal(body, im.Manifest) {
		return fmt.Errorf("manifest %s:%s: got %d bytes that differ from the %d pushed", im.Repo, im.Tag, len(body), len(im.Manifest))
	}
	var m manifest
	if err := json.Unmarshal(body, &m); err != nil {
		return fmt.Errorf("manifest %s:%s: %v", im.Repo, im.Tag, err)
	}
	if err := c.fetchBlob(im.Repo, m.Config, buf); err != nil {
		return err
	}
	for _, l := range m.Layers {
		if err := c.fetchBlob(im.Repo, l, buf); err != nil {
			return err
		}
	}
	return nil
}

// fetchBlob downloads the blob of a descriptor and checks its digest and
// size.
func (c *Client) fetchBlob(repo string, d descriptor, buf []byte) error {
	res, err := c.do(http.MethodGet, c.path("/v2/"+repo+"/blobs/"+d.Digest.String()), nil, nil, http.StatusOK)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	v := d.Digest.Verifier()
	n, err := io.CopyBuffer(v, res.Body, buf)
	if err != nil {
		return fmt.Errorf("blob %s: %v", d.Digest, err)
	}
	if n != d.Size || !v.Verified() {
		return fmt.Errorf("blob %s: got %d bytes that do not verify, want %d", d.Digest, n, d.Size)
	}
	if cl := res.Header.Get("Content-Length"); cl != strconv.FormatInt(d.Size, 10) {
		return fmt.Errorf("blob %s: Content-Length %q, want %d", d.Digest, cl, d.Size)
	}
	return nil
}
