package auth_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/errcode"
)

// A client reads the challenges of a 401: here a Bearer and a Basic
// challenge on one line, as GitHub's registry sends them, and the upper-case
// scheme of another server on a second line.
func ExampleParseChallenges() {
	h := http.Header{}
	h.Add("WWW-Authenticate", `Bearer realm="https://ghcr.io/token", service="ghcr.io", scope="repository:user/image:pull", Basic realm="GitHub Package Registry"`)
	h.Add("WWW-Authenticate", `BASIC realm="Sonatype Nexus Repository Manager"`)
	for _, c := range auth.ParseChallenges(h) {
		fmt.Printf("%s realm=%q service=%q scopes=%v\n", c.Scheme, c.Realm(), c.Service(), c.Scopes())
	}
	// Output:
	// Bearer realm="https://ghcr.io/token" service="ghcr.io" scopes=[repository:user/image:pull]
	// Basic realm="GitHub Package Registry" service="" scopes=[]
	// Basic realm="Sonatype Nexus Repository Manager" service="" scopes=[]
}

// Scopes from a challenge and from the request at hand are merged into one
// entry per resource, in an order that does not depend on theirs.
func ExampleMergeScopes() {
	fromChallenge, err := auth.ParseScopes("repository:team/app:push registry:catalog:*")
	if err != nil {
		fmt.Println(err)
		return
	}
	needed, err := auth.ParseScopes("repository:team/app:pull repository:localhost:5000/base:pull")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, s := range auth.MergeScopes(append(fromChallenge, needed...)...) {
		fmt.Println(s)
	}
	_, err = auth.ParseScopes("repository:Team/App:pull")
	fmt.Println(err)
	// Output:
	// registry:catalog:*
	// repository:localhost:5000/base:pull
	// repository:team/app:pull,push
	// auth: invalid scope "repository:Team/App:pull": the name is not a repository name
}

// A registry learns what a request needs from the route descriptors, checks
// it against the token's grants, and challenges for what is missing.
func ExampleRequired() {
	r := httptest.NewRequest(http.MethodPost, "/v2/team/app/blobs/uploads/?mount=sha256:0a1b&from=library/base", nil)
	m, _ := regapi.MatchPath(r.URL.Path)
	needed := auth.Required(r.Method, m, r.URL.Query())
	fmt.Println("needed:", needed)

	granted, _ := auth.ParseScopes("repository:team/app:pull,push")
	fmt.Println("allowed:", auth.Allows(granted, needed...))

	missing := auth.Missing(granted, needed...)
	scope := make([]string, len(missing))
	for i, s := range missing {
		scope[i] = s.String()
	}
	c := auth.Challenge{Scheme: "Bearer", Params: map[string]string{
		"realm":   "https://registry.example.com/token",
		"service": "registry.example.com",
		"scope":   strings.Join(scope, " "),
		"error":   "insufficient_scope",
	}}
	fmt.Println("WWW-Authenticate:", c.String())

	fmt.Println("base:", auth.Required(http.MethodGet, regapi.PathMatch{Route: regapi.RouteNameBase}, nil))
	// Output:
	// needed: [repository:library/base:pull repository:team/app:pull,push]
	// allowed: false
	// WWW-Authenticate: Bearer realm="https://registry.example.com/token",service="registry.example.com",scope="repository:library/base:pull",error="insufficient_scope"
	// base: []
}

// A client authenticates through NewTransport. The registry here issues
// tokens at /token on its own host and checks them against what each
// request needs.
func ExampleNewTransport() {
	var mu sync.Mutex
	grants := map[string][]auth.Scope{}
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		tr, err := auth.ParseTokenRequest(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if tr.Username != "alice" || tr.Password != "secret" {
			http.Error(w, `{"details":"incorrect username or password"}`, http.StatusUnauthorized)
			return
		}
		mu.Lock()
		tok := fmt.Sprintf("token-%d", len(grants)+1)
		grants[tok] = tr.Scopes // alice may do anything here
		mu.Unlock()
		json.NewEncoder(w).Encode(auth.Token{Token: tok, ExpiresIn: 300})
	})
	mux.HandleFunc("/v2/", func(w http.ResponseWriter, r *http.Request) {
		m, ok := regapi.MatchPath(r.URL.Path)
		if !ok {
			http.NotFound(w, r)
			return
		}
		needed := auth.Required(r.Method, m, r.URL.Query())
		mu.Lock()
		granted, known := grants[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
		mu.Unlock()
		if !known || !auth.Allows(granted, needed...) {
			scope := make([]string, len(needed))
			for i, s := range needed {
				scope[i] = s.String()
			}
			c := auth.Challenge{Scheme: "Bearer", Params: map[string]string{
				"realm": "http://" + r.Host + "/token", "service": "example", "scope": strings.Join(scope, " "),
			}}
			w.Header().Add("WWW-Authenticate", c.String())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "%s of %s\n", m.Route, m.Name)
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	registry, _ := url.Parse(srv.URL)
	client := &http.Client{Transport: auth.NewTransport(nil, func(ctx context.Context, host string) (string, string, error) {
		if host == registry.Host {
			return "alice", "secret", nil
		}
		return "", "", nil // no credentials for other hosts
	})}
	for _, path := range []string{"/v2/library/alpine/manifests/3.20", "/v2/library/alpine/tags/list"} {
		resp, err := client.Get(srv.URL + path)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Print(resp.Status, ": ", string(body))
	}
	mu.Lock()
	fmt.Println("tokens issued:", len(grants))
	mu.Unlock()
	// Output:
	// 200 OK: manifest of library/alpine
	// 200 OK: tags of library/alpine
	// tokens issued: 1
}

// NewTransportWithOptions tells the credentials function the scheme of the
// registry request, so that a password meant for https is never given for
// plain http. The registry here wants Basic credentials over https; the
// token server of a second one refuses a wrong password, and the refusal is
// an errcode.HTTPError that errors.Is matches by code.
func ExampleNewTransportWithOptions() {
	registry := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if user, pass, ok := r.BasicAuth(); !ok || user != "alice" || pass != "secret" {
			w.Header().Set("WWW-Authenticate", `Basic realm="registry"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		fmt.Fprintln(w, "welcome, alice")
	}))
	defer registry.Close()
	host := strings.TrimPrefix(registry.URL, "https://")

	client := &http.Client{Transport: auth.NewTransportWithOptions(registry.Client().Transport, auth.TransportOptions{
		Credentials: func(ctx context.Context, scheme, h string) (string, string, error) {
			fmt.Println("credentials asked for", scheme)
			if scheme == "https" && h == host {
				return "alice", "secret", nil
			}
			return "", "", nil
		},
	})}
	resp, err := client.Get(registry.URL + "/v2/")
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.Status, ": ", string(body))

	// A Bearer registry whose token server refuses the password.
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			w.WriteHeader(http.StatusUnauthorized)
			io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="/token",service="registry"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer refusing.Close()
	client.Transport = auth.NewTransportWithOptions(nil, auth.TransportOptions{
		Credentials: func(ctx context.Context, scheme, h string) (string, string, error) {
			return "alice", "wrong", nil
		},
	})
	_, err = client.Get(refusing.URL + "/v2/library/alpine/manifests/3.20")
	var refusal errcode.HTTPError
	if errors.As(err, &refusal) {
		fmt.Println("token server:", refusal.StatusCode, errors.Is(err, errcode.ErrorCodeUnauthorized))
	}
	// Output:
	// credentials asked for https
	// 200 OK: welcome, alice
	// token server: 401 true
}
