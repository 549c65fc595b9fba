package registrytest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/reply"
)

// AuthMode says how a registry authenticates requests.
type AuthMode int

const (
	// AuthNone lets every request through, as the registry has always
	// done.
	AuthNone AuthMode = iota

	// AuthBasic asks for a user name and password on every request
	// (RFC 7617), as registries behind htpasswd do.
	AuthBasic

	// AuthToken asks for a bearer token, which clients fetch from the
	// registry's own token server at /token, the token protocol of the
	// Docker registry that every registry client speaks.
	AuthToken
)

// Auth configures authentication. The zero value is AuthNone.
//
// Whatever the mode, the API's base, GET /v2/, answers 401 with a
// challenge to a request without credentials (clients check a login so)
// and 200 to any valid credential. Other requests need the access the
// descriptors give their variant (see package auth): pull for reads, pull
// and push for writes, delete for deletes, pull on the source of a mount,
// registry:catalog:* for the catalog; a mount without a source links only
// from repositories the request may pull, and otherwise opens an upload
// session. The answers are those of
// distribution: 401 with a challenge and an UNAUTHORIZED envelope for
// missing or bad credentials; with tokens, error="invalid_token" in the
// challenge for a token that is malformed, forged or expired, and
// error="insufficient_scope" with the scope needed for one that lacks it;
// with Basic, 403 DENIED for a user who may not do what is asked. The
// token server answers 400 rather than issue a token longer than the
// registry accepts (64 KiB: about a thousand scopes of long names).
type Auth struct {
	// Mode is AuthNone, AuthBasic or AuthToken.
	Mode AuthMode

	// Users are the accounts. A user may pull, push and delete in every
	// repository and list the catalog, unless PullOnly.
	Users []User

	// AnonymousPull lets clients without credentials pull: with Basic,
	// requests without credentials may read; with tokens, the token server
	// grants pull to anonymous token requests.
	AnonymousPull bool

	// TokenTTL is how long a token lives: DefaultTokenTTL when zero. The
	// token response's expires_in says so, even below the 60 seconds
	// clients raise it to, so that shorter lifetimes test expiry.
	TokenTTL time.Duration

	// Service is the service named in challenges, which clients send back
	// to the token server; "registrytest" when empty.
	Service string
}

// User is an account of the registry.
type User struct {
	// Name and Password are the credentials. Passwords are compared in
	// constant time and never logged.
	Name, Password string

	// PullOnly restricts the user to pulling and listing.
	PullOnly bool

	// Repositories, when not empty, are the only repositories the user
	// may act on, named exactly, beyond what AnonymousPull lets anyone do;
	// such a user may not list the catalog, which names the others.
	// Empty: every repository.
	Repositories []string
}

// DefaultTokenTTL is how long tokens live by default.
const DefaultTokenTTL = 5 * time.Minute

// refreshTokenTTL is how long a refresh token lives.
const refreshTokenTTL = 24 * time.Hour

// tokenPath is where the token server answers.
const tokenPath = "/token"

// authenticator holds what a registry needs to authenticate: its
// configuration and the key its tokens are signed with, drawn when the
// registry is made.
type authenticator struct {
	cfg Auth
	key [32]byte
	now func() time.Time

	// passwords are the SHA-256 hashes of the users' passwords, in the
	// order of cfg.Users, computed once: a request hashes only the
	// password it gives.
	passwords [][sha256.Size]byte
}

func newAuthenticator(cfg Auth, now func() time.Time) *authenticator {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = DefaultTokenTTL
	}
	if cfg.Service == "" {
		cfg.Service = "registrytest"
	}
	// The accounts are copied, so that a caller changing its Options
	// afterwards changes nothing here.
	cfg.Users = slices.Clone(cfg.Users)
	for i := range cfg.Users {
		cfg.Users[i].Repositories = slices.Clone(cfg.Users[i].Repositories)
	}
	a := &authenticator{cfg: cfg, now: now, passwords: make([][sha256.Size]byte, len(cfg.Users))}
	for i, u := range cfg.Users {
		a.passwords[i] = sha256.Sum256([]byte(u.Password))
	}
	if _, err := rand.Read(a.key[:]); err != nil {
		panic("registrytest: reading random bytes: " + err.Error())
	}
	return a
}

