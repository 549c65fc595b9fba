package auth

import (
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// TokenRequest is a request to the token endpoint as a token server reads
// it, from the query of a GET or the form body of a POST.
type TokenRequest struct {
	// GrantType is empty for a GET, and "password" or "refresh_token" for
	// a POST.
	GrantType string

	// Service names the registry the token is for, as the challenge's
	// service parameter did; empty when the client sent none.
	Service string

	// ClientID names the client software; empty when it sent none.
	ClientID string

	// Account is the user name a GET claims to authenticate as. It is the
	// client's word, not an identity: the server authenticates Username
	// and Password.
	Account string

	// Offline reports whether the client asked for a refresh token:
	// offline_token=true on a GET, access_type=offline on a POST.
	Offline bool

	// Scopes lists the scopes asked for that parse, in the order given,
	// neither merged nor checked against anything.
	Scopes []Scope

	// InvalidScopes lists the scope entries that do not parse. A server
	// leaves them out of the grant, as it leaves out scopes it will not
	// grant: a partial grant is not an error.
	InvalidScopes []string

	// Username and Password are the credentials, from the Basic
	// Authorization header or, for the password grant, from the form. An
	// empty Username means the client sent none and asks for anonymous
	// access.
	Username, Password string

	// RefreshToken is the refresh token of the refresh_token grant.
	RefreshToken string
}

// MaxTokenRequestBody is the largest POST body, in bytes, ParseTokenRequest
// reads. A form of credentials and scopes takes a few hundred bytes, so a
// larger body is refused rather than held in memory.
const MaxTokenRequestBody = 64 << 10

// maxTokenScopes is the most scope entries a token request may carry, far
// beyond what an operation needs. A challenge's scope parameter and a list
// for ParseScopes are held to it too.
const maxTokenScopes = 1000

// TokenRequestError is the error of ParseTokenRequest: why a request was
// refused and the status a server answers it with.
type TokenRequestError struct {
	// StatusCode is the HTTP status to answer with: 400 for a malformed
	// request, 405 for a method other than GET and POST, 413 for a body
	// over MaxTokenRequestBody and 415 for a POST body that is not a form.
	StatusCode int

	// Reason says what is wrong, for the response body or a log.
	Reason string
}

// Error returns the reason with its status.
func (e *TokenRequestError) Error() string {
	return fmt.Sprintf("auth: token request refused (%d): %s", e.StatusCode, e.Reason)
}

func badTokenRequest(format string, args ...any) error {
	return &TokenRequestError{StatusCode: http.StatusBadRequest, Reason: fmt.Sprintf(format, args...)}
}

// ParseTokenRequest reads a request to the token endpoint, for a token
// server.
//
// A GET carries its parameters in the query: service, scope, account,
// client_id and offline_token. A POST carries them in a form body
// (application/x-www-form-urlencoded, at most MaxTokenRequestBody bytes,
// which ParseTokenRequest reads): grant_type, service, client_id,
// access_type, scope, and username and password or refresh_token as the
// grant needs. In both, scope may repeat and each value may hold several
// scopes separated by spaces, as clients send them either way; entries that
// do not parse go to InvalidScopes. Credentials come from a Basic
// Authorization header, and for the password grant from the form, which
// must then agree with the header if both are present.
//
// The errors are *TokenRequestError, carrying the status to answer with. A
// request is refused when its query or form does not parse, a
// single-valued parameter repeats, the Basic header is malformed or has no
// user name, the grant type is missing or unknown, the grant lacks its
// credentials, or it asks for more than 1000 scopes. Service and client_id
// are not required: a server that needs them checks them.
func ParseTokenRequest(r *http.Request) (TokenRequest, error) {
	var tr TokenRequest
	var form url.Values
	var err error
	switch r.Method {
	case http.MethodGet:
		if form, err = url.ParseQuery(r.URL.RawQuery); err != nil {
			return TokenRequest{}, badTokenRequest("the query does not parse: %v", err)
		}
	case http.MethodPost:
		if form, err = readTokenForm(r); err != nil {
			return TokenRequest{}, err
		}
	default:
		return TokenRequest{}, &TokenRequestError{StatusCode: http.StatusMethodNotAllowed, Reason: "method " + short(r.Method) + " is not GET or POST"}
	}

	single := func(name string) (string, error) {
		v := form[name]
		if len(v) > 1 {
			return "", badTokenRequest("parameter %s is given %d times", name, len(v))
		}
		if len(v) == 0 {
			return "", nil
		}
		return v[0], nil
	}
	if tr.Service, err = single("service"); err != nil {
		return TokenRequest{}, err
	}
	if tr.ClientID, err = single("client_id"); err != nil {
		return TokenRequest{}, err
	}
	if err := tr.readScopes(form["scope"]); err != nil {
		return TokenRequest{}, err
	}
	if tr.Username, tr.Password, err = basicCredentials(r.Header); err != nil {
		return TokenRequest{}, err
	}

	if r.Method == http.MethodGet {
		if tr.Account, err = single("account"); err != nil {
			return TokenRequest{}, err
		}
		offline, err := single("offline_token")
		if err != nil {
			return TokenRequest{}, err
		}
		if offline != "" {
			if tr.Offline, err = strconv.ParseBool(offline); err != nil {
				return TokenRequest{}, badTokenRequest("offline_token %q is not a boolean", short(offline))
			}
		}
		return tr, nil
	}

	accessType, err := single("access_type")
	if err != nil {
		return TokenRequest{}, err
	}
	tr.Offline = accessType == "offline"
	if tr.GrantType, err = single("grant_type"); err != nil {
		return TokenRequest{}, err
	}
	switch tr.GrantType {
	case "password":
		user, err := single("username")
		if err != nil {
			return TokenRequest{}, err
		}
		pass, err := single("password")
		if err != nil {
			return TokenRequest{}, err
		}
		if _, sent := form["username"]; sent {
			if tr.Username != "" && (tr.Username != user || tr.Password != pass) {
				return TokenRequest{}, badTokenRequest("the form and the Authorization header carry different credentials")
			}
			tr.Username, tr.Password = user, pass
		}
		if tr.Username == "" {
			return TokenRequest{}, badTokenRequest("the password grant has no username")
		}
	case "refresh_token":
		if tr.RefreshToken, err = single("refresh_token"); err != nil {
			return TokenRequest{}, err
		}
		if tr.RefreshToken == "" {
			return TokenRequest{}, badTokenRequest("the refresh_token grant has no refresh_token")
		}
	case "":
		return TokenRequest{}, badTokenRequest("the form has no grant_type")
	default:
		return TokenRequest{}, badTokenRequest("grant_type %q is not password or refresh_token", short(tr.GrantType))
	}
	return tr, nil
}

// readTokenForm reads and parses the form body of a POST.
func readTokenForm(r *http.Request) (url.Values, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/x-www-form-urlencoded" {
		return nil, &TokenRequestError{StatusCode: http.StatusUnsupportedMediaType, Reason: "the body is not application/x-www-form-urlencoded"}
	}
	if r.ContentLength > MaxTokenRequestBody {
		return nil, &TokenRequestError{StatusCode: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf("the body is over %d bytes", MaxTokenRequestBody)}
	}
	var body []byte
	if r.Body != nil {
		body, err = io.ReadAll(io.LimitReader(r.Body, MaxTokenRequestBody+1))
		if err != nil {
			return nil, badTokenRequest("reading the body: %v", err)
		}
	}
	if len(body) > MaxTokenRequestBody {
		return nil, &TokenRequestError{StatusCode: http.StatusRequestEntityTooLarge, Reason: fmt.Sprintf("the body is over %d bytes", MaxTokenRequestBody)}
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, badTokenRequest("the form does not parse: %v", err)
	}
	return form, nil
}

