package conformance

import (
	"fmt"
	"net/http"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi"

	// The algorithms of the digests the suite computes and verifies.
	_ "crypto/sha256"
	_ "crypto/sha512"
)

// digestProblems checks a Docker-Content-Digest against what it names: the
// digest of the request, when the algorithms agree (a registry may answer
// with another algorithm), the body of a GET, and the body of a manifest
// push.
func digestProblems(rm regapi.RequestMatch, o *observation) []string {
	v := o.header.Get("Docker-Content-Digest")
	if v == "" || o.status >= 300 && o.status != http.StatusTemporaryRedirect {
		return nil
	}
	d, err := digest.Parse(v)
	if err != nil {
		// Malformed or of an algorithm this program cannot compute: the
		// headers rule reports the first, and nothing can be verified for
		// the second.
		return nil
	}
	var out []string
	for _, want := range requestDigests(rm, o) {
		if want.Algorithm() == d.Algorithm() && want != d {
			out = append(out, fmt.Sprintf("Docker-Content-Digest is %s but the request names %s", d, want))
		}
	}
	if rm.Method == http.MethodGet && o.status == http.StatusOK {
		got := o.bodyDigest
		if got == "" && o.complete {
			got = d.Algorithm().FromBytes(o.body)
		}
		if got != "" && got != d {
			out = append(out, fmt.Sprintf("Docker-Content-Digest is %s but the body's digest is %s", d, got))
		}
	}
	if rm.Route == regapi.RouteNameManifest && rm.Method == http.MethodPut && o.status == http.StatusCreated {
		for _, want := range o.reqDigests {
			if want.Algorithm() == d.Algorithm() && want != d {
				out = append(out, fmt.Sprintf("Docker-Content-Digest is %s but the pushed manifest's digest is %s", d, want))
			}
		}
	}
	return out
}

// requestDigests returns the digests a request names for the content its
// response is about: the blob or manifest of the path, the digest closing
// an upload, and the blob of a mount that was performed.
func requestDigests(rm regapi.RequestMatch, o *observation) []digest.Digest {
	var names []string
	switch rm.Route {
	case regapi.RouteNameBlob:
		names = append(names, rm.Digest)
	case regapi.RouteNameManifest:
		names = append(names, rm.Reference)
	case regapi.RouteNameBlobUploadChunk:
		if rm.Method == http.MethodPut {
			names = append(names, o.url.Query().Get("digest"))
		}
	case regapi.RouteNameBlobUpload:
		if o.status == http.StatusCreated {
			q := o.url.Query()
			if rm.EndpointID == "end-11" {
				names = append(names, q.Get("mount"))
			} else {
				names = append(names, q.Get("digest"))
			}
		}
	}
	var out []digest.Digest
	for _, n := range names {
		if d, err := digest.Parse(n); err == nil {
			out = append(out, d)
		}
	}
	return out
}