// user returns the user whose name and password these are, or nil. The
// passwords are compared in constant time, whatever their lengths, by
// comparing their hashes.
func (a *authenticator) user(name, password string) *User {
	var found *User
	given := sha256.Sum256([]byte(password))
	for i := range a.cfg.Users {
		u := &a.cfg.Users[i]
		if subtle.ConstantTimeCompare(given[:], a.passwords[i][:]) == 1 && u.Name == name && found == nil {
			found = u
		}
	}
	return found
}

// allowed returns the actions a user (nil: anonymous) may take on a
// resource of the given type.
func (a *authenticator) allowed(u *User, typ, name string) []string {
	switch {
	case typ == "registry" && name == "catalog":
		if u != nil && len(u.Repositories) == 0 {
			return []string{"*"}
		}
	case typ != "repository" || !grammar.IsRepository(name):
	case u != nil && len(u.Repositories) > 0 && !slices.Contains(u.Repositories, name):
		// A user has, outside their repositories, what anyone has.
		if a.cfg.AnonymousPull {
			return []string{"pull"}
		}
	case u != nil && !u.PullOnly:
		return []string{"delete", "pull", "push"}
	case u != nil || a.cfg.AnonymousPull:
		return []string{"pull"}
	}
	return nil
}

// grant returns the scopes of requested that a user (nil: anonymous) gets:
// each with the actions it asks for that the user may take.
func (a *authenticator) grant(u *User, requested []auth.Scope) []auth.Scope {
	var out []auth.Scope
	for _, s := range requested {
		may := a.allowed(u, s.Type, s.Name)
		var actions []string
		for _, act := range s.Actions {
			switch {
			case act == "*" && len(may) > 0:
				actions = append(actions, may...)
			case containsAction(may, act) || containsAction(may, "*"):
				actions = append(actions, act)
			}
		}
		if len(actions) > 0 {
			out = append(out, auth.Scope{Type: s.Type, Name: s.Name, Actions: actions})
		}
	}
	return auth.MergeScopes(out...)
}

func containsAction(list []string, a string) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

// claims are what a token carries, signed.
type claims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience string   `json:"aud"`
	Kind     string   `json:"typ"` // "access" or "refresh"
	IssuedAt int64    `json:"iat"`
	Expires  int64    `json:"exp"`
	Access   []string `json:"access,omitempty"`
}

const tokenIssuer = "registrytest"

// maxTokenLength is the longest token the registry accepts, so that a
// forged token of megabytes costs no decoding. The token server refuses to
// issue a longer one: a token the registry then refused would send the
// client back to the token server for the same token, for ever.
const maxTokenLength = 64 << 10

// sign returns a token carrying c: the claims in JSON and an HMAC of them,
// each in unpadded base64url, joined by a dot.
func (a *authenticator) sign(c claims) string {
	payload, _ := json.Marshal(c)
	body := base64.RawURLEncoding.EncodeToString(payload)
	mac := hmac.New(sha256.New, a.key[:])
	mac.Write([]byte(body))
	return body + "." + base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

// errBadToken reports a token that is malformed, forged, expired, of the
// wrong kind or for another service.
var errBadToken = errors.New("the token is not valid")

// verify returns the claims of a token of the given kind this registry
// signed and that has not expired.
func (a *authenticator) verify(token, kind string) (claims, error) {
	body, sig, ok := strings.Cut(token, ".")
	if !ok || len(token) > maxTokenLength {
		return claims{}, errBadToken
	}
	got, err := grammar.DecodeBase64URL(sig)
	if err != nil {
		return claims{}, errBadToken
	}
	mac := hmac.New(sha256.New, a.key[:])
	mac.Write([]byte(body))
	if !hmac.Equal(got, mac.Sum(nil)) {
		return claims{}, errBadToken
	}
	payload, err := grammar.DecodeBase64URL(body)
	if err != nil {
		return claims{}, errBadToken
	}
	var c claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return claims{}, errBadToken
	}
	if c.Issuer != tokenIssuer || c.Kind != kind || c.Audience != a.cfg.Service || a.now().Unix() >= c.Expires {
		return claims{}, errBadToken
	}
	return c, nil
}

