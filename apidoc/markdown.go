package apidoc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/endpointid"
	"github.com/regapi/regapi/internal/pathtemplate"
)

// Markdown returns the reference of the registry API in Markdown: an
// overview, the table of OCI endpoint IDs with links to where each is
// described, every route with its methods and request variants (parameters,
// headers, the token scopes each needs, example requests and responses,
// statuses and error codes), the token endpoint that Bearer challenges name
// as their realm, and the table of error codes with their HTTP statuses.
//
// Like OpenAPI it is generated from the route descriptors the router is
// built from and from the error codes registered with package errcode when
// it is called, and it is the same, byte for byte, on every call with the
// same registered codes.
func Markdown() ([]byte, error) {
	var buf bytes.Buffer
	token := regapi.TokenEndpoint()
	if err := writeMarkdown(&buf, regapi.Descriptors(), &token, errcode.GetErrorAllDescriptors()); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// WriteMarkdown writes the document Markdown returns to w.
func WriteMarkdown(w io.Writer) error {
	b, err := Markdown()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// mdWriter accumulates a Markdown document.
type mdWriter struct {
	buf *bytes.Buffer
}

func (w mdWriter) line(s ...string) {
	for _, p := range s {
		w.buf.WriteString(p)
	}
	w.buf.WriteByte('\n')
}

func (w mdWriter) linef(format string, args ...any) {
	fmt.Fprintf(w.buf, format, args...)
	w.buf.WriteByte('\n')
}

// para writes a paragraph followed by a blank line; empty text writes
// nothing.
func (w mdWriter) para(text string) {
	text = strings.TrimSpace(text)
	if text == "" {
		return
	}
	w.line(text)
	w.line()
}

// fence writes a fenced code block, with a fence longer than any run of
// backticks in the content.
func (w mdWriter) fence(lang, content string) {
	fence := "```"
	for strings.Contains(content, fence) {
		fence += "`"
	}
	w.line(fence, lang)
	w.line(strings.TrimRight(content, "\n"))
	w.line(fence)
	w.line()
}

// mdCell makes text safe inside a table cell: one line, pipes escaped.
func mdCell(text string) string {
	text = docOneLine(text)
	return strings.ReplaceAll(text, "|", `\|`)
}

// mdType is a parameter's type for a table: "string" when unnamed.
func mdType(t string) string {
	if t == "" {
		return "string"
	}
	return mdCell(t)
}

// mdCode renders text as a code span.
func mdCode(text string) string {
	if text == "" {
		return ""
	}
	if strings.Contains(text, "`") {
		return "`` " + text + " ``"
	}
	return "`" + text + "`"
}

func mdRouteAnchor(rd regapi.RouteDescriptor) string { return "route-" + rd.Name }

func mdMethodAnchor(rd regapi.RouteDescriptor, md regapi.MethodDescriptor) string {
	return rd.Name + "-" + strings.ToLower(md.Method)
}

func mdVariantAnchor(rd regapi.RouteDescriptor, md regapi.MethodDescriptor, i int) string {
	return mdMethodAnchor(rd, md) + "-" + strconv.Itoa(i+1)
}

func mdErrorAnchor(value string) string {
	return "error-" + strings.ToLower(strings.ReplaceAll(value, "_", "-"))
}

// writeMarkdown writes the reference of routes and, when token is not
// nil, of the token endpoint.
func writeMarkdown(buf *bytes.Buffer, routes []regapi.RouteDescriptor, token *regapi.RouteDescriptor, codes []errcode.ErrorDescriptor) error {
	all := routes
	if token != nil {
		all = append(routes[:len(routes):len(routes)], *token)
	}
	if err := docCheckRoutes(all); err != nil {
		return fmt.Errorf("apidoc: %w", err)
	}
	if len(routes) == 0 {
		return errors.New("apidoc: no routes to describe")
	}
	w := mdWriter{buf: buf}
	known := make(map[string]bool, len(codes))
	for _, c := range codes {
		known[c.Value] = true
	}

	w.line("# Registry HTTP API reference")
	w.line()
	w.para("<!-- Generated from the route descriptors by `go run ./cmd/regapi markdown -o docs/api.md` (run `go generate ./...`); do not edit by hand. -->")
	w.line("## Contents")
	w.line()
	w.line("- [Overview](#overview)")
	w.line("- [OCI endpoints](#oci-endpoints)")
	w.line("- [Routes](#routes)")
	for _, rd := range routes {
		plain, _, _ := pathtemplate.Parse(rd.Path)
		w.linef("  - [%s](#%s) %s", docRouteTag(rd), mdRouteAnchor(rd), mdCode(plain))
	}
	if token != nil {
		w.line("- [Token endpoint](#token-endpoint)")
	}
	w.line("- [Error codes](#error-codes)")
	w.line()

	w.line("## Overview")
	w.line()
	overview := markdownOverview
	if token == nil {
		overview = strings.Replace(overview, "the [token endpoint](#token-endpoint)", "the token endpoint", 1)
	}
	w.para(overview)

	mdWriteEndpointTable(w, routes)

	w.line("## Routes")
	w.line()
	w.para("The routes are listed in the order the router tries them: the first route whose template matches a path handles it.")
	for _, rd := range routes {
		mdWriteRoute(w, rd, true, known)
	}

	if token != nil {
		w.line("## Token endpoint")
		w.line()
		w.para(markdownTokenEndpoint)
		mdWriteRoute(w, *token, false, known)
	}

	mdWriteErrorTable(w, codes)
	return nil
}

const markdownOverview = `This is the HTTP API of container registries: the Docker Registry HTTP API V2 and its successor, the OCI Distribution Specification (version 1.1). It is generated from the route descriptors of the Go package ` + "`github.com/regapi/regapi`" + `, the table its router is built from, so it describes exactly the routes that router matches. The same descriptors produce the OpenAPI 3.1 document ` + "`docs/openapi.json`" + `.

Each route lists its methods, and each method the distinct ways of using it (request variants), with the parameters and headers they send, an example request, and the responses they may get. Placeholders are written ` + "`<like this>`" + `.

**Repository names contain slashes.** The ` + "`name`" + ` path variable spans one or more path segments, as in ` + "`/v2/library/ubuntu/manifests/latest`" + `. Clients write the slashes literally; they are not percent-encoded.

**OCI endpoint IDs.** The OCI specification numbers its endpoints end-1 to end-14, with letters for variants. The [table below](#oci-endpoints) links each ID to the request variant that implements it. Variants without an ID, such as the catalog, are Docker extensions.

**Authentication.** A registry that needs credentials answers ` + "`401 Unauthorized`" + ` with a ` + "`WWW-Authenticate`" + ` challenge. The client sends Basic credentials, or a Bearer token obtained from the challenge's realm (the [token endpoint](#token-endpoint)), in the ` + "`Authorization`" + ` header and retries. Each request variant below says which token scopes it needs, such as ` + "`repository:<name>:pull`" + `; a registry that finds a scope missing answers 401 again, with ` + "`error=\"insufficient_scope\"`" + ` and the scope in the challenge.

**Errors.** Error responses carry a JSON body of the form below. The [error codes](#error-codes) table lists the codes and the status each is sent with; registries may define codes of their own, which clients must accept.

` + "```json" + `
{
  "errors": [
    {"code": "<CODE>", "message": "<text>", "detail": <any JSON value, optional>}
  ]
}
` + "```"

const markdownTokenEndpoint = `A Bearer challenge names a token server in its ` + "`realm`" + `: a whole URL, often on another host (` + "`https://auth.docker.io/token`" + `), which the registry's routes do not include. The client asks it for a token covering the challenge's ` + "`scope`" + ` and what its request needs, then repeats the request with ` + "`Authorization: Bearer <token>`" + `. Below, ` + "`/token`" + ` stands for the realm. Every token server serves GET; POST, the OAuth2 form, is optional.`

// mdPlaceholders writes the braces of a scope template as the placeholders
// of this document: "repository:{name}:pull" as "repository:<name>:pull".
func mdPlaceholders(s string) string {
	return strings.NewReplacer("{", "<", "}", ">").Replace(s)
}

// mdEndpointRow is one line of the OCI endpoint table.
type mdEndpointRow struct {
	id       string
	method   string
	path     string
	success  []int
	failure  []int
	anchor   string
	location string
}

func mdWriteEndpointTable(w mdWriter, routes []regapi.RouteDescriptor) {
	var rows []mdEndpointRow
	var others []string
	for _, rd := range routes {
		plain, vars, _ := pathtemplate.Parse(rd.Path)
		for _, md := range docOrderedMethods(rd.Methods) {
			for i, r := range md.Requests {
				loc := fmt.Sprintf("[%s %s: %s](#%s)", md.Method, docRouteTag(rd), docVariantLabel(r, i), mdVariantAnchor(rd, md, i))
				if r.EndpointID == "" {
					others = append(others, loc)
					continue
				}
				rows = append(rows, mdEndpointRow{
					id:       r.EndpointID,
					method:   md.Method,
					path:     mdExamplePath(plain, vars) + mdExampleQuery(r.QueryParameters, false),
					success:  mdStatusList(r.Successes),
					failure:  mdStatusList(r.Failures),
					anchor:   mdVariantAnchor(rd, md, i),
					location: loc,
				})
			}
		}
	}
	slices.SortStableFunc(rows, func(a, b mdEndpointRow) int { return endpointid.Compare(a.id, b.id) })

	w.line("## OCI endpoints")
	w.line()
	w.para("The endpoints of the OCI distribution specification, by the IDs it gives them, and the request variants of this reference that implement them. Statuses are those the variant documents.")
	w.line("| ID | Method | Path | Success | Failure | Described in |")
	w.line("| --- | --- | --- | --- | --- | --- |")
	for _, r := range rows {
		w.linef("| %s | %s | %s | %s | %s | %s |", r.id, r.method, mdCell(mdCode(r.path)), mdJoinStatuses(r.success), mdJoinStatuses(r.failure), mdCell(r.location))
	}
	w.line()
	if len(others) > 0 {
		w.para("Variants the OCI specification does not define: " + strings.Join(others, ", ") + ".")
	}
}

// mdStatusList returns the distinct statuses of responses, ascending.
func mdStatusList(rs []regapi.ResponseDescriptor) []int {
	var out []int
	for _, r := range rs {
		found := false
		for _, s := range out {
			found = found || s == r.StatusCode
		}
		if !found {
			out = append(out, r.StatusCode)
		}
	}
	sort.Ints(out)
	return out
}

func mdJoinStatuses(ss []int) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = strconv.Itoa(s)
	}
	return strings.Join(parts, ", ")
}

