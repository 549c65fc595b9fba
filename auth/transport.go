package auth

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/internal/grammar"
)

// ErrRealmRefused is the error RoundTrip returns, wrapped, when a Bearer
// challenge names a realm the transport will not send credentials to: not
// an http or https URL, with user information, without a valid host, or on
// a local address other than the registry's. A realm that would take
// credentials from https to plain http is not an error: the challenge is
// left unanswered and its 401 returned, as for every step to plain http.
var ErrRealmRefused = errors.New("realm refused")

// TransportOptions configures the transport of NewTransportWithOptions.
// The zero value makes an anonymous transport, which still fetches the
// tokens a registry grants without credentials.
type TransportOptions struct {
	// Credentials returns the user name and password for the registry a
	// request goes to: scheme is its URL's scheme, "https" or "http", and
	// host the host as the URL writes it ("registry.example.com",
	// "127.0.0.1:5000"). When a token is fetched for a challenge, the
	// scheme and host are those of the registry request that was
	// challenged, never the realm's: the password is the registry's, and
	// the realm only a place the registry names to trade it in. It is
	// asked whenever that host challenges, and should answer only for the
	// hosts, and schemes, the credentials belong to. It may be nil, and may
	// return two empty strings, for anonymous access.
	//
	// It is never asked for a challenge the transport will not answer: one
	// over plain http from a host the transport has reached over https,
	// or one whose realm would take credentials to plain http.
	Credentials func(ctx context.Context, scheme, host string) (user, password string, err error)
}

// NewTransport returns NewTransportWithOptions(base, opts), where
// opts.Credentials asks creds for the host alone, whatever the scheme. creds
// returns the user name and password for the host a request goes to, as
// the request URL writes it ("registry.example.com", "127.0.0.1:5000"). Its
// answers never travel over plain http to a host the transport has reached
// over https (see NewTransportWithOptions); a caller who also wants to keep
// a host's credentials off plain http from the start uses
// NewTransportWithOptions and answers only for "https".
func NewTransport(base http.RoundTripper, creds func(ctx context.Context, host string) (username, password string, err error)) http.RoundTripper {
	var opts TransportOptions
	if creds != nil {
		opts.Credentials = func(ctx context.Context, _, host string) (string, string, error) {
			return creds(ctx, host)
		}
	}
	return NewTransportWithOptions(base, opts)
}

