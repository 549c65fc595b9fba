package auth

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestTokenUnmarshal(t *testing.T) {
	at := time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name    string
		in      string
		want    Token
		wantErr bool
	}{
		{name: "Docker Hub", in: `{"expires_in":300,"issued_at":"2026-01-02T15:04:05Z","token":"abc"}`,
			want: Token{Token: "abc", ExpiresIn: 300, IssuedAt: at}},
		{name: "both names, equal", in: `{"token":"abc","access_token":"abc","expires_in":120}`,
			want: Token{Token: "abc", ExpiresIn: 120}},
		{name: "both names, different: access_token wins", in: `{"token":"old","access_token":"new"}`,
			want: Token{Token: "new", ExpiresIn: 60}},
		{name: "access_token only, with an empty token", in: `{"token":"","access_token":"new"}`,
			want: Token{Token: "new", ExpiresIn: 60}},
		{name: "token only, with an empty access_token", in: `{"token":"abc","access_token":""}`,
			want: Token{Token: "abc", ExpiresIn: 60}},
		{name: "POST response", in: `{"access_token":"abc","scope":"repository:a:pull","expires_in":900,"refresh_token":"r"}`,
			want: Token{Token: "abc", ExpiresIn: 900, Scope: "repository:a:pull", RefreshToken: "r"}},
		{name: "GHCR without expires_in", in: `{"token":"abc"}`, want: Token{Token: "abc", ExpiresIn: 60}},
		{name: "expires_in null", in: `{"token":"abc","expires_in":null}`, want: Token{Token: "abc", ExpiresIn: 60}},
		{name: "expires_in zero", in: `{"token":"abc","expires_in":0}`, want: Token{Token: "abc", ExpiresIn: 60}},
		{name: "expires_in below 60", in: `{"token":"abc","expires_in":30}`, want: Token{Token: "abc", ExpiresIn: 60}},
		{name: "expires_in negative", in: `{"token":"abc","expires_in":-5}`, want: Token{Token: "abc", ExpiresIn: 60}},
		{name: "expires_in 61", in: `{"token":"abc","expires_in":61}`, want: Token{Token: "abc", ExpiresIn: 61}},
		{name: "fractional expires_in", in: `{"token":"abc","expires_in":300.9}`, want: Token{Token: "abc", ExpiresIn: 300}},
		{name: "huge expires_in", in: `{"token":"abc","expires_in":1e15}`, want: Token{Token: "abc", ExpiresIn: math.MaxInt32}},
		{name: "issued_at with a fraction and a zone", in: `{"token":"abc","issued_at":"2026-01-02T17:04:05.25+02:00"}`,
			want: Token{Token: "abc", ExpiresIn: 60, IssuedAt: at.Add(250 * time.Millisecond)}},
		{name: "unknown fields", in: `{"token":"abc","details":"x","access":[]}`, want: Token{Token: "abc", ExpiresIn: 60}},

		{name: "no token", in: `{"expires_in":300}`, wantErr: true},
		{name: "empty tokens", in: `{"token":"","access_token":""}`, wantErr: true},
		{name: "null", in: `null`, wantErr: true},
		{name: "not an object", in: `["abc"]`, wantErr: true},
		{name: "not JSON", in: `token=abc`, wantErr: true},
		{name: "token not a string", in: `{"token":5}`, wantErr: true},
		{name: "expires_in a string", in: `{"token":"abc","expires_in":"300"}`, wantErr: true},
		{name: "expires_in out of range", in: `{"token":"abc","expires_in":1e400}`, wantErr: true},
		{name: "issued_at not RFC 3339", in: `{"token":"abc","issued_at":"2026-01-02 15:04:05"}`, wantErr: true},
		{name: "issued_at a number", in: `{"token":"abc","issued_at":1767366245}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got Token
			err := json.Unmarshal([]byte(tt.in), &got)
			if tt.wantErr {
				if err == nil {
					t.Errorf("decoded %#v, want an error", got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !got.IssuedAt.Equal(tt.want.IssuedAt) {
				t.Errorf("IssuedAt = %v, want %v", got.IssuedAt, tt.want.IssuedAt)
			}
			got.IssuedAt, tt.want.IssuedAt = time.Time{}, time.Time{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}
}

func TestTokenMarshal(t *testing.T) {
	tests := []struct {
		tok  Token
		want string
	}{
		{Token{Token: "abc", ExpiresIn: 300, IssuedAt: time.Date(2026, 1, 2, 17, 4, 5, 0, time.FixedZone("x", 7200))},
			`{"token":"abc","access_token":"abc","expires_in":300,"issued_at":"2026-01-02T15:04:05Z"}`},
		{Token{Token: "abc"}, `{"token":"abc","access_token":"abc","expires_in":60}`},
		{Token{Token: "abc", ExpiresIn: 10, RefreshToken: "r", Scope: "repository:a:pull"},
			`{"token":"abc","access_token":"abc","expires_in":60,"refresh_token":"r","scope":"repository:a:pull"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.tok)
		if err != nil {
			t.Fatal(err)
		}
		if string(b) != tt.want {
			t.Errorf("Marshal(%#v) = %s, want %s", tt.tok, b, tt.want)
		}
		var back Token
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatal(err)
		}
		want := tt.tok
		want.ExpiresIn = max(want.ExpiresIn, 60)
		if !back.IssuedAt.Equal(want.IssuedAt) {
			t.Errorf("IssuedAt %v came back as %v", want.IssuedAt, back.IssuedAt)
		}
		back.IssuedAt, want.IssuedAt = time.Time{}, time.Time{}
		if !reflect.DeepEqual(back, want) {
			t.Errorf("%s decodes to %#v, want %#v", b, back, want)
		}
	}
}

