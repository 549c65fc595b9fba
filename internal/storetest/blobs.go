package storetest

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/registry"
)

// bytesReader reads b through Read alone, so that a store cannot rely on
// what a *bytes.Reader offers besides.
func bytesReader(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} }

// randomBytes returns n random bytes.
func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// testBlobs pushes a blob and finds it, through each way of reading it, in
// its repository only.
func testBlobs(t *testing.T, s registry.Interface) {
	content := []byte("the content of a blob")
	d := pushBlob(t, s, "library/blob", content).Digest
	pushBlob(t, s, "library/other", []byte("another blob"))
	for _, tc := range []struct {
		repo  string
		dgst  digest.Digest
		found bool
	}{
		{"library/blob", d, true},
		{"library/other", d, false},
		{"library", d, false},
		{"library/blob/more", d, false},
		{"never/pushed", d, false},
		{"library/blob", unknownDigest, false},
	} {
		what := fmt.Sprintf("%s in %q", tc.dgst, tc.repo)
		desc, err := s.ResolveBlob(ctx, tc.repo, tc.dgst)
		r, gerr := s.GetBlob(ctx, tc.repo, tc.dgst)
		rr, rerr := s.GetBlobRange(ctx, tc.repo, tc.dgst, 0, -1)
		if !tc.found {
			wantCode(t, err, errcode.ErrorCodeBlobUnknown, "ResolveBlob "+what)
			wantCode(t, gerr, errcode.ErrorCodeBlobUnknown, "GetBlob "+what)
			wantCode(t, rerr, errcode.ErrorCodeBlobUnknown, "GetBlobRange "+what)
			continue
		}
		wantOK(t, err, "ResolveBlob "+what)
		wantOK(t, gerr, "GetBlob "+what)
		wantOK(t, rerr, "GetBlobRange "+what)
		if desc.Digest != d || desc.Size != int64(len(content)) {
			t.Errorf("ResolveBlob %s: %s of %d bytes", what, desc.Digest, desc.Size)
		}
		for name, r := range map[string]registry.BlobReader{"GetBlob": r, "GetBlobRange": rr} {
			if got := r.Descriptor(); got.Digest != d || got.Size != int64(len(content)) {
				t.Errorf("%s %s: described as %s of %d bytes", name, what, got.Digest, got.Size)
			}
			if got := readAll(t, r, name+" "+what); !bytes.Equal(got, content) {
				t.Errorf("%s %s: read %q, want %q", name, what, got, content)
			}
		}
	}
	// A reader reads as io.Reader says, in parts of any size.
	r, err := s.GetBlob(ctx, "library/blob", d)
	wantOK(t, err, "GetBlob")
	if err := iotest.TestReader(r, content); err != nil {
		t.Errorf("GetBlob's reader: %v", err)
	}
	_ = r.Close()
	// Pushed again, to its repository or another, it is the same blob.
	pushBlob(t, s, "library/blob", content)
	pushBlob(t, s, "library/third", content)
	r, err = s.GetBlob(ctx, "library/third", d)
	wantOK(t, err, "GetBlob from a second repository")
	if got := readAll(t, r, "GetBlob"); !bytes.Equal(got, content) {
		t.Errorf("the second repository reads %q", got)
	}
}