// NewTransportWithOptions returns a RoundTripper that authenticates
// requests to registries on top of base (http.DefaultTransport when nil),
// with the credentials opts.Credentials gives for each registry. For a
// host that asked for Basic the answer is kept and sent with later
// requests until the host refuses it, so that a credential helper that
// starts a process per call is not asked once per request; for Bearer it
// is asked whenever a token is fetched.
//
// A request that gets a 401 is answered as its challenges ask. Among the
// challenges (ParseChallenges) a Bearer challenge with a realm is
// preferred, since its token carries scopes; otherwise a Basic challenge is
// answered with the host's credentials if there are any. For Bearer the
// transport fetches a token from the realm for the challenge's scopes
// united with those the request needs (Required, for the request path from
// its "/v2/" on, so registries below a path prefix are served too), and
// repeats the request once with it. A request whose body cannot be
// replayed, having no GetBody, is not repeated: its 401 is returned.
//
// After a host's first challenge, every request to it carries credentials
// from the start: Basic credentials, or a token that covers the scopes the
// request needs, from the cache or fetched before the request is sent. A
// streamed upload therefore needs no replay once the host is known. Tokens
// are cached per registry, realm, service and scopes until 5 seconds before
// they expire, by the expires_in of the response counted from when it
// arrived (the token server's clock may differ from the client's). The
// transport remembers the 64 hosts that challenged last and at most 64
// tokens; a host it has forgotten is learnt again from its next challenge.
// Requests that need a token another request is fetching wait for it
// rather than fetch one each.
//
// Each request is sent at most twice. It is repeated only when the second
// attempt can differ from the first: after no credentials, after a cached
// token (which the server may have revoked), or when the challenge asks for
// scopes the token sent was not fetched for, as an insufficient_scope
// challenge may. A token fetched for this very request and refused ends
// the exchange with the 401. A token refused for the scopes it was fetched
// for, or as invalid_token, leaves the cache, so that the next request
// fetches afresh rather than meet the same refusal.
//
// Tokens are fetched with GET only: the realm's URL with service (when the
// challenge has one), one scope parameter per scope, and account plus Basic
// credentials when there are credentials. Every token server serves GET,
// while POST is optional and servers without it refuse it in several ways;
// the POST grants exist for refresh tokens, which this transport does not
// keep. The token server's answer is not followed through redirects. A
// token server that refuses, answering other than 200, makes RoundTrip
// return an errcode.HTTPError (which http.Client wraps in a *url.Error)
// with the status, the header and the entries of the body's error
// envelope, or, for a body without one, the entry the status stands for:
// ErrorCodeUnauthorized for 401, ErrorCodeDenied for 403,
// ErrorCodeTooManyRequests for 429 and ErrorCodeUnknown otherwise. So
// errors.Is(err, errcode.ErrorCodeUnauthorized) tells a wrong password. No
// error shows the password: an entry whose text holds it, or the encoded
// credentials, keeps only its code. A registry's own 401 is a response,
// never an error.
//
// Credentials never travel over plain http to a host the transport has
// reached over https in its lifetime: once a request has gone to
// https://reg.example, a challenge from http://reg.example is not
// answered, with a password or a token, and no token is fetched with the
// password from an http realm on that host, whether a redirect, an upload
// Location or a realm led there. The 401 is returned as it came, without
// an error. A host here is the host as the URL writes it, in any letter
// case, without a trailing dot, and with ports 80 and 443 left out, so
// that https://reg.example:443 and http://reg.example:80 are one host
// while localhost:5000 and localhost:5001 are two. A registry addressed
// over plain http and never over https (http://localhost:5000) is
// answered as any other. The transport remembers up to 1024 such hosts;
// a registry that sends it to more fills the memory, and from then on no
// challenge over plain http is answered at all, since the hosts it could
// not write down might be any.
//
// Credentials go only to the host of the request and to the realm its
// challenge names. The realm must be an http or https URL without user
// information whose host passes the registry host grammar (no odd forms of
// IP addresses); a relative realm is resolved against the request URL. A
// realm that would take credentials from https to http, that of a
// registry request over https or one on a host reached over https, is
// never sent a request: its challenge is left unanswered, and the 401
// returned. A realm is refused, and RoundTrip fails with an error wrapping
// ErrRealmRefused, when it is not a URL of that form, or when it is on a
// loopback, private, link-local or unspecified address, or localhost,
// while its host and port differ from the registry's: such a realm lets a
// remote registry aim the client's credentials at services of the
// client's own network. Cross-host realms such as Docker Hub's are
// allowed. The check sees only the realm's name, not what it resolves to.
//
// A request that already has an Authorization header is sent as it is and
// its response returned untouched. The transport is safe for concurrent
// use.
func NewTransportWithOptions(base http.RoundTripper, opts TransportOptions) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{base: base, creds: opts.Credentials, now: time.Now, hosts: make(map[string]*hostState), fetching: make(map[string]*tokenFetch)}
}

// Limits of the transport.
const (
	// maxCachedTokens bounds the token cache: a registry inventing a new
	// scope per response cannot make it grow without end.
	maxCachedTokens = 64

	// maxHosts bounds what the transport remembers of hosts: a registry
	// can redirect to hosts of its choosing, each of which may challenge.
	// A host forgotten is learnt again from its next challenge.
	maxHosts = 64

	// maxTokenResponse is the largest token response read; tokens are a
	// few kilobytes.
	maxTokenResponse = 1 << 20

	// maxDrain is how much of a 401's body is read before it is closed, so
	// that the connection can carry the repeated request.
	maxDrain = 64 << 10

	// renewBefore is how long before its expiry a token stops being used,
	// so that it does not expire on its way to the registry.
	renewBefore = 5 * time.Second
)