func tokenRequest(method, target, body string, header ...string) *http.Request {
	var r *http.Request
	if body != "" {
		r = httptest.NewRequest(method, target, strings.NewReader(body))
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return r
}

const form = "application/x-www-form-urlencoded"

func TestParseTokenRequest(t *testing.T) {
	alice := "Basic YWxpY2U6c2VjcmV0" // alice:secret
	tests := []struct {
		name string
		req  *http.Request
		want TokenRequest
	}{
		{"anonymous GET", tokenRequest("GET", "/token?service=reg&scope=repository:a:pull", ""),
			TokenRequest{Service: "reg", Scopes: scopesOf("repository:a:pull")}},
		{"GET with Basic and account", tokenRequest("GET", "/token?account=alice&service=reg&scope=repository:a:pull&scope=repository:b:pull,push", "", "Authorization", alice),
			TokenRequest{Service: "reg", Account: "alice", Username: "alice", Password: "secret", Scopes: scopesOf("repository:a:pull", "repository:b:pull,push")}},
		{"GET with space-joined scopes in one value", tokenRequest("GET", "/token?scope=repository:a:pull%20repository:b:push", ""),
			TokenRequest{Scopes: scopesOf("repository:a:pull", "repository:b:push")}},
		{"GET with plus for space", tokenRequest("GET", "/token?scope=repository:a:pull+registry:catalog:*", ""),
			TokenRequest{Scopes: scopesOf("repository:a:pull", "registry:catalog:*")}},
		{"GET with bad scopes", tokenRequest("GET", "/token?scope=repository:a:pull%20bad&scope=repository:UP:pull&scope=", ""),
			TokenRequest{Scopes: scopesOf("repository:a:pull"), InvalidScopes: []string{"bad", "repository:UP:pull"}}},
		{"GET for a login", tokenRequest("GET", "/token?account=alice&client_id=docker&offline_token=true&service=reg", "", "Authorization", alice),
			TokenRequest{Service: "reg", Account: "alice", ClientID: "docker", Offline: true, Username: "alice", Password: "secret"}},
		{"GET offline_token=false", tokenRequest("GET", "/token?offline_token=false", ""), TokenRequest{}},
		{"GET ignores a body and POST fields", tokenRequest("GET", "/token?grant_type=password&username=bob&refresh_token=r", "grant_type=x"), TokenRequest{}},
		{"GET with a Bearer header is anonymous", tokenRequest("GET", "/token", "", "Authorization", "Bearer abc"), TokenRequest{}},
		{"GET with a lower-case basic scheme", tokenRequest("GET", "/token", "", "Authorization", "basic YWxpY2U6c2VjcmV0"),
			TokenRequest{Username: "alice", Password: "secret"}},
		{"password grant", tokenRequest("POST", "/token", "grant_type=password&service=reg&client_id=c&username=alice&password=secret&scope=repository%3Aa%3Apull+repository%3Ab%3Apush&access_type=offline", "Content-Type", form),
			TokenRequest{GrantType: "password", Service: "reg", ClientID: "c", Username: "alice", Password: "secret", Offline: true, Scopes: scopesOf("repository:a:pull", "repository:b:push")}},
		{"password grant with Basic credentials only", tokenRequest("POST", "/token", "grant_type=password&service=reg", "Content-Type", form, "Authorization", alice),
			TokenRequest{GrantType: "password", Service: "reg", Username: "alice", Password: "secret"}},
		{"password grant with the same credentials twice", tokenRequest("POST", "/token", "grant_type=password&username=alice&password=secret", "Content-Type", form+"; charset=utf-8", "Authorization", alice),
			TokenRequest{GrantType: "password", Username: "alice", Password: "secret"}},
		{"refresh grant", tokenRequest("POST", "/token", "grant_type=refresh_token&refresh_token=r1&service=reg&client_id=c&scope=repository%3Aa%3Apull", "Content-Type", form),
			TokenRequest{GrantType: "refresh_token", RefreshToken: "r1", Service: "reg", ClientID: "c", Scopes: scopesOf("repository:a:pull")}},
		{"POST ignores account and offline_token", tokenRequest("POST", "/token", "grant_type=refresh_token&refresh_token=r1&account=bob&offline_token=true&access_type=online", "Content-Type", form),
			TokenRequest{GrantType: "refresh_token", RefreshToken: "r1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTokenRequest(tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %#v\nwant %#v", got, tt.want)
			}
		})
	}
}

