package registrytest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/auth"
)

var testUsers = []User{{Name: "alice", Password: "s3cret"}, {Name: "reader", Password: "r3ad", PullOnly: true}}

// authCall sends a request with the given Authorization header value.
func authCall(t *testing.T, reg http.Handler, method, path, authorization string, body []byte) result {
	t.Helper()
	header := map[string]string{}
	if authorization != "" {
		header["Authorization"] = authorization
	}
	if method == "PUT" && strings.Contains(path, "/manifests/") {
		header["Content-Type"] = ociManifest
	}
	return serve(t, reg, method, path, header, body)
}

func basic(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

func TestBasicAuth(t *testing.T) {
	for _, anonymousPull := range []bool{false, true} {
		reg := New(Options{Auth: Auth{Mode: AuthBasic, Users: testUsers, AnonymousPull: anonymousPull}})
		im := newTestImage("basic", "")
		for _, b := range append([][]byte{im.config}, im.layers...) {
			d := digest.FromBytes(b)
			if res := authCall(t, reg, "POST", "/v2/b/blobs/uploads/?digest="+d.String(), basic("alice", "s3cret"), b); res.status != 201 {
				t.Fatalf("push: %d %s", res.status, res.body)
			}
		}
		if res := authCall(t, reg, "PUT", "/v2/b/manifests/v1", basic("alice", "s3cret"), im.manifest); res.status != 201 {
			t.Fatalf("push: %d %s", res.status, res.body)
		}
		anonRead := 401
		if anonymousPull {
			anonRead = 200
		}
		for _, tt := range []struct {
			method, path, authorization string
			status                      int
			code                        string
		}{
			{"GET", "/v2/", "", 401, "UNAUTHORIZED"},
			{"GET", "/v2/", basic("alice", "s3cret"), 200, ""},
			{"GET", "/v2/", basic("reader", "r3ad"), 200, ""},
			{"GET", "/v2/", basic("alice", "wrong"), 401, "UNAUTHORIZED"},
			{"GET", "/v2/", basic("nobody", "s3cret"), 401, "UNAUTHORIZED"},
			{"GET", "/v2/", "Basic !!!", 401, "UNAUTHORIZED"},
			{"GET", "/v2/", "Bearer abc", 401, "UNAUTHORIZED"},
			{"GET", "/v2/b/manifests/v1", basic("reader", "r3ad"), 200, ""},
			{"GET", "/v2/b/manifests/v1", "", anonRead, ""},
			{"GET", "/v2/b/tags/list", "", anonRead, ""},
			{"GET", "/v2/_catalog", "", 401, "UNAUTHORIZED"},
			{"GET", "/v2/_catalog", basic("reader", "r3ad"), 200, ""},
			{"POST", "/v2/b/blobs/uploads/", "", 401, "UNAUTHORIZED"},
			{"POST", "/v2/b/blobs/uploads/", basic("reader", "r3ad"), 403, "DENIED"},
			{"DELETE", "/v2/b/manifests/v1", basic("reader", "r3ad"), 403, "DENIED"},
			{"POST", "/v2/b/blobs/uploads/", basic("alice", "s3cret"), 202, ""},
		} {
			res := authCall(t, reg, tt.method, tt.path, tt.authorization, nil)
			if res.status != tt.status {
				t.Fatalf("anonymous pull %v, %s %s with %q: %d, want %d: %s", anonymousPull, tt.method, tt.path, tt.authorization, res.status, tt.status, res.body)
			}
			if tt.code != "" {
				if got := errorCode(t, res); got != tt.code {
					t.Fatalf("%s %s: code %s, want %s", tt.method, tt.path, got, tt.code)
				}
			}
			if res.status == 401 && res.header.Get("WWW-Authenticate") != `Basic realm="registrytest"` {
				t.Fatalf("%s %s: challenge %q", tt.method, tt.path, res.header.Get("WWW-Authenticate"))
			}
		}
	}
}

// tokenFor fetches a token from the registry's token server.
func tokenFor(t *testing.T, reg http.Handler, authorization string, scopes ...string) (string, result) {
	t.Helper()
	q := url.Values{"service": {"registrytest"}, "scope": scopes}
	res := authCall(t, reg, "GET", "/token?"+q.Encode(), authorization, nil)
	if res.status != 200 {
		return "", res
	}
	var tok auth.Token
	if err := json.Unmarshal(res.body, &tok); err != nil {
		t.Fatalf("token response %s: %v", res.body, err)
	}
	return tok.Token, res
}

func TestTokenAuth(t *testing.T) {
	reg := New(Options{Auth: Auth{Mode: AuthToken, Users: testUsers}})
	clock := stoppedClock(reg)
	alice := basic("alice", "s3cret")
	push, _ := tokenFor(t, reg, alice, "repository:a:pull,push,delete")
	im := newTestImage("token", "")
	for _, b := range append([][]byte{im.config}, im.layers...) {
		if res := authCall(t, reg, "POST", "/v2/a/blobs/uploads/?digest="+digest.FromBytes(b).String(), "Bearer "+push, b); res.status != 201 {
			t.Fatalf("push: %d %s", res.status, res.body)
		}
	}
	if res := authCall(t, reg, "PUT", "/v2/a/manifests/v1", "Bearer "+push, im.manifest); res.status != 201 {
		t.Fatalf("push: %d %s", res.status, res.body)
	}

	pullA, res := tokenFor(t, reg, alice, "repository:a:pull")
	var body map[string]any
	_ = json.Unmarshal(res.body, &body)
	if body["expires_in"] != float64(DefaultTokenTTL/time.Second) || body["token"] != body["access_token"] || body["issued_at"] == nil || body["refresh_token"] != nil {
		t.Fatalf("token response %s", res.body)
	}
	readerPush, _ := tokenFor(t, reg, basic("reader", "r3ad"), "repository:a:pull,push")
	anonymous, _ := tokenFor(t, reg, "", "repository:a:pull")
	catalog, _ := tokenFor(t, reg, alice, "registry:catalog:*", "repository:a:pull:extra", "bad scope")

	// A token signed by another registry, with the same claims.
	other := New(Options{Auth: Auth{Mode: AuthToken, Users: testUsers}})
	foreign, _ := tokenFor(t, other, alice, "repository:a:pull")
	// The claims of a pull token, changed to grant push, keeping the
	// signature.
	head, sig, _ := strings.Cut(pullA, ".")
	claims, _ := base64.RawURLEncoding.DecodeString(head)
	forged := base64.RawURLEncoding.EncodeToString(bytes.Replace(claims, []byte(`:pull"`), []byte(`:pull,push"`), 1)) + "." + sig

	const realm = "http://registry.test/token"
	challenge := func(scope, errParam string) string {
		c := `Bearer realm="` + realm + `",service="registrytest"`
		if scope != "" {
			c += `,scope="` + scope + `"`
		}
		if errParam != "" {
			c += `,error="` + errParam + `"`
		}
		return c
	}
	manifest := "/v2/a/manifests/v1"
	for _, tt := range []struct {
		name, method, path, authorization string
		status                            int
		challenge                         string
	}{
		{"base without credentials", "GET", "/v2/", "", 401, challenge("", "")},
		{"base with a token", "GET", "/v2/", "Bearer " + pullA, 200, ""},
		{"base with an anonymous token", "GET", "/v2/", "Bearer " + anonymous, 200, ""},
		{"base with Basic", "GET", "/v2/", alice, 401, challenge("", "")},
		{"pull", "GET", manifest, "Bearer " + pullA, 200, ""},
		{"pull without a token", "GET", manifest, "", 401, challenge("repository:a:pull", "")},
		{"push with a pull token", "POST", "/v2/a/blobs/uploads/", "Bearer " + pullA, 401, challenge("repository:a:pull,push", "insufficient_scope")},
		{"another repository", "GET", "/v2/b/manifests/v1", "Bearer " + pullA, 401, challenge("repository:b:pull", "insufficient_scope")},
		{"pull-only user's push token", "POST", "/v2/a/blobs/uploads/", "Bearer " + readerPush, 401, challenge("repository:a:pull,push", "insufficient_scope")},
		{"pull-only user's pull", "GET", manifest, "Bearer " + readerPush, 200, ""},
		{"anonymous token without anonymous pull", "GET", manifest, "Bearer " + anonymous, 401, challenge("repository:a:pull", "insufficient_scope")},
		{"catalog", "GET", "/v2/_catalog", "Bearer " + catalog, 200, ""},
		{"catalog with a repository token", "GET", "/v2/_catalog", "Bearer " + pullA, 401, challenge("registry:catalog:*", "insufficient_scope")},
		{"forged claims", "GET", manifest, "Bearer " + forged, 401, challenge("repository:a:pull", "invalid_token")},
		{"another registry's token", "GET", manifest, "Bearer " + foreign, 401, challenge("repository:a:pull", "invalid_token")},
		{"truncated token", "GET", manifest, "Bearer " + pullA[:len(pullA)-5], 401, challenge("repository:a:pull", "invalid_token")},
		{"token without signature", "GET", manifest, "Bearer " + head, 401, challenge("repository:a:pull", "invalid_token")},
		{"garbage", "GET", manifest, "Bearer ...", 401, challenge("repository:a:pull", "invalid_token")},
		{"mount needs pull on the source", "POST", "/v2/c/blobs/uploads/?mount=" + digest.FromBytes(im.config).String() + "&from=a", "Bearer " + push, 401,
			challenge("repository:a:pull repository:c:pull,push", "insufficient_scope")},
	} {
		res := authCall(t, reg, tt.method, tt.path, tt.authorization, nil)
		if res.status != tt.status || res.header.Get("WWW-Authenticate") != tt.challenge {
			t.Errorf("%s: %d %q, want %d %q: %s", tt.name, res.status, res.header.Get("WWW-Authenticate"), tt.status, tt.challenge, res.body)
			continue
		}
		if res.status == 401 {
			if code := errorCode(t, res); code != "UNAUTHORIZED" {
				t.Errorf("%s: code %s", tt.name, code)
			}
		}
	}
	// A token's grant leaves out what the account may not have and what
	// does not parse.
	var granted []string
	for _, s := range scopesOfToken(t, catalog) {
		granted = append(granted, s.String())
	}
	if strings.Join(granted, " ") != "registry:catalog:*" {
		t.Errorf("granted %q", granted)
	}
	// Tokens expire.
	clock.advance(DefaultTokenTTL)
	res = authCall(t, reg, "GET", manifest, "Bearer "+pullA, nil)
	if res.status != 401 || res.header.Get("WWW-Authenticate") != challenge("repository:a:pull", "invalid_token") {
		t.Errorf("expired token: %d %q", res.status, res.header.Get("WWW-Authenticate"))
	}
}

// scopesOfToken reads the access a token of the registry grants.
func scopesOfToken(t *testing.T, token string) []auth.Scope {
	t.Helper()
	head, _, _ := strings.Cut(token, ".")
	payload, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		t.Fatal(err)
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		t.Fatal(err)
	}
	return scopesOf(c)
}