// mdExampleQuery renders query parameters as "?a=<a>&[b=<b>]", optional
// ones in brackets, or with their examples when examples is set. A repeatable parameter is shown
// twice, or with all its examples.
func mdExampleQuery(ps []regapi.ParameterDescriptor, examples bool) string {
	var parts []string
	for _, p := range ps {
		values := p.Examples
		switch {
		case !examples || len(values) == 0:
			values = []string{"<" + p.Name + ">"}
			if p.Repeatable {
				values = append(values, values[0])
			}
		case !p.Repeatable:
			values = values[:1]
		}
		for _, v := range values {
			if !examples && !p.Required {
				parts = append(parts, "["+p.Name+"="+v+"]")
				continue
			}
			parts = append(parts, p.Name+"="+v)
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return "?" + strings.Join(parts, "&")
}

// mdExamplePath fills a template's variables with placeholders.
func mdExamplePath(plain string, vars []pathtemplate.Var) string {
	for _, v := range vars {
		plain = strings.Replace(plain, "{"+v.Name+"}", "<"+v.Name+">", 1)
	}
	return plain
}

// mdExampleValue is what an example shows for a parameter: its first
// example, its format, or a placeholder.
func mdExampleValue(p regapi.ParameterDescriptor) string {
	switch {
	case len(p.Examples) > 0:
		return p.Examples[0]
	case p.Format != "":
		return p.Format
	}
	return "<" + strings.ToLower(p.Name) + ">"
}

// mdWriteRoute writes a route, or with routed false the token endpoint,
// whose path stands for a realm.
func mdWriteRoute(w mdWriter, rd regapi.RouteDescriptor, routed bool, known map[string]bool) {
	plain, vars, _ := pathtemplate.Parse(rd.Path)
	w.linef(`<a id="%s"></a>`, mdRouteAnchor(rd))
	w.line()
	w.line("### ", docRouteTag(rd))
	w.line()
	if routed {
		w.para(fmt.Sprintf("Route %s, path %s.", mdCode(rd.Name), mdCode(plain)))
	} else {
		w.para(fmt.Sprintf("Descriptor %s (`regapi.TokenEndpoint`), path %s, standing for the realm; no router serves it.", mdCode(rd.Name), mdCode(plain)))
	}
	w.para(rd.Description)
	if len(vars) > 0 {
		w.line("| Path variable | Pattern the router applies |")
		w.line("| --- | --- |")
		for _, v := range vars {
			w.linef("| %s | %s |", mdCode(v.Name), mdCell(mdCode(v.Pattern)))
		}
		w.line()
		for _, v := range vars {
			if docPatternAllowsSlash(v.Pattern) {
				w.para(fmt.Sprintf("%s may contain slashes and then spans several path segments; clients send them literally.", mdCode(v.Name)))
			}
		}
	}
	if len(rd.Methods) == 0 {
		w.para("No methods are described for this route.")
		return
	}
	for _, md := range docOrderedMethods(rd.Methods) {
		mdWriteMethod(w, rd, md, plain, vars, known)
	}
}

func mdWriteMethod(w mdWriter, rd regapi.RouteDescriptor, md regapi.MethodDescriptor, plain string, vars []pathtemplate.Var, known map[string]bool) {
	w.linef(`<a id="%s"></a>`, mdMethodAnchor(rd, md))
	w.line()
	w.line("#### ", md.Method, " ", docRouteTag(rd))
	w.line()
	w.para(md.Description)
	if ids := docEndpointIDs(md); len(ids) > 0 {
		w.para("OCI endpoints: " + mdCode(strings.Join(ids, "`, `")) + ".")
	}
	if len(md.Requests) > 1 {
		var links []string
		for i, r := range md.Requests {
			links = append(links, fmt.Sprintf("[%s](#%s)", docVariantLabelID(r, i), mdVariantAnchor(rd, md, i)))
		}
		w.para("Request variants: " + strings.Join(links, ", ") + ".")
	}
	for i, r := range md.Requests {
		mdWriteVariant(w, rd, md, i, r, plain, vars, known)
	}
}

func mdWriteVariant(w mdWriter, rd regapi.RouteDescriptor, md regapi.MethodDescriptor, i int, r regapi.RequestDescriptor, plain string, vars []pathtemplate.Var, known map[string]bool) {
	w.linef(`<a id="%s"></a>`, mdVariantAnchor(rd, md, i))
	w.line()
	title := md.Method + " " + docRouteTag(rd) + ": " + docVariantLabel(r, i)
	if r.EndpointID != "" {
		title += " (" + r.EndpointID + ")"
	}
	w.line("##### ", title)
	w.line()
	w.para(r.Description)
	if r.EndpointID != "" {
		w.para("OCI endpoint: [" + r.EndpointID + "](#oci-endpoints).")
	}
	if r.Scopes != nil {
		w.para(docScopeSentence(r.Scopes, mdPlaceholders))
	}

	// Example request.
	var req strings.Builder
	fmt.Fprintf(&req, "%s %s%s HTTP/1.1\n", md.Method, mdExamplePath(plain, vars), mdExampleQuery(r.QueryParameters, true))
	for _, h := range r.Headers {
		fmt.Fprintf(&req, "%s: %s\n", h.Name, mdExampleValue(h))
	}
	if docHasBody(r.Body) {
		req.WriteString("\n" + strings.TrimSpace(r.Body.Format) + "\n")
	}
	w.line("Example request:")
	w.line()
	w.fence("http", req.String())

	// Parameters.
	type row struct {
		in string
		p  regapi.ParameterDescriptor
	}
	var rows []row
	for _, p := range r.PathParameters {
		rows = append(rows, row{"path", p})
	}
	for _, p := range r.QueryParameters {
		rows = append(rows, row{"query", p})
	}
	for _, p := range r.Headers {
		rows = append(rows, row{"header", p})
	}
	if len(rows) > 0 {
		w.line("| Parameter | In | Type | Required | Description |")
		w.line("| --- | --- | --- | --- | --- |")
		for _, x := range rows {
			req := "no"
			if x.p.Required {
				req = "yes"
			}
			if x.p.Repeatable {
				req += ", repeatable"
			}
			w.linef("| %s | %s | %s | %s | %s |", mdCode(x.p.Name), x.in, mdType(x.p.Type), req, mdCell(docParameterText(x.p)))
		}
		w.line()
	}
	if docHasBody(r.Body) {
		w.para("Request body: " + docDisplayType(r.Body.ContentType) + ".")
	}
	if len(r.Fields) > 0 {
		w.line("| Body field | Type | Required | Description |")
		w.line("| --- | --- | --- | --- |")
		for _, f := range r.Fields {
			req := "no"
			if f.Required {
				req = "yes"
			}
			text := docParameterText(f)
			if len(f.Examples) > 0 {
				text = docJoin(text, "Example: "+mdCode(f.Examples[0])+".")
			}
			w.linef("| %s | %s | %s | %s |", mdCode(f.Name), mdType(f.Type), req, mdCell(text))
		}
		w.line()
	}

	// Responses.
	all := make([]regapi.ResponseDescriptor, 0, len(r.Successes)+len(r.Failures))
	all = append(all, r.Successes...)
	all = append(all, r.Failures...)
	if len(all) == 0 {
		return
	}
	w.para(fmt.Sprintf("Statuses: %s.", mdStatusSummary(r)))
	for _, resp := range all {
		mdWriteResponse(w, md, resp, known)
	}
}

// mdStatusSummary lists a variant's success and failure statuses.
func mdStatusSummary(r regapi.RequestDescriptor) string {
	s := "success " + mdOrNone(mdJoinStatuses(mdStatusList(r.Successes)))
	return s + "; failure " + mdOrNone(mdJoinStatuses(mdStatusList(r.Failures)))
}

func mdOrNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func mdWriteResponse(w mdWriter, md regapi.MethodDescriptor, resp regapi.ResponseDescriptor, known map[string]bool) {
	head := fmt.Sprintf("**%d %s**", resp.StatusCode, docStatusText(resp.StatusCode))
	if resp.Name != "" {
		head += ", " + resp.Name
	}
	w.para(docJoin(head+".", resp.Description))
	if len(resp.ErrorCodes) > 0 {
		links := make([]string, len(resp.ErrorCodes))
		for i, c := range resp.ErrorCodes {
			v := c.String()
			if known[v] {
				links[i] = fmt.Sprintf("[%s](#%s)", mdCode(v), mdErrorAnchor(v))
			} else {
				links[i] = mdCode(v)
			}
		}
		w.para("Error codes: " + strings.Join(links, ", ") + ".")
	}
	if len(resp.Headers) > 0 {
		w.line("| Header | Type | Description |")
		w.line("| --- | --- | --- |")
		for _, h := range resp.Headers {
			text := docParameterText(h)
			if h.Repeatable {
				text = docJoin(text, "May appear several times.")
			}
			w.linef("| %s | %s | %s |", mdCode(h.Name), mdType(h.Type), mdCell(text))
		}
		w.line()
	}
	if len(resp.Fields) > 0 {
		w.line("| Body field | Type | Description |")
		w.line("| --- | --- | --- |")
		for _, f := range resp.Fields {
			w.linef("| %s | %s | %s |", mdCode(f.Name), mdType(f.Type), mdCell(docParameterText(f)))
		}
		w.line()
	}
	var ex strings.Builder
	fmt.Fprintf(&ex, "HTTP/1.1 %d %s\n", resp.StatusCode, docStatusText(resp.StatusCode))
	for _, h := range resp.Headers {
		fmt.Fprintf(&ex, "%s: %s\n", h.Name, mdExampleValue(h))
	}
	if resp.Body.ContentType != "" && !mdHasHeader(resp.Headers, "Content-Type") {
		fmt.Fprintf(&ex, "Content-Type: %s\n", resp.Body.ContentType)
	}
	if f := strings.TrimSpace(resp.Body.Format); f != "" && md.Method != "HEAD" {
		ex.WriteString("\n" + f + "\n")
	}
	w.fence("http", ex.String())
}

func mdHasHeader(hs []regapi.ParameterDescriptor, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}

func mdWriteErrorTable(w mdWriter, codes []errcode.ErrorDescriptor) {
	w.line("## Error codes")
	w.line()
	w.para("The error codes registered in this build, sorted by code, with the HTTP status a server sends each with. The message is the default text of the envelope's `message` field.")
	w.line("| Code | HTTP status | Message | Description |")
	w.line("| --- | --- | --- | --- |")
	for _, c := range codes {
		w.linef(`| <a id="%s"></a>%s | %d %s | %s | %s |`, mdErrorAnchor(c.Value), mdCode(c.Value), c.HTTPStatusCode, docStatusText(c.HTTPStatusCode), mdCell(c.Message), mdCell(c.Description))
	}
}
