package regapi

import "strings"

// routeShape is a route's template reduced to what a path must hold to be
// the route's: its fixed text, where the repository name goes, and the
// variable that ends it, if any. MatchPath and the filters of Router both
// recognise routes by their shapes, so neither restates a path.
//
// A shape checks the final variable but not the name. The final variable
// tells routes with the same words apart: the path that starts an upload
// ends in "/blobs/uploads", which has the words of a blob path. The name is
// checked by MatchPath after the shape fits, and by the route's regexp
// after its filter passes.
type routeShape struct {
	// named is set when the template goes on from "/v2/" with the name.
	named bool

	// word is the template after the name, up to its final variable, or,
	// for a route without a name, the whole template; either way without
	// the final slash every route pattern may or may not end with.
	word string

	// variable is the template's final variable, after word; noVariable
	// when the template ends in word.
	variable finalVariable
}

// finalVariable is a variable that can end a route template.
type finalVariable int

const (
	noVariable finalVariable = iota
	referenceVariable
	digestVariable
	uuidVariable
)

// finalVariables maps the names of the final variables in templates to
// their values.
var finalVariables = map[string]finalVariable{
	"reference": referenceVariable,
	"digest":    digestVariable,
	"uuid":      uuidVariable,
}

// valid reports whether s is a value of the variable.
func (v finalVariable) valid(s string) bool {
	switch v {
	case referenceVariable:
		return isReference(s)
	case digestVariable:
		return isDigest(s)
	case uuidVariable:
		return isUploadUUID(s)
	}
	return false
}

// shapeOf returns the shape of a route template as Template writes it,
// such as "/v2/{name}/manifests/{reference}". It reports false for a
// template it does not know how to test.
func shapeOf(template string) (routeShape, bool) {
	t, _ := trimFinalSlash(template)
	rest, named := strings.CutPrefix(t, "/v2/{name}")
	if !named {
		if strings.ContainsAny(t, "{}") {
			return routeShape{}, false
		}
		return routeShape{word: t}, true
	}
	word, variable, ends := strings.Cut(rest, "{")
	if !ends {
		return routeShape{named: true, word: word}, !strings.ContainsAny(word, "{}")
	}
	name, closed := strings.CutSuffix(variable, "}")
	v := finalVariables[name]
	if !closed || v == noVariable || word == "" || word[len(word)-1] != '/' {
		return routeShape{}, false
	}
	return routeShape{named: true, word: word, variable: v}, true
}

// fit reports whether the path p was cut from has the shape, and the name
// and the value of the final variable it holds there (empty where the
// route has none). The name is not checked.
func (s routeShape) fit(p *pathParts) (name, value string, ok bool) {
	if !s.named {
		return "", "", p.body == s.word
	}
	if !p.v2 {
		return "", "", false
	}
	if s.variable == noVariable {
		name, ok = strings.CutSuffix(p.rest, s.word)
		return name, "", ok && name != ""
	}
	// The word ends with the slash that parts the name from the value.
	name, ok = strings.CutSuffix(p.head, s.word[:len(s.word)-1])
	return name, p.last, ok && name != "" && s.variable.valid(p.last)
}

// admits reports whether the route's regexp, below the literal prefix, may
// match path: whether the path, without the prefix, fits the shape. The
// path need not be clean: Router.Match may be called without ServeHTTP's
// cleaning.
//
// Unlike fit, which MatchPath calls on a path it has cut once for all the
// routes, this runs in every route's filter on every request that reaches
// it, so it scans the path forward for the route's word, which is quick,
// and never backward for the last slash, which is not.
func (s routeShape) admits(prefix, path string) bool {
	p, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return false
	}
	body, _ := trimFinalSlash(p)
	if !s.named {
		return body == s.word
	}
	rest, ok := strings.CutPrefix(body, "/v2/")
	if !ok {
		return false
	}
	if s.variable == noVariable {
		// A name, then the word.
		return len(rest) > len(s.word) && strings.HasSuffix(rest, s.word)
	}
	// A name, the word, then a value holding no slash: the word is the
	// occurrence with no slash after it.
	for from := 0; ; {
		i := strings.Index(rest[from:], s.word)
		if i < 0 {
			return false
		}
		i += from
		value := rest[i+len(s.word):]
		if strings.IndexByte(value, '/') < 0 {
			return i > 0 && s.variable.valid(value)
		}
		from = i + 1
	}
}
