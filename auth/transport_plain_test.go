package auth

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// The public names the tests give their loopback servers. The test
// certificate of httptest covers *.example.com.
const (
	regHost   = "reg.example.com"   // served over https and over plain http
	plainHost = "plain.example.com" // served over plain http only
)

// fakeRegistry is a registry with its token server on its own host: in
// Basic mode it wants alice's password on every request, in Bearer mode a
// token from realm, which it issues at /token for alice's password. Once a
// request is authenticated, blob GETs are redirected to and uploads
// located at moveTo, when set.
type fakeRegistry struct {
	bearer bool
	realm  string
	moveTo string // scheme://host that blobs and uploads move to

	mu     sync.Mutex
	auths  []string // Authorization of each registry request
	tokens []string // Authorization of each token request
}

// refusal is the body of the registry's 401, which the transport must
// return as it is.
const refusal = `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`

func (f *fakeRegistry) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/token" {
		f.mu.Lock()
		f.tokens = append(f.tokens, r.Header.Get("Authorization"))
		f.mu.Unlock()
		if u, p, ok := r.BasicAuth(); !ok || u != "alice" || p != "secret" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		io.WriteString(w, `{"token":"granted","expires_in":300}`)
		return
	}
	f.mu.Lock()
	f.auths = append(f.auths, r.Header.Get("Authorization"))
	f.mu.Unlock()
	want, challenge := "Bearer granted", `Bearer realm="`+f.realm+`",service="registry"`
	if !f.bearer {
		want, challenge = "Basic YWxpY2U6c2VjcmV0", `Basic realm="registry"` // alice:secret
	}
	if r.Header.Get("Authorization") != want {
		w.Header().Set("WWW-Authenticate", challenge)
		w.Header().Set("X-Refused-By", r.Host)
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, refusal)
		return
	}
	switch {
	case f.moveTo != "" && r.Method == http.MethodGet && strings.Contains(r.URL.Path, "/blobs/"):
		http.Redirect(w, r, f.moveTo+r.URL.Path, http.StatusTemporaryRedirect)
	case f.moveTo != "" && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/blobs/uploads/"):
		w.Header().Set("Location", f.moveTo+r.URL.Path+"some-upload")
		w.WriteHeader(http.StatusAccepted)
	default:
		io.WriteString(w, "ok")
	}
}

func (f *fakeRegistry) requests() (auths, tokens []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auths...), append([]string(nil), f.tokens...)
}

// network serves public names from loopback listeners: name:443 from
// https servers, name:80 from plain http ones. Its base transport dials
// nothing else.
type network struct {
	t     *testing.T
	addrs map[string]string // "name:port" -> listener address
	base  *http.Transport
}

func newNetwork(t *testing.T) *network {
	n := &network{t: t, addrs: map[string]string{}}
	n.base = &http.Transport{
		DialContext: func(ctx context.Context, network, hostport string) (net.Conn, error) {
			addr, ok := n.addrs[hostport]
			if !ok {
				return nil, fmt.Errorf("no server for %s", hostport)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		TLSClientConfig: &tls.Config{},
	}
	t.Cleanup(n.base.CloseIdleConnections)
	return n
}

// serveTLS serves name over https with h.
func (n *network) serveTLS(name string, h http.Handler) {
	srv := httptest.NewTLSServer(h)
	n.t.Cleanup(srv.Close)
	n.addrs[name+":443"] = srv.Listener.Addr().String()
	n.base.TLSClientConfig.RootCAs = srv.Client().Transport.(*http.Transport).TLSClientConfig.RootCAs
}

// servePlain serves name over plain http with h.
func (n *network) servePlain(name string, h http.Handler) {
	srv := httptest.NewServer(h)
	n.t.Cleanup(srv.Close)
	n.addrs[name+":80"] = srv.Listener.Addr().String()
}

// okHandler answers every request with 200.
var okHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })

// askedFor records what the credentials function was asked.
type askedFor struct {
	mu   sync.Mutex
	asks []string // "scheme host"
}

// creds answers alice's password for every host and scheme, the most
// generous callback: what keeps it off plain http is the transport.
func (a *askedFor) creds(_ context.Context, scheme, host string) (string, string, error) {
	a.mu.Lock()
	a.asks = append(a.asks, scheme+" "+host)
	a.mu.Unlock()
	return "alice", "secret", nil
}

func (a *askedFor) list() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.asks...)
}

