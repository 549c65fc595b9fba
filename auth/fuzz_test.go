package auth

import (
	"reflect"
	"strings"
	"testing"
)

func FuzzParseChallenges(f *testing.F) {
	for _, s := range []string{
		`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"`,
		`Bearer realm="https://gcr.io/v2/token",service=gcr.io`,
		`BASIC realm="x"`,
		`Basic`,
		`Bearer realm="https://ghcr.io/token", service="ghcr.io", scope="repository:user/image:pull", Basic realm="GitHub Package Registry"`,
		`Other other=fun, slashed="he\"\l\lo"`,
		`Newauth abc==, Basic realm="r"`,
		`Bearer realm=https://x/y service=s`,
		`Bearer realm="a\`,
		`, ,Basic realm="a",,`,
		"Basic realm=\"a\tb\x01\"",
	} {
		f.Add(s, `Basic realm="second line"`)
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got := ParseChallenges(fields(a, b))
		if len(got) > maxChallenges {
			t.Fatalf("%d challenges", len(got))
		}
		for _, c := range got {
			if !isToken(c.Scheme) {
				t.Fatalf("scheme %q is not a token", c.Scheme)
			}
			if c.Token68 != "" && len(c.Params) > 0 {
				t.Fatalf("challenge %#v has a token68 and parameters", c)
			}
			if len(c.Params) > maxParams {
				t.Fatalf("challenge with %d parameters", len(c.Params))
			}
			for k, v := range c.Params {
				if !isToken(k) || strings.ToLower(k) != k {
					t.Fatalf("parameter name %q", k)
				}
				if v == "" || !isQuotable(v) {
					t.Fatalf("parameter %s=%q", k, v)
				}
			}
			// What String writes parses back to the same challenge.
			s := c.String()
			back := ParseChallenges(fields(s))
			if len(back) != 1 || !reflect.DeepEqual(back[0], c) {
				t.Fatalf("challenge %#v\nwrites %q\nwhich parses to %#v", c, s, back)
			}
		}
	})
}

func FuzzParseScopes(f *testing.F) {
	for _, s := range []string{
		"repository:library/alpine:pull,push",
		"repository(plugin):x:pull registry:catalog:*",
		"repository:localhost:5000/foo:pull",
		"repository:[::1]:5000/foo:delete,metadata_read",
		"repository:foo:",
		"repository:foo:bar:pull",
		"  repository:a:pull   repository:a:push ",
		"repository:foo:pull,,push",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseScopes(s)
		if err != nil {
			return
		}
		for _, sc := range got {
			back, err := ParseScope(sc.String())
			if err != nil || !reflect.DeepEqual(back, sc) {
				t.Fatalf("scope %#v writes %q, which parses to %#v, %v", sc, sc.String(), back, err)
			}
		}
		if again, err := ParseScopes(scopeStrings(got)); err != nil || len(again) != len(got) {
			t.Fatalf("the list %q written back gives %v, %v", s, again, err)
		}
		merged := MergeScopes(got...)
		if !reflect.DeepEqual(MergeScopes(merged...), merged) {
			t.Fatalf("merging %q twice changes it", s)
		}
		if !Allows(merged, got...) || !Allows(got, merged...) || Missing(merged, got...) != nil {
			t.Fatalf("the merge of %q does not allow the same as the list", s)
		}
		for _, m := range merged {
			if len(m.Actions) == 0 {
				t.Fatalf("merged entry %v without actions", m)
			}
		}
	})
}