// readScopes splits the scope values at spaces and sorts the entries into
// Scopes and InvalidScopes. The entries of all values count towards
// maxTokenScopes, and a request over it is refused before the rest of its
// entries are cut.
func (tr *TokenRequest) readScopes(values []string) error {
	n := 0
	for _, v := range values {
		fields, ok := splitScopes(v, maxTokenScopes-n)
		if !ok {
			return badTokenRequest("more than %d scopes", maxTokenScopes)
		}
		n += len(fields)
		for _, f := range fields {
			if s, err := ParseScope(f); err == nil {
				tr.Scopes = append(tr.Scopes, s)
			} else {
				tr.InvalidScopes = append(tr.InvalidScopes, f)
			}
		}
	}
	return nil
}

// basicCredentials returns the user name and password of a Basic
// Authorization header, or empty strings when there is no header or it
// names another scheme. A malformed Basic header, one without a user name,
// and a repeated header are errors.
func basicCredentials(h http.Header) (user, pass string, err error) {
	values := h.Values("Authorization")
	if len(values) == 0 {
		return "", "", nil
	}
	if len(values) > 1 {
		return "", "", badTokenRequest("the Authorization header is given %d times", len(values))
	}
	scheme, _, _ := strings.Cut(strings.TrimLeft(values[0], " "), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", nil
	}
	user, pass, ok := (&http.Request{Header: http.Header{"Authorization": values}}).BasicAuth()
	if !ok {
		return "", "", badTokenRequest("the Basic Authorization header is malformed")
	}
	if user == "" {
		return "", "", badTokenRequest("the Basic Authorization header has no user name")
	}
	return user, pass, nil
}
