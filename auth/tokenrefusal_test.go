package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/regapi/regapi/errcode"
)

// refusingRealm is a registry whose token server answers every token
// request with status, header and body.
func refusingRealm(t *testing.T, status int, header http.Header, body string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/token" {
			for k, v := range header {
				w.Header()[k] = v
			}
			w.WriteHeader(status)
			io.WriteString(w, body)
			return
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="/token",service="registry"`)
		w.WriteHeader(http.StatusUnauthorized)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A token server's refusal is an errcode.HTTPError, returned by RoundTrip
// so that http.Client wraps it: its status, its header, and the entries of
// the body's envelope or the one its status stands for.
func TestTransportTokenRefusal(t *testing.T) {
	const userMessage = "the user name or password is wrong"
	type entry struct{ value, message string } // message "" for a bare code
	tests := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   []entry
		is     error // a code errors.Is must find, or nil
	}{
		{"envelope with a message", 401, nil,
			`{"errors":[{"code":"UNAUTHORIZED","message":"` + userMessage + `"}]}`,
			[]entry{{"UNAUTHORIZED", userMessage}}, nil},
		{"envelope with the default message", 403, nil,
			`{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`,
			[]entry{{"DENIED", ""}}, errcode.ErrorCodeDenied},
		{"envelope of two", 401, nil,
			`{"errors":[{"code":"UNAUTHORIZED","message":"no"},{"code":"TOKEN_EXPIRED","message":"expired"}]}`,
			[]entry{{"UNAUTHORIZED", "no"}, {"TOKEN_EXPIRED", "expired"}}, nil},
		{"legacy details", 401, nil, `{"details":"incorrect username or password"}`,
			[]entry{{"UNAUTHORIZED", ""}}, errcode.ErrorCodeUnauthorized},
		{"empty envelope", 401, nil, `{"errors":[]}`, []entry{{"UNAUTHORIZED", ""}}, errcode.ErrorCodeUnauthorized},
		{"no body", 401, nil, ``, []entry{{"UNAUTHORIZED", ""}}, errcode.ErrorCodeUnauthorized},
		{"text", 403, nil, `go away`, []entry{{"DENIED", ""}}, errcode.ErrorCodeDenied},
		{"rate limited", 429, http.Header{"Retry-After": {"7"}}, `slow down`, []entry{{"TOOMANYREQUESTS", ""}}, errcode.ErrorCodeTooManyRequests},
		{"server error", 500, nil, `oops`, []entry{{"UNKNOWN", ""}}, errcode.ErrorCodeUnknown},
		{"not found", 404, nil, `404 page not found`, []entry{{"UNKNOWN", ""}}, errcode.ErrorCodeUnknown},
		{"redirect", 302, http.Header{"Location": {"/elsewhere"}}, ``, []entry{{"UNKNOWN", ""}}, errcode.ErrorCodeUnknown},
		{"envelope past the read limit", 401, nil,
			`{"errors":[{"code":"DENIED","message":"x"}]}` + strings.Repeat(" ", maxRefusalBody),
			[]entry{{"UNAUTHORIZED", ""}}, errcode.ErrorCodeUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := refusingRealm(t, tt.status, tt.header, tt.body)
			client := &http.Client{Transport: NewTransport(nil, func(context.Context, string) (string, string, error) { return "alice", "secret", nil })}
			resp, err := client.Get(srv.URL + "/v2/a/manifests/latest")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("status %d, want an error", resp.StatusCode)
			}
			var urlErr *url.Error
			if !errors.As(err, &urlErr) {
				t.Fatalf("err %v is a %T, want a *url.Error", err, err)
			}
			got, ok := urlErr.Err.(errcode.HTTPError)
			if !ok {
				t.Fatalf("url.Error.Err is a %T (%v), want an errcode.HTTPError", urlErr.Err, urlErr.Err)
			}
			var viaAs errcode.HTTPError
			if !errors.As(err, &viaAs) || viaAs.StatusCode != tt.status {
				t.Errorf("errors.As found %v", viaAs)
			}
			if got.StatusCode != tt.status {
				t.Errorf("StatusCode %d, want %d", got.StatusCode, tt.status)
			}
			for k, v := range tt.header {
				if got.Header.Get(k) != v[0] {
					t.Errorf("Header %s = %q, want %q", k, got.Header.Get(k), v[0])
				}
			}
			if len(got.Errors) != len(tt.want) {
				t.Fatalf("entries %#v, want %d", got.Errors, len(tt.want))
			}
			for i, w := range tt.want {
				switch e := got.Errors[i].(type) {
				case errcode.ErrorCode:
					if w.message != "" || e.String() != w.value {
						t.Errorf("entry %d is the bare code %s, want %+v", i, e, w)
					}
				case errcode.Error:
					if w.message == "" || e.Value() != w.value || e.Message != w.message {
						t.Errorf("entry %d is %s %q, want %+v", i, e.Value(), e.Message, w)
					}
				default:
					t.Errorf("entry %d is a %T", i, e)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("errors.Is(err, %v) = false for %v", tt.is, err)
			}
		})
	}
}

// A token server cannot make the transport keep more than
// maxRefusalEntries entries, however many it lists.
func TestTransportTokenRefusalIsBounded(t *testing.T) {
	body := `{"errors":[` + strings.Repeat(`{"code":"DENIED"},`, 500) + `{"code":"DENIED"}]}`
	srv := refusingRealm(t, 403, nil, body)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v2/a/manifests/latest", nil)
	_, err := NewTransport(nil, nil).RoundTrip(req)
	var got errcode.HTTPError
	if !errors.As(err, &got) || len(got.Errors) != maxRefusalEntries {
		t.Errorf("err %v with %d entries, want %d", err, len(got.Errors), maxRefusalEntries)
	}
}

// No error of the transport shows the password or the encoded
// credentials, whatever the token server echoes of them and wherever, in
// any letter case (an unregistered code is shown in lower case, with its
// underscores as spaces).
func TestTransportErrorsHideThePassword(t *testing.T) {
	const user, pass = "alice", "pw-0f9c2e"
	encoded := base64.StdEncoding.EncodeToString([]byte(user + ":" + pass))
	echo := func(w http.ResponseWriter, r *http.Request) string {
		u, p, _ := r.BasicAuth()
		return fmt.Sprintf("%s %s %s", u, p, r.Header.Get("Authorization"))
	}
	tests := []struct {
		name  string
		token func(w http.ResponseWriter, r *http.Request) // the token server
		realm string                                       // the challenge's realm; "" for the registry's /token
	}{
		{"text echo", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			io.WriteString(w, "refused: "+echo(w, r))
		}, ""},
		{"legacy echo", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"details":%q}`, echo(w, r))
		}, ""},
		{"message echo", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			fmt.Fprintf(w, `{"errors":[{"code":"UNAUTHORIZED","message":%q}]}`, echo(w, r))
		}, ""},
		{"encoded credentials echo", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(401)
			_, b64, _ := strings.Cut(r.Header.Get("Authorization"), " ")
			fmt.Fprintf(w, `{"errors":[{"code":"UNAUTHORIZED","message":"bad %s"}]}`, b64)
		}, ""},
		{"code echo", func(w http.ResponseWriter, r *http.Request) {
			_, p, _ := r.BasicAuth()
			w.WriteHeader(403)
			fmt.Fprintf(w, `{"errors":[{"code":"BAD_%s","message":"x"}]}`, p)
		}, ""},
		{"detail echo", func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(403)
			fmt.Fprintf(w, `{"errors":[{"code":"DENIED","message":"x","detail":{"sent":%q}}]}`, echo(w, r))
		}, ""},
		{"bad token response", func(w http.ResponseWriter, r *http.Request) {
			io.WriteString(w, echo(w, r))
		}, ""},
		{"token with a space", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, `{"token":%q}`, echo(w, r))
		}, ""},
		{"realm refused", nil, "http://10.0.0.1/token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/token" && tt.token != nil {
					tt.token(w, r)
					return
				}
				realm := tt.realm
				if realm == "" {
					realm = "/token"
				}
				w.Header().Set("WWW-Authenticate", `Bearer realm="`+realm+`",service="registry"`)
				w.WriteHeader(http.StatusUnauthorized)
			}))
			defer srv.Close()
			client := &http.Client{Transport: NewTransport(nil, func(context.Context, string) (string, string, error) { return user, pass, nil })}
			resp, err := client.Get(srv.URL + "/v2/a/manifests/latest")
			if err == nil {
				resp.Body.Close()
				t.Fatalf("status %d, want an error", resp.StatusCode)
			}
			text := err.Error()
			var httpErr errcode.HTTPError
			if errors.As(err, &httpErr) {
				for _, e := range httpErr.Errors {
					if entry, ok := e.(errcode.Error); ok {
						text += " " + entry.Value() + " " + fmt.Sprint(entry.Detail)
					}
				}
			}
			if lower := strings.ToLower(text); strings.Contains(lower, strings.ToLower(pass)) || strings.Contains(text, encoded) {
				t.Errorf("the error shows the credentials: %s", text)
			}
		})
	}
}