type transport struct {
	base   http.RoundTripper
	creds  func(ctx context.Context, scheme, host string) (string, string, error)
	now    func() time.Time // replaced by tests
	secure secureHosts      // the hosts reached over https

	mu        sync.Mutex
	hosts     map[string]*hostState  // by origin
	hostOrder []string               // the origins of hosts, least recently challenged first
	tokens    []*cachedToken         // oldest first
	fetching  map[string]*tokenFetch // by fetchKey, the fetches under way
}

// hostState is what the transport learnt of a registry from its last
// challenge.
type hostState struct {
	scheme  string   // "Basic" or "Bearer"
	basic   string   // Basic: the Authorization value, until refused
	realm   *url.URL // Bearer: the checked realm
	realmID string   // Bearer: realm.String(), which tokens are cached by
	service string   // Bearer: the challenge's service
	last    *cachedToken
}

// cachedToken is a token and what it was fetched for.
type cachedToken struct {
	origin  string // the registry it is sent to
	realm   string
	service string
	scopes  []Scope // merged
	value   string
	expires time.Time
}

// fetchedFor reports whether tok was fetched for exactly this realm,
// service and merged scopes.
func (tok *cachedToken) fetchedFor(realm, service string, scopes []Scope) bool {
	if tok.realm != realm || tok.service != service || len(tok.scopes) != len(scopes) {
		return false
	}
	for i := range scopes {
		if tok.scopes[i].String() != scopes[i].String() {
			return false
		}
	}
	return true
}

// attempt records what credentials a request was sent with.
type attempt struct {
	basic string // the Basic Authorization value sent, or ""
	token *cachedToken
	fresh bool // token was fetched for this request
}

// RoundTrip sends req, answering a 401 as NewTransportWithOptions
// describes.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL == nil || req.URL.Host == "" || (req.URL.Scheme != "http" && req.URL.Scheme != "https") {
		return t.base.RoundTrip(req)
	}
	if req.URL.Scheme == "https" {
		t.secure.add(req.URL)
	} else if !t.secure.plainAllowed(req.URL) {
		// Plain http to a host reached over https: sent without
		// credentials, and a 401 returned as it is.
		return t.base.RoundTrip(req)
	}
	if req.Header.Get("Authorization") != "" {
		return t.base.RoundTrip(req)
	}
	origin := originOf(req.URL)
	needed := requiredFor(req)

	first := req.Clone(req.Context())
	sent, err := t.authorize(first, origin, needed)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	resp, err := t.base.RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}

	replayable := req.Body == nil || req.Body == http.NoBody || req.GetBody != nil
	authorization, tok, err := t.answer(req, origin, needed, ParseChallenges(resp.Header), sent, replayable)
	if err != nil {
		resp.Body.Close()
		return nil, err
	}
	if authorization == "" || !replayable {
		return resp, nil
	}
	second := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		if second.Body, err = req.GetBody(); err != nil {
			resp.Body.Close()
			return nil, fmt.Errorf("auth: replaying the request body: %w", err)
		}
	}
	second.Header.Set("Authorization", authorization)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxDrain))
	resp.Body.Close()
	resp, err = t.base.RoundTrip(second)
	if err == nil && resp.StatusCode == http.StatusUnauthorized {
		if tok != nil {
			// Refused although fetched for this request's challenge:
			// later requests fetch afresh instead of trying it again.
			t.mu.Lock()
			t.dropLocked(tok)
			t.mu.Unlock()
		} else {
			t.forgetBasic(origin, authorization)
		}
	}
	return resp, err
}

// closeBody closes the body of a request RoundTrip will not send, as a
// RoundTripper must.
func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}

// originOf returns scheme://host:port of u, lower-cased, with the port the
// scheme implies written out.
func originOf(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + strings.ToLower(hostPort(u))
}

