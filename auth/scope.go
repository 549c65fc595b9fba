package auth

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/regapi/regapi/internal/grammar"
)

// Scope is one resource scope of the registry token protocol: a type, an
// optional class, a resource name and the actions asked for or granted on
// it, written "repository:library/alpine:pull,push",
// "repository(plugin):x:pull" or "registry:catalog:*".
//
// The class ("plugin" above) is deprecated: servers key access by type and
// name, so Allows and MergeScopes ignore it. Actions are kept as written;
// MergeScopes puts them in a canonical order.
type Scope struct {
	// Type is the kind of resource: "repository" for a repository, or
	// "registry" for the catalog. Other lower-case alphanumeric types
	// parse as well.
	Type string

	// Class is the deprecated resource class, such as "plugin", or empty.
	Class string

	// Name is the resource: a repository name, which may start with a host
	// and port ("localhost:5000/foo"), or "catalog" for the registry type.
	Name string

	// Actions lists the actions, such as "pull", "push", "delete" or "*",
	// which stands for every action on the resource.
	Actions []string
}

// String writes the scope in the token protocol's form:
// "type[(class)]:name:action,action". A parsed scope writes back to the
// string it was parsed from.
func (s Scope) String() string {
	var b strings.Builder
	b.Grow(len(s.Type) + len(s.Class) + len(s.Name) + 4 + 8*len(s.Actions))
	b.WriteString(s.Type)
	if s.Class != "" {
		b.WriteByte('(')
		b.WriteString(s.Class)
		b.WriteByte(')')
	}
	b.WriteByte(':')
	b.WriteString(s.Name)
	b.WriteByte(':')
	for i, a := range s.Actions {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(a)
	}
	return b.String()
}

// ErrInvalidScope is the error every parsing failure of a scope wraps.
var ErrInvalidScope = errors.New("invalid scope")

// scopeError describes why a scope string does not parse, with the string
// cut short as every message of the package cuts a value it quotes.
func scopeError(s, why string) error {
	return fmt.Errorf("auth: %w %q: %s", ErrInvalidScope, short(s), why)
}

// ParseScope parses one resource scope, "type[(class)]:name:actions".
//
// The type is [a-z0-9]+ with an optional class in parentheses of the same
// characters. The name follows the repository name grammar, which allows
// a leading host with a port, so it may hold a colon: the type ends at the
// first colon and the actions start after the last, and the name is what
// lies between. The name is at most 255 bytes, the longest repository name
// registries accept. The actions are a comma-separated list of [a-z0-9_-]+
// or "*": registries add actions of their own, such as metadata_read, so
// any such word parses. An empty list, "repository:foo:", parses to a scope
// without actions, which grants or asks for nothing.
func ParseScope(s string) (Scope, error) {
	colon := strings.IndexByte(s, ':')
	last := strings.LastIndexByte(s, ':')
	if colon < 0 || last == colon {
		return Scope{}, scopeError(s, "want type:name:actions")
	}
	var sc Scope
	typ := s[:colon]
	if open := strings.IndexByte(typ, '('); open >= 0 {
		if !strings.HasSuffix(typ, ")") || !isScopeWord(typ[open+1:len(typ)-1]) {
			return Scope{}, scopeError(s, "the class is not [a-z0-9]+ in parentheses")
		}
		sc.Class = typ[open+1 : len(typ)-1]
		typ = typ[:open]
	}
	if !isScopeWord(typ) {
		return Scope{}, scopeError(s, "the type is not [a-z0-9]+")
	}
	sc.Type = typ
	sc.Name = s[colon+1 : last]
	if len(sc.Name) > grammar.MaxRepositoryLength || !grammar.IsName(sc.Name) {
		return Scope{}, scopeError(s, "the name is not a repository name")
	}
	if actions := s[last+1:]; actions != "" {
		sc.Actions = strings.Split(actions, ",")
		for _, a := range sc.Actions {
			if !isAction(a) {
				return Scope{}, scopeError(s, fmt.Sprintf("action %q is not [a-z0-9_-]+ or *", a))
			}
		}
	}
	return sc, nil
}