func TestTokenEndpoint(t *testing.T) {
	var logged bytes.Buffer
	reg := New(Options{Auth: Auth{Mode: AuthToken, Users: testUsers, AnonymousPull: true, TokenTTL: 30 * time.Second}, Logger: log.New(&logged, "", 0)})
	alice := basic("alice", "s3cret")
	post := func(form url.Values, authorization string) result {
		header := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
		if authorization != "" {
			header["Authorization"] = authorization
		}
		return serve(t, reg, "POST", "/token", header, []byte(form.Encode()))
	}
	for _, tt := range []struct {
		name   string
		res    result
		status int
	}{
		{"bad password", authCall(t, reg, "GET", "/token?scope=repository:a:pull", basic("alice", "nope"), nil), 401},
		{"unknown user", authCall(t, reg, "GET", "/token", basic("mallory", "x"), nil), 401},
		{"anonymous", authCall(t, reg, "GET", "/token?scope=repository:a:pull,push", "", nil), 200},
		{"malformed query", authCall(t, reg, "GET", "/token?scope=%zz", "", nil), 400},
		{"PUT", authCall(t, reg, "PUT", "/token", "", nil), 405},
		{"password grant", post(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"s3cret"}, "scope": {"repository:a:pull,push"}, "client_id": {"t"}, "service": {"registrytest"}}, ""), 200},
		{"password grant without username", post(url.Values{"grant_type": {"password"}, "password": {"s3cret"}, "client_id": {"t"}}, ""), 400},
		{"password grant, wrong password", post(url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"guess"}, "client_id": {"t"}}, ""), 401},
		{"refresh grant, forged", post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {"abc.def"}, "client_id": {"t"}}, ""), 401},
		{"unknown grant", post(url.Values{"grant_type": {"magic"}, "client_id": {"t"}}, ""), 400},
	} {
		if tt.res.status != tt.status {
			t.Errorf("%s: %d, want %d: %s", tt.name, tt.res.status, tt.status, tt.res.body)
		}
	}
	// The anonymous token of an anonymous-pull registry grants pull only.
	anonymous, _ := tokenFor(t, reg, "", "repository:a:pull,push")
	if got := scopesOfToken(t, anonymous); len(got) != 1 || got[0].String() != "repository:a:pull" {
		t.Errorf("anonymous grant %v", got)
	}
	// expires_in tells the true lifetime, below the 60 seconds clients
	// raise it to.
	_, res := tokenFor(t, reg, alice, "repository:a:pull")
	if !bytes.Contains(res.body, []byte(`"expires_in":30`)) {
		t.Errorf("token response %s", res.body)
	}

	// An offline GET brings a refresh token, which the POST grant trades
	// for access tokens without the password.
	res = authCall(t, reg, "GET", "/token?offline_token=true&client_id=test&scope=repository:a:pull", alice, nil)
	var tok auth.Token
	if err := json.Unmarshal(res.body, &tok); err != nil || tok.RefreshToken == "" {
		t.Fatalf("offline token response %s: %v", res.body, err)
	}
	res = post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok.RefreshToken}, "client_id": {"t"}, "scope": {"repository:a:push"}}, "")
	var refreshed auth.Token
	if err := json.Unmarshal(res.body, &refreshed); res.status != 200 || err != nil || refreshed.Scope != "repository:a:push" {
		t.Fatalf("refresh grant: %d %s", res.status, res.body)
	}
	// An access token is no refresh token, nor the other way round.
	if res := post(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshed.Token}, "client_id": {"t"}}, ""); res.status != 401 {
		t.Errorf("an access token used as a refresh token: %d", res.status)
	}
	if res := authCall(t, reg, "GET", "/v2/", "Bearer "+tok.RefreshToken, nil); res.status != 401 {
		t.Errorf("a refresh token used as an access token: %d", res.status)
	}
	if strings.Contains(logged.String(), "s3cret") || strings.Contains(logged.String(), "guess") {
		t.Errorf("a password was logged:\n%s", logged.String())
	}
}

