// Package auth is the authentication of the registry HTTP API: the
// WWW-Authenticate challenges registries send, the resource scopes of the
// registry token protocol, the scopes each request needs, the requests and
// responses of the token endpoint, and a client transport that answers
// challenges. It depends only on the standard library, package regapi,
// whose route descriptors say which scopes each request variant needs, and
// package errcode, whose HTTPError carries a token server's refusal.
//
// # Challenges
//
// A registry that wants credentials answers 401 with a challenge such as
//
//	WWW-Authenticate: Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull"
//
// ParseChallenges reads every challenge of every WWW-Authenticate field,
// including the forms registries send that RFC 7235 does not allow, such as
// unquoted URLs and upper-case schemes. Challenge.String writes the form
// every client reads; a server sends each challenge in a field of its own.
//
// # Scopes
//
// A Scope is "type:name:actions", such as "repository:team/app:pull,push"
// or "registry:catalog:*". ParseScope and ParseScopes read them,
// MergeScopes unites them into one canonical entry per resource, and Allows
// and Missing compare what a token grants with what a request needs.
// Required reads what a request needs off the route descriptors: GET and
// HEAD need pull, writes pull and push, deletes delete, a mount also pull on
// its source, the catalog registry:catalog:*, and the API's base any
// authenticated client.
//
// A mount without from needs, by its descriptor, only pull and push on the
// target: Required cannot know which repositories the server will look in
// for the blob, and a server that trusts it alone lets a request read any
// repository through the target. Before linking a blob from a candidate
// repository, such a server checks Allows(granted, Scope{Type: "repository",
// Name: candidate, Actions: []string{"pull"}}), where granted is the access
// of this request (for a bearer token, the scopes in the token, never the
// wider rights of its account), and opens an upload session when no
// candidate passes.
//
// # The token endpoint
//
// A Bearer challenge's realm is a token server, described by
// regapi.TokenEndpoint. Clients decode its responses into a Token; servers
// read requests with ParseTokenRequest and answer with a Token, which
// encodes to the form every client reads.
//
// # Clients
//
// NewTransport and NewTransportWithOptions wrap an http.RoundTripper: they
// answer Basic and Bearer challenges with the credentials a callback gives
// for each registry, cache tokens by scope, repeat a request once, and
// refuse realms that would carry credentials where they do not belong. A
// token server's refusal is an errcode.HTTPError, which errors.Is matches
// by code (errcode.ErrorCodeUnauthorized for a wrong password) and whose
// text never shows the password.
//
// Credentials never travel over plain http to a host the transport has
// reached over https: a redirect, an upload Location or a realm that leads
// from https://reg.example to http://reg.example gets a challenge left
// unanswered, and the caller its 401 as it came, neither the password nor
// a token. A registry addressed over plain http only, such as
// http://localhost:5000, is served as any other. The credentials callback
// of NewTransportWithOptions is told the scheme of each registry request,
// so that it can keep a password to https from the start.
//
// # Where registries and clients disagree
//
// The protocol leaves several choices open, and implementations differ.
// This package decides as follows, and says so where it applies:
//
//   - A token response with both "token" and "access_token" is read by
//     "access_token", as most clients do; Token encodes both, equal.
//   - expires_in defaults to 60 seconds and is raised to 60 when lower. The
//     transport counts a lifetime from when the response arrived, not from
//     issued_at, since the two clocks may differ.
//   - The transport fetches tokens with GET, which every token server
//     serves, and never POST, which servers refuse in several ways.
//   - A token lacking a scope is answered, by registries, with 401 and
//     error="insufficient_scope" naming the scope: only a 401 makes clients
//     fetch a new token. The transport then fetches one for the challenge's
//     scopes united with the request's, once.
//   - Scope entries of a challenge that do not parse are left out of
//     Challenge.Scopes; ParseScopes, for callers who want all or nothing,
//     fails instead.
//   - The deprecated class of a scope does not tell resources apart, as for
//     servers; MergeScopes keeps it only when all entries agree.
//   - A realm that would move credentials from https to http is left
//     unanswered, one on a local or private address other than the
//     registry's own is refused; realms on other public hosts are allowed,
//     as Docker Hub's must be.
package auth
