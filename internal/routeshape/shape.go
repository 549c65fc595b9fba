// Package routeshape recognises the routes of the registry API by the shapes
// of their templates: the fixed words of a path, where the repository name
// goes and the variable that ends it. The root package's matcher and router
// filters, and the test registry's answer to paths that match no route, use
// the same shapes, derived from the same templates, so no path word is
// written twice.
package routeshape

import (
	"strings"

	"github.com/regapi/regapi/internal/grammar"
)

// Shape is a route's template reduced to what a path must hold to be
// the route's: its fixed text, where the repository name goes, and the
// variable that ends it, if any. MatchPath and the filters of Router both
// recognise routes by their shapes, so neither restates a path.
//
// A shape checks the final variable but not the name. The final variable
// tells routes with the same words apart: the path that starts an upload
// ends in "/blobs/uploads", which has the words of a blob path. The name is
// checked by MatchPath after the shape fits, and by the route's regexp
// after its filter passes.
type Shape struct {
	// Named is set when the template goes on from "/v2/" with the name.
	Named bool

	// Word is the template after the name, up to its final variable, or,
	// for a route without a name, the whole template; either way without
	// the final slash every route pattern may or may not end with.
	Word string

	// Variable is the template's final variable, after word; NoVariable
	// when the template ends in word.
	Variable Variable
}

// Variable is a variable that can end a route template.
type Variable int

const (
	NoVariable Variable = iota
	ReferenceVariable
	DigestVariable
	UUIDVariable
)

// Variables maps the names of the final variables in templates to
// their values.
var Variables = map[string]Variable{
	"reference": ReferenceVariable,
	"digest":    DigestVariable,
	"uuid":      UUIDVariable,
}

// Valid reports whether s is a value of the variable.
func (v Variable) Valid(s string) bool {
	switch v {
	case ReferenceVariable:
		return grammar.IsReference(s)
	case DigestVariable:
		return grammar.IsDigest(s)
	case UUIDVariable:
		return grammar.IsUploadUUID(s)
	}
	return false
}

// Of returns the shape of a route template as Template writes it,
// such as "/v2/{name}/manifests/{reference}". It reports false for a
// template it does not know how to test.
func Of(template string) (Shape, bool) {
	t, _ := TrimFinalSlash(template)
	rest, named := strings.CutPrefix(t, "/v2/{name}")
	if !named {
		if strings.ContainsAny(t, "{}") {
			return Shape{}, false
		}
		return Shape{Word: t}, true
	}
	word, variable, ends := strings.Cut(rest, "{")
	if !ends {
		return Shape{Named: true, Word: word}, !strings.ContainsAny(word, "{}")
	}
	name, closed := strings.CutSuffix(variable, "}")
	v := Variables[name]
	if !closed || v == NoVariable || word == "" || word[len(word)-1] != '/' {
		return Shape{}, false
	}
	return Shape{Named: true, Word: word, Variable: v}, true
}

// Fit reports whether the path p was cut from has the shape, and the name
// and the value of the final variable it holds there (empty where the
// route has none). The name is not checked.
func (s Shape) Fit(p *Parts) (name, value string, ok bool) {
	if !s.Named {
		return "", "", p.body == s.Word
	}
	if !p.v2 {
		return "", "", false
	}
	if s.Variable == NoVariable {
		name, ok = strings.CutSuffix(p.rest, s.Word)
		return name, "", ok && name != ""
	}
	// The word ends with the slash that parts the name from the value.
	name, ok = strings.CutSuffix(p.head, s.Word[:len(s.Word)-1])
	return name, p.last, ok && name != "" && s.Variable.Valid(p.last)
}

// Admits reports whether the route's regexp, below the literal prefix, may
// match path: whether the path, without the prefix, fits the shape. The
// path need not be clean: Router.Match may be called without ServeHTTP's
// cleaning.
//
// Unlike fit, which MatchPath calls on a path it has cut once for all the
// routes, this runs in every route's filter on every request that reaches
// it, so it scans the path forward for the route's word, which is quick,
// and never backward for the last slash, which is not.
func (s Shape) Admits(prefix, path string) bool {
	p, ok := strings.CutPrefix(path, prefix)
	if !ok {
		return false
	}
	body, _ := TrimFinalSlash(p)
	if !s.Named {
		return body == s.Word
	}
	rest, ok := strings.CutPrefix(body, "/v2/")
	if !ok {
		return false
	}
	if s.Variable == NoVariable {
		// A name, then the word.
		return len(rest) > len(s.Word) && strings.HasSuffix(rest, s.Word)
	}
	// A name, the word, then a value holding no slash: the word is the
	// occurrence with no slash after it.
	for from := 0; ; {
		i := strings.Index(rest[from:], s.Word)
		if i < 0 {
			return false
		}
		i += from
		value := rest[i+len(s.Word):]
		if strings.IndexByte(value, '/') < 0 {
			return i > 0 && s.Variable.Valid(value)
		}
		from = i + 1
	}
}

// Parts is a path without its final slash, cut once where the shapes need
// it cut, so that trying every route scans it only once.
type Parts struct {
	body string // the whole path
	rest string // what follows "/v2/", if the path starts so
	head string // rest up to its last slash
	last string // rest after its last slash; empty when rest has no slash
	v2   bool   // the path starts with "/v2/"
}

// Split cuts body, a path without its final slash.
func Split(body string) Parts {
	rest, ok := strings.CutPrefix(body, "/v2/")
	if !ok {
		return Parts{body: body}
	}
	p := Parts{body: body, rest: rest, v2: true}
	if slash := strings.LastIndexByte(rest, '/'); slash >= 0 {
		p.head, p.last = rest[:slash], rest[slash+1:]
	}
	return p
}

// TrimFinalSlash drops one final slash from path, the optional slash every
// route pattern ends with, and reports whether there was one.
func TrimFinalSlash(path string) (string, bool) {
	if n := len(path); n > 0 && path[n-1] == '/' {
		return path[:n-1], true
	}
	return path, false
}
