package auth

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestParseScope(t *testing.T) {
	long := strings.Repeat("a/", 127) + "a" // 255 bytes
	tests := []struct {
		in      string
		want    Scope
		wantErr bool
	}{
		{in: "repository:library/alpine:pull,push", want: Scope{Type: "repository", Name: "library/alpine", Actions: []string{"pull", "push"}}},
		{in: "repository:alpine:pull", want: Scope{Type: "repository", Name: "alpine", Actions: []string{"pull"}}},
		{in: "repository(plugin):x:pull", want: Scope{Type: "repository", Class: "plugin", Name: "x", Actions: []string{"pull"}}},
		{in: "registry:catalog:*", want: Scope{Type: "registry", Name: "catalog", Actions: []string{"*"}}},
		{in: "repository:localhost:5000/foo:pull", want: Scope{Type: "repository", Name: "localhost:5000/foo", Actions: []string{"pull"}}},
		{in: "repository:registry.example.com:443/team/app:push,pull", want: Scope{Type: "repository", Name: "registry.example.com:443/team/app", Actions: []string{"push", "pull"}}},
		{in: "repository:[::1]:5000/foo:pull", want: Scope{Type: "repository", Name: "[::1]:5000/foo", Actions: []string{"pull"}}},
		{in: "repository:foo:", want: Scope{Type: "repository", Name: "foo"}},
		{in: "repository:foo:metadata_read,pull", want: Scope{Type: "repository", Name: "foo", Actions: []string{"metadata_read", "pull"}}},
		{in: "repository:foo:pull,pull", want: Scope{Type: "repository", Name: "foo", Actions: []string{"pull", "pull"}}},
		{in: "repository:a__b.c-d---e:x-y_z9", want: Scope{Type: "repository", Name: "a__b.c-d---e", Actions: []string{"x-y_z9"}}},
		{in: "custom0:foo:read", want: Scope{Type: "custom0", Name: "foo", Actions: []string{"read"}}},
		{in: "repository:" + long + ":pull", want: Scope{Type: "repository", Name: long, Actions: []string{"pull"}}},

		{in: "", wantErr: true},
		{in: "repository", wantErr: true},
		{in: "repository:foo", wantErr: true},
		{in: "::", wantErr: true},
		{in: ":foo:pull", wantErr: true},
		{in: "Repository:foo:pull", wantErr: true},
		{in: "repo-sitory:foo:pull", wantErr: true},
		{in: "repository():foo:pull", wantErr: true},
		{in: "repository(Plugin):foo:pull", wantErr: true},
		{in: "repository(plugin:foo:pull", wantErr: true},
		{in: "repository(a)(b):foo:pull", wantErr: true},
		{in: "(plugin):foo:pull", wantErr: true},
		{in: "repository::pull", wantErr: true},
		{in: "repository:Foo:pull", wantErr: true},
		{in: "repository:foo/:pull", wantErr: true},
		{in: "repository:/foo:pull", wantErr: true},
		{in: "repository:foo//bar:pull", wantErr: true},
		{in: "repository:foo bar:pull", wantErr: true},
		{in: "repository:foo:bar:pull", wantErr: true},
		{in: "repository:localhost:5000:pull", wantErr: true},
		{in: "repository:localhost:port/foo:pull", wantErr: true},
		{in: "repository:a" + long + ":pull", wantErr: true},
		{in: "repository:foo:Pull", wantErr: true},
		{in: "repository:foo:pull,", wantErr: true},
		{in: "repository:foo:,pull", wantErr: true},
		{in: "repository:foo:pull,,push", wantErr: true},
		{in: "repository:foo:pu ll", wantErr: true},
		{in: "repository:foo:**", wantErr: true},
		{in: "repository:foo:pull*", wantErr: true},
		{in: "repository:foo:pull\n", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseScope(tt.in)
		if tt.wantErr {
			if err == nil {
				t.Errorf("ParseScope(%q) = %#v, want an error", tt.in, got)
			} else if !errors.Is(err, ErrInvalidScope) {
				t.Errorf("ParseScope(%q) error %v does not wrap ErrInvalidScope", tt.in, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseScope(%q): %v", tt.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseScope(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseScope(%q).String() = %q", tt.in, s)
		}
	}
}

func TestParseScopeErrorIsShort(t *testing.T) {
	in := "repository:" + strings.Repeat("A", 1<<20) + ":pull"
	_, err := ParseScope(in)
	if err == nil || len(err.Error()) > 200 {
		t.Fatalf("error for a 1 MiB scope is %d bytes long", len(err.Error()))
	}
	// Cut as the package's other messages cut what they quote.
	if want := strconv.Quote(short(in)); !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not quote %s", err, want)
	}
}

func TestParseScopes(t *testing.T) {
	tests := []struct {
		in      string
		want    []Scope
		wantErr bool
	}{
		{in: "", want: nil},
		{in: "   ", want: nil},
		{in: "repository:a:pull", want: []Scope{{Type: "repository", Name: "a", Actions: []string{"pull"}}}},
		{in: "  repository:a:pull   registry:catalog:*  ", want: []Scope{
			{Type: "repository", Name: "a", Actions: []string{"pull"}},
			{Type: "registry", Name: "catalog", Actions: []string{"*"}},
		}},
		{in: "repository:a:pull repository:a:push", want: []Scope{
			{Type: "repository", Name: "a", Actions: []string{"pull"}},
			{Type: "repository", Name: "a", Actions: []string{"push"}},
		}},
		{in: "repository:a:pull bad", wantErr: true},
		{in: "repository:a:pull\trepository:b:pull", wantErr: true},
		{in: "repository:a:pull,push,", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseScopes(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseScopes(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseScopes(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
	}
}

func scopes(t *testing.T, s string) []Scope {
	t.Helper()
	out, err := ParseScopes(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func scopeStrings(ss []Scope) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.String()
	}
	return strings.Join(parts, " ")
}

func TestMergeScopes(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"", ""},
		{"repository:a:push repository:a:pull", "repository:a:pull,push"},
		{"repository:a:pull,push,pull repository:a:push", "repository:a:pull,push"},
		{"repository:b:pull repository:a:pull registry:catalog:*", "registry:catalog:* repository:a:pull repository:b:pull"},
		{"repository:a:pull repository:a:* repository:a:push", "repository:a:*"},
		{"repository:a: repository:b:pull", "repository:b:pull"},
		{"repository:a:", ""},
		{"repository(plugin):a:pull repository:a:push", "repository:a:pull,push"},
		{"repository(plugin):a:pull repository(plugin):a:push", "repository(plugin):a:pull,push"},
		{"repository:a:pull repository(plugin):a:push", "repository:a:pull,push"},
		{"repository:localhost:5000/a:pull repository:localhost:5000/a:delete", "repository:localhost:5000/a:delete,pull"},
		{"repository:a:push repository:a:metadata_read repository:a:Z", "repository:a:Z,metadata_read,push"},
		{"repository:a-b:pull repository:a:pull repository:a/b:pull", "repository:a:pull repository:a-b:pull repository:a/b:pull"},
	}
	for _, tt := range tests {
		var in []Scope
		for _, f := range strings.Fields(tt.in) {
			// Build by hand where the grammar would refuse the input, so
			// that merging is seen to be independent of parsing.
			sc, err := ParseScope(f)
			if err != nil {
				parts := strings.Split(f, ":")
				sc = Scope{Type: parts[0], Name: parts[1], Actions: strings.Split(parts[2], ",")}
			}
			in = append(in, sc)
		}
		got := MergeScopes(in...)
		if s := scopeStrings(got); s != tt.want {
			t.Errorf("MergeScopes(%s) = %q, want %q", tt.in, s, tt.want)
		}
	}
}

func TestMergeScopesOrderIndependent(t *testing.T) {
	a := scopes(t, "repository:x:push repository(plugin):y:pull registry:catalog:* repository:x:pull repository:y:delete")
	want := MergeScopes(a...)
	for i := 0; i < len(a); i++ {
		rot := append(append([]Scope{}, a[i:]...), a[:i]...)
		rev := make([]Scope, len(rot))
		for j := range rot {
			rev[len(rot)-1-j] = rot[j]
		}
		for _, perm := range [][]Scope{rot, rev, append(rot, rev...)} {
			if got := MergeScopes(perm...); !reflect.DeepEqual(got, want) {
				t.Fatalf("MergeScopes(%s) = %s, want %s", scopeStrings(perm), scopeStrings(got), scopeStrings(want))
			}
		}
	}
}

func TestMergeScopesCopies(t *testing.T) {
	in := []Scope{{Type: "repository", Name: "a", Actions: []string{"pull"}}}
	out := MergeScopes(in...)
	out[0].Actions[0] = "changed"
	if in[0].Actions[0] != "pull" {
		t.Error("changing the result changed the argument")
	}
}

func TestAllowsAndMissing(t *testing.T) {
	tests := []struct {
		granted, needed string
		missing         string
	}{
		{"repository:a:pull", "repository:a:pull", ""},
		{"repository:a:pull", "repository:a:pull,push", "repository:a:push"},
		{"repository:a:pull repository:a:push", "repository:a:pull,push", ""},
		{"repository:a:*", "repository:a:pull,push,delete", ""},
		{"repository:a:pull,push", "registry:catalog:*", "registry:catalog:*"},
		{"registry:catalog:*", "registry:catalog:*", ""},
		{"repository:a:pull", "repository:b:pull", "repository:b:pull"},
		{"repository:a:pull", "registry:a:pull", "registry:a:pull"},
		{"repository(plugin):a:pull", "repository:a:pull", ""},
		{"repository:a:pull", "repository(plugin):a:pull", ""},
		{"repository:a:pull", "repository:a:", ""},
		{"", "", ""},
		{"", "repository:a:pull repository:b:push", "repository:a:pull repository:b:push"},
		{"repository:a:pull,push", "repository:a:pull,push repository:b:pull", "repository:b:pull"},
		{"repository:localhost:5000/a:pull", "repository:localhost:5000/a:pull", ""},
		{"repository:localhost:5001/a:pull", "repository:localhost:5000/a:pull", "repository:localhost:5000/a:pull"},
	}
	for _, tt := range tests {
		granted, needed := scopes(t, tt.granted), scopes(t, tt.needed)
		if got, want := Allows(granted, needed...), tt.missing == ""; got != want {
			t.Errorf("Allows(%q, %q) = %v, want %v", tt.granted, tt.needed, got, want)
		}
		if got := scopeStrings(Missing(granted, needed...)); got != tt.missing {
			t.Errorf("Missing(%q, %q) = %q, want %q", tt.granted, tt.needed, got, tt.missing)
		}
	}
}
