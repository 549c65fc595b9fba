package server

import (
	"strconv"

	"github.com/opencontainers/go-digest"
)

// Header values the server sends often, shared by every answer: a header
// set to one of them costs no allocation. They are set directly in the
// header map, under canonical keys, and never changed.
var (
	headerZero        = []string{"0"}
	headerOctetStream = []string{"application/octet-stream"}
	headerBytes       = []string{"bytes"}
	headerImmutable   = []string{"max-age=31536000"} // blobs never change
	headerAPIVersion  = []string{"registry/2.0"}
	headerJSON        = []string{"application/json"}
)

// headerValues returns up to four header values, each as a list of one,
// in one allocation rather than one each. Each list is clipped, so that
// adding to one header's values copies them rather than writing over the
// next header's.
func headerValues(values ...string) (lists [4][]string) {
	backing := make([]string, len(values))
	copy(backing, values)
	for i := range backing {
		lists[i] = backing[i : i+1 : i+1]
	}
	return lists
}

// etagAndLength returns the ETag of content of digest dgst, the digest
// quoted, and its Content-Length, both cut from one string: one
// allocation where quoting and formatting take one each.
func etagAndLength(dgst digest.Digest, size int64) (etag, length string) {
	var buf [160]byte
	b := append(buf[:0], '"')
	b = append(b, dgst...)
	b = append(b, '"')
	quoted := len(b)
	b = strconv.AppendInt(b, size, 10)
	s := string(b)
	return s[:quoted], s[quoted:]
}
