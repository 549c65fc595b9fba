package server

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regapi/regapi/registry/memstore"
)

// TestLocationBuilderLongHostNotKept sends a Host far longer than any
// name, which a client may: it is answered with paths, as any malformed
// Host is, and the server keeps no copy of it, whatever builder it kept
// before.
func TestLocationBuilderLongHostNotKept(t *testing.T) {
	s := New(memstore.New(memstore.Options{}), Options{})
	long := strings.Repeat("a.", 32<<10) + "test" // 64 KiB
	for _, tc := range []struct{ host, want string }{
		{"registry.test", "http://registry.test/v2/a/blobs/uploads/"},
		{long, "/v2/a/blobs/uploads/"},
		{"registry.test", "http://registry.test/v2/a/blobs/uploads/"},
	} {
		req := httptest.NewRequest("POST", "/v2/a/blobs/uploads/", nil)
		req.Host = tc.host
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, tc.want) {
			t.Fatalf("Host of %d bytes: Location %.80q, want %s...", len(tc.host), loc, tc.want)
		}
		switch kept := s.lastBuilder.Load(); {
		case kept == nil:
			t.Fatalf("after a Host of %d bytes the server keeps no builder", len(tc.host))
		case kept.key.host != "registry.test":
			t.Fatalf("after a Host of %d bytes the server keeps a builder for a Host of %d bytes", len(tc.host), len(kept.key.host))
		}
	}
}

// TestQuoteText checks the quoting of Warning texts: quotes and
// backslashes escaped, bytes a header may not carry replaced.
func TestQuoteText(t *testing.T) {
	if got := quoteText("a\"b\\c\x01é"); got != `"a\"b\\c???"` {
		t.Errorf("quoteText = %s", got)
	}
}