// TestTokenRealmBehindProxy checks that the realm of the challenge is built
// as Location headers are: from the trusted proxy's forwarding headers.
func TestTokenRealmBehindProxy(t *testing.T) {
	reg := New(Options{Auth: Auth{Mode: AuthToken, Users: testUsers}, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	req := httptest.NewRequest("GET", "http://internal:5000/v2/", nil)
	req.RemoteAddr = "192.0.2.1:1234"
	req.Header.Set("X-Forwarded-Proto", "https")
	req.Header.Set("X-Forwarded-Host", "registry.example.com")
	rec := httptest.NewRecorder()
	reg.ServeHTTP(rec, req)
	if got := rec.Header().Get("WWW-Authenticate"); got != `Bearer realm="https://registry.example.com/token",service="registrytest"` {
		t.Fatalf("challenge %q", got)
	}
}

// TestFaultsAfterAuthentication checks that a fault fires only on requests
// that passed authentication.
func TestFaultsAfterAuthentication(t *testing.T) {
	reg := New(Options{Auth: Auth{Mode: AuthBasic, Users: testUsers}})
	if err := reg.InjectFault("GET end-1 status=503"); err != nil {
		t.Fatal(err)
	}
	if res := authCall(t, reg, "GET", "/v2/", "", nil); res.status != 401 {
		t.Fatalf("without credentials: %d", res.status)
	}
	if f := reg.Faults()[0]; f.Fired != 0 {
		t.Fatalf("the fault fired on a request that failed authentication")
	}
	if res := authCall(t, reg, "GET", "/v2/", basic("alice", "s3cret"), nil); res.status != 503 {
		t.Fatalf("with credentials: %d", res.status)
	}
}

// TestTransportLogsIn pushes and pulls through auth.NewTransport against the
// registry in both modes, with the credentials of a user, and checks that a
// pull-only user is refused a push.
func TestTransportLogsIn(t *testing.T) {
	for _, mode := range []AuthMode{AuthBasic, AuthToken} {
		srv := NewServer(Options{Auth: Auth{Mode: mode, Users: testUsers}})
		defer srv.Close()
		client := func(user, pass string) *client {
			c := newClient(srv, 2)
			c.hc.Transport = auth.NewTransport(c.hc.Transport, func(context.Context, string) (string, string, error) { return user, pass, nil })
			return c
		}
		alice := client("alice", "s3cret")
		im := newTestImage("transport", "")
		for _, b := range append([][]byte{im.config}, im.layers...) {
			if _, err := alice.pushChunked("t", b, 2); err != nil {
				t.Fatalf("mode %d: %v", mode, err)
			}
		}
		if _, err := alice.expect("PUT", "/v2/t/manifests/v1", map[string]string{"Content-Type": ociManifest}, im.manifest, 201, ""); err != nil {
			t.Fatalf("mode %d: %v", mode, err)
		}
		reader := client("reader", "r3ad")
		if err := reader.checkManifest("t", "v1", im.digest, im.manifest); err != nil {
			t.Fatalf("mode %d: %v", mode, err)
		}
		want := 401
		if mode == AuthBasic {
			want = 403
		}
		res, err := reader.raw("POST", "/v2/t/blobs/uploads/", nil, nil)
		if err != nil || res.status != want {
			t.Fatalf("mode %d: a pull-only user's push: %d %v", mode, res.status, err)
		}
	}
}

// TestTokenRequestSlowBodyCut sends a token POST that announces a body and
// stalls: the registry stops waiting after BodyTimeout.
func TestTokenRequestSlowBodyCut(t *testing.T) {
	srv := NewServer(Options{Auth: Auth{Mode: AuthToken, Users: testUsers}, BodyTimeout: 200 * time.Millisecond})
	defer srv.Close()
	conn := rawRequest(t, srv, "POST", "/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Content-Length": "1000"}, []byte("grant_type=pass"))
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	buf := make([]byte, 512)
	n, err := conn.Read(buf)
	if err != nil && strings.Contains(err.Error(), "timeout") {
		t.Fatal("the registry kept waiting for a stalled token request")
	}
	if n > 0 && !strings.HasPrefix(string(buf[:n]), "HTTP/1.1 4") {
		t.Fatalf("answer %q", buf[:n])
	}
}

// TestTokenWithinVerifiedLength checks that the token server issues only
// tokens the registry accepts: a grant whose token would be too long is
// refused with 400, and every token issued works.
func TestTokenWithinVerifiedLength(t *testing.T) {
	reg := New(Options{Auth: Auth{Mode: AuthToken, Users: testUsers}})
	alice := basic("alice", "s3cret")
	for _, tt := range []struct {
		name    string
		scopes  int
		nameLen int
		status  int
	}{
		{"few scopes", 10, 60, 200},
		{"the most scopes, short names", 1000, 4, 200},
		{"the most scopes, long names", 1000, 60, 400},
	} {
		var scopes []string
		for i := 0; i < tt.scopes; i++ {
			name := fmt.Sprintf("r%0*d", tt.nameLen-1, i)
			scopes = append(scopes, "repository:"+name+":pull,push,delete")
		}
		token, res := tokenFor(t, reg, alice, scopes...)
		if res.status != tt.status {
			t.Errorf("%s: status %d, want %d: %.200s", tt.name, res.status, tt.status, res.body)
			continue
		}
		if res.status != 200 {
			if !bytes.Contains(res.body, []byte("ask for fewer scopes")) {
				t.Errorf("%s: refusal %.200s", tt.name, res.body)
			}
			continue
		}
		if len(token) > maxTokenLength {
			t.Errorf("%s: a token of %d bytes was issued", tt.name, len(token))
		}
		if res := authCall(t, reg, "GET", "/v2/", "Bearer "+token, nil); res.status != 200 {
			t.Errorf("%s: the registry refused its own token of %d bytes: %d %s", tt.name, len(token), res.status, res.header.Get("WWW-Authenticate"))
		}
	}
}

// TestPasswordCheckCostsOneHash checks that a password is checked against
// hashes computed when the registry is made: checking one costs as much
// with many users as with one, each password being longer than a
// conversion to bytes can keep off the heap.
func TestPasswordCheckCostsOneHash(t *testing.T) {
	password := strings.Repeat("p", 100)
	allocs := func(users int) float64 {
		var list []User
		for i := 0; i < users; i++ {
			list = append(list, User{Name: fmt.Sprintf("u%d", i), Password: password + fmt.Sprint(i)})
		}
		a := newAuthenticator(Auth{Mode: AuthBasic, Users: list}, time.Now)
		if u := a.user("u0", password+"0"); u == nil || u.Name != "u0" {
			t.Fatalf("%d users: u0 not found", users)
		}
		return testing.AllocsPerRun(100, func() { a.user("u0", password+"0") })
	}
	if one, many := allocs(1), allocs(50); one != many {
		t.Errorf("checking a password allocates %v times with one user, %v with 50", one, many)
	}
}

// TestTokenResponseFields checks the fields of the token server's answer:
// the token under both names, and scope only for the POST grants, even
// when nothing was granted.
func TestTokenResponseFields(t *testing.T) {
	reg := New(Options{Auth: Auth{Mode: AuthToken, Users: testUsers}})
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	for _, tt := range []struct {
		name string
		res  result
		want []string
	}{
		{"GET", authCall(t, reg, "GET", "/token?scope=repository:a:pull", basic("alice", "s3cret"), nil),
			[]string{"access_token", "expires_in", "issued_at", "token"}},
		{"GET offline", authCall(t, reg, "GET", "/token?offline_token=true", basic("alice", "s3cret"), nil),
			[]string{"access_token", "expires_in", "issued_at", "refresh_token", "token"}},
		{"POST, nothing granted", serve(t, reg, "POST", "/token", form, []byte("grant_type=password&username=alice&password=s3cret&scope=repository:a:nothing")),
			[]string{"access_token", "expires_in", "issued_at", "scope", "token"}},
	} {
		var got map[string]any
		if err := json.Unmarshal(tt.res.body, &got); err != nil || tt.res.status != 200 {
			t.Fatalf("%s: %d %s", tt.name, tt.res.status, tt.res.body)
		}
		var keys []string
		for k := range got {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if !slices.Equal(keys, tt.want) || got["token"] != got["access_token"] {
			t.Errorf("%s: %s, want the fields %q", tt.name, tt.res.body, tt.want)
		}
	}
}
