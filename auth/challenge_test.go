package auth

import (
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

// p builds a parameter map from alternating names and values.
func p(kv ...string) map[string]string {
	m := make(map[string]string, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// fields builds a header with one WWW-Authenticate field per argument.
func fields(values ...string) http.Header {
	h := http.Header{}
	for _, v := range values {
		h.Add("WWW-Authenticate", v)
	}
	return h
}

func TestParseChallengesRealWorld(t *testing.T) {
	tests := []struct {
		name   string
		header http.Header
		want   []Challenge
	}{
		{
			name:   "Docker Hub",
			header: fields(`Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"`),
			want: []Challenge{{Scheme: "Bearer", Params: p(
				"realm", "https://auth.docker.io/token", "service", "registry.docker.io", "scope", "repository:samalba/my-app:pull,push")}},
		},
		{
			name:   "GHCR",
			header: fields(`Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:user/image:pull"`),
			want: []Challenge{{Scheme: "Bearer", Params: p(
				"realm", "https://ghcr.io/token", "service", "ghcr.io", "scope", "repository:user/image:pull")}},
		},
		{
			name:   "Quay without scope",
			header: fields(`Bearer realm="https://quay.io/v2/auth",service="quay.io"`),
			want:   []Challenge{{Scheme: "Bearer", Params: p("realm", "https://quay.io/v2/auth", "service", "quay.io")}},
		},
		{
			name:   "ECR Basic with a service",
			header: fields(`Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",service="ecr.amazonaws.com"`),
			want: []Challenge{{Scheme: "Basic", Params: p(
				"realm", "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/", "service", "ecr.amazonaws.com")}},
		},
		{
			name:   "ECR with unquoted values",
			header: fields(`Basic realm=https://123456789012.dkr.ecr.us-east-1.amazonaws.com/,service=ecr.amazonaws.com`),
			want: []Challenge{{Scheme: "Basic", Params: p(
				"realm", "https://123456789012.dkr.ecr.us-east-1.amazonaws.com/", "service", "ecr.amazonaws.com")}},
		},
		{
			name:   "GCR unquoted service",
			header: fields(`Bearer realm="https://gcr.io/v2/token",service=gcr.io`),
			want:   []Challenge{{Scheme: "Bearer", Params: p("realm", "https://gcr.io/v2/token", "service", "gcr.io")}},
		},
		{
			name:   "Artifact Registry without service",
			header: fields(`Bearer realm="https://us-docker.pkg.dev/v2/token"`),
			want:   []Challenge{{Scheme: "Bearer", Params: p("realm", "https://us-docker.pkg.dev/v2/token")}},
		},
		{
			name:   "ACR",
			header: fields(`Bearer realm="https://example.azurecr.io/oauth2/token",service="example.azurecr.io"`),
			want:   []Challenge{{Scheme: "Bearer", Params: p("realm", "https://example.azurecr.io/oauth2/token", "service", "example.azurecr.io")}},
		},
		{
			name:   "Harbor Basic",
			header: fields(`Basic realm="harbor"`),
			want:   []Challenge{{Scheme: "Basic", Params: p("realm", "harbor")}},
		},
		{
			name:   "Harbor Bearer with space-joined scopes",
			header: fields(`Bearer realm="https://harbor.example.com/service/token",service="harbor-registry",scope="repository:a/b:pull repository:c/d:pull,push"`),
			want: []Challenge{{Scheme: "Bearer", Params: p(
				"realm", "https://harbor.example.com/service/token", "service", "harbor-registry", "scope", "repository:a/b:pull repository:c/d:pull,push")}},
		},
		{
			name:   "Nexus upper-case scheme",
			header: fields(`BASIC realm="Sonatype Nexus Repository Manager"`),
			want:   []Challenge{{Scheme: "Basic", Params: p("realm", "Sonatype Nexus Repository Manager")}},
		},
		{
			name:   "distribution htpasswd",
			header: fields(`Basic realm="Registry Realm"`),
			want:   []Challenge{{Scheme: "Basic", Params: p("realm", "Registry Realm")}},
		},
		{
			name:   "bare Basic",
			header: fields(`Basic`),
			want:   []Challenge{{Scheme: "Basic", Params: p()}},
		},
		{
			name:   "distribution insufficient_scope",
			header: fields(`Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:foo:pull,push",error="insufficient_scope"`),
			want: []Challenge{{Scheme: "Bearer", Params: p(
				"realm", "https://auth.example.com/token", "service", "registry.example.com", "scope", "repository:foo:pull,push", "error", "insufficient_scope")}},
		},
		{
			name:   "two challenges on one line",
			header: fields(`Bearer realm="https://ghcr.io/token", service="ghcr.io", scope="repository:user/image:pull", Basic realm="GitHub Package Registry"`),
			want: []Challenge{
				{Scheme: "Bearer", Params: p("realm", "https://ghcr.io/token", "service", "ghcr.io", "scope", "repository:user/image:pull")},
				{Scheme: "Basic", Params: p("realm", "GitHub Package Registry")},
			},
		},
		{
			name:   "two lines",
			header: fields(`Bearer realm="https://r.example.com/token"`, `Basic realm="r"`),
			want: []Challenge{
				{Scheme: "Bearer", Params: p("realm", "https://r.example.com/token")},
				{Scheme: "Basic", Params: p("realm", "r")},
			},
		},
		{
			name:   "escapes in a quoted string",
			header: fields(`Other other=fun, slashed="he\"\l\lo"`),
			want:   []Challenge{{Scheme: "Other", Params: p("other", "fun", "slashed", `he"llo`)}},
		},
		{
			name:   "RFC 7235 example",
			header: fields(`Newauth realm="apps", type=1, title="Login to \"apps\"", Basic realm="simple"`),
			want: []Challenge{
				{Scheme: "Newauth", Params: p("realm", "apps", "type", "1", "title", `Login to "apps"`)},
				{Scheme: "Basic", Params: p("realm", "simple")},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseChallenges(tt.header)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseChallenges(%q)\n got %#v\nwant %#v", tt.header.Values("WWW-Authenticate"), got, tt.want)
			}
			// Each challenge written back alone reads the same.
			for _, c := range got {
				if back := ParseChallenges(fields(c.String())); len(back) != 1 || !reflect.DeepEqual(back[0], c) {
					t.Errorf("%s does not read back: %#v", c.String(), back)
				}
			}
		})
	}
}

func TestParseChallengesEdgeCases(t *testing.T) {
	tests := []struct {
		name  string
		field string
		want  []Challenge
	}{
		{"unquoted realm is not cut at the colon", `Bearer realm=https://x/y,service=s`,
			[]Challenge{{Scheme: "Bearer", Params: p("realm", "https://x/y", "service", "s")}}},
		{"unquoted realm with a query", `Bearer realm=https://x/token?a=b`,
			[]Challenge{{Scheme: "Bearer", Params: p("realm", "https://x/token?a=b")}}},
		{"unquoted value runs to a space, then a missing comma drops the challenge", `Bearer realm=https://x/y service=s`, nil},
		{"names and schemes in any case", `bEaReR Realm="r",SERVICE="s"`,
			[]Challenge{{Scheme: "Bearer", Params: p("realm", "r", "service", "s")}}},
		{"other schemes keep their case", `NegoTiate abc==`, []Challenge{{Scheme: "NegoTiate", Token68: "abc==", Params: p()}}},
		{"white space around the equals sign", `Bearer realm = "r" ,	service	=s`,
			[]Challenge{{Scheme: "Bearer", Params: p("realm", "r", "service", "s")}}},
		{"first of a repeated parameter wins", `Bearer realm="first",realm="second",REALM="third"`,
			[]Challenge{{Scheme: "Bearer", Params: p("realm", "first")}}},
		{"an empty repeat does not let a later one in", `Bearer scope="",scope="repository:a:pull",realm="r"`,
			[]Challenge{{Scheme: "Bearer", Params: p("realm", "r")}}},
		{"empty quoted values are left out", `Bearer realm="r",scope="",error=""`,
			[]Challenge{{Scheme: "Bearer", Params: p("realm", "r")}}},
		{"empty list elements", `, ,Basic realm="a",, ,Bearer realm="b",`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "a")}, {Scheme: "Bearer", Params: p("realm", "b")}}},
		{"bare schemes in a list", `Basic, Bearer`,
			[]Challenge{{Scheme: "Basic", Params: p()}, {Scheme: "Bearer", Params: p()}}},
		{"token68 with padding then another challenge", `Newauth YWJj/+.~_-==, Basic realm="r"`,
			[]Challenge{{Scheme: "Newauth", Token68: "YWJj/+.~_-==", Params: p()}, {Scheme: "Basic", Params: p("realm", "r")}}},
		{"a token68 followed by parameters is no challenge", `Newauth abc, realm="r", Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"a token68 followed by a challenge", `Newauth abc=, Basic realm="c"`,
			[]Challenge{{Scheme: "Newauth", Token68: "abc=", Params: p()}, {Scheme: "Basic", Params: p("realm", "c")}}},
		{"unclosed quote drops the challenge and the rest of the field", `Basic realm="a, Bearer realm="b"`, nil},
		{"final backslash", `Basic realm="a\`, nil},
		{"missing comma drops only its challenge", `Bearer realm="a" service="b", Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"quote inside an unquoted value", `Bearer realm=ab"c", Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"empty unquoted value", `Bearer realm=,service="s", Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"control character in a quoted value", "Bearer realm=\"a\x01b\", Basic realm=\"c\"",
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"tab in a quoted value is kept", "Basic realm=\"a\tb\"",
			[]Challenge{{Scheme: "Basic", Params: p("realm", "a\tb")}}},
		{"a broken challenge's later parameters stay dropped", `Bearer realm="a" x, service="s", scope="x", Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"a comma inside quotes does not end a skipped element", `Bearer realm="a" x="b,Basic realm=z", Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"parameters before any scheme are ignored", `realm="x", Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"a quoted scheme is not a scheme", `"Basic" realm="x", Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"scheme glued to a quote", `Basic"x", Bearer realm="c"`,
			[]Challenge{{Scheme: "Bearer", Params: p("realm", "c")}}},
		{"two words after the scheme", `Bearer a b, Basic realm="c"`,
			[]Challenge{{Scheme: "Basic", Params: p("realm", "c")}}},
		{"empty field", ``, nil},
		{"only separators", ` , ,	`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ParseChallenges(fields(tt.field))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseChallenges(%q)\n got %#v\nwant %#v", tt.field, got, tt.want)
			}
		})
	}
}

