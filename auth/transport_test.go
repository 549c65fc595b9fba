package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regapi/regapi/errcode"
)

// clock is a time source the tests move by hand.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// newTestTransport returns the transport with its clock replaced.
func newTestTransport(base http.RoundTripper, creds func(context.Context, string) (string, string, error), c *clock) *transport {
	tr := NewTransport(base, creds).(*transport)
	if c != nil {
		tr.now = c.Now
	}
	return tr
}

// credsFor returns credentials for one host only.
func credsFor(host, user, pass string) func(context.Context, string) (string, string, error) {
	return func(_ context.Context, h string) (string, string, error) {
		if h == host {
			return user, pass, nil
		}
		return "", "", nil
	}
}

// recorder counts requests and keeps what they carried.
type recorder struct {
	mu    sync.Mutex
	auths []string // Authorization of each request
	urls  []*url.URL
	body  []string
}

func (r *recorder) record(req *http.Request) {
	b, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.auths = append(r.auths, req.Header.Get("Authorization"))
	r.urls = append(r.urls, req.URL)
	r.body = append(r.body, string(b))
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.auths)
}

func (r *recorder) last() (auth string, u *url.URL, body string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := len(r.auths) - 1
	return r.auths[n], r.urls[n], r.body[n]
}

// basicRegistry answers 401 with a Basic challenge unless the request
// carries alice's credentials.
func basicRegistry(rec *recorder) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "secret" {
			w.Header().Add("WWW-Authenticate", `Basic realm="test registry"`)
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		io.WriteString(w, "ok")
	}))
}

func get(t *testing.T, rt http.RoundTripper, u string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func TestTransportBasic(t *testing.T) {
	rec := &recorder{}
	srv := basicRegistry(rec)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tr := NewTransport(nil, credsFor(host, "alice", "secret"))

	// The first request meets the challenge and is repeated with Basic.
	if resp := get(t, tr, srv.URL+"/v2/a/manifests/latest"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if rec.count() != 2 || rec.auths[0] != "" || !strings.HasPrefix(rec.auths[1], "Basic ") {
		t.Fatalf("requests carried %q, want none then Basic", rec.auths)
	}
	// Later requests carry the credentials from the start.
	if resp := get(t, tr, srv.URL+"/v2/b/tags/list"); resp.StatusCode != 200 || rec.count() != 3 {
		t.Fatalf("status %d after %d requests, want 200 after 3", resp.StatusCode, rec.count())
	}
	// So a streamed body, which cannot be replayed, goes through at once.
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/v2/a/manifests/latest", io.NopCloser(strings.NewReader("streamed")))
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("streamed PUT: %v, %v", resp, err)
	}
	resp.Body.Close()
	if _, _, body := rec.last(); body != "streamed" || rec.count() != 4 {
		t.Errorf("the registry got %q in request %d", body, rec.count())
	}
}

func TestTransportBasicReplaysBodies(t *testing.T) {
	rec := &recorder{}
	srv := basicRegistry(rec)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")

	// A body with GetBody is sent again after the challenge.
	tr := NewTransport(nil, credsFor(host, "alice", "secret"))
	req, _ := http.NewRequest(http.MethodPut, srv.URL+"/v2/a/manifests/latest", strings.NewReader(`{"schemaVersion":2}`))
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("PUT: %v, %v", resp, err)
	}
	resp.Body.Close()
	if rec.body[0] != `{"schemaVersion":2}` || rec.body[1] != `{"schemaVersion":2}` {
		t.Errorf("bodies %q, want the manifest twice", rec.body)
	}

	// A body without GetBody is not: the 401 comes back.
	tr = NewTransport(nil, credsFor(host, "alice", "secret"))
	before := rec.count()
	req, _ = http.NewRequest(http.MethodPut, srv.URL+"/v2/a/manifests/latest", io.NopCloser(strings.NewReader("once")))
	resp, err = tr.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "UNAUTHORIZED") || rec.count() != before+1 {
		t.Errorf("status %d, body %q after %d requests; want the registry's 401 after one", resp.StatusCode, body, rec.count()-before)
	}
	// The challenge was learnt all the same.
	if resp := get(t, tr, srv.URL+"/v2/a/manifests/latest"); resp.StatusCode != 200 || rec.count() != before+2 {
		t.Errorf("next request: status %d after %d requests", resp.StatusCode, rec.count()-before)
	}
}

func TestTransportBasicRefused(t *testing.T) {
	rec := &recorder{}
	srv := basicRegistry(rec)
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	// Two calls each: the second starts where the first ended.
	tests := []struct {
		name     string
		creds    func(context.Context, string) (string, string, error)
		requests int
	}{
		// Without, then with the wrong password; then with it from the
		// start, and not again.
		{"wrong password", credsFor(host, "alice", "wrong"), 3},
		// Nothing to answer the challenge with: one request per call.
		{"no credentials", nil, 2},
		{"empty credentials", credsFor(host, "", ""), 2},
		{"credentials for another host only", credsFor("elsewhere:1", "alice", "secret"), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := rec.count()
			tr := NewTransport(nil, tt.creds)
			for i := 0; i < 2; i++ {
				if resp := get(t, tr, srv.URL+"/v2/"); resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status %d", resp.StatusCode)
				}
			}
			if got := rec.count() - before; got != tt.requests {
				t.Errorf("%d requests for two calls, want %d", got, tt.requests)
			}
		})
	}
	failing := func(context.Context, string) (string, string, error) { return "", "", errors.New("keychain locked") }
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/", nil)
	if _, err := NewTransport(nil, failing).RoundTrip(req); err == nil || !strings.Contains(err.Error(), "keychain locked") {
		t.Errorf("err = %v, want the credential helper's", err)
	}
}