func scopesOf(ss ...string) []Scope {
	var out []Scope
	for _, s := range ss {
		sc, err := ParseScope(s)
		if err != nil {
			panic(err)
		}
		out = append(out, sc)
	}
	return out
}

func TestParseTokenRequestRefuses(t *testing.T) {
	alice := "Basic YWxpY2U6c2VjcmV0"
	manyScopes := strings.Repeat("scope=repository:a:pull&", 1001)
	tests := []struct {
		name   string
		req    *http.Request
		status int
	}{
		{"PUT", tokenRequest("PUT", "/token", ""), 405},
		{"HEAD", tokenRequest("HEAD", "/token", ""), 405},
		{"bad query escape", tokenRequest("GET", "/token?scope=%zz", ""), 400},
		{"semicolon in the query", tokenRequest("GET", "/token?service=a;b", ""), 400},
		{"repeated service", tokenRequest("GET", "/token?service=a&service=b", ""), 400},
		{"repeated account", tokenRequest("GET", "/token?account=a&account=a", ""), 400},
		{"repeated client_id", tokenRequest("GET", "/token?client_id=a&client_id=b", ""), 400},
		{"bad offline_token", tokenRequest("GET", "/token?offline_token=yes", ""), 400},
		{"too many scopes", tokenRequest("GET", "/token?"+manyScopes, ""), 400},
		{"too many scopes in one value", tokenRequest("GET", "/token?scope="+strings.Repeat("x+", 1001), ""), 400},
		{"malformed Basic", tokenRequest("GET", "/token", "", "Authorization", "Basic !!!"), 400},
		{"Basic without a colon", tokenRequest("GET", "/token", "", "Authorization", "Basic YWxpY2U="), 400},
		{"Basic without a user name", tokenRequest("GET", "/token", "", "Authorization", "Basic OnNlY3JldA=="), 400},
		{"two Authorization headers", tokenRequest("GET", "/token", "", "Authorization", alice, "Authorization", alice), 400},
		{"POST without a content type", tokenRequest("POST", "/token", "grant_type=password&username=a"), 415},
		{"POST with JSON", tokenRequest("POST", "/token", `{"grant_type":"password"}`, "Content-Type", "application/json"), 415},
		{"POST without grant_type", tokenRequest("POST", "/token", "username=a&password=b", "Content-Type", form), 400},
		{"POST with an unknown grant", tokenRequest("POST", "/token", "grant_type=client_credentials", "Content-Type", form), 400},
		{"POST with a repeated grant", tokenRequest("POST", "/token", "grant_type=password&grant_type=refresh_token&username=a", "Content-Type", form), 400},
		{"password grant without a username", tokenRequest("POST", "/token", "grant_type=password&password=b", "Content-Type", form), 400},
		{"password grant with an empty username", tokenRequest("POST", "/token", "grant_type=password&username=&password=b", "Content-Type", form, "Authorization", alice), 400},
		{"password grant with two usernames", tokenRequest("POST", "/token", "grant_type=password&username=a&username=b", "Content-Type", form), 400},
		{"password grant disagreeing with Basic", tokenRequest("POST", "/token", "grant_type=password&username=bob&password=x", "Content-Type", form, "Authorization", alice), 400},
		{"refresh grant without a token", tokenRequest("POST", "/token", "grant_type=refresh_token", "Content-Type", form), 400},
		{"refresh grant with two tokens", tokenRequest("POST", "/token", "grant_type=refresh_token&refresh_token=a&refresh_token=b", "Content-Type", form), 400},
		{"bad form escape", tokenRequest("POST", "/token", "grant_type=password&username=%zz", "Content-Type", form), 400},
		{"body over the limit", tokenRequest("POST", "/token", "grant_type=password&username=a&password="+strings.Repeat("x", MaxTokenRequestBody), "Content-Type", form), 413},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseTokenRequest(tt.req)
			var te *TokenRequestError
			if !errors.As(err, &te) {
				t.Fatalf("got %#v, %v; want a *TokenRequestError", got, err)
			}
			if te.StatusCode != tt.status {
				t.Errorf("status %d (%v), want %d", te.StatusCode, err, tt.status)
			}
		})
	}
}

