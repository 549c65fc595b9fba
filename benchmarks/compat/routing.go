package compat

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/gorilla/mux"
)

// How many mutated variants of each path the live comparison and the
// recorded files hold. The recorded files keep fewer to stay small.
const (
	LivePathMutations     = 4
	RecordedPathMutations = 1
)

// RouteAnswer is what a router answered to one request (GET when Method
// is empty): the status,
// the Location header of a redirect, and for a matched route its name and
// path variables as the route's handler saw them. The Match fields are
// what Router.Match, which does not clean the path, reported for the same
// request: whether it matched, the matched route's name and variables, and
// the match error.
type RouteAnswer struct {
	Method     string            `json:"method,omitempty"`
	Path       string            `json:"path"`
	Status     int               `json:"status"`
	Location   string            `json:"location,omitempty"`
	Route      string            `json:"route,omitempty"`
	Vars       map[string]string `json:"vars,omitempty"`
	Matched    bool              `json:"matched,omitempty"`
	MatchRoute string            `json:"match_route,omitempty"`
	MatchVars  map[string]string `json:"match_vars,omitempty"`
	MatchError string            `json:"match_error,omitempty"`
}

// RoutingRecord is the recorded file of one prefix: the routes that
// distribution's RouterWithPrefix(prefix) shows to Walk, and its answers to
// every path of RoutingPaths(prefix).
type RoutingRecord struct {
	Source  string        `json:"source"`
	Prefix  string        `json:"prefix"`
	Routes  []RouteInfo   `json:"routes"`
	Answers []RouteAnswer `json:"answers"`
}

// RouteInfo is what Router.Walk shows of one route: its name, path
// template and path regexp, or the errors of the latter two.
type RouteInfo struct {
	Name          string `json:"name,omitempty"`
	Template      string `json:"template,omitempty"`
	TemplateError string `json:"template_error,omitempty"`
	Regexp        string `json:"regexp,omitempty"`
	RegexpError   string `json:"regexp_error,omitempty"`
}

// WalkRoutes returns what router.Walk visits, in order.
func WalkRoutes(router *mux.Router) []RouteInfo {
	var out []RouteInfo
	_ = router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		info := RouteInfo{Name: route.GetName()}
		tpl, err := route.GetPathTemplate()
		info.Template, info.TemplateError = tpl, ErrorText(err)
		re, err := route.GetPathRegexp()
		info.Regexp, info.RegexpError = re, ErrorText(err)
		out = append(out, info)
		return nil
	})
	return out
}

// echoBody is what the echo handlers write.
type echoBody struct {
	Route string            `json:"route"`
	Vars  map[string]string `json:"vars"`
}

// InstallEcho sets on every named route of router a handler that answers
// 200 with the route's name and the request's path variables. It returns
// the names of the routes it found.
func InstallEcho(router *mux.Router) []string {
	var names []string
	_ = router.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		name := route.GetName()
		if name == "" {
			return nil
		}
		names = append(names, name)
		route.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(echoBody{Route: name, Vars: mux.Vars(r)})
		})
		return nil
	})
	return names
}

// routingMethods are the methods of the requests other than GET: those of
// the API, and two it does not use. Routes register no methods, so all
// must route alike.
var routingMethods = []string{"HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS", "BREW"}

// RoutingMethod returns the method of the i-th request of a routing
// comparison: GET for three in four, the others in turn.
func RoutingMethod(i int) string {
	if i%4 != 3 {
		return http.MethodGet
	}
	return routingMethods[(i/4)%len(routingMethods)]
}

// Serve sends a method request (GET when empty) for target to router and reports the answer,
// then asks router.Match about the same request. The request is built field
// by field, as a server would after reading the request line, so that
// targets with unusual bytes reach the router as they are.
func Serve(router *mux.Router, method, target string) (RouteAnswer, error) {
	u, err := url.ParseRequestURI(target)
	if err != nil {
		return RouteAnswer{}, err
	}
	if method == "" {
		method = http.MethodGet
	}
	req := &http.Request{
		Method:     method,
		URL:        u,
		RequestURI: target,
		Proto:      "HTTP/1.1",
		ProtoMajor: 1,
		ProtoMinor: 1,
		Header:     http.Header{},
		Host:       "registry.example.com",
	}
	rec := httptest.NewRecorder()
	router.ServeHTTP(rec, req)
	ans := RouteAnswer{Path: target, Status: rec.Code, Location: rec.Header().Get("Location")}
	if method != http.MethodGet {
		ans.Method = method
	}
	var m mux.RouteMatch
	ans.Matched = router.Match(req.Clone(req.Context()), &m)
	ans.MatchError = ErrorText(m.MatchErr)
	if ans.Matched && m.Route != nil {
		ans.MatchRoute = m.Route.GetName()
		if len(m.Vars) > 0 {
			ans.MatchVars = m.Vars
		}
	}
	if rec.Code == http.StatusOK {
		var body echoBody
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			return ans, fmt.Errorf("%s: undecodable echo body %q: %v", target, rec.Body.String(), err)
		}
		ans.Route = body.Route
		if len(body.Vars) > 0 {
			ans.Vars = body.Vars
		}
	}
	return ans, nil
}