// checkUnchanged fails unless resp is the plain copy's 401, as it sent it.
func checkUnchanged(t *testing.T, resp *http.Response, err error, realm string) {
	t.Helper()
	if err != nil {
		t.Fatalf("err = %v, want the 401 as a response", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || string(body) != refusal || resp.Header.Get("X-Refused-By") == "" {
		t.Errorf("got %d %q (X-Refused-By %q), want the registry's 401 unchanged", resp.StatusCode, body, resp.Header.Get("X-Refused-By"))
	}
	if got := resp.Header.Get("WWW-Authenticate"); !strings.Contains(got, realm) {
		t.Errorf("WWW-Authenticate %q, want the registry's challenge", got)
	}
}

// An https registry sends the client to a plain-http copy of itself, by a
// redirect or an upload Location, and the copy challenges: no credentials
// reach it, neither the password nor a token, and no token is fetched from
// its plain-http realm; the caller gets the copy's 401 as it came.
func TestTransportKeepsCredentialsOffPlainHTTP(t *testing.T) {
	blob := "/v2/a/blobs/sha256:" + strings.Repeat("0", 64)
	for _, mode := range []string{"Basic", "Bearer"} {
		for _, step := range []string{"redirect", "upload Location"} {
			t.Run(mode+" "+step, func(t *testing.T) {
				bearer := mode == "Bearer"
				secure := &fakeRegistry{bearer: bearer, realm: "https://" + regHost + "/token", moveTo: "http://" + regHost}
				plain := &fakeRegistry{bearer: bearer, realm: "http://" + regHost + "/token"}
				n := newNetwork(t)
				n.serveTLS(regHost, secure)
				n.servePlain(regHost, plain)
				asked := &askedFor{}
				client := &http.Client{Transport: NewTransportWithOptions(n.base, TransportOptions{Credentials: asked.creds})}

				var resp *http.Response
				var err error
				if step == "redirect" {
					resp, err = client.Get("https://" + regHost + blob)
				} else {
					resp, err = client.Post("https://"+regHost+"/v2/a/blobs/uploads/", "", nil)
					if err != nil || resp.StatusCode != http.StatusAccepted {
						t.Fatalf("upload: %v, %v", resp, err)
					}
					resp.Body.Close()
					put, _ := http.NewRequest(http.MethodPut, resp.Header.Get("Location")+"?digest=sha256:"+strings.Repeat("0", 64), nil)
					resp, err = client.Do(put)
				}
				checkUnchanged(t, resp, err, `realm="`)

				auths, tokens := plain.requests()
				if len(auths) == 0 {
					t.Fatal("the plain copy got no request: the test tests nothing")
				}
				for _, a := range auths {
					if a != "" {
						t.Errorf("the plain copy got Authorization %q", a)
					}
				}
				if len(tokens) != 0 {
					t.Errorf("the plain copy's realm got %d token requests, Authorization %q", len(tokens), tokens)
				}
				for _, a := range asked.list() {
					if a != "https "+regHost {
						t.Errorf("credentials asked for %q, want only %q", a, "https "+regHost)
					}
				}
			})
		}
	}
}

// A host the transport first reached over plain http and then over https
// gets nothing more over plain http: not the Basic credentials kept for it,
// not the token cached for it.
func TestTransportForgetsPlainHTTPOnceSecure(t *testing.T) {
	manifest := "/v2/a/manifests/latest"
	for _, mode := range []string{"Basic", "Bearer"} {
		t.Run(mode, func(t *testing.T) {
			bearer := mode == "Bearer"
			secure := &fakeRegistry{bearer: bearer, realm: "https://" + regHost + "/token"}
			plain := &fakeRegistry{bearer: bearer, realm: "http://" + regHost + "/token"}
			n := newNetwork(t)
			n.serveTLS(regHost, secure)
			n.servePlain(regHost, plain)
			asked := &askedFor{}
			client := &http.Client{Transport: NewTransportWithOptions(n.base, TransportOptions{Credentials: asked.creds})}

			// Over plain http only so far: answered, as for any
			// plain-http registry.
			resp, err := client.Get("http://" + regHost + manifest)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("first plain request: %v, %v", resp, err)
			}
			resp.Body.Close()
			before, tokensBefore := plain.requests()

			resp, err = client.Get("https://" + regHost + manifest)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("https request: %v, %v", resp, err)
			}
			resp.Body.Close()

			resp, err = client.Get("http://" + regHost + manifest)
			checkUnchanged(t, resp, err, `realm="`)
			after, tokensAfter := plain.requests()
			if len(after) != len(before)+1 {
				t.Errorf("%d requests reached the plain copy after the https one, want 1", len(after)-len(before))
			}
			for _, a := range after[len(before):] {
				if a != "" {
					t.Errorf("after https, the plain copy got Authorization %q", a)
				}
			}
			if len(tokensAfter) != len(tokensBefore) {
				t.Errorf("after https, the plain copy's realm got %d token requests", len(tokensAfter)-len(tokensBefore))
			}
		})
	}
}