func TestParseChallengesLimits(t *testing.T) {
	many := strings.Repeat(`Basic realm="r", `, 100)
	if got := ParseChallenges(fields(many)); len(got) != 16 {
		t.Errorf("a field of 100 challenges gave %d, want the first 16", len(got))
	}
	lines := make([]string, 40)
	for i := range lines {
		lines[i] = `Basic realm="r"`
	}
	if got := ParseChallenges(fields(lines...)); len(got) != 16 {
		t.Errorf("40 fields gave %d challenges, want 16", len(got))
	}

	var params []string
	for i := 0; i < 33; i++ {
		params = append(params, "p"+strings.Repeat("x", i)+`="v"`)
	}
	crowded := "Bearer " + strings.Join(params, ",") + `, Basic realm="c"`
	want := []Challenge{{Scheme: "Basic", Params: p("realm", "c")}}
	if got := ParseChallenges(fields(crowded)); !reflect.DeepEqual(got, want) {
		t.Errorf("a challenge of 33 parameters: got %#v, want only the next challenge", got)
	}
	ok := "Bearer " + strings.Join(params[:32], ",")
	if got := ParseChallenges(fields(ok)); len(got) != 1 || len(got[0].Params) != 32 {
		t.Errorf("a challenge of 32 parameters: got %#v, want it whole", got)
	}

	// A repeated parameter takes no room: the first value stays.
	long := strings.Repeat("a", 1<<20)
	repeated := "Bearer realm=\"" + long + "\"," + strings.Repeat("x=y,x=z,", 1<<16)
	want = []Challenge{{Scheme: "Bearer", Params: p("realm", long, "x", "y")}}
	if got := ParseChallenges(fields(repeated)); !reflect.DeepEqual(got, want) {
		t.Errorf("a challenge with a parameter repeated 2^17 times: got %d challenges, want one with realm and x=y", len(got))
	}
}