// hostPort returns the host and port of u, with the default port of its
// scheme when it has none.
func hostPort(u *url.URL) string {
	host, port := u.Hostname(), grammar.PortOf(u.Port(), u.Scheme)
	if strings.Contains(host, ":") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

// requiredFor returns the scopes req needs, or nil when its path, from its
// first "/v2/" that begins an API path on, is not an API request.
func requiredFor(req *http.Request) []Scope {
	path := req.URL.Path
	for i := 0; ; {
		j := strings.Index(path[i:], "/v2/")
		if j < 0 {
			return nil
		}
		i += j
		if m, ok := regapi.MatchPath(path[i:]); ok {
			return Required(req.Method, m, req.URL.Query())
		}
		i++
	}
}

// authorize sets the Authorization header of req from what the transport
// knows of its host.
func (t *transport) authorize(req *http.Request, origin string, needed []Scope) (attempt, error) {
	t.mu.Lock()
	hs := t.hosts[origin]
	var state hostState
	if hs != nil {
		state = *hs
	}
	t.mu.Unlock()

	switch state.scheme {
	case "Basic":
		v := state.basic
		if v == "" {
			// Refused last time: ask again, as the host challenged.
			var err error
			if v, err = t.basicAuthorization(req); err != nil || v == "" {
				return attempt{}, err
			}
			t.mu.Lock()
			if hs := t.hosts[origin]; hs != nil && hs.scheme == "Basic" && hs.basic == "" {
				hs.basic = v
			}
			t.mu.Unlock()
		}
		req.Header.Set("Authorization", v)
		return attempt{basic: v}, nil
	case "Bearer":
		if needed == nil {
			// Not an API request: the host's last token, if still good.
			if tok := state.last; tok != nil && t.now().Before(tok.expires) {
				req.Header.Set("Authorization", "Bearer "+tok.value)
				return attempt{token: tok}, nil
			}
			return attempt{}, nil
		}
		// needed is merged already: RequiredFor merges what it returns.
		if tok := t.lookup(origin, state.realmID, state.service, needed); tok != nil {
			req.Header.Set("Authorization", "Bearer "+tok.value)
			return attempt{token: tok}, nil
		}
		tok, err := t.fetch(req, origin, state.realm, state.service, needed)
		if errors.Is(err, errPlainRealm) {
			return attempt{}, nil // sent without, and not answered
		}
		if err != nil {
			return attempt{}, err
		}
		req.Header.Set("Authorization", "Bearer "+tok.value)
		return attempt{token: tok, fresh: true}, nil
	}
	return attempt{}, nil
}

// answer learns from the challenges of a 401 and returns the Authorization
// value to repeat the request with, and the token it holds if any, or ""
// when the request should not be repeated. With replayable false it only
// learns.
func (t *transport) answer(req *http.Request, origin string, needed []Scope, challenges []Challenge, sent attempt, replayable bool) (string, *cachedToken, error) {
	var bearer, basic *Challenge
	for i := range challenges {
		c := &challenges[i]
		switch {
		case c.Scheme == "Bearer" && c.Realm() != "" && bearer == nil:
			bearer = c
		case c.Scheme == "Basic" && basic == nil:
			basic = c
		}
	}
	switch {
	case bearer != nil:
		realm, err := checkRealm(req.URL, bearer.Realm())
		if err == nil && t.plainRefused(req.URL, realm) {
			err = errPlainRealm
		}
		if errors.Is(err, errPlainRealm) {
			return "", nil, nil
		}
		if err != nil {
			return "", nil, err
		}
		realmID, service := realm.String(), bearer.Service()
		scopes := MergeScopes(append(bearer.Scopes(), needed...)...)
		same := sent.token != nil && sent.token.fetchedFor(realmID, service, scopes)
		t.mu.Lock()
		hs := t.challengedLocked(origin)
		hs.scheme, hs.basic, hs.realm, hs.realmID, hs.service = "Bearer", "", realm, realmID, service
		if same || sent.token != nil && bearer.ErrorParam() == "invalid_token" {
			// Refused for what it was fetched for, or revoked: it is no
			// good. A token refused for more than it was fetched for
			// still serves the requests it covers.
			t.dropLocked(sent.token)
		}
		t.mu.Unlock()
		if sent.fresh && same || !replayable {
			return "", nil, nil
		}
		tok := t.lookup(origin, realmID, service, scopes)
		if tok == nil || tok == sent.token {
			if tok, err = t.fetch(req, origin, realm, service, scopes); errors.Is(err, errPlainRealm) {
				return "", nil, nil
			} else if err != nil {
				return "", nil, err
			}
		}
		return "Bearer " + tok.value, tok, nil
	case basic != nil:
		if sent.basic != "" {
			// The credentials were refused: the next request asks for
			// them again, in case they have changed.
			t.forgetBasic(origin, sent.basic)
			return "", nil, nil
		}
		v, err := t.basicAuthorization(req)
		if err != nil || v == "" {
			return "", nil, err
		}
		t.mu.Lock()
		*t.challengedLocked(origin) = hostState{scheme: "Basic", basic: v}
		t.mu.Unlock()
		return v, nil, nil
	}
	return "", nil, nil
}

// challengedLocked returns the state of origin, which has just
// challenged, making one if there is none; t.mu is held. The host becomes
// the most recently challenged, and when a new one makes more than
// maxHosts, the least recently challenged is forgotten.
func (t *transport) challengedLocked(origin string) *hostState {
	for i, o := range t.hostOrder {
		if o == origin {
			copy(t.hostOrder[i:], t.hostOrder[i+1:])
			t.hostOrder[len(t.hostOrder)-1] = origin
			return t.hosts[origin]
		}
	}
	if len(t.hostOrder) >= maxHosts {
		delete(t.hosts, t.hostOrder[0])
		t.hostOrder = append(t.hostOrder[:0], t.hostOrder[1:]...)
	}
	hs := &hostState{}
	t.hosts[origin] = hs
	t.hostOrder = append(t.hostOrder, origin)
	return hs
}

// forgetBasic drops the Basic Authorization value kept for origin if it is
// v, the one a refused request carried; a value stored since by another
// request stays.
func (t *transport) forgetBasic(origin, v string) {
	t.mu.Lock()
	if hs := t.hosts[origin]; hs != nil && hs.basic == v {
		hs.basic = ""
	}
	t.mu.Unlock()
}

// basicAuthorization returns the Basic Authorization value for the host of
// req, or "" when there are no credentials.
func (t *transport) basicAuthorization(req *http.Request) (string, error) {
	user, pass, err := t.credentials(req)
	if err != nil || user == "" && pass == "" {
		return "", err
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass)), nil
}