// A realm over plain http never receives the password: not for a registry
// request over https, and not on a host the transport has reached over
// https, even when the registry that names it is a plain-http one. The
// challenge is left unanswered and its 401 returned.
func TestTransportKeepsPasswordOffPlainRealms(t *testing.T) {
	manifest := "/v2/a/manifests/latest"
	tests := []struct {
		name     string
		first    string // a URL reached before, or ""
		registry string // the registry the request goes to
		realm    string
	}{
		{"https registry, http realm on its host", "", "https://" + regHost, "http://" + regHost + "/token"},
		{"https registry, http realm on another host", "", "https://" + regHost, "http://" + plainHost + "/token"},
		{"http registry, http realm on a host reached over https", "https://" + regHost + "/v2/", "http://" + plainHost, "http://" + regHost + "/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			registry := &fakeRegistry{bearer: true, realm: tt.realm}
			realms := &fakeRegistry{} // the token servers: plain http
			n := newNetwork(t)
			if strings.HasPrefix(tt.registry, "https://") {
				n.serveTLS(regHost, registry)
			} else {
				n.serveTLS(regHost, okHandler)
				n.servePlain(plainHost, registry)
			}
			if strings.Contains(tt.realm, regHost) {
				n.servePlain(regHost, realms)
			} else {
				n.servePlain(plainHost, realms)
			}
			asked := &askedFor{}
			client := &http.Client{Transport: NewTransportWithOptions(n.base, TransportOptions{Credentials: asked.creds})}
			if tt.first != "" {
				resp, err := client.Get(tt.first)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			resp, err := client.Get(tt.registry + manifest)
			checkUnchanged(t, resp, err, tt.realm)
			if _, tokens := realms.requests(); len(tokens) != 0 {
				t.Errorf("the http realm got %d token requests, Authorization %q", len(tokens), tokens)
			}
			if _, tokens := registry.requests(); len(tokens) != 0 {
				t.Errorf("the registry's host got %d token requests", len(tokens))
			}
			if got := asked.list(); len(got) != 0 {
				t.Errorf("credentials asked for %q for a challenge left unanswered", got)
			}
		})
	}
}

// A registry addressed over plain http and never over https keeps working,
// with Basic and with Bearer, also beside an https registry on the same
// machine at another port; the credentials function is told "http".
func TestTransportServesPlainHTTPRegistries(t *testing.T) {
	for _, mode := range []string{"Basic", "Bearer"} {
		t.Run(mode, func(t *testing.T) {
			other := httptest.NewTLSServer(okHandler)
			defer other.Close()
			f := &fakeRegistry{bearer: mode == "Bearer"}
			srv := httptest.NewServer(f)
			defer srv.Close()
			f.realm = srv.URL + "/token"
			base := other.Client().Transport
			asked := &askedFor{}
			client := &http.Client{Transport: NewTransportWithOptions(base, TransportOptions{Credentials: asked.creds})}
			resp, err := client.Get(other.URL + "/v2/")
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			for i := 0; i < 2; i++ {
				resp, err := client.Get(srv.URL + "/v2/a/manifests/latest")
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("request %d: %v, %v", i, resp, err)
				}
				resp.Body.Close()
			}
			want := "http " + strings.TrimPrefix(srv.URL, "http://")
			for _, a := range asked.list() {
				if a != want {
					t.Errorf("credentials asked for %q, want %q", a, want)
				}
			}
			if len(asked.list()) == 0 {
				t.Error("credentials never asked")
			}
		})
	}
}

// plainStub answers every request over http with a Basic challenge and
// every one over https with 200, without a network.
type plainStub struct {
	mu    sync.Mutex
	auths []string // Authorization of each http request
}

func (s *plainStub) RoundTrip(req *http.Request) (*http.Response, error) {
	resp := &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: req}
	if req.URL.Scheme == "http" {
		s.mu.Lock()
		s.auths = append(s.auths, req.Header.Get("Authorization"))
		s.mu.Unlock()
		if req.Header.Get("Authorization") == "" {
			resp.StatusCode = http.StatusUnauthorized
			resp.Header.Set("WWW-Authenticate", `Basic realm="r"`)
		}
	}
	return resp, nil
}

