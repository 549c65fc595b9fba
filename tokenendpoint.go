package regapi

import (
	"net/http"
	"regexp"

	"github.com/regapi/regapi/errcode"
)

// TokenEndpointName is the Name of the descriptor TokenEndpoint returns. It
// is not a route name: no router registers it.
const TokenEndpointName = "token"

// TokenEndpoint returns a new description of the token endpoint of the
// registry token protocol: the URL a Bearer challenge names as its realm,
// where clients exchange credentials for a token scoped to what they need.
// The descriptor's Path, "/token", stands for the realm, which is a whole
// URL and often on another host ("https://auth.docker.io/token").
//
// The endpoint belongs to the authorization server, not to the registry
// API, so it is not in APIDescriptor or Descriptors, and Router, MatchPath
// and the URL builder do not know it; the apidoc documents describe it in a
// section of its own. It is built on each call, so that programs that never
// ask for it do not pay for it at initialisation, and the caller may change
// the copy it gets.
//
// It describes GET, which every token server serves, and the OAuth2 POST,
// which is optional: a server without it should answer 404, the status
// after which the clients that try POST first fall back to GET.
func TokenEndpoint() RouteDescriptor {
	formatOf := func(p ParameterDescriptor, format string) ParameterDescriptor {
		p.Format = format
		return p
	}
	// grantExample gives grant_type the value of one grant.
	grantExample := func(p ParameterDescriptor, grant string) ParameterDescriptor {
		p.Examples = []string{grant}
		return p
	}
	var (
		serviceQuery = ParameterDescriptor{
			Name:        "service",
			Type:        "string",
			Examples:    []string{"registry.example.com"},
			Description: "The service parameter of the challenge, naming the registry the token is for. Clients leave it out when the challenge has none.",
		}
		scopeQuery = ParameterDescriptor{
			Name:        "scope",
			Type:        "string",
			Repeatable:  true,
			Format:      "<type>:<name>:<action>[,<action>...]",
			Examples:    []string{"repository:library/alpine:pull", "repository:team/app:pull,push"},
			Description: "A resource scope the client asks for, one per parameter. Some clients send several scopes in one value, separated by spaces, as the challenge's scope parameter holds them; servers read both forms. Without a scope the client asks only to authenticate (or for a refresh token). The server grants what the account may do of what is asked, possibly nothing: a partial grant is not an error.",
		}
		accountQuery = ParameterDescriptor{
			Name:        "account",
			Type:        "string",
			Examples:    []string{"alice"},
			Description: "The user name the client authenticates as, repeated from the Basic credentials. It is the client's claim, not an identity: the server authenticates the credentials.",
		}
		clientIDQuery = ParameterDescriptor{
			Name:        "client_id",
			Type:        "string",
			Examples:    []string{"docker"},
			Description: "Names the client software.",
		}
		offlineTokenQuery = ParameterDescriptor{
			Name:        "offline_token",
			Type:        "boolean",
			Examples:    []string{"true"},
			Description: "`true` asks for a refresh token besides the token, which the client keeps in place of the password.",
		}
		basicAuthorizationHeader = ParameterDescriptor{
			Name:        "Authorization",
			Type:        "string",
			Format:      "Basic <base64 of user:password>",
			Examples:    []string{"Basic YWxpY2U6c2VjcmV0"},
			Description: "The user's credentials. Without them the server may issue an anonymous token, for the access anonymous users have.",
		}
		formContentType = ParameterDescriptor{
			Name:        "Content-Type",
			Type:        "string",
			Required:    true,
			Format:      "application/x-www-form-urlencoded",
			Examples:    []string{"application/x-www-form-urlencoded"},
			Description: "The body is an HTML form.",
		}
	)

	// The fields of the POST form.
	var (
		grantTypeField = ParameterDescriptor{
			Name:        "grant_type",
			Type:        "string",
			Required:    true,
			Regexp:      regexp.MustCompile(`^(?:password|refresh_token)$`),
			Description: "`password` to authenticate with a user name and password, `refresh_token` with a refresh token.",
		}
		serviceField = ParameterDescriptor{
			Name:        "service",
			Type:        "string",
			Required:    true,
			Examples:    []string{"registry.example.com"},
			Description: "The service parameter of the challenge.",
		}
		clientIDField = ParameterDescriptor{
			Name:        "client_id",
			Type:        "string",
			Required:    true,
			Examples:    []string{"registry-client"},
			Description: "Names the client software.",
		}
		accessTypeField = ParameterDescriptor{
			Name:        "access_type",
			Type:        "string",
			Examples:    []string{"offline"},
			Description: "`offline` asks for a refresh token besides the access token.",
		}
		scopeField = ParameterDescriptor{
			Name:        "scope",
			Type:        "string",
			Format:      "<scope>[ <scope>...]",
			Examples:    []string{"repository:library/alpine:pull repository:team/app:pull,push"},
			Description: "The scopes asked for, separated by spaces, in one field.",
		}
		usernameField = ParameterDescriptor{
			Name:        "username",
			Type:        "string",
			Required:    true,
			Examples:    []string{"alice"},
			Description: "The user name.",
		}
		passwordField = ParameterDescriptor{
			Name:        "password",
			Type:        "string",
			Required:    true,
			Description: "The password.",
		}
		refreshTokenField = ParameterDescriptor{
			Name:        "refresh_token",
			Type:        "string",
			Required:    true,
			Description: "A refresh token from an earlier response.",
		}
	)

	// The fields of the JSON responses.
	var (
		tokenField = ParameterDescriptor{
			Name:        "token",
			Type:        "string",
			Description: "The bearer token, sent to the registry as `Authorization: Bearer <token>`. A response has `token`, `access_token` or both; a server should send both, with the same value, since some clients read only one of them. Where they differ, most clients use `access_token`.",
		}
		accessTokenField = ParameterDescriptor{
			Name:        "access_token",
			Type:        "string",
			Description: "The same token under its OAuth2 name.",
		}
		expiresInField = ParameterDescriptor{
			Name:        "expires_in",
			Type:        "integer",
			Examples:    []string{"300"},
			Description: "How many seconds the token stays valid from `issued_at`: at least 60, and 60 when absent. An integer; clients fail on a fraction.",
		}
		issuedAtField = ParameterDescriptor{
			Name:        "issued_at",
			Type:        "string",
			Format:      "<RFC 3339 time>",
			Examples:    []string{"2026-01-02T15:04:05Z"},
			Description: "When the token was issued. Clients that lack it count from when they received the response.",
		}
		refreshTokenResponseField = ParameterDescriptor{
			Name:        "refresh_token",
			Type:        "string",
			Description: "A token that replaces the password in later requests. Only on request (`offline_token=true`, `access_type=offline`), and only from a server that serves the POST `refresh_token` grant: clients that hold one use that grant and do not fall back to GET.",
		}
		grantedScopeField = ParameterDescriptor{
			Name:        "scope",
			Type:        "string",
			Format:      "<scope>[ <scope>...]",
			Description: "The scopes granted, separated by spaces.",
		}
	)

	getTokenBody := BodyDescriptor{
		ContentType: mediaTypeJSON,
		Format: `{
    "token": "<token>",
    "access_token": "<the same token>",
    "expires_in": <seconds, at least 60>,
    "issued_at": "<RFC 3339 time>",
    "refresh_token": "<refresh token, with offline_token=true>"
}`,
	}
	postTokenBody := BodyDescriptor{
		ContentType: mediaTypeJSON,
		Format: `{
    "access_token": "<token>",
    "scope": "<granted scopes, space-separated>",
    "expires_in": <seconds, at least 60>,
    "issued_at": "<RFC 3339 time>",
    "refresh_token": "<refresh token, with access_type=offline>"
}`,
	}
	errorsBody := BodyDescriptor{ContentType: mediaTypeJSON, Format: errorsBodyFormat}

	getIssued := ResponseDescriptor{
		Name:        "Token Issued",
		Description: "The token, for the access granted of what was asked.",
		StatusCode:  http.StatusOK,
		Fields:      []ParameterDescriptor{tokenField, accessTokenField, expiresInField, issuedAtField, optional(refreshTokenResponseField)},
		Body:        getTokenBody,
	}
	postIssued := ResponseDescriptor{
		Name:        "Token Issued",
		Description: "The access token, for the access granted of what was asked.",
		StatusCode:  http.StatusOK,
		Fields:      []ParameterDescriptor{required(accessTokenField), required(grantedScopeField), required(expiresInField), issuedAtField, optional(refreshTokenResponseField)},
		Body:        postTokenBody,
	}
	badCredentials := ResponseDescriptor{
		Name:        "Authentication Failed",
		Description: "The credentials are wrong. Some servers instead issue a token with no access (200), which the registry then refuses. Older token servers send `{\"details\": \"<message>\"}` instead of the error envelope.",
		StatusCode:  http.StatusUnauthorized,
		ErrorCodes:  []errcode.ErrorCode{errcode.ErrorCodeUnauthorized},
		Body:        errorsBody,
	}
	malformed := ResponseDescriptor{
		Name:        "Invalid Request",
		Description: "The request is malformed: a required field is missing, a single-valued parameter repeats, or the grant type is unknown.",
		StatusCode:  http.StatusBadRequest,
		Body:        errorsBody,
	}
	noOAuth := ResponseDescriptor{
		Name:        "POST Not Supported",
		Description: "The server serves only GET. 404 is the answer to send: clients that try POST first fall back to GET after it, while some give up after 405, 400 or 401, which servers are also seen to send.",
		StatusCode:  http.StatusNotFound,
	}

	getQuery := []ParameterDescriptor{serviceQuery, scopeQuery, accountQuery}
	return RouteDescriptor{
		Name:        TokenEndpointName,
		Path:        "/token",
		Entity:      "Token",
		Description: "The token server of the registry token protocol, at the realm of a Bearer challenge. The realm is a whole URL, often on another host, and `/token` stands for it here; the registry's routes do not include it. A client asks it for a token covering the challenge's scope and the access its request needs, then repeats the request with `Authorization: Bearer <token>`.",
		Methods: []MethodDescriptor{
			{
				Method:      http.MethodGet,
				Description: "Issue a token for the scopes asked, to the user of the Basic credentials or to an anonymous client. Every token server serves GET.",
				Requests: []RequestDescriptor{
					{
						Name:            "Fetch Token",
						Description:     "Ask for a token, with the challenge's `service`, one `scope` per resource scope and, with credentials, `account`.",
						Headers:         []ParameterDescriptor{basicAuthorizationHeader},
						QueryParameters: getQuery,
						Successes:       []ResponseDescriptor{getIssued},
						Failures:        []ResponseDescriptor{malformed, badCredentials},
					},
					{
						Name:            "Fetch Token and Refresh Token",
						Description:     "Ask also for a refresh token, as a login does, naming the client.",
						Headers:         []ParameterDescriptor{required(basicAuthorizationHeader)},
						QueryParameters: append(getQuery[:len(getQuery):len(getQuery)], required(clientIDQuery), required(formatOf(offlineTokenQuery, "true"))),
						Successes:       []ResponseDescriptor{getIssued},
						Failures:        []ResponseDescriptor{malformed, badCredentials},
					},
				},
			},
			{
				Method:      http.MethodPost,
				Description: "Issue an access token through the OAuth2 password or refresh-token grant, with the credentials in a form body. Optional: a server without it answers 404.",
				Requests: []RequestDescriptor{
					{
						Name:        "Password Grant",
						Description: "Authenticate with a user name and password.",
						Headers:     []ParameterDescriptor{formContentType},
						Body:        BodyDescriptor{ContentType: "application/x-www-form-urlencoded", Format: "grant_type=password&service=<service>&client_id=<client>&username=<user>&password=<password>&scope=<scopes, space-separated>[&access_type=offline]"},
						Fields:      []ParameterDescriptor{grantExample(grantTypeField, "password"), serviceField, clientIDField, usernameField, passwordField, scopeField, accessTypeField},
						Successes:   []ResponseDescriptor{postIssued},
						Failures:    []ResponseDescriptor{malformed, badCredentials, noOAuth},
					},
					{
						Name:        "Refresh Token Grant",
						Description: "Authenticate with a refresh token from an earlier response.",
						Headers:     []ParameterDescriptor{formContentType},
						Body:        BodyDescriptor{ContentType: "application/x-www-form-urlencoded", Format: "grant_type=refresh_token&service=<service>&client_id=<client>&refresh_token=<refresh token>&scope=<scopes, space-separated>"},
						Fields:      []ParameterDescriptor{grantExample(grantTypeField, "refresh_token"), serviceField, clientIDField, refreshTokenField, scopeField},
						Successes:   []ResponseDescriptor{postIssued},
						Failures:    []ResponseDescriptor{malformed, badCredentials, noOAuth},
					},
				},
			},
		},
	}
}

// required returns p marked as required.
func required(p ParameterDescriptor) ParameterDescriptor {
	p.Required = true
	return p
}
