package auth

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/regapi/regapi/internal/grammar"
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
			if !grammar.IsToken(c.Scheme) {
				t.Fatalf("scheme %q is not a token", c.Scheme)
			}
			if c.Token68 != "" && len(c.Params) > 0 {
				t.Fatalf("challenge %#v has a token68 and parameters", c)
			}
			if len(c.Params) > maxParams {
				t.Fatalf("challenge with %d parameters", len(c.Params))
			}
			for k, v := range c.Params {
				if !grammar.IsToken(k) || strings.ToLower(k) != k {
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

func FuzzParseTokenRequest(f *testing.F) {
	f.Add(false, "service=reg&scope=repository:a:pull&scope=repository:b:pull%20registry:catalog:*&account=alice", "", "", "Basic YWxpY2U6c2VjcmV0")
	f.Add(false, "offline_token=true&client_id=docker&scope=bad", "", "", "")
	f.Add(true, "", "grant_type=password&username=alice&password=secret&scope=repository%3Aa%3Apull&access_type=offline", form, "")
	f.Add(true, "", "grant_type=refresh_token&refresh_token=r&service=s", form+"; charset=utf-8", "Basic YWxpY2U6c2VjcmV0")
	f.Add(true, "", "grant_type=password", "application/json", "Basic !!")
	f.Fuzz(func(t *testing.T, post bool, query, body, contentType, authorization string) {
		r := &http.Request{
			Method:        http.MethodGet,
			URL:           &url.URL{Path: "/token", RawQuery: query},
			Header:        http.Header{},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
		}
		if post {
			r.Method = http.MethodPost
		}
		if contentType != "" {
			r.Header.Set("Content-Type", contentType)
		}
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		tr, err := ParseTokenRequest(r)
		if err != nil {
			var te *TokenRequestError
			if !errors.As(err, &te) {
				t.Fatalf("error %v is not a *TokenRequestError", err)
			}
			switch te.StatusCode {
			case http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType:
			default:
				t.Fatalf("status %d for %v", te.StatusCode, err)
			}
			return
		}
		if len(tr.Scopes)+len(tr.InvalidScopes) > maxTokenScopes {
			t.Fatalf("%d scopes accepted", len(tr.Scopes)+len(tr.InvalidScopes))
		}
		for _, s := range tr.Scopes {
			if back, err := ParseScope(s.String()); err != nil || !reflect.DeepEqual(back, s) {
				t.Fatalf("scope %#v does not write back", s)
			}
		}
		for _, s := range tr.InvalidScopes {
			if _, err := ParseScope(s); err == nil || s == "" || strings.Contains(s, " ") {
				t.Fatalf("invalid scope %q", s)
			}
		}
		switch {
		case !post && (tr.GrantType != "" || tr.RefreshToken != ""):
			t.Fatalf("a GET has grant %q, refresh token %q", tr.GrantType, tr.RefreshToken)
		case post && tr.GrantType == "password" && tr.Username == "":
			t.Fatal("a password grant without a username")
		case post && tr.GrantType == "refresh_token" && tr.RefreshToken == "":
			t.Fatal("a refresh grant without a token")
		case post && tr.GrantType != "password" && tr.GrantType != "refresh_token":
			t.Fatalf("grant %q accepted", tr.GrantType)
		case post && tr.Account != "":
			t.Fatal("a POST has an account")
		}
	})
}
