package auth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"
)

// Token is a response of the token endpoint, to GET or to POST.
//
// Servers write a token under "token", "access_token" or both. When both
// are present and differ, "access_token" wins: the registry clients that
// read both use it, the one exception preferring "token", and the protocol
// leaves the choice open.
type Token struct {
	// Token is the bearer token to send as "Authorization: Bearer <token>".
	Token string

	// ExpiresIn is how many seconds the token stays valid from IssuedAt:
	// 60 when the response has none, and raised to 60 when lower, as the
	// protocol sets 60 as the least lifetime. Values beyond 2^31-1 seconds
	// are lowered to it, so that it always fits a time.Duration.
	ExpiresIn int

	// IssuedAt is when the server issued the token, or the zero time when
	// the response does not say.
	IssuedAt time.Time

	// RefreshToken is a token the client may keep instead of the password
	// and trade for access tokens with the POST refresh_token grant. It is
	// empty unless the client asked for one.
	RefreshToken string

	// Scope lists the granted scopes, space-separated, as a POST response
	// carries them; ParseScopes reads it.
	Scope string
}

// The least and the greatest lifetime of a Token, in seconds.
const (
	minExpiresIn = 60
	maxExpiresIn = math.MaxInt32
)

// tokenJSON is the wire form of a token response.
type tokenJSON struct {
	Token        string          `json:"token,omitempty"`
	AccessToken  string          `json:"access_token,omitempty"`
	ExpiresIn    json.RawMessage `json:"expires_in,omitempty"`
	IssuedAt     string          `json:"issued_at,omitempty"`
	RefreshToken string          `json:"refresh_token,omitempty"`
	Scope        string          `json:"scope,omitempty"`
}

// UnmarshalJSON decodes a token response. It fails when the response is
// not a JSON object, has neither a token nor an access_token, or has an
// expires_in that is not a number or an issued_at that is not an RFC 3339
// time: the registry clients type them so and fail the same way. A
// fractional expires_in is rounded down.
func (t *Token) UnmarshalJSON(b []byte) error {
	var w tokenJSON
	if err := json.Unmarshal(b, &w); err != nil {
		return fmt.Errorf("auth: decoding a token response: %w", err)
	}
	tok := Token{Token: w.AccessToken, RefreshToken: w.RefreshToken, Scope: w.Scope, ExpiresIn: minExpiresIn}
	if tok.Token == "" {
		tok.Token = w.Token
	}
	if tok.Token == "" {
		return errors.New("auth: the token response has neither token nor access_token")
	}
	if len(w.ExpiresIn) > 0 && !bytes.Equal(w.ExpiresIn, []byte("null")) {
		var n float64
		if err := json.Unmarshal(w.ExpiresIn, &n); err != nil {
			return fmt.Errorf("auth: expires_in of the token response is not a number: %s", short(string(w.ExpiresIn)))
		}
		switch {
		case n > maxExpiresIn:
			tok.ExpiresIn = maxExpiresIn
		case n > minExpiresIn:
			tok.ExpiresIn = int(n)
		}
	}
	if w.IssuedAt != "" {
		at, err := time.Parse(time.RFC3339, w.IssuedAt)
		if err != nil {
			return fmt.Errorf("auth: issued_at of the token response is not an RFC 3339 time: %q", short(w.IssuedAt))
		}
		tok.IssuedAt = at
	}
	*t = tok
	return nil
}

// MarshalJSON writes the token as a GET response every client reads: the
// token under both "token" and "access_token", expires_in (at least 60),
// and issued_at, refresh_token and scope when set. A token server answers
// with it.
func (t Token) MarshalJSON() ([]byte, error) {
	w := struct {
		Token        string `json:"token"`
		AccessToken  string `json:"access_token"`
		ExpiresIn    int    `json:"expires_in"`
		IssuedAt     string `json:"issued_at,omitempty"`
		RefreshToken string `json:"refresh_token,omitempty"`
		Scope        string `json:"scope,omitempty"`
	}{Token: t.Token, AccessToken: t.Token, ExpiresIn: t.ExpiresIn, RefreshToken: t.RefreshToken, Scope: t.Scope}
	w.ExpiresIn = max(minExpiresIn, min(w.ExpiresIn, maxExpiresIn))
	if !t.IssuedAt.IsZero() {
		w.IssuedAt = t.IssuedAt.UTC().Format(time.RFC3339)
	}
	return json.Marshal(w)
}

// short cuts a string for an error message, so that a huge forged value
// does not end up in logs whole. Every message of the package that quotes
// a value from the other side cuts it here, to the same length.
func short(s string) string {
	const limit = 64
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}