// The credentials of a Basic host are asked for when it challenges, not on
// every request: a credential helper may start a process per call. A
// refusal makes the next request ask again, so that changed credentials
// are picked up.
func TestTransportBasicAsksForCredentialsOnce(t *testing.T) {
	rec := &recorder{}
	srv := basicRegistry(rec)
	defer srv.Close()
	tests := []struct {
		name      string
		passwords []string // the answer of each call; the last repeats
		requests  int
		calls     int
		status    int // of the last request
	}{
		{"right from the start", []string{"secret"}, 5, 1, 200},
		{"always wrong", []string{"wrong"}, 3, 3, 401},
		// Refused twice (the first call's answer and its replay's), then
		// the third call gives the right password and it is kept.
		{"changed after a refusal", []string{"wrong", "wrong", "secret"}, 5, 3, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			calls := 0
			creds := func(context.Context, string) (string, string, error) {
				mu.Lock()
				defer mu.Unlock()
				pass := tt.passwords[min(calls, len(tt.passwords)-1)]
				calls++
				return "alice", pass, nil
			}
			tr := NewTransport(nil, creds)
			var status int
			for i := 0; i < tt.requests; i++ {
				status = get(t, tr, srv.URL+"/v2/a/tags/list").StatusCode
			}
			if calls != tt.calls || status != tt.status {
				t.Errorf("%d calls for %d requests, last status %d; want %d calls, status %d", calls, tt.requests, status, tt.calls, tt.status)
			}
		})
	}
}

func TestTransportBasicStaysWithItsHost(t *testing.T) {
	rec, other := &recorder{}, &recorder{}
	srv := basicRegistry(rec)
	defer srv.Close()
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { other.record(r) }))
	defer elsewhere.Close()
	tr := NewTransport(nil, func(context.Context, string) (string, string, error) { return "alice", "secret", nil })
	get(t, tr, srv.URL+"/v2/")
	get(t, tr, elsewhere.URL+"/v2/a/blobs/sha256:abc")
	if auth, _, _ := other.last(); auth != "" {
		t.Errorf("another host got Authorization %q", auth)
	}
}

// authority is a token server and the registry that trusts its tokens,
// written from the token protocol's description.
type authority struct {
	t       *testing.T
	clock   *clock
	service string
	prefix  string // the path the registry is served below

	mu          sync.Mutex
	issued      map[string]grant
	next        int
	expiresIn   int
	owned       map[string]bool     // repositories alice may push to
	extra       map[string][]string // path -> actions needed beyond the rule
	noScope     bool                // challenges omit the scope
	redirectTo  string              // blob GETs redirect here
	tokenURLs   []url.Values
	tokenAuth   []string
	registryLog recorder

	registry *httptest.Server
	realm    string
	tokens   *httptest.Server // the token server of a cross-host realm
}

type grant struct {
	scopes  []Scope
	expires time.Time
}

func newAuthority(t *testing.T) *authority {
	a := &authority{
		t:         t,
		clock:     &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		service:   "test-registry",
		issued:    map[string]grant{},
		expiresIn: 300,
		owned:     map[string]bool{"a": true, "b": true, "team/app": true},
		extra:     map[string][]string{},
	}
	// The realm is on the registry's host and port, as a local registry
	// must have it.
	a.registry = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			a.serveToken(w, r)
			return
		}
		a.serveRegistry(w, r)
	}))
	t.Cleanup(a.registry.Close)
	a.realm = a.registry.URL + "/token"
	return a
}

// authHost is the public name of the token server of a cross-host realm.
const authHost = "auth.example.test"

// crossHost moves the realm to a token server of its own, reached by the
// public name authHost, and returns the base transport that resolves it.
func (a *authority) crossHost() http.RoundTripper {
	a.tokens = httptest.NewServer(http.HandlerFunc(a.serveToken))
	a.t.Cleanup(a.tokens.Close)
	a.realm = "http://" + authHost + "/token"
	addr := strings.TrimPrefix(a.tokens.URL, "http://")
	base := http.DefaultTransport.(*http.Transport).Clone()
	dial := base.DialContext
	base.DialContext = func(ctx context.Context, network, hostport string) (net.Conn, error) {
		if hostport == authHost+":80" {
			hostport = addr
		}
		return dial(ctx, network, hostport)
	}
	return base
}

func (a *authority) host() string { return strings.TrimPrefix(a.registry.URL, "http://") }