// ParseScopes parses a space-separated list of scopes, as the scope
// parameter of a challenge or of a token request carries it. Runs of
// spaces and leading or trailing spaces separate nothing; an empty or
// all-space string is an empty list. It fails on the first entry that does
// not parse, and on a list of more than 1000 entries, which no operation
// needs and which a token server refuses.
func ParseScopes(s string) ([]Scope, error) {
	fields, ok := splitScopes(s, maxTokenScopes)
	if !ok {
		return nil, fmt.Errorf("auth: %w list: more than %d entries", ErrInvalidScope, maxTokenScopes)
	}
	var out []Scope
	for _, f := range fields {
		sc, err := ParseScope(f)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// splitScopes splits a scope list at ASCII spaces, leaving out empty
// entries. Only the space separates scopes; a tab or other white space is
// part of an entry and makes it fail to parse. It reports false when s
// holds more than limit entries, having cut no further than the entry
// after the limit: the list comes from the other side of a connection, and
// a long one would otherwise cost memory in proportion to its length
// before being refused.
func splitScopes(s string, limit int) ([]string, bool) {
	var out []string
	for s != "" {
		var f string
		f, s, _ = strings.Cut(s, " ")
		if f == "" {
			continue
		}
		if len(out) == limit {
			return nil, false
		}
		out = append(out, f)
	}
	return out, true
}

// isScopeWord reports whether s is [a-z0-9]+, the grammar of types and
// classes.
func isScopeWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// isAction reports whether a is [a-z0-9_-]+ or "*".
func isAction(a string) bool {
	if a == "*" {
		return true
	}
	if a == "" {
		return false
	}
	for i := 0; i < len(a); i++ {
		if c := a[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// resourceKey identifies a resource: the class does not take part.
type resourceKey struct{ typ, name string }

// MergeScopes unites scopes into one entry per resource, a resource being
// a type and a name: the class is deprecated and does not split one. The
// actions of a resource are united, without repeats, in bytewise order,
// and a "*" among them replaces them all. A resource whose entries all
// carry the same class keeps it; otherwise the merged entry has none.
// Resources left without actions are dropped, and the result is sorted by
// type, then name. Equal sets of grants therefore merge, and print, the
// same whatever their order and repetitions.
//
// The result shares no memory with the arguments. It is nil when no
// resource has an action.
func MergeScopes(scopes ...Scope) []Scope {
	type merged struct {
		class        string
		mixedClasses bool
		actions      map[string]bool
	}
	byResource := make(map[resourceKey]*merged)
	var keys []resourceKey
	for _, s := range scopes {
		k := resourceKey{s.Type, s.Name}
		m, ok := byResource[k]
		if !ok {
			m = &merged{class: s.Class, actions: make(map[string]bool)}
			byResource[k] = m
			keys = append(keys, k)
		} else if m.class != s.Class {
			m.mixedClasses = true
		}
		for _, a := range s.Actions {
			m.actions[a] = true
		}
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].typ != keys[j].typ {
			return keys[i].typ < keys[j].typ
		}
		return keys[i].name < keys[j].name
	})
	var out []Scope
	for _, k := range keys {
		m := byResource[k]
		if len(m.actions) == 0 {
			continue
		}
		s := Scope{Type: k.typ, Name: k.name}
		if !m.mixedClasses {
			s.Class = m.class
		}
		if m.actions["*"] {
			s.Actions = []string{"*"}
		} else {
			s.Actions = make([]string, 0, len(m.actions))
			for a := range m.actions {
				s.Actions = append(s.Actions, a)
			}
			sort.Strings(s.Actions)
		}
		out = append(out, s)
	}
	return out
}

// Allows reports whether the granted scopes, those of a token, allow every
// action of every needed scope, as a registry decides whether a request may
// proceed. An action is allowed when a granted scope of the same type and
// name lists it or lists "*"; the class plays no part. A needed "*" is
// allowed only by a granted "*". Needed scopes without actions ask for
// nothing, so Allows(granted) and Allows(granted, Required(...)...) for the
// API's base, which needs no access, are true.
func Allows(granted []Scope, needed ...Scope) bool {
	for _, n := range needed {
		for _, a := range n.Actions {
			if !grants(granted, n.Type, n.Name, a) {
				return false
			}
		}
	}
	return true
}

// Missing returns the actions of the needed scopes that the granted scopes
// do not allow, merged as MergeScopes merges them, or nil when Allows
// reports true. A registry can put them in the scope parameter of an
// insufficient_scope challenge or in the detail of its error.
func Missing(granted []Scope, needed ...Scope) []Scope {
	var out []Scope
	for _, n := range needed {
		var lacking []string
		for _, a := range n.Actions {
			if !grants(granted, n.Type, n.Name, a) {
				lacking = append(lacking, a)
			}
		}
		if len(lacking) > 0 {
			out = append(out, Scope{Type: n.Type, Class: n.Class, Name: n.Name, Actions: lacking})
		}
	}
	return MergeScopes(out...)
}

// grants reports whether a scope of granted allows action on the resource.
func grants(granted []Scope, typ, name, action string) bool {
	for _, g := range granted {
		if g.Type != typ || g.Name != name {
			continue
		}
		for _, a := range g.Actions {
			if a == action || a == "*" {
				return true
			}
		}
	}
	return false
}
