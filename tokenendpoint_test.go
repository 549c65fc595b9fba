package regapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// The token endpoint is described but never routed.
func TestTokenEndpointIsNotRouted(t *testing.T) {
	te := TokenEndpoint()
	for name, table := range map[string][]RouteDescriptor{
		"APIDescriptor": APIDescriptor.RouteDescriptors,
		"Descriptors":   Descriptors(),
		"routeTable":    routeTable(),
	} {
		for _, rd := range table {
			if rd.Name == te.Name || rd.Path == te.Path {
				t.Errorf("%s holds the token endpoint", name)
			}
		}
	}
	for _, path := range []string{"/token", "/token/", "/v2/token"} {
		if m, ok := MatchPath(path); ok && m.Route == TokenEndpointName {
			t.Errorf("MatchPath(%q) matched the token endpoint", path)
		}
	}
	router := Router()
	if router.Get(TokenEndpointName) != nil {
		t.Error("the router has a route named after the token endpoint")
	}
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/token?service=x", nil))
	if rec.Code != http.StatusNotFound {
		t.Errorf("the router answers GET /token with %d, want 404", rec.Code)
	}
}

func TestTokenEndpointDescribesTheProtocol(t *testing.T) {
	te := TokenEndpoint()
	if te.Name != TokenEndpointName || te.Path != "/token" {
		t.Fatalf("name %q, path %q", te.Name, te.Path)
	}
	byMethod := map[string][]RequestDescriptor{}
	for _, md := range te.Methods {
		byMethod[md.Method] = md.Requests
	}
	if len(byMethod) != 2 || byMethod[http.MethodGet] == nil || byMethod[http.MethodPost] == nil {
		t.Fatalf("methods %v, want GET and POST", te.Methods)
	}
	has := func(ps []ParameterDescriptor, name string) *ParameterDescriptor {
		for i := range ps {
			if ps[i].Name == name {
				return &ps[i]
			}
		}
		return nil
	}
	status := func(rs []ResponseDescriptor, code int) *ResponseDescriptor {
		for i := range rs {
			if rs[i].StatusCode == code {
				return &rs[i]
			}
		}
		return nil
	}
	for _, r := range byMethod[http.MethodGet] {
		for _, q := range []string{"service", "scope", "account"} {
			if has(r.QueryParameters, q) == nil {
				t.Errorf("GET %q lacks query parameter %s", r.Name, q)
			}
		}
		if s := has(r.QueryParameters, "scope"); s != nil && !s.Repeatable {
			t.Errorf("GET %q: scope is not repeatable", r.Name)
		}
		if has(r.Headers, "Authorization") == nil {
			t.Errorf("GET %q does not describe Basic credentials", r.Name)
		}
		ok := status(r.Successes, http.StatusOK)
		if ok == nil {
			t.Fatalf("GET %q has no 200", r.Name)
		}
		for _, f := range []string{"token", "access_token", "expires_in", "issued_at", "refresh_token"} {
			if has(ok.Fields, f) == nil {
				t.Errorf("GET %q: the 200 lacks field %s", r.Name, f)
			}
		}
		if status(r.Failures, http.StatusUnauthorized) == nil || status(r.Failures, http.StatusBadRequest) == nil {
			t.Errorf("GET %q lacks 400 or 401", r.Name)
		}
	}
	offline := byMethod[http.MethodGet][1]
	if p := has(offline.QueryParameters, "offline_token"); p == nil || !p.Required {
		t.Errorf("GET %q: offline_token is not required", offline.Name)
	}
	if has(offline.QueryParameters, "client_id") == nil {
		t.Errorf("GET %q lacks client_id", offline.Name)
	}

	grants := map[string][]string{
		"password":      {"username", "password"},
		"refresh_token": {"refresh_token"},
	}
	for _, r := range byMethod[http.MethodPost] {
		if r.Body.ContentType != "application/x-www-form-urlencoded" {
			t.Errorf("POST %q body is %q", r.Name, r.Body.ContentType)
		}
		gt := has(r.Fields, "grant_type")
		if gt == nil {
			t.Fatalf("POST %q has no grant_type", r.Name)
		}
		if len(gt.Examples) != 1 {
			t.Fatalf("POST %q: grant_type examples %v, want the grant", r.Name, gt.Examples)
		}
		grant := gt.Examples[0]
		for _, f := range append([]string{"service", "client_id", "scope"}, grants[grant]...) {
			if has(r.Fields, f) == nil {
				t.Errorf("POST %q (grant %s) lacks field %s", r.Name, grant, f)
			}
		}
		delete(grants, grant)
		ok := status(r.Successes, http.StatusOK)
		if ok == nil {
			t.Fatalf("POST %q has no 200", r.Name)
		}
		for _, f := range []string{"access_token", "scope", "expires_in"} {
			if p := has(ok.Fields, f); p == nil || !p.Required {
				t.Errorf("POST %q: the 200 lacks required field %s", r.Name, f)
			}
		}
		if status(r.Failures, http.StatusNotFound) == nil {
			t.Errorf("POST %q does not describe the 404 of a server without POST", r.Name)
		}
	}
	if len(grants) != 0 {
		t.Errorf("grants not described: %v", grants)
	}
}

func TestTokenEndpointIsAFreshCopy(t *testing.T) {
	a := TokenEndpoint()
	a.Methods[0].Requests[0].QueryParameters[0].Name = "changed"
	a.Methods[0].Requests[0].Successes[0].Fields[0].Name = "changed"
	b := TokenEndpoint()
	if b.Methods[0].Requests[0].QueryParameters[0].Name == "changed" || b.Methods[0].Requests[0].Successes[0].Fields[0].Name == "changed" {
		t.Error("changing one TokenEndpoint changed the next")
	}
}