// credentials asks creds for the credentials of the scheme and host of
// req, a registry request.
func (t *transport) credentials(req *http.Request) (string, string, error) {
	if t.creds == nil {
		return "", "", nil
	}
	user, pass, err := t.creds(req.Context(), req.URL.Scheme, req.URL.Host)
	if err != nil {
		return "", "", fmt.Errorf("auth: credentials for %s: %w", req.URL.Host, err)
	}
	return user, pass, nil
}

// lookup returns the newest unexpired token for origin, realm and service
// whose scopes cover scopes, which are merged, or nil. The candidates are
// gathered under the lock and compared after it, so that a request whose
// scopes take long to compare holds up no other.
func (t *transport) lookup(origin, realm, service string, scopes []Scope) *cachedToken {
	now := t.now()
	var candidates [maxCachedTokens]*cachedToken
	n := 0
	t.mu.Lock()
	for i := len(t.tokens) - 1; i >= 0; i-- {
		tok := t.tokens[i]
		if tok.origin == origin && tok.realm == realm && tok.service == service && now.Before(tok.expires) && n < len(candidates) {
			candidates[n] = tok
			n++
		}
	}
	t.mu.Unlock()
	for _, tok := range candidates[:n] {
		if covers(tok.scopes, scopes) {
			return tok
		}
	}
	return nil
}