// The memory of hosts reached over https is bounded; once a registry has
// filled it, by sending the client to more https hosts than it keeps, no
// challenge over plain http is answered, for any host, since the one
// reached might not be written down.
func TestTransportSecureHostsAreBounded(t *testing.T) {
	stub := &plainStub{}
	tr := NewTransportWithOptions(stub, TransportOptions{Credentials: (&askedFor{}).creds}).(*transport)
	plain := "http://plain.example.com:5000/v2/"
	if resp := get(t, tr, plain); resp.StatusCode != http.StatusOK {
		t.Fatalf("plain registry before: status %d", resp.StatusCode)
	}
	for i := 0; i < maxSecureHosts+10; i++ {
		get(t, tr, fmt.Sprintf("https://r%d.example.com/v2/", i))
	}
	tr.secure.mu.Lock()
	kept, full := len(tr.secure.set), tr.secure.full
	tr.secure.mu.Unlock()
	if kept != maxSecureHosts || !full {
		t.Errorf("%d hosts kept, full %v; want %d and full", kept, full, maxSecureHosts)
	}
	stub.mu.Lock()
	before := len(stub.auths)
	stub.mu.Unlock()
	if resp := get(t, tr, plain); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("plain registry after the memory filled: status %d, want 401", resp.StatusCode)
	}
	stub.mu.Lock()
	defer stub.mu.Unlock()
	if len(stub.auths) != before+1 || stub.auths[before] != "" {
		t.Errorf("after the memory filled, the plain registry got %q", stub.auths[before:])
	}
}

func TestAppendHostKey(t *testing.T) {
	tests := []struct {
		url  string
		want string // "" when there is no key
	}{
		{"https://reg.example.com/v2/", "reg.example.com"},
		{"http://Reg.Example.COM/v2/", "reg.example.com"},
		{"https://reg.example.com:443/v2/", "reg.example.com"},
		{"http://reg.example.com:80/v2/", "reg.example.com"},
		{"http://reg.example.com:0080/v2/", "reg.example.com"},
		{"http://reg.example.com:443/v2/", "reg.example.com"},
		{"http://reg.example.com./v2/", "reg.example.com"},
		{"http://reg.example.com:/v2/", "reg.example.com"},
		{"http://localhost:5000/v2/", "localhost:5000"},
		{"http://localhost:05000/v2/", "localhost:5000"},
		{"https://localhost:5001/v2/", "localhost:5001"},
		{"http://127.0.0.1:5000/v2/", "127.0.0.1:5000"},
		{"http://[::1]:5000/v2/", "[::1]:5000"},
		{"http://[::1]/v2/", "[::1]"},
		{"http://[FE80::1]:443/v2/", "[fe80::1]"},
		{"http://reg.example.com:65536/v2/", ""},
		{"http://:5000/v2/", ""},
		{"http://" + strings.Repeat("a", 254) + "/v2/", ""},
	}
	for _, tt := range tests {
		u, err := url.Parse(tt.url)
		if err != nil {
			t.Fatalf("%s: %v", tt.url, err)
		}
		var buf [maxHostKey]byte
		got, ok := appendHostKey(buf[:0], u)
		if !ok {
			got = nil
		}
		if string(got) != tt.want {
			t.Errorf("key of %s = %q, %v; want %q", tt.url, got, ok, tt.want)
		}
	}
}

// Noting a host already reached over https, on every https request, costs
// no allocation.
func TestSecureHostsAddAllocations(t *testing.T) {
	var s secureHosts
	u, _ := url.Parse("https://Reg.Example.com:443/v2/")
	s.add(u)
	if got := testing.AllocsPerRun(100, func() { s.add(u) }); got != 0 {
		t.Errorf("add of a known host took %.0f allocations", got)
	}
	p, _ := url.Parse("http://reg.example.com/v2/")
	if got := testing.AllocsPerRun(100, func() { s.plainAllowed(p) }); got != 0 {
		t.Errorf("plainAllowed took %.0f allocations", got)
	}
	if s.plainAllowed(p) {
		t.Error("http://reg.example.com allowed after https://Reg.Example.com:443")
	}
}

// When a token is fetched, the credentials function is told the scheme and
// host of the registry request that was challenged, not the realm's.
func TestTransportCredentialsAreTheRegistrys(t *testing.T) {
	const authHostTLS = "auth.example.com"
	tokens := &fakeRegistry{}
	registry := &fakeRegistry{bearer: true, realm: "https://" + authHostTLS + "/token"}
	n := newNetwork(t)
	n.serveTLS(regHost, registry)
	n.serveTLS(authHostTLS, tokens)
	asked := &askedFor{}
	client := &http.Client{Transport: NewTransportWithOptions(n.base, TransportOptions{Credentials: asked.creds})}
	resp, err := client.Get("https://" + regHost + "/v2/a/manifests/latest")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%v, %v", resp, err)
	}
	resp.Body.Close()
	if _, got := tokens.requests(); len(got) != 1 || got[0] != "Basic YWxpY2U6c2VjcmV0" {
		t.Errorf("the realm got token requests with %q, want one with alice's password", got)
	}
	if got := asked.list(); len(got) != 1 || got[0] != "https "+regHost {
		t.Errorf("credentials asked for %q, want [%q]", got, "https "+regHost)
	}
}