func TestChallengeAccessors(t *testing.T) {
	c := ParseChallenges(fields(`Bearer realm="https://a/token",service="reg",scope="repository:a/b:pull  repository:localhost:5000/c:pull,push bad registry:catalog:* repository:UPPER:pull",error="insufficient_scope"`))[0]
	if c.Realm() != "https://a/token" || c.Service() != "reg" || c.ErrorParam() != "insufficient_scope" {
		t.Errorf("Realm, Service, ErrorParam = %q, %q, %q", c.Realm(), c.Service(), c.ErrorParam())
	}
	want := []Scope{
		{Type: "repository", Name: "a/b", Actions: []string{"pull"}},
		{Type: "repository", Name: "localhost:5000/c", Actions: []string{"pull", "push"}},
		{Type: "registry", Name: "catalog", Actions: []string{"*"}},
	}
	if got := c.Scopes(); !reflect.DeepEqual(got, want) {
		t.Errorf("Scopes() = %v, want %v (malformed entries left out)", got, want)
	}
	var none Challenge
	if none.Realm() != "" || none.Scopes() != nil || none.ErrorParam() != "" || none.Service() != "" {
		t.Error("the zero Challenge has parameters")
	}
}

func TestChallengeString(t *testing.T) {
	tests := []struct {
		c    Challenge
		want string
	}{
		{Challenge{Scheme: "Bearer", Params: p(
			"zeta", "z", "error_description", "more", "scope", "repository:a:pull repository:b:push", "error", "insufficient_scope",
			"alpha", "a", "service", "reg", "realm", "https://auth/token")},
			`Bearer realm="https://auth/token",service="reg",scope="repository:a:pull repository:b:push",error="insufficient_scope",error_description="more",alpha="a",zeta="z"`},
		{Challenge{Scheme: "Basic", Params: p("realm", `say "hi" \ bye`)}, `Basic realm="say \"hi\" \\ bye"`},
		{Challenge{Scheme: "Basic"}, `Basic`},
		{Challenge{Scheme: "Bearer", Params: p("realm", "r", "scope", "", "error", "")}, `Bearer realm="r"`},
		{Challenge{Scheme: "Bearer", Params: p("Realm", "r", "bad key", "x", "nl", "a\nb", "tab", "a\tb")}, "Bearer realm=\"r\",tab=\"a\tb\""},
		{Challenge{Scheme: "Bearer", Params: p("REALM", "upper", "realm", "lower")}, `Bearer realm="upper"`},
		{Challenge{Scheme: "Newauth", Token68: "abc==", Params: p("realm", "ignored")}, `Newauth abc==`},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("%#v.String()\n got %s\nwant %s", tt.c, got, tt.want)
		}
	}
}

