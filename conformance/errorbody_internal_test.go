package conformance

import (
	"net/http"
	"strings"
	"testing"
)

// TestStuffedErrorEnvelope checks error bodies of a million entries, and
// of a million other members: the checks decode at most maxCheckedErrors
// entries, a failure names at most maxNamedCodes codes, and the members
// beside "errors" are walked past, not kept.
func TestStuffedErrorEnvelope(t *testing.T) {
	const n = 300_000
	tests := []struct {
		name         string
		body         string
		wantProblems int
		wantCodes    int
	}{
		{"empty entries", `{"errors":[` + strings.TrimSuffix(strings.Repeat(`{},`, n), ",") + `]}`, maxCheckedErrors, 0},
		{"good entries", `{"errors":[` + strings.TrimSuffix(strings.Repeat(`{"code":"NAME_UNKNOWN","message":"m"},`, n), ",") + `]}`, 0, maxNamedCodes},
		{"other members", `{` + strings.Repeat(`"a":[{}],`, n) + `"errors":[{"code":"NAME_UNKNOWN"}]}`, 0, 1},
		{"an entry of many members", `{"errors":[{` + strings.Repeat(`"a":[{}],`, n) + `"code":"NAME_UNKNOWN"}]}`, 0, 1},
		{"entries of other kinds", `{"errors":[null,{"code":"NAME_UNKNOWN","message":1}]}`, 2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &observation{method: http.MethodGet, status: http.StatusNotFound, complete: true,
				header: http.Header{"Content-Type": {"application/json"}}, body: []byte(tt.body)}
			if got := errorBodyProblems(o, nil); len(got) != tt.wantProblems {
				t.Errorf("%d problems, want %d", len(got), tt.wantProblems)
			}
			if got := errorCodes(&response{body: []byte(tt.body)}); len(got) != tt.wantCodes {
				t.Errorf("%d codes named, want %d", len(got), tt.wantCodes)
			}
		})
	}
}