// testBlobRange reads ranges of blobs, within one part of the memory or
// file a store keeps and across them.
func testBlobRange(t *testing.T, s registry.Interface) {
	small := []byte("0123456789")
	large := randomBytes(t, 1<<20+12345)
	for _, content := range [][]byte{small, large} {
		d := pushBlob(t, s, "ranges", content).Digest
		size := int64(len(content))
		for _, tc := range []struct {
			start, end int64
			from, to   int64 // the bytes expected, or to < 0 for RANGE_INVALID
		}{
			{0, -1, 0, size},
			{0, size, 0, size},
			{0, size + 1, 0, size},
			{0, 1 << 62, 0, size},
			{3, 7, 3, 7},
			{3, -1, 3, size},
			{size - 1, -1, size - 1, size},
			{size - 1, size, size - 1, size},
			{size, -1, size, size},
			{size, size + 10, size, size},
			{5, 5, 5, 5},
			{size + 1, -1, 0, -1},
			{size + 1, size + 2, 0, -1},
			{1 << 62, -1, 0, -1},
			{size / 3, 2 * size / 3, size / 3, 2 * size / 3},
			{1<<20 - 1, 1<<20 + 1, min(1<<20-1, size), min(1<<20+1, size)},
		} {
			if tc.to >= 0 && tc.start > size {
				continue // beyond the small blob: covered by the large
			}
			what := fmt.Sprintf("GetBlobRange(%d, %d) of %d bytes", tc.start, tc.end, size)
			r, err := s.GetBlobRange(ctx, "ranges", d, tc.start, tc.end)
			if tc.to < 0 {
				wantCode(t, err, errcode.ErrorCodeRangeInvalid, what)
				if err == nil {
					_ = r.Close()
				}
				continue
			}
			wantOK(t, err, what)
			if got := r.Descriptor(); got.Size != size || got.Digest != d {
				t.Errorf("%s: described as %s of %d bytes, want the whole blob's", what, got.Digest, got.Size)
			}
			want := content[tc.from:tc.to]
			if got := readAll(t, r, what); !bytes.Equal(got, want) {
				t.Errorf("%s: read %d bytes, want %d (bytes %d to %d)", what, len(got), len(want), tc.from, tc.to)
			}
			// Through io.Copy, which a reader may serve by writing
			// its content out itself (io.WriterTo).
			r, err = s.GetBlobRange(ctx, "ranges", d, tc.start, tc.end)
			wantOK(t, err, what)
			var buf bytes.Buffer
			if _, err := io.Copy(&buf, r); err != nil || !bytes.Equal(buf.Bytes(), want) {
				t.Errorf("%s through io.Copy: %d bytes, %v", what, buf.Len(), err)
			}
			_ = r.Close()
		}
	}
	// A bad range is an error, not a panic, whatever else it is.
	d := digest.FromBytes(small)
	for _, tc := range [][2]int64{{-1, -1}, {-5, 3}, {7, 3}} {
		r, err := s.GetBlobRange(ctx, "ranges", d, tc[0], tc[1])
		if err != nil {
			continue
		}
		if got := readAll(t, r, "a bad range"); len(got) != 0 {
			t.Errorf("GetBlobRange(%d, %d): read %q, want an error or nothing", tc[0], tc[1], got)
		}
	}
}