func (a *authority) tokenRequests() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.tokenURLs)
}

func (a *authority) serveToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.NotFound(w, r)
		return
	}
	user, pass, hasCreds := r.BasicAuth()
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tokenURLs = append(a.tokenURLs, r.URL.Query())
	a.tokenAuth = append(a.tokenAuth, user)
	if hasCreds && (user != "alice" || pass != "secret") {
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"details":"incorrect username or password"}`)
		return
	}
	var granted []Scope
	for _, v := range r.URL.Query()["scope"] {
		for _, f := range strings.Fields(v) {
			s, err := ParseScope(f)
			if err != nil || s.Type != "repository" {
				continue
			}
			var keep []string
			for _, act := range s.Actions {
				if act == "pull" && s.Name == "public" || hasCreds && a.owned[s.Name] {
					keep = append(keep, act)
				}
			}
			granted = append(granted, Scope{Type: s.Type, Name: s.Name, Actions: keep})
		}
	}
	a.next++
	tok := fmt.Sprintf("token-%d", a.next)
	a.issued[tok] = grant{scopes: granted, expires: a.clock.Now().Add(time.Duration(a.expiresIn) * time.Second)}
	fmt.Fprintf(w, `{"token":%q,"expires_in":%d,"issued_at":%q}`, tok, a.expiresIn, a.clock.Now().Format(time.RFC3339))
}

// routeRE splits an API path into the repository name and the rest.
var routeRE = regexp.MustCompile(`^/v2/(.+)/(manifests|blobs|tags|referrers)/`)

// needs is the registry's rule: nothing for the base, pull for reading,
// pull and push for writing, pull on the source of a mount.
func (a *authority) needs(r *http.Request, path string) map[string][]string {
	need := map[string][]string{}
	m := routeRE.FindStringSubmatch(path)
	if m == nil {
		return need
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		need[m[1]] = []string{"pull"}
	default:
		need[m[1]] = []string{"pull", "push"}
	}
	if from := r.URL.Query().Get("from"); from != "" {
		need[from] = append(need[from], "pull")
	}
	need[m[1]] = append(need[m[1]], a.extra[path]...)
	return need
}

func (a *authority) serveRegistry(w http.ResponseWriter, r *http.Request) {
	a.registryLog.record(r)
	path := strings.TrimPrefix(r.URL.Path, a.prefix)
	need := a.needs(r, path)
	var scope []string
	for name, actions := range need {
		scope = append(scope, "repository:"+name+":"+strings.Join(actions, ","))
	}
	challenge := func(errParam string) {
		c := fmt.Sprintf(`Bearer realm="%s",service="%s"`, a.realm, a.service)
		if len(scope) > 0 && !a.noScope {
			c += fmt.Sprintf(`,scope="%s"`, strings.Join(scope, " "))
		}
		if errParam != "" {
			c += fmt.Sprintf(`,error="%s"`, errParam)
		}
		w.Header().Add("WWW-Authenticate", c)
		w.WriteHeader(http.StatusUnauthorized)
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		challenge("")
		return
	}
	a.mu.Lock()
	g, known := a.issued[tok]
	a.mu.Unlock()
	if !known || !a.clock.Now().Before(g.expires) {
		challenge("invalid_token")
		return
	}
	for name, actions := range need {
		for _, act := range actions {
			found := false
			for _, s := range g.scopes {
				for _, ga := range s.Actions {
					found = found || s.Name == name && ga == act
				}
			}
			if !found {
				challenge("insufficient_scope")
				return
			}
		}
	}
	if a.redirectTo != "" && strings.Contains(path, "/blobs/") {
		http.Redirect(w, r, a.redirectTo, http.StatusTemporaryRedirect)
		return
	}
	io.WriteString(w, "ok")
}

func (a *authority) revokeAll() {
	a.mu.Lock()
	a.issued = map[string]grant{}
	a.mu.Unlock()
}

func TestTransportBearer(t *testing.T) {
	a := newAuthority(t)
	tr := newTestTransport(nil, credsFor(a.host(), "alice", "secret"), a.clock)
	reg := a.registry.URL

	// First contact: a challenge, a token for the challenge's scope, the
	// request again.
	if resp := get(t, tr, reg+"/v2/a/manifests/latest"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := a.registryLog.count(); got != 2 {
		t.Fatalf("%d registry requests, want 2", got)
	}
	q := a.tokenURLs[0]
	if q.Get("service") != "test-registry" || q.Get("account") != "alice" || strings.Join(q["scope"], " ") != "repository:a:pull" || a.tokenAuth[0] != "alice" {
		t.Errorf("token request %v by %q", q, a.tokenAuth[0])
	}
	for _, auth := range a.registryLog.auths {
		if strings.HasPrefix(auth, "Basic") {
			t.Errorf("the registry got Basic credentials: %q", auth)
		}
	}

	// The token is reused for the same scope.
	get(t, tr, reg+"/v2/a/blobs/sha256:"+strings.Repeat("0", 64))
	if a.registryLog.count() != 3 || a.tokenRequests() != 1 {
		t.Errorf("after a second pull: %d registry and %d token requests, want 3 and 1", a.registryLog.count(), a.tokenRequests())
	}

	// A push needs more: a token is fetched before the request is sent,
	// so even a streamed body goes through at once.
	req, _ := http.NewRequest(http.MethodPatch, reg+"/v2/a/blobs/uploads/some-uuid", io.NopCloser(strings.NewReader("chunk")))
	resp, err := tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("streamed PATCH: %v, %v", resp, err)
	}
	resp.Body.Close()
	if a.registryLog.count() != 4 || a.tokenRequests() != 2 {
		t.Errorf("after a push: %d registry and %d token requests, want 4 and 2", a.registryLog.count(), a.tokenRequests())
	}
	if got := strings.Join(a.tokenURLs[1]["scope"], " "); got != "repository:a:pull,push" {
		t.Errorf("push token asked for %q", got)
	}

	// The push token also covers pulls.
	get(t, tr, reg+"/v2/a/tags/list")
	if a.tokenRequests() != 2 {
		t.Errorf("a pull after a push fetched a token")
	}

	// A mount asks for one scope parameter per resource.
	req, _ = http.NewRequest(http.MethodPost, reg+"/v2/b/blobs/uploads/?mount=sha256:"+strings.Repeat("0", 64)+"&from=team/app", nil)
	resp, err = tr.RoundTrip(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("mount: %v, %v", resp, err)
	}
	resp.Body.Close()
	if got := a.tokenURLs[len(a.tokenURLs)-1]["scope"]; strings.Join(got, "|") != "repository:b:pull,push|repository:team/app:pull" {
		t.Errorf("mount token asked for %q", got)
	}

	// The base needs a token without scope.
	tr2 := newTestTransport(nil, nil, a.clock)
	if resp := get(t, tr2, reg+"/v2/"); resp.StatusCode != 200 {
		t.Errorf("anonymous /v2/: status %d", resp.StatusCode)
	}
	if q := a.tokenURLs[len(a.tokenURLs)-1]; q["scope"] != nil || q.Get("account") != "" || a.tokenAuth[len(a.tokenAuth)-1] != "" {
		t.Errorf("anonymous base token request %v by %q", q, a.tokenAuth[len(a.tokenAuth)-1])
	}
}

// Docker Hub's realm is on another host: allowed, and the only other host
// that sees the credentials.
func TestTransportBearerCrossHostRealm(t *testing.T) {
	a := newAuthority(t)
	base := a.crossHost()
	tr := newTestTransport(base, credsFor(a.host(), "alice", "secret"), a.clock)
	if resp := get(t, tr, a.registry.URL+"/v2/a/manifests/latest"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if a.tokenRequests() != 1 || a.tokenAuth[0] != "alice" {
		t.Errorf("token requests %d, by %q", a.tokenRequests(), a.tokenAuth)
	}
}

func TestTransportBearerExpiry(t *testing.T) {
	a := newAuthority(t)
	a.expiresIn = 60
	tr := newTestTransport(nil, credsFor(a.host(), "alice", "secret"), a.clock)
	u := a.registry.URL + "/v2/a/manifests/latest"
	get(t, tr, u)
	a.clock.Advance(50 * time.Second)
	get(t, tr, u)
	if a.tokenRequests() != 1 {
		t.Fatalf("%d token requests within the lifetime", a.tokenRequests())
	}
	// Within 5 seconds of the expiry the token is renewed before use,
	// without a 401.
	a.clock.Advance(6 * time.Second)
	before := a.registryLog.count()
	if resp := get(t, tr, u); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if a.tokenRequests() != 2 || a.registryLog.count() != before+1 {
		t.Errorf("near expiry: %d token requests, %d registry requests; want 2 and 1", a.tokenRequests(), a.registryLog.count()-before)
	}
}

func TestTransportBearerRevoked(t *testing.T) {
	a := newAuthority(t)
	tr := newTestTransport(nil, credsFor(a.host(), "alice", "secret"), a.clock)
	u := a.registry.URL + "/v2/a/manifests/latest"
	get(t, tr, u)
	a.revokeAll()
	before := a.registryLog.count()
	if resp := get(t, tr, u); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := a.registryLog.count() - before; got != 2 || a.tokenRequests() != 2 {
		t.Errorf("after revocation: %d registry requests and %d token requests, want 2 and 2", got, a.tokenRequests())
	}
}

func TestTransportBearerInsufficientScope(t *testing.T) {
	a := newAuthority(t)
	tr := newTestTransport(nil, credsFor(a.host(), "alice", "secret"), a.clock)
	get(t, tr, a.registry.URL+"/v2/a/tags/list")

	// This registry wants more for the manifest than the descriptors say;
	// its insufficient_scope challenge names it and the request is repeated
	// with a token for the union.
	a.extra["/v2/a/manifests/latest"] = []string{"metadata_read"}
	before := a.registryLog.count()
	if resp := get(t, tr, a.registry.URL+"/v2/a/manifests/latest"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := a.registryLog.count() - before; got != 2 {
		t.Errorf("%d registry requests, want 2", got)
	}
	if got := strings.Join(a.tokenURLs[len(a.tokenURLs)-1]["scope"], " "); got != "repository:a:metadata_read,pull" {
		t.Errorf("the upgrade asked for %q", got)
	}
	// The new token serves the next such request at once.
	before = a.registryLog.count()
	get(t, tr, a.registry.URL+"/v2/a/manifests/latest")
	if got := a.registryLog.count() - before; got != 1 {
		t.Errorf("%d registry requests after the upgrade, want 1", got)
	}
}

func TestTransportBearerNeverLoops(t *testing.T) {
	a := newAuthority(t)
	// Anonymous clients may pull only "public": the token for "a" grants
	// nothing, and the registry keeps refusing.
	tr := newTestTransport(nil, nil, a.clock)
	u := a.registry.URL + "/v2/a/manifests/latest"
	for i := 1; i <= 3; i++ {
		before, tokens := a.registryLog.count(), a.tokenRequests()
		if resp := get(t, tr, u); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("status %d", resp.StatusCode)
		}
		reg, tok := a.registryLog.count()-before, a.tokenRequests()-tokens
		// The first call starts without credentials; later ones start
		// with a token fetched for them, refused for what it was fetched
		// for, and stop there.
		wantReg := 1
		if i == 1 {
			wantReg = 2
		}
		if reg != wantReg || tok != 1 {
			t.Errorf("call %d: %d registry and %d token requests, want %d and 1", i, reg, tok, wantReg)
		}
	}
	if resp := get(t, tr, a.registry.URL+"/v2/public/manifests/latest"); resp.StatusCode != 200 {
		t.Errorf("anonymous pull of public: status %d", resp.StatusCode)
	}
}

// A wrong password is the token server's 401, which surfaces as an
// errcode.HTTPError inside the *url.Error of http.Client, matching
// ErrorCodeUnauthorized.
func TestTransportBearerWrongPassword(t *testing.T) {
	a := newAuthority(t)
	client := &http.Client{Transport: newTestTransport(nil, credsFor(a.host(), "alice", "wrong"), a.clock)}
	resp, err := client.Get(a.registry.URL + "/v2/a/manifests/latest")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("status %d, want an error", resp.StatusCode)
	}
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		t.Fatalf("err = %v (%T), want a *url.Error", err, err)
	}
	httpErr, ok := urlErr.Err.(errcode.HTTPError)
	if !ok || httpErr.StatusCode != http.StatusUnauthorized {
		t.Fatalf("url.Error.Err = %#v, want an errcode.HTTPError with status 401", urlErr.Err)
	}
	if !errors.Is(err, errcode.ErrorCodeUnauthorized) {
		t.Errorf("errors.Is(%v, ErrorCodeUnauthorized) = false", err)
	}
}

// A registry below a path prefix: the scope comes from the request path
// past the prefix, here the only source since the challenge names none.
// The API path starts at the first "/v2/", though the name holds another.
func TestTransportBearerPathPrefix(t *testing.T) {
	a := newAuthority(t)
	a.prefix = "/mirror"
	a.noScope = true
	a.owned["team/v2/app"] = true
	tr := newTestTransport(nil, credsFor(a.host(), "alice", "secret"), a.clock)
	if resp := get(t, tr, a.registry.URL+"/mirror/v2/team/v2/app/manifests/latest"); resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if got := strings.Join(a.tokenURLs[0]["scope"], " "); got != "repository:team/v2/app:pull" {
		t.Errorf("token asked for %q, want the scope of the path after the prefix", got)
	}
}

// A registry redirects blob downloads to another host, which must see no
// credentials.
func TestTransportRedirectGetsNoCredentials(t *testing.T) {
	a := newAuthority(t)
	cdn := &recorder{}
	cdnSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cdn.record(r)
		io.WriteString(w, "blob")
	}))
	defer cdnSrv.Close()
	a.redirectTo = cdnSrv.URL + "/blob"
	client := &http.Client{Transport: newTestTransport(nil, func(context.Context, string) (string, string, error) { return "alice", "secret", nil }, a.clock)}
	resp, err := client.Get(a.registry.URL + "/v2/a/blobs/sha256:" + strings.Repeat("0", 64))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "blob" {
		t.Fatalf("body %q", body)
	}
	if auth, _, _ := cdn.last(); auth != "" || cdn.count() != 1 {
		t.Errorf("the CDN got %d requests, the last with Authorization %q", cdn.count(), auth)
	}
}

func TestTransportBadTokenResponses(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   string
	}{
		{"not JSON", 200, `<html>`, "token response"},
		{"no token", 200, `{"expires_in":60}`, "neither token"},
		{"token with a newline", 200, `{"token":"abc\r\nX-Injected: 1"}`, "characters"},
		{"token with a space", 200, `{"token":"abc def"}`, "characters"},
		{"huge", 200, `{"token":"` + strings.Repeat("a", maxTokenResponse) + `"}`, "over"},
		{"server error", 500, `oops`, "500"},
		{"redirect", 302, ``, "302"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" {
					if tt.status == 302 {
						w.Header().Set("Location", "/token2")
					}
					w.WriteHeader(tt.status)
					io.WriteString(w, tt.body)
					return
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="/token"`)
				w.WriteHeader(http.StatusUnauthorized)
			}))
			defer registry.Close()
			req, _ := http.NewRequest(http.MethodGet, registry.URL+"/v2/", nil)
			_, err := NewTransport(nil, nil).RoundTrip(req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestCheckRealm(t *testing.T) {
	tests := []struct {
		registry, realm string
		want            string // resolved realm, "" for refused, "plain" for left unanswered
	}{
		{"https://registry-1.docker.io/v2/", "https://auth.docker.io/token", "https://auth.docker.io/token"},
		{"https://registry.example.com/v2/", "https://auth.example.com:8443/token?x=1#frag", "https://auth.example.com:8443/token?x=1"},
		{"https://registry.example.com/v2/a/manifests/x", "/token", "https://registry.example.com/token"},
		{"http://127.0.0.1:5000/v2/", "http://127.0.0.1:5000/token", "http://127.0.0.1:5000/token"},
		{"http://127.0.0.1:5000/v2/", "/token", "http://127.0.0.1:5000/token"},
		{"http://localhost:5000/v2/", "http://LOCALHOST:5000/token", "http://LOCALHOST:5000/token"},
		{"http://[::1]:5000/v2/", "http://[0:0::1]:5000/token", "http://[0:0::1]:5000/token"},
		{"https://10.0.0.5/v2/", "https://10.0.0.5:443/token", "https://10.0.0.5:443/token"},
		{"http://127.0.0.1:5000/v2/", "https://auth.example.com/token", "https://auth.example.com/token"},
		{"http://registry.example.com/v2/", "http://auth.example.com/token", "http://auth.example.com/token"},

		{"https://registry.example.com/v2/", "//auth.example.com/token", "https://auth.example.com/token"},

		{"https://registry.example.com/v2/", "http://auth.example.com/token", "plain"},
		{"https://registry.example.com/v2/", "http://registry.example.com/token", "plain"},
		{"http://127.0.0.1:5000/v2/", "http://127.0.0.1:5001/token", ""},
		{"http://127.0.0.1:5000/v2/", "http://localhost:5000/token", ""},
		{"https://registry.example.com/v2/", "https://127.0.0.1/token", ""},
		{"https://registry.example.com/v2/", "https://localhost/token", ""},
		{"https://registry.example.com/v2/", "https://metadata.localhost/token", ""},
		{"https://registry.example.com/v2/", "https://10.1.2.3/token", ""},
		{"https://registry.example.com/v2/", "https://192.168.0.1/token", ""},
		{"https://registry.example.com/v2/", "https://172.16.0.1/token", ""},
		{"https://registry.example.com/v2/", "https://169.254.169.254/latest", ""},
		{"https://registry.example.com/v2/", "https://0.0.0.0/token", ""},
		{"https://registry.example.com/v2/", "https://[::1]/token", ""},
		{"https://registry.example.com/v2/", "https://[::ffff:127.0.0.1]/token", ""},
		{"https://registry.example.com/v2/", "https://[fd00::1]/token", ""},
		{"https://registry.example.com/v2/", "https://[fe80::1%25eth0]/token", ""},
		{"https://registry.example.com/v2/", "https://2130706433/token", ""},
		{"https://registry.example.com/v2/", "https://0x7f.0.0.1/token", ""},
		{"https://registry.example.com/v2/", "https://0177.0.0.1/token", ""},
		{"https://registry.example.com/v2/", "https://user:pw@auth.example.com/token", ""},
		{"https://registry.example.com/v2/", "https://registry.example.com@evil.example/token", ""},
		{"https://registry.example.com/v2/", "file:///etc/passwd", ""},
		{"https://registry.example.com/v2/", "ftp://auth.example.com/token", ""},
		{"https://registry.example.com/v2/", "https:///token", ""},
		{"https://registry.example.com/v2/", "https://auth.example.com:99999/token", ""},
		{"https://registry.example.com/v2/", "https://auth example.com/token", ""},
		{"https://registry.example.com/v2/", "%zz", ""},
	}
	for _, tt := range tests {
		reg, err := url.Parse(tt.registry)
		if err != nil {
			t.Fatal(err)
		}
		got, err := checkRealm(reg, tt.realm)
		if tt.want == "plain" {
			if !errors.Is(err, errPlainRealm) || errors.Is(err, ErrRealmRefused) {
				t.Errorf("realm %q of %s: %v, %v; want errPlainRealm", tt.realm, tt.registry, got, err)
			}
			continue
		}
		if tt.want == "" {
			if err == nil {
				t.Errorf("realm %q of %s accepted as %s", tt.realm, tt.registry, got)
			} else if !errors.Is(err, ErrRealmRefused) {
				t.Errorf("realm %q: error %v does not wrap ErrRealmRefused", tt.realm, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("realm %q of %s: %v", tt.realm, tt.registry, err)
		} else if got.String() != tt.want {
			t.Errorf("realm %q of %s resolved to %s, want %s", tt.realm, tt.registry, got, tt.want)
		}
	}
}

// A hostile registry names a realm on another local port: the transport
// refuses it and nothing reaches that port.
func TestTransportRefusesHostileRealm(t *testing.T) {
	victim := &recorder{}
	victimSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { victim.record(r) }))
	defer victimSrv.Close()
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="`+victimSrv.URL+`/admin",service="x"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer registry.Close()
	tr := NewTransport(nil, func(context.Context, string) (string, string, error) { return "alice", "secret", nil })
	req, _ := http.NewRequest(http.MethodGet, registry.URL+"/v2/a/manifests/latest", nil)
	_, err := tr.RoundTrip(req)
	if !errors.Is(err, ErrRealmRefused) {
		t.Errorf("err = %v, want ErrRealmRefused", err)
	}
	if victim.count() != 0 {
		t.Errorf("the realm got %d requests", victim.count())
	}
}

func TestTransportLeavesOtherResponses(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec.record(r)
		switch r.URL.Path {
		case "/v2/forbidden/manifests/x":
			w.WriteHeader(http.StatusForbidden)
		case "/v2/negotiate/manifests/x":
			w.Header().Set("WWW-Authenticate", "Negotiate")
			w.WriteHeader(http.StatusUnauthorized)
		default:
			w.Header().Set("WWW-Authenticate", `Basic realm="r"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer srv.Close()
	tr := NewTransport(nil, func(context.Context, string) (string, string, error) { return "alice", "secret", nil })
	tests := []struct {
		path   string
		header string
		status int
	}{
		{"/v2/forbidden/manifests/x", "", http.StatusForbidden},
		{"/v2/negotiate/manifests/x", "", http.StatusUnauthorized},
		{"/v2/own/manifests/x", "Bearer mine", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		before := rec.count()
		req, _ := http.NewRequest(http.MethodGet, srv.URL+tt.path, nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		resp, err := tr.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		auth, _, _ := rec.last()
		if resp.StatusCode != tt.status || rec.count() != before+1 || auth != tt.header {
			t.Errorf("%s: status %d after %d requests with %q; want %d after one with %q", tt.path, resp.StatusCode, rec.count()-before, auth, tt.status, tt.header)
		}
		if tt.header != "" && req.Header.Get("Authorization") != tt.header {
			t.Errorf("the caller's request was changed")
		}
	}
}

// Many goroutines share one transport; run with -race.
func TestTransportConcurrent(t *testing.T) {
	a := newAuthority(t)
	tr := newTestTransport(nil, credsFor(a.host(), "alice", "secret"), a.clock)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			repo := []string{"a", "b", "team/app", "public"}[i%4]
			method := []string{http.MethodGet, http.MethodPut}[i%2]
			req, _ := http.NewRequest(method, a.registry.URL+"/v2/"+repo+"/manifests/latest", strings.NewReader("{}"))
			resp, err := tr.RoundTrip(req)
			if err != nil {
				errs <- err
				return
			}
			resp.Body.Close()
			if want := 200; resp.StatusCode != want && !(repo == "public" && method == http.MethodPut) {
				errs <- fmt.Errorf("%s %s: status %d", method, repo, resp.StatusCode)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestTransportCacheIsBounded(t *testing.T) {
	a := newAuthority(t)
	tr := newTestTransport(nil, credsFor(a.host(), "alice", "secret"), a.clock)
	for i := 0; i < maxCachedTokens+20; i++ {
		a.owned[fmt.Sprintf("r%d", i)] = true
	}
	for i := 0; i < maxCachedTokens+20; i++ {
		get(t, tr, fmt.Sprintf("%s/v2/r%d/manifests/latest", a.registry.URL, i))
	}
	tr.mu.Lock()
	n := len(tr.tokens)
	tr.mu.Unlock()
	if n > maxCachedTokens {
		t.Errorf("%d cached tokens", n)
	}
}

// covers, the transport's walk over merged lists, agrees with Allows on
// every pair of merged lists drawn from a small set of resources and
// actions, which covers absent resources, "*" on either side and actions
// missing at the start, middle and end of a grant.
func TestCoversAgreesWithAllows(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	names := []string{"a", "b", "c", "d"}
	actions := []string{"*", "delete", "pull", "push"}
	random := func() []Scope {
		var out []Scope
		for _, typ := range []string{"registry", "repository"} {
			for _, name := range names {
				var acts []string
				for _, a := range actions {
					if rng.Intn(3) == 0 {
						acts = append(acts, a)
					}
				}
				out = append(out, Scope{Type: typ, Name: name, Actions: acts})
			}
		}
		rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
		return MergeScopes(out[:rng.Intn(len(out)+1)]...)
	}
	agreedTrue := 0
	for i := 0; i < 5000; i++ {
		granted, needed := random(), random()
		want := Allows(granted, needed...)
		if got := covers(granted, needed); got != want {
			t.Fatalf("covers(%v, %v) = %v, Allows says %v", granted, needed, got, want)
		}
		if want {
			agreedTrue++
		}
	}
	if agreedTrue < 100 {
		t.Errorf("only %d of the pairs are allowed: the draw tests little", agreedTrue)
	}
}

// stubRegistry is a registry and token server in one RoundTripper, without
// a network: it challenges requests without a token and answers the rest
// with 200.
type stubRegistry struct{}

func (stubRegistry) RoundTrip(req *http.Request) (*http.Response, error) {
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: req}
	switch {
	case req.URL.Host == "auth.example":
		resp.Body = io.NopCloser(strings.NewReader(`{"token":"t","expires_in":300}`))
	case req.Header.Get("Authorization") != "Bearer t":
		resp.StatusCode = http.StatusUnauthorized
		resp.Header.Set("WWW-Authenticate", `Bearer realm="https://auth.example/token",service="registry.example"`)
	}
	return resp, nil
}

// A request served from the token cache does no work that RequiredFor or
// the first challenge has done already: it neither merges its scopes again
// nor writes the realm out again.
func TestTransportCachedRequestAllocations(t *testing.T) {
	tr := newTestTransport(stubRegistry{}, nil, &clock{now: time.Unix(1e9, 0)})
	req, err := http.NewRequest(http.MethodGet, "https://registry.example/v2/library/alpine/manifests/latest", nil)
	if err != nil {
		t.Fatal(err)
	}
	roundTrip := func() {
		resp, err := tr.RoundTrip(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("%v, %v", resp, err)
		}
	}
	roundTrip()
	// 21 at the time of writing, most for RequiredFor and the clone of
	// the request; 29 when the scopes were merged and the realm written
	// again.
	const max = 24
	if got := testing.AllocsPerRun(100, roundTrip); got > max {
		t.Errorf("a request with a cached token took %.0f allocations, want at most %d", got, max)
	}
}

// The transport remembers at most maxHosts hosts, those that challenged
// last, however many a registry sends it to.
func TestTransportHostsAreBounded(t *testing.T) {
	tr := newTestTransport(stubRegistry{}, nil, &clock{now: time.Unix(1e9, 0)})
	const n = 3 * maxHosts
	origin := func(i int) string { return fmt.Sprintf("https://r%d.example:443", i) }
	for i := 0; i < n; i++ {
		if resp := get(t, tr, origin(i)+"/v2/a/tags/list"); resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d from %s", resp.StatusCode, origin(i))
		}
	}
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if len(tr.hosts) != maxHosts || len(tr.hostOrder) != maxHosts {
		t.Fatalf("%d hosts, %d in order after %d, want %d", len(tr.hosts), len(tr.hostOrder), n, maxHosts)
	}
	for _, tt := range []struct {
		i    int
		kept bool
	}{{0, false}, {n - maxHosts - 1, false}, {n - maxHosts, true}, {n - 1, true}} {
		if kept := tr.hosts[origin(tt.i)] != nil; kept != tt.kept {
			t.Errorf("%s kept: %v, want %v", origin(tt.i), kept, tt.kept)
		}
	}
}

// Requests that need the same token while it is being fetched wait for
// it: twenty pulls started together send one token request and ask for
// the credentials once. The registry answers the first attempts only once
// all twenty have arrived, so all meet their challenge together, and the
// token server holds its answer until twenty token requests have come or
// a moment has passed, so that without the sharing every one of them
// would be fetching. The outcome with the sharing does not depend on that
// moment.
func TestTransportConcurrentRequestsShareAFetch(t *testing.T) {
	const n = 20
	var mu sync.Mutex
	challenged, tokenRequests, credsCalls := 0, 0, 0
	allChallenged, allFetching := make(chan struct{}), make(chan struct{})
	registry := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/token":
			mu.Lock()
			if tokenRequests++; tokenRequests == n {
				close(allFetching)
			}
			mu.Unlock()
			select {
			case <-allFetching:
			case <-time.After(200 * time.Millisecond):
			}
			io.WriteString(w, `{"token":"shared"}`)
		case r.Header.Get("Authorization") != "Bearer shared":
			mu.Lock()
			if challenged++; challenged == n {
				close(allChallenged)
			}
			mu.Unlock()
			select {
			case <-allChallenged:
			case <-time.After(10 * time.Second): // not to hang a broken test
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="/token",service="reg",scope="repository:a:pull"`)
			w.WriteHeader(http.StatusUnauthorized)
		}
	}))
	defer registry.Close()
	tr := NewTransport(nil, func(context.Context, string) (string, string, error) {
		mu.Lock()
		credsCalls++
		mu.Unlock()
		return "alice", "secret", nil
	})
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodGet, registry.URL+"/v2/a/manifests/latest", nil)
			resp, err := tr.RoundTrip(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			statuses[i] = resp.StatusCode
		}(i)
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusOK {
			t.Errorf("request %d: status %d", i, s)
		}
	}
	if tokenRequests != 1 || credsCalls != 1 {
		t.Errorf("%d token requests and %d calls for credentials for %d requests, want 1 and 1", tokenRequests, credsCalls, n)
	}
}
