package main

import (
	"fmt"
	"io"
	"net/url"
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
		fmt.Fprintf(tw, "%s\t%s\t%s\n", rd.Name, strings.Join(methods, ","), rd.Template())
	}
	if err := tw.Flush(); err != nil {
		fmt.Fprintln(stderr, "regapi routes:", err)
		return 1
	}
	return 0
}

// runMatch prints the route a request path matches and its variables, as
// the router returned by regapi.Router serves it. The path is a request
// target: it is percent-decoded, and a query is ignored, as the router does.
func runMatch(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "usage: regapi match PATH")
		return 2
	}
	target, err := url.ParseRequestURI(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "regapi match:", err)
		return 2
	}
	m, ok := regapi.MatchPath(target.Path)
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