// Every client in the survey reads the form String writes: one challenge,
// quoted values, no spaces. The strictest readers take the value up to the
// next quote with a regular expression; check that they see the values.
func TestChallengeStringIsReadByStrictParsers(t *testing.T) {
	c := Challenge{Scheme: "Bearer", Params: p("realm", "https://r.example.com/token", "service", "r.example.com", "scope", "repository:a/b:pull,push")}
	s := c.String()
	if strings.Contains(s, ", ") || strings.Count(s, `"`) != 6 {
		t.Errorf("String() = %s: want values quoted and joined by bare commas", s)
	}
	back := ParseChallenges(fields(s))
	if len(back) != 1 || !reflect.DeepEqual(back[0], c) {
		t.Errorf("ParseChallenges(String()) = %#v, want %#v", back, c)
	}
}

// A scope list longer than a token request may carry is refused whole, so
// that a registry cannot make a client parse, merge and compare without
// end; up to the limit every entry is kept.
func TestChallengeScopesBounded(t *testing.T) {
	list := func(n int) string {
		entries := make([]string, n)
		for i := range entries {
			entries[i] = fmt.Sprintf("repository:r%d:pull", i)
		}
		return strings.Join(entries, " ")
	}
	tests := []struct {
		name  string
		scope string
		want  int
	}{
		{"at the limit", list(maxTokenScopes), maxTokenScopes},
		{"at the limit with spaces around", "  " + list(maxTokenScopes) + "   ", maxTokenScopes},
		{"one over", list(maxTokenScopes + 1), 0},
		{"20000", list(20000), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Challenge{Scheme: "Bearer", Params: map[string]string{"scope": tt.scope}}
			if got := len(c.Scopes()); got != tt.want {
				t.Errorf("%d scopes, want %d", got, tt.want)
			}
			_, err := ParseScopes(tt.scope)
			if gotErr, wantErr := err != nil, tt.want == 0; gotErr != wantErr {
				t.Errorf("ParseScopes error %v, want an error: %v", err, wantErr)
			}
		})
	}
}

// A Challenge is not an error, so that it cannot be returned as one by
// mistake, and fmt prints it whole rather than its error parameter.
func TestChallengeIsNotAnError(t *testing.T) {
	c := Challenge{Scheme: "Bearer", Params: map[string]string{"realm": "https://a/token", "error": "invalid_token"}}
	if _, ok := any(c).(error); ok {
		t.Error("Challenge satisfies error")
	}
	if got := fmt.Sprint(c); !strings.Contains(got, "https://a/token") {
		t.Errorf("fmt.Sprint = %q, want the realm in it", got)
	}
}
