package registrytest

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"testing"
)

// fuzzUploadID stands, in the request target of FuzzHandler, for the id of
// an upload session opened before the request.
const fuzzUploadID = "UPLOAD"

// FuzzHandler sends arbitrary requests, as the HTTP server would hand them
// over: any method, request target, header lines and body that parse as an
// HTTP/1.1 request (with Host: registry.test unless the header lines carry
// a Host of their own). The registry holds a blob, a tagged manifest and an open
// upload session beforehand (UPLOAD in the target names the session), and
// trusts the peer as a proxy, so that forwarding headers are read. Every
// answer must come without a panic, with a status the registry documents
// (never 5xx), with a valid error envelope of registered codes for every
// error, with Location and Link headers that point below /v2/ of an http or
// https URL of a well-formed host, and with the registry's storage counters
// matching what it holds.
// fuzzImage is the image the registry of FuzzHandler holds.
var fuzzImage = newTestImage("fuzz", "")

func FuzzHandler(f *testing.F) {
	f.Add("GET", "/v2/", "", []byte(nil))
	f.Add("PATCH", "/v2/a/blobs/uploads/"+fuzzUploadID, "Content-Range: 0-1\r\n", []byte("xy"))
	f.Add("PUT", "/v2/a/manifests/t", "Content-Type: application/vnd.oci.image.manifest.v1+json\r\nForwarded: host=\"reg.example.com\"\r\n",
		[]byte(`{"schemaVersion":2}`))
	allowed := map[int]bool{200: true, 201: true, 202: true, 204: true, 206: true, 301: true,
		400: true, 403: true, 404: true, 405: true, 413: true, 414: true, 416: true, 429: true}
	f.Fuzz(func(t *testing.T, method, target, headers string, body []byte) {
		reg := New(Options{MaxBlobSize: 1 << 16, MaxManifestSize: 1 << 12, MaxUploads: 4, MaxStorage: 1 << 20,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
		pushBlob(t, reg, "a", []byte("x"))
		fuzzImage.push(t, reg, "a", "t")
		loc := location(t, run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/", status: http.StatusAccepted}))
		id := strings.TrimPrefix(loc, "/v2/a/blobs/uploads/")
		target = strings.ReplaceAll(target, fuzzUploadID, id)

		// The request as a server reads it off the wire; what does not
		// parse never reaches a handler.
		var raw bytes.Buffer
		raw.WriteString(method + " " + target + " HTTP/1.1\r\n")
		if !strings.Contains(strings.ToLower("\n"+headers), "\nhost:") {
			raw.WriteString("Host: registry.test\r\n")
		}
		raw.WriteString(headers)
		if headers != "" && !strings.HasSuffix(headers, "\r\n") {
			raw.WriteString("\r\n")
		}
		raw.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n")
		raw.Write(body)
		req, err := http.ReadRequest(bufio.NewReader(&raw))
		if err != nil {
			return
		}
		req.RemoteAddr = "192.0.2.1:1234"

		rec := httptest.NewRecorder()
		reg.ServeHTTP(rec, req)
		res := rec.Result()
		if !allowed[res.StatusCode] {
			t.Fatalf("%q %q: status %d: %s", method, target, res.StatusCode, rec.Body)
		}
		switch {
		case req.Method == http.MethodHead && rec.Body.Len() > 0:
			// The answer to a HEAD has no body, whatever its status.
			t.Fatalf("%q %q: status %d with a body of %d bytes", method, target, res.StatusCode, rec.Body.Len())
		case res.StatusCode >= 400 && req.Method != http.MethodHead:
			if _, err := checkErrorBody(res.StatusCode, res.Header, rec.Body.Bytes()); err != nil {
				t.Fatalf("%q %q: %v", method, target, err)
			}
		}
		if l := res.Header.Get("Location"); l != "" && res.StatusCode != http.StatusMovedPermanently {
			if err := checkURLHeader(l); err != nil {
				t.Fatalf("%q %q: Location: %v", method, target, err)
			}
		}
		if err := reg.checkAccounting(); err != nil {
			t.Fatalf("%q %q: %v", method, target, err)
		}
		if l := res.Header.Get("Link"); l != "" {
			u, ok := strings.CutSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
			if !ok || !strings.HasPrefix(l, "<") {
				t.Fatalf("%q %q: Link %q is not a next link", method, target, l)
			}
			if err := checkURLHeader(u); err != nil {
				t.Fatalf("%q %q: Link: %v", method, target, err)
			}
		}
	})
}