// scopesOf parses the access of a token; the registry wrote it, so every
// entry parses.
func scopesOf(c claims) []auth.Scope {
	var out []auth.Scope
	for _, s := range c.Access {
		if sc, err := auth.ParseScope(s); err == nil {
			out = append(out, sc)
		}
	}
	return out
}

// authorize is the server's Options.Authorize: it decides whether a
// request may have the access needed. A refusal for missing or bad
// credentials is a 401 carrying the challenge to send; one for a user who
// may not do what is asked is DENIED (Basic) or a 401 with
// error="insufficient_scope" (tokens). The server asks again for each
// repository a mount without from may link from, with pull on it alone:
// a token's own scopes decide, never what its account could have been
// granted, and with Basic the user's rights.
func (reg *Registry) authorize(r *http.Request, _ regapi.RequestMatch, needed []auth.Scope) error {
	a := reg.auth
	if a == nil {
		return nil
	}
	scheme, credentials, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch a.cfg.Mode {
	case AuthBasic:
		if !strings.EqualFold(scheme, "Basic") {
			if a.cfg.AnonymousPull && len(needed) > 0 && auth.Allows(a.grant(nil, needed), needed...) {
				return nil
			}
			return reg.challenge(r, "", needed)
		}
		name, password, ok := r.BasicAuth()
		u := a.user(name, password)
		if !ok || u == nil {
			return reg.challenge(r, "", needed)
		}
		if !auth.Allows(a.grant(u, needed), needed...) {
			return errcode.ErrorCodeDenied.WithDetail(scopeStrings(needed))
		}
		return nil
	case AuthToken:
		if !strings.EqualFold(scheme, "Bearer") {
			return reg.challenge(r, "", needed)
		}
		cl, err := a.verify(strings.TrimSpace(credentials), "access")
		if err != nil {
			return reg.challenge(r, "invalid_token", needed)
		}
		if !auth.Allows(scopesOf(cl), needed...) {
			return reg.challenge(r, "insufficient_scope", needed)
		}
		return nil
	}
	return nil
}

// challenge returns the 401 answering a request without the credentials
// needed: its WWW-Authenticate challenge and an UNAUTHORIZED entry naming
// the access needed.
func (reg *Registry) challenge(r *http.Request, errParam string, needed []auth.Scope) error {
	ch := auth.Challenge{Scheme: "Basic", Params: map[string]string{"realm": reg.auth.cfg.Service}}
	if reg.auth.cfg.Mode == AuthToken {
		ch = auth.Challenge{Scheme: "Bearer", Params: map[string]string{
			"realm":   reg.tokenRealm(r),
			"service": reg.auth.cfg.Service,
		}}
		if len(needed) > 0 {
			ch.Params["scope"] = strings.Join(scopeStrings(needed), " ")
		}
		if errParam != "" {
			ch.Params["error"] = errParam
		}
	}
	return errcode.HTTPError{StatusCode: http.StatusUnauthorized,
		Header: http.Header{"Www-Authenticate": {ch.String()}},
		Errors: errcode.Errors{errcode.ErrorCodeUnauthorized.WithDetail(scopeStrings(needed))}}
}

func scopeStrings(scopes []auth.Scope) []string {
	out := make([]string, 0, len(scopes))
	for _, s := range scopes {
		out = append(out, s.String())
	}
	return out
}

// tokenRealm is the URL of the token server for a request: built by the
// request's URL builder, so that trusted proxies apply, and absolute where
// the request's Host allows, as some clients need it so.
func (reg *Registry) tokenRealm(r *http.Request) string {
	ub := regapi.NewURLBuilderFromRequestWithOptions(r, regapi.FromRequestOptions{
		Relative:          !grammar.IsHost(r.Host),
		TrustedProxies:    reg.opts.TrustedProxies,
		ForwardingHeaders: reg.opts.ForwardingHeaders,
	})
	base, err := ub.BuildBaseURL()
	if err != nil {
		return tokenPath
	}
	return strings.TrimSuffix(base, "v2/") + tokenPath[1:]
}

