// Package pathtemplate reads gorilla/mux path templates, such as
// "/v2/{name:<pattern>}/tags/list": their plain form, as documents write
// them, and their variables with patterns. The root package derives route
// templates with it, and the document generators their path parameters.
package pathtemplate

import (
	"fmt"
	"strings"
)

// Var is one variable of a template and the pattern its value must match,
// unanchored, as mux writes it.
type Var struct {
	Name    string
	Pattern string
}

// DefaultPattern is the pattern gorilla/mux gives a variable written without
// one, such as "{name}".
const DefaultPattern = `[^/]+`

// Parse splits a mux path template into its plain form, with the patterns
// removed ("/v2/{name}/tags/list"), and its variables. Braces inside
// patterns, such as the quantifier of "[\w][\w.-]{0,127}", are counted so
// that they do not end the variable.
func Parse(tpl string) (string, []Var, error) {
	var b strings.Builder
	var vars []Var
	rest := tpl
	for {
		open := strings.IndexByte(rest, '{')
		if open < 0 {
			if strings.IndexByte(rest, '}') >= 0 {
				return "", nil, fmt.Errorf("path template %q: unbalanced braces", tpl)
			}
			b.WriteString(rest)
			return b.String(), vars, nil
		}
		if strings.IndexByte(rest[:open], '}') >= 0 {
			return "", nil, fmt.Errorf("path template %q: unbalanced braces", tpl)
		}
		end := closingBrace(rest, open)
		if end < 0 {
			return "", nil, fmt.Errorf("path template %q: unbalanced braces", tpl)
		}
		name, pattern, hasPattern := strings.Cut(rest[open+1:end], ":")
		if name == "" {
			return "", nil, fmt.Errorf("path template %q: variable without a name", tpl)
		}
		if !hasPattern {
			pattern = DefaultPattern
		}
		for _, v := range vars {
			if v.Name == name {
				return "", nil, fmt.Errorf("path template %q: variable %q appears twice", tpl, name)
			}
		}
		vars = append(vars, Var{Name: name, Pattern: pattern})
		b.WriteString(rest[:open])
		b.WriteString("{" + name + "}")
		rest = rest[end+1:]
	}
}

// closingBrace returns the index of the brace that closes the one at open,
// or -1 when it is never closed.
func closingBrace(s string, open int) int {
	depth := 0
	for i := open; i < len(s); i++ {
		switch s[i] {
		case '{':
			depth++
		case '}':
			depth--
			if depth == 0 {
				return i
			}
		}
	}
	return -1
}
