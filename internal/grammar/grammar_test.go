package grammar

import (
	"math/rand"
	"regexp"
	"strings"
	"testing"

	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// TestRecognisersMatchRegexps compares the recognisers with the anchored
// regexps they stand for on generated strings.
func TestRecognisersMatchRegexps(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 20000; i++ {
		checkRecognisers(t, genText(rng))
	}
}

func FuzzRecognisers(f *testing.F) {
	for _, s := range []string{"foo/bar", "[::1]:5000/x", "a__b", "sha256:abc", "_x.y-z", "a=b"} {
		f.Add(s)
	}
	f.Fuzz(checkRecognisers)
}

var (
	anchoredName       = regexp.MustCompile(`^(?:` + reference.NameRegexp.String() + `)$`)
	anchoredTag        = regexp.MustCompile(`^(?:` + reference.TagRegexp.String() + `)$`)
	anchoredDigest     = regexp.MustCompile(`^(?:` + digest.DigestRegexp.String() + `)$`)
	anchoredUUID       = regexp.MustCompile(`^(?:[a-zA-Z0-9-_.=]+)$`)
	anchoredRepository = regexp.MustCompile(`^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$`)
)

func checkRecognisers(t *testing.T, s string) {
	t.Helper()
	for _, c := range []struct {
		name string
		got  bool
		want bool
	}{
		{"IsName", IsName(s), anchoredName.MatchString(s)},
		{"IsTag", IsTag(s), anchoredTag.MatchString(s)},
		{"IsDigest", IsDigest(s), anchoredDigest.MatchString(s)},
		{"IsUploadUUID", IsUploadUUID(s), anchoredUUID.MatchString(s)},
		{"IsRepository", IsRepository(s), len(s) <= 255 && anchoredRepository.MatchString(s)},
	} {
		if c.got != c.want {
			t.Errorf("%s(%q) = %v, regexp says %v", c.name, s, c.got, c.want)
		}
	}
}

// genText returns a short string made mostly of the bytes the patterns
// care about, so that near misses are common.
func genText(rng *rand.Rand) string {
	const alphabet = "ab09AZ._-_-/:[]+=%é \x00"
	var parts = []string{"foo", "localhost", "sha256", "[::1]", ":5000", "__", "--", "..", "/", "x", "Example.COM", "fe80"}
	var b strings.Builder
	for n := rng.Intn(8); n >= 0; n-- {
		if rng.Intn(2) == 0 {
			b.WriteString(parts[rng.Intn(len(parts))])
		} else {
			b.WriteByte(alphabet[rng.Intn(len(alphabet))])
		}
	}
	return b.String()
}

// TestIsRepositoryLength checks the length limit at its boundary.
func TestIsRepositoryLength(t *testing.T) {
	for _, tt := range []struct {
		name string
		want bool
	}{
		{strings.Repeat("a", 255), true},
		{strings.Repeat("a", 256), false},
		{strings.Repeat("a/", 127) + "a", true},
		{strings.Repeat("a/", 127) + "ab", false},
		{"localhost:5000/a", false},
		{"", false},
	} {
		if got := IsRepository(tt.name); got != tt.want {
			t.Errorf("IsRepository(%d bytes) = %v, want %v", len(tt.name), got, tt.want)
		}
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		s             string
		sep           byte
		before, after string
		found         bool
	}{
		{"a/b/c", '/', "a", "b/c", true},
		{"/a", '/', "", "a", true},
		{"a/", '/', "a", "", true},
		{"abc", '/', "abc", "", false},
		{"", '/', "", "", false},
		{"a\xffb", 0xff, "a", "b", true},
		{"aéb", 0xe9, "aéb", "", false}, // é is 0xc3 0xa9 in UTF-8
	}
	for _, tt := range tests {
		before, after, found := Cut(tt.s, tt.sep)
		if before != tt.before || after != tt.after || found != tt.found {
			t.Errorf("Cut(%q, %#x) = %q, %q, %v; want %q, %q, %v", tt.s, tt.sep, before, after, found, tt.before, tt.after, tt.found)
		}
	}
}
