package reply

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestJSON(t *testing.T) {
	tests := []struct {
		method, wantBody string
	}{
		{http.MethodGet, `{"a":1}`},
		{http.MethodHead, ""},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			w := httptest.NewRecorder()
			if err := JSON(w, httptest.NewRequest(tt.method, "/", nil), http.StatusCreated, "application/x", map[string]int{"a": 1}); err != nil {
				t.Fatal(err)
			}
			if w.Code != http.StatusCreated || w.Header().Get("Content-Type") != "application/x" ||
				w.Header().Get("Content-Length") != "7" || w.Body.String() != tt.wantBody {
				t.Errorf("got %d %v %q", w.Code, w.Header(), w.Body.String())
			}
		})
	}
	if err := JSON(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), 200, "a/b", func() {}); err == nil {
		t.Error("a value JSON cannot encode: no error")
	}
}

func TestWithStatus(t *testing.T) {
	inner := errors.New("inner")
	err := WithStatus(http.StatusRequestEntityTooLarge, inner)
	var se *StatusError
	if !errors.As(err, &se) || se.Status != http.StatusRequestEntityTooLarge || !errors.Is(err, inner) || err.Error() != "inner" {
		t.Errorf("got %#v", err)
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "abc..."},
		{"", 0, ""},
	}
	for _, tt := range tests {
		if got := Truncate(tt.s, tt.n); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}
