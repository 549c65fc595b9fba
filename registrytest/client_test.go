package registrytest

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/opencontainers/go-digest"
)

// client talks to a Server over its loopback port, as registry clients do.
// Every answer it returns has passed the checks every answer must pass: no
// transport error (a dropped connection), no 5xx, a valid error envelope of
// registered codes for errors, and well-formed Location and Link headers.
// It is safe for concurrent use.
type client struct {
	base string
	hc   *http.Client
}

// response is an answer read in full.
type response struct {
	status int
	header http.Header
	body   []byte
}

// newClient returns a client of srv keeping up to conns idle connections,
// so that parallel requests reuse connections rather than open new ones.
func newClient(srv *Server, conns int) *client {
	tr := srv.Client().Transport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns
	tr.MaxIdleConnsPerHost = conns
	return &client{base: srv.URL, hc: &http.Client{Transport: tr}}
}

// do sends a request to target, a path or an absolute URL, and checks the
// answer as the type's documentation says.
func (c *client) do(method, target string, header map[string]string, body []byte) (response, error) {
	res, err := c.raw(method, target, header, body)
	if err != nil {
		return res, err
	}
	return res, c.check(method, target, res)
}

// raw sends a request and reads the answer, without checking it.
func (c *client) raw(method, target string, header map[string]string, body []byte) (response, error) {
	if !strings.HasPrefix(target, "http://") {
		target = c.base + target
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		return response{}, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, fmt.Errorf("%s %s: reading the body: %v", method, target, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// check checks an answer as the type's documentation says.
func (c *client) check(method, target string, res response) error {
	data := res.body
	if res.status >= 500 {
		return fmt.Errorf("%s %s: status %d: %s", method, target, res.status, data)
	}
	if res.status >= 400 && method != http.MethodHead {
		if _, err := checkErrorBody(res.status, res.header, data); err != nil {
			return fmt.Errorf("%s %s: %v", method, target, err)
		}
	}
	if l := res.header.Get("Location"); l != "" && res.status != http.StatusMovedPermanently {
		if err := checkURLHeader(l); err != nil {
			return fmt.Errorf("%s %s: Location: %v", method, target, err)
		}
	}
	return nil
}

// expect is do that also requires the status and, for errors, the first
// code.
func (c *client) expect(method, target string, header map[string]string, body []byte, status int, code string) (response, error) {
	res, err := c.do(method, target, header, body)
	if err != nil {
		return res, err
	}
	if res.status != status {
		return res, fmt.Errorf("%s %s: status %d, want %d: %s", method, target, res.status, status, res.body)
	}
	if code != "" && method != http.MethodHead {
		codes, _ := checkErrorBody(res.status, res.header, res.body)
		if len(codes) == 0 || codes[0] != code {
			return res, fmt.Errorf("%s %s: codes %q, want %s", method, target, codes, code)
		}
	}
	return res, nil
}

// pushMonolithic uploads content to repo in one POST.
func (c *client) pushMonolithic(repo string, content []byte) (digest.Digest, error) {
	d := digest.FromBytes(content)
	res, err := c.expect("POST", "/v2/"+repo+"/blobs/uploads/?digest="+d.String(), nil, content, http.StatusCreated, "")
	if err != nil {
		return "", err
	}
	if got := res.header.Get("Docker-Content-Digest"); got != d.String() {
		return "", fmt.Errorf("monolithic push of %s: Docker-Content-Digest %q", d, got)
	}
	return d, nil
}

// pushChunked uploads content to repo in a session: POST, one PATCH with
// Content-Range per chunk, and a closing PUT.
func (c *client) pushChunked(repo string, content []byte, chunks int) (digest.Digest, error) {
	d := digest.FromBytes(content)
	res, err := c.expect("POST", "/v2/"+repo+"/blobs/uploads/", nil, nil, http.StatusAccepted, "")
	if err != nil {
		return "", err
	}
	loc := res.header.Get("Location")
	size := len(content)
	for i := 0; i < chunks; i++ {
		start, end := i*size/chunks, (i+1)*size/chunks
		if start == end {
			continue
		}
		res, err := c.expect("PATCH", loc, map[string]string{"Content-Range": strconv.Itoa(start) + "-" + strconv.Itoa(end-1)},
			content[start:end], http.StatusAccepted, "")
		if err != nil {
			return "", err
		}
		if got, want := res.header.Get("Range"), "0-"+strconv.Itoa(end-1); got != want {
			return "", fmt.Errorf("PATCH %s: Range %q, want %q", loc, got, want)
		}
		loc = res.header.Get("Location")
	}
	res, err = c.expect("PUT", loc+"?digest="+d.String(), nil, nil, http.StatusCreated, "")
	if err != nil {
		return "", err
	}
	if got := res.header.Get("Docker-Content-Digest"); got != d.String() {
		return "", fmt.Errorf("chunked push of %s: Docker-Content-Digest %q", d, got)
	}
	return d, nil
}

// checkBlob pulls blob d of repo with GET and HEAD and compares it with
// content.
func (c *client) checkBlob(repo string, d digest.Digest, content []byte) error {
	for _, method := range []string{"GET", "HEAD"} {
		res, err := c.expect(method, "/v2/"+repo+"/blobs/"+d.String(), nil, nil, http.StatusOK, "")
		if err != nil {
			return err
		}
		if got := res.header.Get("Docker-Content-Digest"); got != d.String() {
			return fmt.Errorf("%s blob %s of %s: Docker-Content-Digest %q", method, d, repo, got)
		}
		if got, want := res.header.Get("Content-Length"), strconv.Itoa(len(content)); got != want {
			return fmt.Errorf("%s blob %s of %s: Content-Length %q, want %s", method, d, repo, got, want)
		}
		if method == "GET" && !bytes.Equal(res.body, content) {
			return fmt.Errorf("GET blob %s of %s: %d bytes differ from the %d pushed", d, repo, len(res.body), len(content))
		}
	}
	return nil
}

// checkManifest pulls manifest ref of repo with GET and HEAD and compares
// it with content, whose digest is d.
func (c *client) checkManifest(repo, ref string, d digest.Digest, content []byte) error {
	for _, method := range []string{"GET", "HEAD"} {
		res, err := c.expect(method, "/v2/"+repo+"/manifests/"+ref, nil, nil, http.StatusOK, "")
		if err != nil {
			return err
		}
		if got := res.header.Get("Docker-Content-Digest"); got != d.String() {
			return fmt.Errorf("%s manifest %s of %s: Docker-Content-Digest %q, want %s", method, ref, repo, got, d)
		}
		if got, want := res.header.Get("Content-Length"), strconv.Itoa(len(content)); got != want {
			return fmt.Errorf("%s manifest %s of %s: Content-Length %q, want %s", method, ref, repo, got, want)
		}
		if method == "GET" && !bytes.Equal(res.body, content) {
			return fmt.Errorf("GET manifest %s of %s: %q differs from %q", ref, repo, res.body, content)
		}
	}
	return nil
}