// covers is Allows for merged lists, those of MergeScopes: sorted by type
// and name with one entry per resource, actions sorted without repeats and
// "*" alone. It walks both lists once, where Allows compares every needed
// action with every grant: a registry picks how many scopes its challenge
// lists, and a token fetched for them holds as many.
func covers(granted, needed []Scope) bool {
	i := 0
	for _, n := range needed {
		if len(n.Actions) == 0 {
			continue // asks for nothing
		}
		for i < len(granted) && (granted[i].Type < n.Type || granted[i].Type == n.Type && granted[i].Name < n.Name) {
			i++
		}
		if i == len(granted) || granted[i].Type != n.Type || granted[i].Name != n.Name {
			return false
		}
		g := granted[i].Actions
		if len(g) == 1 && g[0] == "*" {
			continue
		}
		j := 0
		for _, a := range n.Actions {
			for j < len(g) && g[j] < a {
				j++
			}
			if j == len(g) || g[j] != a {
				return false
			}
		}
	}
	return true
}

// dropLocked removes tok from the cache; t.mu is held.
func (t *transport) dropLocked(tok *cachedToken) {
	for i, c := range t.tokens {
		if c == tok {
			t.tokens = append(t.tokens[:i], t.tokens[i+1:]...)
			break
		}
	}
	for _, hs := range t.hosts {
		if hs.last == tok {
			hs.last = nil
		}
	}
}

// tokenFetch is a token request under way, which requests that need the
// same token wait for instead of asking for one each.
type tokenFetch struct {
	done chan struct{} // closed when tok and err are set
	tok  *cachedToken
	err  error
}

// fetch returns a token fetched for origin, realm, service and scopes: the
// one another request is fetching for the same if there is one, otherwise
// one it fetches itself. Twenty pulls started together thus send one token
// request, and ask for the credentials once. A request whose fetch another
// request's cancellation ended fetches for itself.
func (t *transport) fetch(req *http.Request, origin string, realm *url.URL, service string, scopes []Scope) (*cachedToken, error) {
	var key strings.Builder
	key.WriteString(origin)
	key.WriteByte(' ')
	key.WriteString(realm.String())
	key.WriteByte(' ')
	key.WriteString(service)
	for _, s := range scopes {
		key.WriteByte(' ')
		key.WriteString(s.String())
	}
	k := key.String()
	ctx := req.Context()
	for {
		t.mu.Lock()
		f := t.fetching[k]
		if f == nil {
			f = &tokenFetch{done: make(chan struct{})}
			t.fetching[k] = f
			t.mu.Unlock()
			f.tok, f.err = t.fetchToken(req, origin, realm, service, scopes)
			t.mu.Lock()
			delete(t.fetching, k)
			t.mu.Unlock()
			close(f.done)
			return f.tok, f.err
		}
		t.mu.Unlock()
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, fmt.Errorf("auth: waiting for a token from %s: %w", realm.Redacted(), ctx.Err())
		}
		if f.err == nil || !errors.Is(f.err, context.Canceled) && !errors.Is(f.err, context.DeadlineExceeded) {
			return f.tok, f.err
		}
		// The fetch ended with its own request: try again.
	}
}

// plainRefused reports whether a token request to realm for a request to
// registry would take credentials over plain http where they must not go:
// the realm is http and the registry request is not, or the realm's host
// or the registry's was reached over https. It is asked when a challenge
// is answered and again before each token request, since a host may have
// been reached over https in between.
func (t *transport) plainRefused(registry, realm *url.URL) bool {
	return realm.Scheme != "https" && (registry.Scheme != "http" || !t.secure.plainAllowed(realm) || !t.secure.plainAllowed(registry))
}