// testPushBlobVerifies pushes content that does not match its digest or
// size, to a repository that holds nothing and to one holding the digest's
// content: nothing is stored.
func testPushBlobVerifies(t *testing.T, s registry.Interface) {
	content := []byte("verified content")
	d := digest.FromBytes(content)
	n := int64(len(content))
	for _, tc := range []struct {
		name string
		desc registry.Descriptor
		body []byte
		want errcode.ErrorCode // 0: stored
	}{
		{"the digest and size", registry.Descriptor{Digest: d, Size: n}, content, 0},
		{"no size", registry.Descriptor{Digest: d, Size: -1}, content, 0},
		{"sha384", registry.Descriptor{Digest: digest.SHA384.FromBytes(content), Size: n}, content, 0},
		{"sha512", registry.Descriptor{Digest: digest.SHA512.FromBytes(content), Size: -1}, content, 0},
		{"empty", registry.Descriptor{Digest: digest.FromBytes(nil), Size: 0}, nil, 0},
		{"other content", registry.Descriptor{Digest: d, Size: n}, []byte("verified contenT"), errcode.ErrorCodeDigestInvalid},
		{"other content, no size", registry.Descriptor{Digest: d, Size: -1}, []byte("other"), errcode.ErrorCodeDigestInvalid},
		{"other sha512 content", registry.Descriptor{Digest: digest.SHA512.FromBytes(content), Size: n}, []byte("verified contenT"), errcode.ErrorCodeDigestInvalid},
		{"an algorithm not verified", registry.Descriptor{Digest: digest.Digest("sha1:" + strings.Repeat("ab", 20)), Size: n}, content, errcode.ErrorCodeDigestInvalid},
		{"a size too small", registry.Descriptor{Digest: d, Size: n - 1}, content, errcode.ErrorCodeSizeInvalid},
		{"a size too large", registry.Descriptor{Digest: d, Size: n + 1}, content, errcode.ErrorCodeSizeInvalid},
		{"a size of zero", registry.Descriptor{Digest: d, Size: 0}, content, errcode.ErrorCodeSizeInvalid},
	} {
		for _, held := range []bool{false, true} {
			repo := "verify/fresh"
			if held {
				// The digest's content is in the store already, in
				// another repository: a store that skips keeping it
				// again still verifies what it was sent.
				repo = "verify/held"
				if tc.desc.Digest.Algorithm().Available() && tc.desc.Digest.Algorithm() == digest.SHA256 {
					pushBlob(t, s, "verify/holder", content)
				} else {
					_, _ = s.PushBlob(ctx, "verify/holder", registry.Descriptor{Digest: tc.desc.Digest, Size: -1}, bytesReader(content))
				}
			}
			what := fmt.Sprintf("PushBlob of %s to %q", tc.name, repo)
			desc, err := s.PushBlob(ctx, repo, tc.desc, bytesReader(tc.body))
			if tc.want == 0 {
				wantOK(t, err, what)
				if desc.Digest != tc.desc.Digest || desc.Size != int64(len(tc.body)) {
					t.Errorf("%s: described as %s of %d bytes", what, desc.Digest, desc.Size)
				}
				r, err := s.GetBlob(ctx, repo, tc.desc.Digest)
				wantOK(t, err, what+": GetBlob")
				if got := readAll(t, r, what); !bytes.Equal(got, tc.body) {
					t.Errorf("%s: read back %q", what, got)
				}
				wantOK(t, s.DeleteBlob(ctx, repo, tc.desc.Digest), what+": DeleteBlob")
				continue
			}
			wantCode(t, err, tc.want, what)
			_, err = s.ResolveBlob(ctx, repo, tc.desc.Digest)
			wantCode(t, err, errcode.ErrorCodeBlobUnknown, what+": then ResolveBlob")
			if names, _ := collect(s.Repositories(ctx, "")); containsString(names, repo) {
				t.Errorf("%s: the refused push created the repository: %q", what, names)
			}
		}
	}
}

// failingReader yields some bytes, then fails.
type failingReader struct {
	left int
	err  error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, r.err
	}
	n := min(len(p), r.left)
	for i := range p[:n] {
		p[i] = 'x'
	}
	r.left -= n
	return n, nil
}