// serveToken answers the token server's GET and POST: 401 only for bad
// credentials, 400 for a grant whose token would be longer than the
// registry accepts (many scopes of long names), and otherwise 200 with a
// token granting the intersection of what was asked and what the account
// may do, leaving out the scopes that do not parse. A grant too large is
// refused rather than cut down, because a token lacking a scope the client
// asked for would only send it back for the same token.
func (reg *Registry) serveToken(w http.ResponseWriter, r *http.Request) {
	a := reg.auth
	w.Header().Set("Cache-Control", "no-store")
	tr, err := auth.ParseTokenRequest(r)
	if err != nil {
		status := http.StatusBadRequest
		var te *auth.TokenRequestError
		if errors.As(err, &te) {
			status = te.StatusCode
		}
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", "GET, POST")
		}
		writeTokenJSON(w, r, status, map[string]string{"details": err.Error()})
		return
	}
	// Without a user name the request is anonymous: a password grant
	// without one never gets here, ParseTokenRequest refuses it.
	var u *User
	switch {
	case tr.GrantType == "refresh_token":
		cl, err := a.verify(tr.RefreshToken, "refresh")
		if err == nil {
			u = a.userNamed(cl.Subject)
		}
		if u == nil {
			reg.tokenUnauthorized(w, r, "the refresh token is not valid")
			return
		}
	case tr.Username != "":
		if u = a.user(tr.Username, tr.Password); u == nil {
			reg.tokenUnauthorized(w, r, "the user name or password is wrong")
			return
		}
	}
	now := a.now()
	granted := a.grant(u, tr.Scopes)
	subject := ""
	if u != nil {
		subject = u.Name
	}
	access := claims{Issuer: tokenIssuer, Subject: subject, Audience: a.cfg.Service, Kind: "access",
		IssuedAt: now.Unix(), Expires: now.Add(a.cfg.TokenTTL).Unix(), Access: scopeStrings(granted)}
	token := a.sign(access)
	if len(token) > maxTokenLength {
		writeTokenJSON(w, r, http.StatusBadRequest, map[string]string{"details": fmt.Sprintf(
			"the %d scopes granted make a token of %d bytes, over the %d bytes the registry accepts; ask for fewer scopes", len(granted), len(token), maxTokenLength)})
		return
	}
	out := tokenResponse{
		Token:       token,
		AccessToken: token,
		ExpiresIn:   int64(a.cfg.TokenTTL / time.Second),
		IssuedAt:    now.UTC().Format(time.RFC3339),
	}
	if tr.GrantType != "" {
		scope := strings.Join(scopeStrings(granted), " ")
		out.Scope = &scope
	}
	if tr.Offline && u != nil || tr.GrantType == "refresh_token" {
		refresh := claims{Issuer: tokenIssuer, Subject: u.Name, Audience: a.cfg.Service, Kind: "refresh",
			IssuedAt: now.Unix(), Expires: now.Add(refreshTokenTTL).Unix()}
		out.RefreshToken = a.sign(refresh)
	}
	writeTokenJSON(w, r, http.StatusOK, out)
}

// tokenResponse is the token server's answer: the token under both the
// name of the Docker token protocol and that of OAuth2, and scope only for
// the OAuth2 grants (POST), where it is said even when empty. The fields
// are in the order of their names.
type tokenResponse struct {
	AccessToken  string  `json:"access_token"`
	ExpiresIn    int64   `json:"expires_in"`
	IssuedAt     string  `json:"issued_at"`
	RefreshToken string  `json:"refresh_token,omitempty"`
	Scope        *string `json:"scope,omitempty"`
	Token        string  `json:"token"`
}

// userNamed returns the user of that name, or nil.
func (a *authenticator) userNamed(name string) *User {
	for i := range a.cfg.Users {
		if a.cfg.Users[i].Name == name {
			return &a.cfg.Users[i]
		}
	}
	return nil
}

// tokenUnauthorized answers a token request with bad credentials.
func (reg *Registry) tokenUnauthorized(w http.ResponseWriter, r *http.Request, why string) {
	w.Header().Set("WWW-Authenticate", auth.Challenge{Scheme: "Basic", Params: map[string]string{"realm": reg.auth.cfg.Service}}.String())
	writeTokenJSON(w, r, http.StatusUnauthorized, errcode.Errors{errcode.ErrorCodeUnauthorized.WithMessage(why)})
}

// writeTokenJSON answers a token request with v as JSON. Everything the
// token server answers encodes; should something not, the client is told.
func writeTokenJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	if err := reply.JSON(w, r, status, "application/json", v); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}
