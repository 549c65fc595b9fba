package auth

import (
	"net/url"
	"strings"

	"github.com/regapi/regapi"
)

// Required returns the access a request needs, read off the route
// descriptors: the Scopes of the request variant that regapi.MatchRequest
// recognises from the method, the path match and the query (headers play no
// part), with "{name}" replaced by m.Name and "{from}" by the query's from
// parameter. The scopes are merged as MergeScopes merges them.
//
// The result is nil when the route does not describe the method, or m names
// no route: the registry answers such a request without asking for access.
// It is empty and not nil when any authenticated client may make the
// request, as for the API's base, GET /v2/.
//
// A mount needs pull access to each repository named by a from parameter.
// A from value that is not a repository name adds nothing: no repository
// can have that name, so the registry cannot mount from it and opens an
// upload session instead, as for a mount without from. The value is taken
// from the query, where the URL builder writes it; a server that reads it
// from elsewhere, such as a form body, must check that access itself.
func Required(method string, m regapi.PathMatch, query url.Values) []Scope {
	rm, ok := regapi.MatchRequest(method, m, query, nil)
	if !ok {
		return nil
	}
	return RequiredFor(rm, query)
}

// RequiredFor is Required for a request a server has already recognised
// with regapi.MatchRequest, so that it is not matched twice. query is the
// request's query, for the from parameters of a mount.
func RequiredFor(rm regapi.RequestMatch, query url.Values) []Scope {
	if rm.Request == nil {
		return nil
	}
	m := rm.PathMatch
	froms := query["from"]
	if len(froms) == 0 {
		froms = []string{""}
	}
	var out []Scope
	for _, tpl := range rm.Request.Scopes {
		for _, from := range froms {
			sc, err := ParseScope(expandScope(tpl, m.Name, from))
			if err == nil {
				out = append(out, sc)
			}
			// Otherwise a value is outside the grammar: it adds nothing,
			// as the doc comment says.
			if !strings.Contains(tpl, "{from}") {
				break
			}
		}
	}
	if merged := MergeScopes(out...); merged != nil {
		return merged
	}
	return []Scope{}
}

// expandScope replaces "{name}" with name and "{from}" with from in a scope
// template, in one pass: a value holding a placeholder is not expanded
// again, which matters for a PathMatch built by hand and for a from
// parameter, neither of which the grammar has checked yet. It allocates the
// result only, where a strings.Replacer built per template would cost a
// dozen allocations on every request.
func expandScope(tpl, name, from string) string {
	if strings.IndexByte(tpl, '{') < 0 {
		return tpl
	}
	var b strings.Builder
	b.Grow(len(tpl) + len(name) + len(from))
	for {
		i := strings.IndexByte(tpl, '{')
		if i < 0 {
			b.WriteString(tpl)
			return b.String()
		}
		b.WriteString(tpl[:i])
		tpl = tpl[i:]
		switch {
		case strings.HasPrefix(tpl, "{name}"):
			b.WriteString(name)
			tpl = tpl[len("{name}"):]
		case strings.HasPrefix(tpl, "{from}"):
			b.WriteString(from)
			tpl = tpl[len("{from}"):]
		default:
			b.WriteByte('{')
			tpl = tpl[1:]
		}
	}
}
