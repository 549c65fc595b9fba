package registrytest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
)

// Redirected blobs are served below this path, after the registry's prefix,
// at <name>/<digest>?expires=<unix seconds>&sig=<hex>: the signature, an
// HMAC of the name, digest and expiry under a key the registry draws when
// it is made, is what makes the URL unguessable, as object storage signs
// its URLs.
const redirectPath = "/_regapi/blobs/"

// redirectLife is how long a redirect URL answers.
const redirectLife = 10 * time.Minute

// redirectBlob answers a blob GET with 307 to a signed URL for it.
func (reg *Registry) redirectBlob(c *request, dgst digest.Digest) error {
	base, err := c.urls().BuildBaseURL()
	if err != nil {
		return err
	}
	expires := strconv.FormatInt(reg.now().Add(redirectLife).Unix(), 10)
	loc := strings.TrimSuffix(base, "v2/") + redirectPath[1:] + c.name + "/" + dgst.String() +
		"?expires=" + expires + "&sig=" + reg.signBlob(c.name, dgst.String(), expires)
	h := c.w.Header()
	h.Set("Location", loc)
	h.Set("Docker-Content-Digest", dgst.String())
	h["Content-Length"] = headerZero
	c.w.WriteHeader(http.StatusTemporaryRedirect)
	return nil
}

// signBlob is the signature of a redirect URL.
func (reg *Registry) signBlob(name, dgst, expires string) string {
	mac := hmac.New(sha256.New, reg.redirectKey[:])
	mac.Write([]byte(name + "\n" + dgst + "\n" + expires))
	return hex.EncodeToString(mac.Sum(nil))
}

// redirectTarget reports whether path is below a redirect URL's path, and
// what follows it.
func redirectTarget(path string) (string, bool) {
	i := strings.Index(path, redirectPath)
	if i < 0 {
		return "", false
	}
	return path[i+len(redirectPath):], true
}

// serveRedirectedBlob answers GET and HEAD of a redirect URL: the blob as
// the blob route serves it, for a URL the registry signed and that has not
// expired, whoever asks.
func (reg *Registry) serveRedirectedBlob(w http.ResponseWriter, r *http.Request, rest string) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, r, errcode.ErrorCodeUnsupported.WithDetail(map[string]string{"method": truncate(r.Method, 20)}))
		return
	}
	slash := strings.LastIndexByte(rest, '/')
	query := r.URL.Query()
	expires, sig := query.Get("expires"), query.Get("sig")
	if slash <= 0 || !grammar.IsRepository(rest[:slash]) || !grammar.IsDigest(rest[slash+1:]) {
		serveError(w, r, withStatus(http.StatusNotFound, errcode.ErrorCodeBlobUnknown.WithMessage("no such redirect")))
		return
	}
	name, d := rest[:slash], rest[slash+1:]
	want := reg.signBlob(name, d, expires)
	at, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || !hmac.Equal([]byte(sig), []byte(want)) || reg.now().Unix() > at {
		serveError(w, r, withStatus(http.StatusForbidden, errcode.ErrorCodeDenied.WithMessage("the URL is not valid, or has expired")))
		return
	}
	dgst, err := parseDigest(d)
	if err != nil {
		serveError(w, r, err)
		return
	}
	data := reg.store.blob(name, dgst)
	if data == nil {
		serveError(w, r, errcode.ErrorCodeBlobUnknown.WithDetail(map[string]string{"digest": d}))
		return
	}
	if err := writeBlob(&request{w: w, r: r}, dgst, data); err != nil {
		serveError(w, r, err)
	}
}
