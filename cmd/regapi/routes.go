package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/regapi/regapi"
)

// runRoutes prints one line per route: its name, its methods and its path
// template with the variable patterns left out.
func runRoutes(args []string, stdout, stderr io.Writer) int {
	if len(args) != 0 {
		fmt.Fprintln(stderr, "usage: regapi routes")
		return 2
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUTE\tMETHODS\tPATH")
	for _, rd := range regapi.APIDescriptor.RouteDescriptors {
		methods := make([]string, len(rd.Methods))
		for i, m := range rd.Methods {
			methods[i] = m.Method
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", rd.Name, strings.Join(methods, ","), shortTemplate(rd.Path))
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintln(stderr, "regapi routes:", err)
		return 1
	}
	return 0
}

// shortTemplate drops the patterns from a mux template:
// "/v2/{name:[a-z]+}/tags/list" becomes "/v2/{name}/tags/list".
func shortTemplate(path string) string {
	var b strings.Builder
	for {
		open := strings.IndexByte(path, '{')
		if open < 0 {
			b.WriteString(path)
			return b.String()
		}
		end := braceEnd(path, open)
		b.WriteString(path[:open])
		v := path[open+1 : end]
		if colon := strings.IndexByte(v, ':'); colon >= 0 {
			v = v[:colon]
		}
		b.WriteString("{" + v + "}")
		path = path[end+1:]
	}
}

// braceEnd returns the index of the brace closing the one at open, counting
// the braces of quantifiers such as {0,127} inside patterns.
func braceEnd(s string, open int) int {
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
	return len(s) - 1
}

// runMatch prints the route a request path matches and its variables, as
// the router returned by regapi.Router serves it. The path is a request
// target: it is percent-decoded, and a query is ignored, as the router does.
func runMatch(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: regapi match PATH")
		return 2
	}
	req, err := newGET(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "regapi match:", err)
		return 2
	}
	m, ok := regapi.MatchPath(req.URL.Path)
	if !ok {
		fmt.Fprintf(stdout, "%s: redirect or no route\n", args[0])
		return 1
	}
	fmt.Fprintf(stdout, "route %s\n", m.Route)
	vars := m.Vars()
	for _, k := range []string{"name", "reference", "digest", "uuid"} {
		if v, ok := vars[k]; ok {
			fmt.Fprintf(stdout, "%s %s\n", k, v)
		}
	}
	return 0
}
