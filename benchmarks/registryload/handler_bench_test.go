package registryload

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"
)

// headerWriter is the least a handler can write to: headers and a status,
// the body counted and dropped, so that a benchmark measures the handler
// and not the recording of its answer.
type headerWriter struct {
	h      http.Header
	status int
}

func (w *headerWriter) Header() http.Header { return w.h }
func (w *headerWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return len(p), nil
}

// SetReadDeadline accepts the deadline, as a server's connection does, so
// that a handler that sets one pays what it pays under a server, and not
// for the error of a writer without deadlines.
func (w *headerWriter) SetReadDeadline(time.Time) error { return nil }

func (w *headerWriter) WriteHeader(s int) {
	if w.status == 0 {
		w.status = s
	}
}

// serve sends one request to h and fails b unless it is answered with
// want; it returns the answer's headers.
func serve(b *testing.B, h http.Handler, method, target string, header http.Header, body []byte, want int) http.Header {
	r := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, v := range header {
		r.Header[k] = v
	}
	w := &headerWriter{h: http.Header{}}
	h.ServeHTTP(w, r)
	if w.status != want {
		b.Fatalf("%s %s: status %d, want %d", method, target, w.status, want)
	}
	return w.h
}

// pushBlob pushes a blob in a POST and a PUT, as Client.PushBlob does.
func pushBlob(b *testing.B, h http.Handler, repo string, data []byte, d digest.Digest) {
	loc := serve(b, h, http.MethodPost, "/v2/"+repo+"/blobs/uploads/", nil, nil, http.StatusAccepted).Get("Location")
	u, err := url.Parse(loc)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("digest", d.String())
	serve(b, h, http.MethodPut, u.Path+"?"+q.Encode(), octetStream, data, http.StatusCreated)
}

// BenchmarkPushHandler measures what each registry's handler costs to
// take in an image of a 4 KiB layer, in the five requests Client.Push
// sends, without a network or an HTTP server between: the part of the
// load comparison's push that is the registries' own.
func BenchmarkPushHandler(b *testing.B) {
	for _, side := range Sides() {
		b.Run(side.Name, func(b *testing.B) {
			images := MakeImages(b.N, 4096, 1)
			h, release, err := side.New()
			if err != nil {
				b.Fatal(err)
			}
			if release != nil {
				defer release()
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := range images {
				im := &images[i]
				pushBlob(b, h, im.Repo, im.Config, im.ConfigDigest)
				pushBlob(b, h, im.Repo, im.Layer, im.LayerDigest)
				serve(b, h, http.MethodPut, "/v2/"+im.Repo+"/manifests/"+im.Tag, manifestPush, im.Manifest, http.StatusCreated)
			}
		})
	}
}
