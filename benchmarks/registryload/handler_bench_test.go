package registryload

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
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
				pushImage(b, h, &images[i])
			}
		})
	}
}

// BenchmarkImageHandler measures, per image, what a push (the five
// requests Client.Push sends) and a pull (the manifest by tag, then its
// config and layer, as Client.Pull asks for them) cost registrytest's
// handler, which implements the protocol over its own memory, and package
// server over a memory store with registrytest's limits, which reaches
// the store only through registry.Interface: the cost of going through
// the interface, in this process, without a network or an HTTP server.
// Pushes go into a fresh registry every 64 images, made while the timer
// is stopped; pulls read 64 images pushed before the timer starts, in
// turn. Compare the sides with
//
//	go test -run '^$' -bench ImageHandler -benchmem -count 10 ./registryload > img.txt
//	benchstat -col /registry img.txt
func BenchmarkImageHandler(b *testing.B) {
	const held = 64
	sides := []Side{Sides()[0], ServerMemstore()}
	for _, layer := range []int{4 << 10, 1 << 20} {
		images := MakeImages(held, layer, 11)
		for _, op := range []string{Push, Pull} {
			for _, side := range sides {
				name := fmt.Sprintf("op=%s/layer=%s/registry=%s", op, strings.ReplaceAll(size(layer), " ", ""), side.Name)
				b.Run(name, func(b *testing.B) {
					reg := &benchRegistry{b: b, side: side}
					defer reg.release()
					if op == Pull {
						reg.fresh()
						for i := range images {
							pushImage(b, reg.h, &images[i])
						}
					}
					b.ReportAllocs()
					b.ResetTimer()
					for i := 0; i < b.N; i++ {
						im := &images[i%held]
						if op == Pull {
							pullImage(b, reg.h, im)
							continue
						}
						if i%held == 0 {
							b.StopTimer()
							reg.fresh()
							b.StartTimer()
						}
						pushImage(b, reg.h, im)
					}
				})
			}
		}
	}
}

// benchRegistry is the registry of a side a benchmark sends requests to,
// replaced by a fresh one on demand.
type benchRegistry struct {
	b     *testing.B
	side  Side
	h     http.Handler
	close func() error
}

// fresh replaces the registry by a new, empty one.
func (r *benchRegistry) fresh() {
	r.release()
	h, closeFn, err := r.side.New()
	if err != nil {
		r.b.Fatal(err)
	}
	r.h, r.close = h, closeFn
}

// release lets the registry go.
func (r *benchRegistry) release() {
	if r.close != nil {
		if err := r.close(); err != nil {
			r.b.Error(err)
		}
	}
	r.h, r.close = nil, nil
}

// pushImage pushes an image as Client.Push does.
func pushImage(b *testing.B, h http.Handler, im *Image) {
	pushBlob(b, h, im.Repo, im.Config, im.ConfigDigest)
	pushBlob(b, h, im.Repo, im.Layer, im.LayerDigest)
	serve(b, h, http.MethodPut, "/v2/"+im.Repo+"/manifests/"+im.Tag, manifestPush, im.Manifest, http.StatusCreated)
}

// pullImage asks for an image as Client.Pull does, the blobs by the
// digests the benchmark knows rather than by reading the manifest, and
// checks that each answer announces the length it should.
func pullImage(b *testing.B, h http.Handler, im *Image) {
	for _, get := range []struct {
		path   string
		header http.Header
		size   int
	}{
		{"/v2/" + im.Repo + "/manifests/" + im.Tag, manifestAccept, len(im.Manifest)},
		{"/v2/" + im.Repo + "/blobs/" + im.ConfigDigest.String(), nil, len(im.Config)},
		{"/v2/" + im.Repo + "/blobs/" + im.LayerDigest.String(), nil, len(im.Layer)},
	} {
		hdr := serve(b, h, http.MethodGet, get.path, get.header, nil, http.StatusOK)
		if got := hdr.Get("Content-Length"); got != strconv.Itoa(get.size) {
			b.Fatalf("GET %s: Content-Length %q, want %d", get.path, got, get.size)
		}
	}
}
