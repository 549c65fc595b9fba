package pathtemplate

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in    string
		plain string
		vars  []string
	}{
		{"/v2/", "/v2/", nil},
		{"/v2/{name:[a-z]+}/tags/list", "/v2/{name}/tags/list", []string{"name=[a-z]+"}},
		{"/v2/{name:a(?:/b)*}/manifests/{reference:[\\w][\\w.-]{0,127}|x}", "/v2/{name}/manifests/{reference}",
			[]string{"name=a(?:/b)*", `reference=[\w][\w.-]{0,127}|x`}},
		{"/x/{id}", "/x/{id}", []string{"id=" + DefaultPattern}},
	}
	for _, tt := range tests {
		plain, vars, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		var got []string
		for _, v := range vars {
			got = append(got, v.Name+"="+v.Pattern)
		}
		if plain != tt.plain || strings.Join(got, " ") != strings.Join(tt.vars, " ") {
			t.Errorf("Parse(%q) = %q %v, want %q %v", tt.in, plain, got, tt.plain, tt.vars)
		}
	}
	for _, bad := range []string{"/{a", "/a}", "/{a:[0-9]{2}", "/{a}/{a}", "/{}"} {
		if _, _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) succeeded", bad)
		}
	}
}