// A body sent without a length is still cut off at the limit, after
// reading no more than one byte beyond it.
func TestParseTokenRequestBoundsUnframedBody(t *testing.T) {
	counter := &countingReader{}
	r := httptest.NewRequest("POST", "/token", counter)
	r.ContentLength = -1
	r.Header.Set("Content-Type", form)
	_, err := ParseTokenRequest(r)
	var te *TokenRequestError
	if !errors.As(err, &te) || te.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("err = %v, want 413", err)
	}
	if counter.n > MaxTokenRequestBody+1 {
		t.Errorf("read %d bytes of an endless body", counter.n)
	}
}

// countingReader is an endless body of "a" that counts what is read.
type countingReader struct{ n int }

func (c *countingReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	c.n += len(p)
	return len(p), nil
}

// allocatedBytes returns how many bytes f allocates, from the heap
// statistics; tests of this package do not run in parallel, so nothing
// else allocates much meanwhile.
func allocatedBytes(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// A long scope list is refused after cutting its first entries past the
// limit, not after splitting all of it: memory stays near the size of the
// query, which the query parser copies. (A query of as many separate scope
// parameters is parsed whole by net/url before the count can be checked.)
func TestParseTokenRequestBoundsScopeMemory(t *testing.T) {
	const size = 800 << 10
	query := "scope=" + strings.Repeat("a+", size/2)
	r := tokenRequest("GET", "/token?"+query, "")
	var err error
	n := allocatedBytes(func() { _, err = ParseTokenRequest(r) })
	var te *TokenRequestError
	if !errors.As(err, &te) || te.StatusCode != http.StatusBadRequest {
		t.Fatalf("got %v, want a 400 *TokenRequestError", err)
	}
	// Splitting all 400k entries took 36 MB; the query's own copies take
	// about twice its size.
	if limit := uint64(4 * len(query)); n > limit {
		t.Errorf("refusing a %d-byte query allocated %d bytes, want at most %d", len(query), n, limit)
	}
}
