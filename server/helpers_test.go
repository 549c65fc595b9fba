package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/server"
)

// logBuffer collects what a server logs, safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// newTestServer serves store on a loopback port with opts, its log
// collected rather than printed.
func newTestServer(t *testing.T, store registry.Interface, opts server.Options) (*httptest.Server, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	if opts.ErrorLog == nil {
		opts.ErrorLog = log.New(logs, "", 0)
	}
	srv := httptest.NewServer(server.New(store, opts))
	t.Cleanup(srv.Close)
	return srv, logs
}

// response is an answer read whole.
type response struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request and reads the answer.
func do(t *testing.T, method, url string, header http.Header, body []byte) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// codes returns the codes of an error envelope, nil for another body.
func codes(body []byte) []string {
	var env struct {
		Errors []struct {
			Code string `json:"code"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &env) != nil {
		return nil
	}
	var out []string
	for _, e := range env.Errors {
		out = append(out, e.Code)
	}
	return out
}

// pushBlob stores content as a blob of repo through the server's
// monolithic upload and returns its digest.
func pushBlob(t *testing.T, base, repo string, content []byte) digest.Digest {
	t.Helper()
	d := digest.FromBytes(content)
	resp := do(t, http.MethodPost, base+"/v2/"+repo+"/blobs/uploads/?digest="+d.String(), nil, content)
	if resp.status != http.StatusCreated {
		t.Fatalf("pushing a blob: %d %s", resp.status, resp.body)
	}
	return d
}

// imageManifest returns an OCI image manifest of the config and layers
// given, with the subject when not nil.
func imageManifest(config []byte, layers [][]byte, subject *registry.Descriptor) []byte {
	type desc = registry.Descriptor
	m := struct {
		SchemaVersion int    `json:"schemaVersion"`
		MediaType     string `json:"mediaType"`
		Config        desc   `json:"config"`
		Layers        []desc `json:"layers"`
		Subject       *desc  `json:"subject,omitempty"`
	}{2, "application/vnd.oci.image.manifest.v1+json",
		desc{MediaType: "application/vnd.oci.image.config.v1+json", Digest: digest.FromBytes(config), Size: int64(len(config))},
		[]desc{}, subject}
	for _, l := range layers {
		m.Layers = append(m.Layers, desc{MediaType: "application/vnd.oci.image.layer.v1.tar", Digest: digest.FromBytes(l), Size: int64(len(l))})
	}
	b, _ := json.Marshal(m)
	return b
}

// hasCode reports whether an envelope holds code.
func hasCode(body []byte, code errcode.ErrorCode) bool {
	for _, c := range codes(body) {
		if c == code.String() {
			return true
		}
	}
	return false
}

// noText fails t when a body or header holds text.
func noText(t *testing.T, what string, resp response, text string) {
	t.Helper()
	if strings.Contains(string(resp.body), text) {
		t.Errorf("%s: the body holds %q: %s", what, text, resp.body)
	}
	for k, vs := range resp.header {
		for _, v := range vs {
			if strings.Contains(v, text) {
				t.Errorf("%s: header %s holds %q", what, k, text)
			}
		}
	}
}

// readCloser gives a reader a Close that does nothing.
type readCloser struct{ io.Reader }

func (readCloser) Close() error { return nil }