// testPushBlobReadError pushes content whose reader fails: the error comes
// back, and nothing is stored.
func testPushBlobReadError(t *testing.T, s registry.Interface) {
	cut := errors.New("the client went away")
	full := bytes.Repeat([]byte("x"), 100000)
	for _, size := range []int64{-1, int64(len(full))} {
		_, err := s.PushBlob(ctx, "cut", registry.Descriptor{Digest: digest.FromBytes(full), Size: size}, &failingReader{left: 50000, err: cut})
		if err == nil {
			t.Fatalf("PushBlob of size %d from a failing reader: no error", size)
		}
		_, err = s.ResolveBlob(ctx, "cut", digest.FromBytes(full))
		wantCode(t, err, errcode.ErrorCodeBlobUnknown, "ResolveBlob after a cut push")
	}
	if names, _ := collect(s.Repositories(ctx, "")); len(names) != 0 {
		t.Errorf("cut pushes created repositories: %q", names)
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// testMount mounts a blob from a repository holding it, and from ones that
// do not.
func testMount(t *testing.T, s registry.Interface) {
	content := []byte("mounted content")
	d := pushBlob(t, s, "mount/src", content).Digest
	for _, tc := range []struct {
		from, to string
		dgst     digest.Digest
		ok       bool
	}{
		{"mount/src", "mount/dst", d, true},
		{"mount/src", "mount/dst", d, true}, // linked already
		{"mount/dst", "mount/third", d, true},
		{"mount/src", "mount/src", d, true},
		{"mount/none", "mount/fourth", d, false},
		{"mount", "mount/fourth", d, false},
		{"mount/src", "mount/fourth", unknownDigest, false},
	} {
		what := fmt.Sprintf("MountBlob %s from %q to %q", tc.dgst, tc.from, tc.to)
		desc, err := s.MountBlob(ctx, tc.from, tc.to, tc.dgst)
		if !tc.ok {
			wantCode(t, err, errcode.ErrorCodeBlobUnknown, what)
			_, err = s.ResolveBlob(ctx, tc.to, tc.dgst)
			wantCode(t, err, errcode.ErrorCodeBlobUnknown, what+": then ResolveBlob")
			continue
		}
		wantOK(t, err, what)
		if desc.Digest != d || desc.Size != int64(len(content)) {
			t.Errorf("%s: described as %s of %d bytes", what, desc.Digest, desc.Size)
		}
		r, err := s.GetBlob(ctx, tc.to, d)
		wantOK(t, err, what+": GetBlob")
		if got := readAll(t, r, what); !bytes.Equal(got, content) {
			t.Errorf("%s: read %q", what, got)
		}
	}
	names, err := collect(s.Repositories(ctx, ""))
	wantOK(t, err, "Repositories")
	if want := []string{"mount/dst", "mount/src", "mount/third"}; !equalStrings(names, want) {
		t.Errorf("after the mounts, Repositories lists %q, want %q (a failed mount creates none)", names, want)
	}
}

// testDeleteBlob deletes a blob from one repository: the others keep it,
// and a repository that holds nothing more is gone.
func testDeleteBlob(t *testing.T, s registry.Interface) {
	content := []byte("deleted content")
	d := pushBlob(t, s, "del/a", content).Digest
	pushBlob(t, s, "del/b", content)
	other := pushBlob(t, s, "del/c", []byte("kept")).Digest
	wantOK(t, s.DeleteBlob(ctx, "del/a", d), "DeleteBlob from del/a")
	for _, tc := range []struct {
		repo  string
		dgst  digest.Digest
		found bool
	}{
		{"del/a", d, false},
		{"del/b", d, true},
		{"del/c", other, true},
	} {
		_, err := s.ResolveBlob(ctx, tc.repo, tc.dgst)
		_, gerr := s.GetBlob(ctx, tc.repo, tc.dgst)
		if tc.found {
			wantOK(t, err, "ResolveBlob in "+tc.repo)
			wantOK(t, gerr, "GetBlob in "+tc.repo)
		} else {
			wantCode(t, err, errcode.ErrorCodeBlobUnknown, "ResolveBlob after DeleteBlob")
			wantCode(t, gerr, errcode.ErrorCodeBlobUnknown, "GetBlob after DeleteBlob")
		}
	}
	for _, tc := range []struct {
		repo string
		dgst digest.Digest
	}{
		{"del/a", d},             // deleted already
		{"del/none", d},          // no such repository
		{"del/b", other},         // another repository's
		{"del/b", unknownDigest}, // no such blob
	} {
		wantCode(t, s.DeleteBlob(ctx, tc.repo, tc.dgst), errcode.ErrorCodeBlobUnknown, fmt.Sprintf("DeleteBlob %s from %q", tc.dgst, tc.repo))
	}
	names, err := collect(s.Repositories(ctx, ""))
	wantOK(t, err, "Repositories")
	if want := []string{"del/b", "del/c"}; !equalStrings(names, want) {
		t.Errorf("Repositories lists %q, want %q: a repository holding nothing is gone", names, want)
	}
	// The last link gone, the content can be pushed again.
	wantOK(t, s.DeleteBlob(ctx, "del/b", d), "DeleteBlob of the last link")
	_, err = s.ResolveBlob(ctx, "del/b", d)
	wantCode(t, err, errcode.ErrorCodeBlobUnknown, "ResolveBlob after the last link went")
	pushBlob(t, s, "del/a", content)
	r, err := s.GetBlob(ctx, "del/a", d)
	wantOK(t, err, "GetBlob of the content pushed again")
	if got := readAll(t, r, "GetBlob"); !bytes.Equal(got, content) {
		t.Errorf("pushed again, the blob reads %q", got)
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