// fetchToken asks the realm for a token and caches it.
func (t *transport) fetchToken(req *http.Request, origin string, realm *url.URL, service string, scopes []Scope) (*cachedToken, error) {
	if t.plainRefused(req.URL, realm) {
		return nil, errPlainRealm
	}
	if realm.Scheme == "https" {
		t.secure.add(realm)
	}
	user, pass, err := t.credentials(req)
	if err != nil {
		return nil, err
	}
	u := *realm
	q := u.Query()
	if service != "" {
		q.Set("service", service)
	}
	for _, s := range scopes {
		q.Add("scope", s.String())
	}
	if user != "" {
		q.Set("account", user)
	}
	u.RawQuery = q.Encode()
	treq, err := http.NewRequestWithContext(req.Context(), http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("auth: token request to %s: %w", realm.Redacted(), err)
	}
	if user != "" || pass != "" {
		treq.SetBasicAuth(user, pass)
	}
	if ua := req.Header.Get("User-Agent"); ua != "" {
		treq.Header.Set("User-Agent", ua)
	}
	resp, err := t.base.RoundTrip(treq)
	if err != nil {
		return nil, fmt.Errorf("auth: token request to %s: %w", realm.Redacted(), err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		basic, _ := strings.CutPrefix(treq.Header.Get("Authorization"), "Basic ")
		return nil, tokenRefusal(resp, pass, basic)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenResponse+1))
	if err != nil {
		return nil, fmt.Errorf("auth: reading the token response of %s: %w", realm.Redacted(), err)
	}
	if len(body) > maxTokenResponse {
		return nil, fmt.Errorf("auth: the token response of %s is over %d bytes", realm.Redacted(), maxTokenResponse)
	}
	var tok Token
	if err := json.Unmarshal(body, &tok); err != nil {
		return nil, fmt.Errorf("auth: the token response of %s: %w", realm.Redacted(), err)
	}
	if !isHeaderToken(tok.Token) {
		return nil, fmt.Errorf("auth: the token of %s holds characters a header cannot carry", realm.Redacted())
	}
	ct := &cachedToken{
		origin:  origin,
		realm:   realm.String(),
		service: service,
		scopes:  scopes,
		value:   tok.Token,
		expires: t.now().Add(time.Duration(tok.ExpiresIn)*time.Second - renewBefore),
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	kept := t.tokens[:0]
	for _, c := range t.tokens {
		if now.Before(c.expires) {
			kept = append(kept, c)
		}
	}
	for i := len(kept); i < len(t.tokens); i++ {
		t.tokens[i] = nil
	}
	t.tokens = kept
	if len(t.tokens) >= maxCachedTokens {
		t.dropLocked(t.tokens[0])
	}
	t.tokens = append(t.tokens, ct)
	if hs := t.hosts[origin]; hs != nil {
		hs.last = ct
	}
	return ct, nil
}

// isHeaderToken reports whether a token can follow "Bearer " in a header:
// visible ASCII without spaces.
func isHeaderToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return false
		}
	}
	return s != ""
}

// errPlainRealm is the error of checkRealm and fetchToken for a realm that
// would take credentials to plain http: the challenge that names it is left
// unanswered, its 401 returned without an error.
var errPlainRealm = errors.New("auth: the realm would take credentials to plain http")

// checkRealm resolves a challenge's realm against the request URL and
// refuses the realms NewTransportWithOptions describes: with errPlainRealm
// an http realm of an https registry, with an error wrapping
// ErrRealmRefused the others.
func checkRealm(registry *url.URL, realm string) (*url.URL, error) {
	refuse := func(why string) error {
		return fmt.Errorf("auth: %w: %q %s", ErrRealmRefused, short(realm), why)
	}
	ref, err := url.Parse(realm)
	if err != nil {
		return nil, refuse("is not a URL")
	}
	u := registry.ResolveReference(ref)
	u.Fragment, u.RawFragment = "", ""
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, refuse("is not an http or https URL")
	case u.User != nil:
		return nil, refuse("carries user information")
	case !grammar.IsHost(u.Host):
		return nil, refuse("has no valid host")
	case strings.EqualFold(registry.Scheme, "https") && u.Scheme == "http":
		return nil, errPlainRealm
	case isLocalHost(u.Hostname()) && !grammar.SameHostPort(u, registry):
		return nil, refuse("is on a local or private address other than the registry's")
	}
	return u, nil
}

// isLocalHost reports whether host names this machine or its network:
// localhost and its subdomains, and loopback, private, link-local and
// unspecified addresses, IPv4 ones also in their IPv6 forms.
func isLocalHost(host string) bool {
	host = strings.ToLower(host)
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	addr = addr.Unmap()
	return addr.IsLoopback() || addr.IsPrivate() || addr.IsLinkLocalUnicast() || addr.IsUnspecified() ||
		addr.IsLinkLocalMulticast() || addr.IsInterfaceLocalMulticast()
}
