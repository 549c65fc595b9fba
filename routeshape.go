package regapi

import "strings"

// routeShape is what the filter in front of a route's regexp checks: the
// fixed text of the route's template and the variable that ends it, if
// any, but not the repository name. Every path the regexp matches passes,
// and almost no path of another route does, since the routes differ in
// their words and final variables. (The final variable matters: the path
// that starts an upload ends in "/blobs/uploads", which has the words of a
// blob path, and without the check the blob route's regexp would run on
// it.) The name is left to the regexp, which runs next and checks it
// anyway: checking a deep name here too would double the work on the route
// that matches (MatchPath's matchRoute is the full check).
type routeShape struct {
	// named is set when the template goes on from "/v2/" with the name.
	named bool

	// word is the template after the name, up to its final variable, or,
	// for a route without a name, the whole template; either way without
	// the final slash every route pattern may or may not end with.
	word string

	// last checks the value of the template's final variable, after word;
	// nil when the template ends in word.
	last func(string) bool
}

// shapeOf returns the shape of a route template as Template writes it,
// such as "/v2/{name}/manifests/{reference}". It reports false for a
// template it does not know how to test, which then gets no filter.
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
	var check func(string) bool
	switch variable {
	case "reference}":
		check = isReference
	case "digest}":
		check = isDigest
	case "uuid}":
		check = isUploadUUID
	}
	if check == nil || word == "" || word[len(word)-1] != '/' {
		return routeShape{}, false
	}
	return routeShape{named: true, word: word, last: check}, true
}

// admits reports whether the route's regexp, below the literal prefix, may
// match path. The path need not be clean: Router.Match may be called
// without ServeHTTP's cleaning.
//
// Every route runs this on every request that reaches it, so it scans the
// path forward for the route's word, which is quick, and never backward for
// the last slash, which is not.
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
	if s.last == nil {
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
			return i > 0 && s.last(value)
		}
		from = i + 1
	}
}
