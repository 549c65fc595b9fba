// Package auth is the authentication of the registry HTTP API: the
// WWW-Authenticate challenges registries send, the resource scopes of the
// token protocol, the scope each request needs, the token endpoint's
// requests and responses, and a client transport that answers challenges.
package auth
