package apidoc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/regapi/regapi"
	"github.com/regapi/regapi/internal/pathtemplate"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/regapi/regapi/errcode"
)

// OpenAPI returns the OpenAPI 3.1.0 document of the registry API as indented
// JSON. It is generated from the same route descriptors the router is built
// from, and from the error codes registered with package errcode when it is
// called (codes a server registers itself are included), so a registry can
// serve a description that cannot disagree with its routes.
//
// The document has one path item per route and one operation per method.
// A method's request variants are merged into its operation: parameters are
// the union of the variants' parameters, required only when every variant
// requires them, and the descriptions say which variant uses which and which
// OCI endpoint IDs (end-1 to end-14) the variants are.
//
// Each operation's security requirements say what access it needs: a
// bearerAuth requirement listing the token scopes of regapi's descriptors
// (such as "repository:{name}:pull"), as OpenAPI 3.1 allows role names for
// non-OAuth schemes, or listing none where any authenticated client may
// call it; then basicAuth, and the empty requirement of registries that
// allow anonymous access. An operation whose variants need different
// scopes (a blob mount also needs pull on its source) lists one bearerAuth
// requirement per set, and its description says which variant needs which.
//
// The token endpoint (regapi.TokenEndpoint) has a path item of its own,
// "/token" with the x-token-endpoint extension and a server standing for
// the realm, since it is not served by the registry.
//
// The output is the same, byte for byte, on every call with the same
// registered codes.
func OpenAPI() ([]byte, error) {
	token := regapi.TokenEndpoint()
	doc, err := buildOpenAPI(regapi.Descriptors(), &token, errcode.GetErrorAllDescriptors())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("apidoc: encoding the OpenAPI document: %w", err)
	}
	return buf.Bytes(), nil
}

// WriteOpenAPI writes the document OpenAPI returns to w.
func WriteOpenAPI(w io.Writer) error {
	b, err := OpenAPI()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// The names of the components the operations refer to.
const (
	schemaErrorEnvelope = "ErrorEnvelope"
	schemaError         = "Error"
	schemaErrorCode     = "ErrorCode"
	securityBasic       = "basicAuth"
	securityBearer      = "bearerAuth"
	mediaTypeForm       = "application/x-www-form-urlencoded"
)

// oasHeadersOutsideParameters are the request headers OpenAPI does not let a
// header parameter describe: Accept and Content-Type belong to content
// negotiation and Authorization to the security schemes. The operation
// descriptions list them instead.
var oasHeadersOutsideParameters = map[string]bool{
	"accept":        true,
	"content-type":  true,
	"authorization": true,
}

// buildOpenAPI describes routes and, when token is not nil, the token
// endpoint.
func buildOpenAPI(routes []regapi.RouteDescriptor, token *regapi.RouteDescriptor, codes []errcode.ErrorDescriptor) (*oasDocument, error) {
	all := routes
	if token != nil {
		all = append(routes[:len(routes):len(routes)], *token)
	}
	if err := docCheckRoutes(all); err != nil {
		return nil, fmt.Errorf("apidoc: %w", err)
	}
	if token != nil && len(routes) == 0 {
		return nil, errors.New("apidoc: no routes to describe")
	}
	doc := &oasDocument{
		OpenAPI: "3.1.0",
		Info: oasInfo{
			Title:       "Container registry HTTP API",
			Summary:     "Docker Registry HTTP API V2 and OCI Distribution Specification routes",
			Description: openAPIOverview,
			License:     oasLicense{Name: "Apache License 2.0", Identifier: "Apache-2.0"},
			Version:     "2.0",
		},
		Servers: []oasServer{{
			URL:         "https://{registry}",
			Description: "A registry serving the API at the root of its host; the variable is its host name and port.",
			Variables: map[string]oasServerVariable{
				"registry": {Default: "localhost:5000"},
			},
		}},
		Security: []map[string][]string{
			{securityBasic: {}},
			{securityBearer: {}},
			{},
		},
		Paths: make(map[string]*oasPath, len(routes)),
		Components: oasComponents{
			Schemas: oasErrorSchemas(codes),
			SecuritySchemes: map[string]*oasSecurityScheme{
				securityBasic: {
					Type:        "http",
					Scheme:      "basic",
					Description: "User name and password, sent when a 401 challenge names the Basic scheme. They are checked against the same access as a token's scopes.",
				},
				securityBearer: {
					Type:         "http",
					Scheme:       "bearer",
					BearerFormat: "opaque token",
					Description:  "A token obtained from the realm of a Bearer `WWW-Authenticate` challenge (the token protocol of the Docker registry; see the `/token` path), for the scopes the challenge names and the request needs. In an operation's security requirement, the listed role names are the token scopes the operation needs, `type:name:actions` with the request's values in braces (`repository:{name}:pull`, `repository:{from}:pull` for the source of a mount); an empty list means any valid token. A registry that lacks a scope answers 401 with `error=\"insufficient_scope\"` in the challenge.",
				},
			},
		},
	}

	operationIDs := make(map[string]string)
	for _, rd := range routes {
		if err := oasAddRoute(doc, rd, false, operationIDs); err != nil {
			return nil, err
		}
	}
	if token != nil {
		if err := oasAddRoute(doc, *token, true, operationIDs); err != nil {
			return nil, err
		}
	}
	return doc, nil
}

// oasAddRoute adds the path item of rd to doc: a route of the registry, or
// the token endpoint when token is set.
func oasAddRoute(doc *oasDocument, rd regapi.RouteDescriptor, token bool, operationIDs map[string]string) error {
	plain, vars, err := pathtemplate.Parse(rd.Path)
	if err != nil {
		return fmt.Errorf("apidoc: route %q: %w", rd.Name, err)
	}
	if _, dup := doc.Paths[plain]; dup {
		return fmt.Errorf("apidoc: routes share the path %q", plain)
	}
	tag := docRouteTag(rd)
	doc.Tags = oasAddTag(doc.Tags, oasTag{Name: tag, Description: rd.Description})
	item := &oasPath{
		Summary:     rd.Entity,
		Description: rd.Description,
	}
	if token {
		item.TokenEndpoint = true
		item.Servers = []oasServer{{
			URL:         "https://{authority}",
			Description: "The token server: the scheme and host of the realm of a registry's Bearer challenge, the variable being the realm's host and port. The realm is a whole URL, and `/token` stands for its path.",
			Variables: map[string]oasServerVariable{
				"authority": {Default: "auth.example.com"},
			},
		}}
	} else {
		item.RouteName, item.MuxTemplate = rd.Name, rd.Path
	}
	for _, v := range vars {
		item.Parameters = append(item.Parameters, oasPathParameter(rd, v))
	}
	for _, md := range docOrderedMethods(rd.Methods) {
		op := oasBuildOperation(rd, md, tag)
		if token {
			op.Security = oasTokenSecurity(md)
		}
		if other, dup := operationIDs[op.OperationID]; dup {
			return fmt.Errorf("apidoc: operation id %q of route %q is already used by route %q", op.OperationID, rd.Name, other)
		}
		operationIDs[op.OperationID] = rd.Name
		*item.operation(md.Method) = op
	}
	doc.Paths[plain] = item
	return nil
}

// oasScopeSets returns the distinct scope lists of the variants of md that
// describe theirs, in variant order, and whether any does.
func oasScopeSets(md regapi.MethodDescriptor) (sets [][]string, described bool) {
	for _, r := range md.Requests {
		if r.Scopes == nil {
			continue
		}
		described = true
		seen := false
		for _, s := range sets {
			seen = seen || strings.Join(s, " ") == strings.Join(r.Scopes, " ")
		}
		if !seen {
			sets = append(sets, append([]string{}, r.Scopes...))
		}
	}
	return sets, described
}

// oasSecurity is the security requirement list of an operation of the
// registry: one bearerAuth requirement per distinct scope list, then
// basicAuth, then anonymous access. It is nil, leaving the document's
// default, when no variant describes its scopes.
func oasSecurity(md regapi.MethodDescriptor) []map[string][]string {
	sets, described := oasScopeSets(md)
	if !described {
		return nil
	}
	out := make([]map[string][]string, 0, len(sets)+2)
	for _, s := range sets {
		out = append(out, map[string][]string{securityBearer: s})
	}
	return append(out, map[string][]string{securityBasic: {}}, map[string][]string{})
}

// oasTokenSecurity is the security of a token endpoint operation: Basic
// credentials where a variant sends an Authorization header, and always
// anonymous access, since the other grants carry their credentials in the
// form.
func oasTokenSecurity(md regapi.MethodDescriptor) []map[string][]string {
	for _, r := range md.Requests {
		for _, h := range r.Headers {
			if strings.EqualFold(h.Name, "Authorization") {
				return []map[string][]string{{securityBasic: {}}, {}}
			}
		}
	}
	return []map[string][]string{{}}
}

const openAPIOverview = `The HTTP API of container registries: the Docker Registry HTTP API V2 and its successor, the OCI Distribution Specification (version 1.1). This document is generated from the route descriptors of the Go package github.com/regapi/regapi, the table its router is built from, so it describes exactly the routes that router matches.

**Repository names contain slashes.** The ` + "`name`" + ` path parameter spans one or more path segments (` + "`library/ubuntu`" + `, ` + "`team/project/app`" + `). Clients send its slashes literally; see the parameter's description.

**OCI endpoint IDs.** Each operation cites the identifiers the OCI specification gives its endpoints (end-1 to end-14, with letters for variants) in its description and in the ` + "`x-oci-endpoints`" + ` extension. Operations without one, such as the catalog, are Docker extensions.

**Request variants.** Where one method has several uses (for example a blob upload started plainly, completed in one request, or mounted from another repository), the operation merges them: a parameter is required only when every variant requires it, and the descriptions say which variant sends what.

**Errors.** Error responses carry a JSON envelope (` + "`ErrorEnvelope`" + `) whose ` + "`code`" + ` values are listed in the ` + "`ErrorCode`" + ` schema. Registries may define further codes of their own; clients must accept them.

**Authentication.** A registry that needs credentials answers 401 with a ` + "`WWW-Authenticate`" + ` challenge. The client then sends Basic credentials, or a Bearer token obtained from the challenge's realm, in the ` + "`Authorization`" + ` header. Each operation's security requirements list the token scopes it needs (` + "`repository:{name}:pull`" + `, with the request's values in braces), the same for every registry; the token endpoint at the realm is described under ` + "`/token`" + `, which stands for the realm's URL and is not served by the registry.`

// docRouteTag is the tag grouping a route's operations: its entity, or its
// name when it has none.
func docRouteTag(rd regapi.RouteDescriptor) string {
	if rd.Entity != "" {
		return rd.Entity
	}
	return rd.Name
}

func oasAddTag(tags []oasTag, t oasTag) []oasTag {
	for i := range tags {
		if tags[i].Name == t.Name {
			if t.Description != "" && !strings.Contains(tags[i].Description, t.Description) {
				tags[i].Description = strings.TrimSpace(tags[i].Description + "\n\n" + t.Description)
			}
			return tags
		}
	}
	return append(tags, t)
}

// docOrderedMethods returns the methods in the order docMethods gives, so
// that summaries and the Markdown read alike whatever the table's order.
func docOrderedMethods(methods []regapi.MethodDescriptor) []regapi.MethodDescriptor {
	out := make([]regapi.MethodDescriptor, len(methods))
	copy(out, methods)
	rank := func(m string) int {
		for i, k := range docMethods {
			if k == m {
				return i
			}
		}
		return len(docMethods)
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Method) < rank(out[j].Method) })
	return out
}

// oasPathParameter describes the path variable v of route rd.
func oasPathParameter(rd regapi.RouteDescriptor, v pathtemplate.Var) *oasParameter {
	var desc regapi.ParameterDescriptor // the first variant's description of v
search:
	for _, md := range rd.Methods {
		for _, r := range md.Requests {
			for _, p := range r.PathParameters {
				if p.Name == v.Name {
					desc = p
					break search
				}
			}
		}
	}
	text := desc.Description
	if docPatternAllowsSlash(v.Pattern) {
		text = docJoin(text, "The value may contain slashes, spanning several path segments (`library/ubuntu`). "+
			"OpenAPI path parameters cannot hold a slash, so generic tooling would percent-encode it as `%2F`; "+
			"registry clients do not: they write the slashes literally, as in `/v2/library/ubuntu/tags/list`, "+
			"and the router matches the whole path against the pattern below.")
	}
	text = docJoin(text, "The router accepts values matching `"+v.Pattern+"`.")
	s := &oasSchema{Type: "string", Pattern: docAnchorPattern(v.Pattern)}
	s.Examples = oasSchemaExamples("string", desc.Examples)
	return &oasParameter{Name: v.Name, In: "path", Description: text, Required: true, Schema: s}
}

// oasBuildOperation merges the request variants of md into one operation.
func oasBuildOperation(rd regapi.RouteDescriptor, md regapi.MethodDescriptor, tag string) *oasOperation {
	op := &oasOperation{
		Tags:         []string{tag},
		Summary:      oasOperationSummary(rd, md),
		Description:  oasOperationDescription(md),
		OperationID:  strings.ToLower(md.Method) + docCamel(rd.Name),
		OCIEndpoints: docEndpointIDs(md),
	}
	multi := len(md.Requests) > 1
	for _, mp := range oasMergeParameters(md.Requests, func(r regapi.RequestDescriptor) []regapi.ParameterDescriptor { return r.QueryParameters }) {
		op.Parameters = append(op.Parameters, mp.parameter("query", multi))
	}
	for _, mp := range oasMergeParameters(md.Requests, func(r regapi.RequestDescriptor) []regapi.ParameterDescriptor { return r.Headers }) {
		if oasHeadersOutsideParameters[strings.ToLower(mp.param.Name)] {
			continue
		}
		op.Parameters = append(op.Parameters, mp.parameter("header", multi))
	}
	op.RequestBody = oasRequestBodyOf(md)
	op.Responses = oasResponses(md)
	op.Security = oasSecurity(md)
	return op
}

// docCamel turns a route name such as "blob-upload-chunk" into
// "BlobUploadChunk".
func docCamel(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

// oasOperationSummary is the first sentence of the method's description
// when it is short, else the method and the route's entity.
func oasOperationSummary(rd regapi.RouteDescriptor, md regapi.MethodDescriptor) string {
	if s := docFirstSentence(md.Description); s != "" && len(s) <= 100 {
		return s
	}
	return md.Method + " " + docRouteTag(rd)
}

// docFirstSentence returns the text of s up to its first full stop, without
// the stop and without Markdown code marks.
func docFirstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "`", "")
}

// docJoin joins two pieces of prose, ending the first with a full stop.
func docJoin(a, b string) string {
	a, b = strings.TrimSpace(a), strings.TrimSpace(b)
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	if !strings.HasSuffix(a, ".") && !strings.HasSuffix(a, ":") {
		a += "."
	}
	return a + " " + b
}

// docVariantLabelID is a variant's label followed by its OCI endpoint ID.
func docVariantLabelID(r regapi.RequestDescriptor, i int) string {
	l := docVariantLabel(r, i)
	if r.EndpointID != "" {
		l += " (" + r.EndpointID + ")"
	}
	return l
}

// oasOperationDescription is the method's description, the OCI endpoints it
// covers and one line per request variant saying what it sends.
func oasOperationDescription(md regapi.MethodDescriptor) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(md.Description))
	if ids := docEndpointIDs(md); len(ids) > 0 {
		b.WriteString("\n\nOCI distribution-spec endpoints: `" + strings.Join(ids, "`, `") + "`.")
	}
	if len(md.Requests) == 0 {
		return strings.TrimSpace(b.String())
	}
	b.WriteString("\n\nRequest variants:\n")
	for i, r := range md.Requests {
		b.WriteString("\n- **" + docVariantLabel(r, i) + "**")
		if r.EndpointID != "" {
			b.WriteString(" (OCI `" + r.EndpointID + "`)")
		}
		b.WriteString(":")
		if d := strings.TrimSpace(r.Description); d != "" {
			b.WriteString(" " + docOneLine(d))
		}
		if s := oasParameterList(r.QueryParameters); s != "" {
			b.WriteString(" Query: " + s + ".")
		}
		if s := oasParameterList(r.Headers); s != "" {
			b.WriteString(" Headers: " + s + ".")
		}
		if r.Body.ContentType != "" {
			b.WriteString(" Body: `" + r.Body.ContentType + "`.")
		}
		if r.Scopes != nil {
			b.WriteString(" " + docScopeSentence(r.Scopes, nil))
		}
	}
	if sets, _ := oasScopeSets(md); len(sets) > 1 {
		b.WriteString("\n\nThe variants need different token scopes, as listed above; the security requirements give each list as an alternative, and a request needs the list of its variant.")
	}
	return strings.TrimSpace(b.String())
}

func docOneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// oasParameterList renders parameters as "`a` (required), `b`".
func oasParameterList(ps []regapi.ParameterDescriptor) string {
	parts := make([]string, 0, len(ps))
	for _, p := range ps {
		s := "`" + p.Name + "`"
		var notes []string
		if p.Required {
			notes = append(notes, "required")
		}
		if p.Repeatable {
			notes = append(notes, "repeatable")
		}
		if len(notes) > 0 {
			s += " (" + strings.Join(notes, ", ") + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ", ")
}

// oasMergedParameter is one parameter as the variants of a method use it.
type oasMergedParameter struct {
	param    regapi.ParameterDescriptor   // the first use, with the examples of all
	uses     []string                     // labels of the variants using it
	variants []regapi.ParameterDescriptor // the parameter as each of those variants describes it
	total    int                          // how many variants the method has
}

// oasMergeParameters gathers the parameters pick returns for each variant,
// keyed by name without regard to case, in order of first appearance.
func oasMergeParameters(reqs []regapi.RequestDescriptor, pick func(regapi.RequestDescriptor) []regapi.ParameterDescriptor) []*oasMergedParameter {
	var out []*oasMergedParameter
	index := make(map[string]*oasMergedParameter)
	for i, r := range reqs {
		seen := make(map[string]bool)
		for _, p := range pick(r) {
			key := strings.ToLower(p.Name)
			if seen[key] {
				continue // a variant listing a parameter twice counts once
			}
			seen[key] = true
			mp, ok := index[key]
			if !ok {
				mp = &oasMergedParameter{param: p, total: len(reqs)}
				mp.param.Examples = nil
				index[key] = mp
				out = append(out, mp)
			}
			if mp.param.Regexp == nil {
				mp.param.Regexp = p.Regexp
			}
			for _, ex := range p.Examples {
				if !docContains(mp.param.Examples, ex) {
					mp.param.Examples = append(mp.param.Examples, ex)
				}
			}
			mp.param.Repeatable = mp.param.Repeatable || p.Repeatable
			mp.uses = append(mp.uses, docVariantLabelID(r, i))
			mp.variants = append(mp.variants, p)
		}
	}
	return out
}

// isRequired reports whether every variant of the method requires the
// parameter.
func (mp *oasMergedParameter) isRequired() bool {
	if len(mp.uses) != mp.total {
		return false
	}
	for _, v := range mp.variants {
		if !v.Required {
			return false
		}
	}
	return true
}

func (mp *oasMergedParameter) parameter(in string, multi bool) *oasParameter {
	p := &oasParameter{
		Name:     mp.param.Name,
		In:       in,
		Required: mp.isRequired(),
		Schema:   oasParameterSchema(mp.param),
	}
	if !multi {
		p.Description = docParameterText(mp.param)
	} else {
		// Group the variants by what they say of the parameter.
		var texts []string
		byText := make(map[string][]string)
		for i, v := range mp.variants {
			text := docParameterText(v)
			if _, ok := byText[text]; !ok {
				texts = append(texts, text)
			}
			req := "optional"
			if v.Required {
				req = "required"
			}
			byText[text] = append(byText[text], mp.uses[i]+", "+req)
		}
		if len(texts) == 1 {
			p.Description = docJoin(texts[0], "Used by: "+strings.Join(byText[texts[0]], "; ")+".")
		} else {
			lines := make([]string, len(texts))
			for i, text := range texts {
				lines[i] = "- " + strings.Join(byText[text], "; ") + ": " + docOneLine(text)
			}
			p.Description = "The variants use it differently:\n\n" + strings.Join(lines, "\n")
		}
		if len(mp.uses) < mp.total {
			p.Description += "\n\nOther variants do not send it."
		}
	}
	if mp.param.Repeatable && in == "query" {
		explode := true
		p.Style = "form"
		p.Explode = &explode
		p.Description = docJoin(p.Description, "Repeat the parameter once per value (`"+mp.param.Name+"=a&"+mp.param.Name+"=b`).")
	}
	return p
}

// docParameterText is a parameter's description followed by its format.
func docParameterText(p regapi.ParameterDescriptor) string {
	text := strings.TrimSpace(p.Description)
	if p.Format != "" {
		text = docJoin(text, "Format: `"+p.Format+"`.")
	}
	return text
}

// oasSchemaType maps a descriptor's type name onto a JSON Schema type; types
// such as "digest", "uuid" or "url" are strings.
func oasSchemaType(t string) string {
	switch strings.ToLower(t) {
	case "integer", "int":
		return "integer"
	case "number":
		return "number"
	case "boolean", "bool":
		return "boolean"
	}
	return "string"
}

func oasParameterSchema(p regapi.ParameterDescriptor) *oasSchema {
	s := &oasSchema{Type: oasSchemaType(p.Type)}
	if p.Regexp != nil && s.Type == "string" {
		s.Pattern = docAnchorPattern(p.Regexp.String())
	}
	s.Examples = oasSchemaExamples(s.Type, p.Examples)
	if p.Repeatable {
		return &oasSchema{Type: "array", Items: s}
	}
	return s
}

// oasSchemaExamples encodes examples as values of type typ, leaving out those
// that are not.
func oasSchemaExamples(typ string, examples []string) []json.RawMessage {
	var out []json.RawMessage
	for _, ex := range examples {
		var raw []byte
		switch typ {
		case "integer":
			if _, err := strconv.ParseInt(ex, 10, 64); err == nil {
				raw = []byte(ex)
			}
		case "number":
			if _, err := strconv.ParseFloat(ex, 64); err == nil && json.Valid([]byte(ex)) {
				raw = []byte(ex)
			}
		case "boolean":
			if ex == "true" || ex == "false" {
				raw = []byte(ex)
			}
		default:
			raw, _ = json.Marshal(ex)
		}
		if raw != nil {
			out = append(out, raw)
		}
	}
	return out
}

// oasMediaTypeRE matches a media type or range, with optional parameters.
var oasMediaTypeRE = regexp.MustCompile(`^[A-Za-z0-9*][A-Za-z0-9!#$&^_.+*-]*/[A-Za-z0-9*][A-Za-z0-9!#$&^_.+*-]*(\s*;.*)?$`)

// oasMediaKey is the content map key for a descriptor's content type: the type
// itself, or "*/*" for a placeholder such as "<media type of manifest>".
func oasMediaKey(ct string) string {
	ct = strings.TrimSpace(ct)
	if oasMediaTypeRE.MatchString(ct) {
		return ct
	}
	return "*/*"
}

// oasIsJSONMedia reports whether a media type carries JSON.
func oasIsJSONMedia(ct string) bool {
	base, _, _ := strings.Cut(strings.ToLower(ct), ";")
	base = strings.TrimSpace(base)
	return base == "application/json" || strings.HasSuffix(base, "+json")
}

// docHasBody reports whether a body descriptor describes a body.
func docHasBody(b regapi.BodyDescriptor) bool {
	return b.ContentType != "" || b.Format != ""
}

// oasBodySchema describes a body: an object with the given fields for JSON, a
// string of the media type otherwise. A format that is not plain JSON is
// shown in the description.
func oasBodySchema(b regapi.BodyDescriptor, fields []regapi.ParameterDescriptor) (*oasSchema, json.RawMessage) {
	key := oasMediaKey(b.ContentType)
	var s *oasSchema
	form := strings.EqualFold(key, mediaTypeForm) && len(fields) > 0
	if form || oasIsJSONMedia(key) || (key == "*/*" && strings.HasPrefix(strings.TrimSpace(b.Format), "{")) {
		s = &oasSchema{Type: "object"}
		if strings.HasPrefix(strings.TrimSpace(b.Format), "[") {
			s.Type = "array"
		}
		if s.Type == "object" && len(fields) > 0 {
			s.Properties = make(map[string]*oasSchema, len(fields))
			for _, f := range fields {
				fs := oasParameterSchema(f)
				fs.Description = docParameterText(f)
				s.Properties[f.Name] = fs
				if f.Required {
					s.Required = append(s.Required, f.Name)
				}
			}
		}
	} else {
		s = &oasSchema{Type: "string"}
		if key != "*/*" {
			s.ContentMediaType = key
		}
	}
	if key != strings.TrimSpace(b.ContentType) && b.ContentType != "" {
		s.Description = "Content type: " + b.ContentType + "."
	}
	if form {
		return s, nil // the properties say what the form holds
	}
	format := strings.TrimSpace(b.Format)
	if format == "" {
		return s, nil
	}
	if json.Valid([]byte(format)) {
		return s, json.RawMessage(format)
	}
	s.Description = docJoin(s.Description, "Shape of the body:\n\n```\n"+format+"\n```")
	return s, nil
}

// oasLooksLikeErrorBody reports whether a body format shows the error envelope.
func oasLooksLikeErrorBody(format string) bool {
	return strings.Contains(format, `"errors"`)
}

// oasRequestBodyOf merges the bodies the variants of md send.
func oasRequestBodyOf(md regapi.MethodDescriptor) *oasRequestBody {
	var rb *oasRequestBody
	var senders []string
	all := len(md.Requests) > 0
	for i, r := range md.Requests {
		if !docHasBody(r.Body) {
			all = false
			continue
		}
		if rb == nil {
			rb = &oasRequestBody{Content: make(map[string]*oasMediaType)}
		}
		senders = append(senders, docVariantLabelID(r, i)+": "+docDisplayType(r.Body.ContentType))
		key := oasMediaKey(r.Body.ContentType)
		if _, ok := rb.Content[key]; ok {
			continue
		}
		s, ex := oasBodySchema(r.Body, oasMergeFields(md.Requests, key))
		rb.Content[key] = &oasMediaType{Schema: s, Example: ex}
	}
	if rb == nil {
		return nil
	}
	rb.Required = all
	if len(md.Requests) > 1 {
		rb.Description = "Sent by: " + strings.Join(senders, "; ") + "."
		if !all {
			rb.Description += " Other variants send no body."
		}
	}
	return rb
}

// oasMergeFields gathers the body fields of the variants whose body has
// the media key, as the form of one schema: each field once, with the
// examples of all, required only when every such variant requires it.
func oasMergeFields(reqs []regapi.RequestDescriptor, key string) []regapi.ParameterDescriptor {
	var senders []regapi.RequestDescriptor
	for _, r := range reqs {
		if docHasBody(r.Body) && oasMediaKey(r.Body.ContentType) == key {
			senders = append(senders, r)
		}
	}
	var out []regapi.ParameterDescriptor
	for _, mp := range oasMergeParameters(senders, func(r regapi.RequestDescriptor) []regapi.ParameterDescriptor { return r.Fields }) {
		f := mp.param
		f.Required = mp.isRequired()
		out = append(out, f)
	}
	return out
}

func docDisplayType(ct string) string {
	if ct == "" {
		return "unspecified type"
	}
	return "`" + ct + "`"
}

// oasResponseUse is one response descriptor and the variant it belongs to.
type oasResponseUse struct {
	label string
	resp  regapi.ResponseDescriptor
}

// oasResponses merges the responses of every variant of md by status.
func oasResponses(md regapi.MethodDescriptor) map[string]*oasResponse {
	byStatus := make(map[int][]oasResponseUse)
	var statuses []int
	for i, r := range md.Requests {
		label := docVariantLabelID(r, i)
		all := make([]regapi.ResponseDescriptor, 0, len(r.Successes)+len(r.Failures))
		all = append(all, r.Successes...)
		all = append(all, r.Failures...)
		for _, resp := range all {
			if _, ok := byStatus[resp.StatusCode]; !ok {
				statuses = append(statuses, resp.StatusCode)
			}
			byStatus[resp.StatusCode] = append(byStatus[resp.StatusCode], oasResponseUse{label: label, resp: resp})
		}
	}
	if len(statuses) == 0 {
		return nil
	}
	out := make(map[string]*oasResponse, len(statuses))
	for _, status := range statuses {
		out[strconv.Itoa(status)] = oasMergeResponses(md, status, byStatus[status])
	}
	return out
}

func oasMergeResponses(md regapi.MethodDescriptor, status int, uses []oasResponseUse) *oasResponse {
	resp := &oasResponse{Description: oasResponseDescription(md, status, uses)}
	type headerUse struct {
		name   string
		texts  []string            // distinct descriptions, in order
		labels map[string][]string // variants giving each description
		first  regapi.ParameterDescriptor
		count  int // how many uses mark it required
	}
	var headers []*headerUse
	for _, u := range uses {
		for _, h := range u.resp.Headers {
			if strings.EqualFold(h.Name, "Content-Type") {
				continue // OpenAPI ignores it: the content map says it
			}
			var hu *headerUse
			for _, x := range headers {
				if strings.EqualFold(x.name, h.Name) {
					hu = x
				}
			}
			if hu == nil {
				hu = &headerUse{name: h.Name, first: h, labels: make(map[string][]string)}
				hu.first.Examples = nil
				headers = append(headers, hu)
			}
			for _, ex := range h.Examples {
				if !docContains(hu.first.Examples, ex) {
					hu.first.Examples = append(hu.first.Examples, ex)
				}
			}
			hu.first.Repeatable = hu.first.Repeatable || h.Repeatable
			text := docParameterText(h)
			if _, ok := hu.labels[text]; !ok {
				hu.texts = append(hu.texts, text)
			}
			if !docContains(hu.labels[text], u.label) {
				hu.labels[text] = append(hu.labels[text], u.label)
			}
			if h.Required {
				hu.count++
			}
		}
	}
	for _, hu := range headers {
		text := hu.texts[0]
		if len(hu.texts) > 1 {
			lines := make([]string, len(hu.texts))
			for i, t := range hu.texts {
				lines[i] = "- " + strings.Join(hu.labels[t], "; ") + ": " + docOneLine(t)
			}
			text = "It depends on the variant:\n\n" + strings.Join(lines, "\n")
		}
		if hu.first.Repeatable {
			text = docJoin(text, "The header may appear several times, one value per field line.")
		}
		if resp.Headers == nil {
			resp.Headers = make(map[string]*oasHeader)
		}
		resp.Headers[hu.name] = &oasHeader{
			Description: text,
			Required:    hu.count == len(uses),
			Schema:      oasParameterSchema(hu.first),
		}
	}
	if md.Method == "HEAD" {
		// A HEAD response has no body, and OpenAPI ignores a Content-Type
		// response header, so its value is told in the description.
		var types []string
		for _, u := range uses {
			ct := u.resp.Body.ContentType
			for _, h := range u.resp.Headers {
				if strings.EqualFold(h.Name, "Content-Type") && ct == "" {
					ct = h.Format
				}
			}
			if ct != "" && !docContains(types, ct) {
				types = append(types, ct)
			}
		}
		if len(types) > 0 {
			resp.Description = docJoin(resp.Description, "The response has no body; its `Content-Type` is that of the content a GET returns: `"+strings.Join(types, "`, `")+"`.")
		}
		return resp
	}
	for _, u := range uses {
		isError := len(u.resp.ErrorCodes) > 0 || oasLooksLikeErrorBody(u.resp.Body.Format)
		if !docHasBody(u.resp.Body) && !isError {
			continue
		}
		ct := u.resp.Body.ContentType
		if ct == "" {
			ct = "application/json"
		}
		key := oasMediaKey(ct)
		if resp.Content == nil {
			resp.Content = make(map[string]*oasMediaType)
		}
		if _, ok := resp.Content[key]; ok {
			continue
		}
		if isError {
			resp.Content[key] = &oasMediaType{Schema: &oasSchema{Ref: "#/components/schemas/" + schemaErrorEnvelope}}
			continue
		}
		s, ex := oasBodySchema(u.resp.Body, u.resp.Fields)
		resp.Content[key] = &oasMediaType{Schema: s, Example: ex}
	}
	return resp
}

// oasResponseDescription says when the status is sent: one text when all
// variants agree, else one line per distinct text with its variants.
func oasResponseDescription(md regapi.MethodDescriptor, status int, uses []oasResponseUse) string {
	type entry struct {
		text   string
		labels []string
	}
	var entries []*entry
	for _, u := range uses {
		text := strings.TrimSpace(u.resp.Description)
		if u.resp.Name != "" {
			text = docJoin("**"+u.resp.Name+"**:", text)
		}
		if len(u.resp.ErrorCodes) > 0 {
			names := make([]string, len(u.resp.ErrorCodes))
			for i, c := range u.resp.ErrorCodes {
				names[i] = "`" + c.String() + "`"
			}
			text = docJoin(text, "Error codes: "+strings.Join(names, ", ")+".")
		}
		if text == "" {
			text = docStatusText(status) + "."
		}
		var e *entry
		for _, x := range entries {
			if x.text == text {
				e = x
			}
		}
		if e == nil {
			e = &entry{text: text}
			entries = append(entries, e)
		}
		if !docContains(e.labels, u.label) {
			e.labels = append(e.labels, u.label)
		}
	}
	if len(entries) == 1 && (len(md.Requests) == 1 || len(entries[0].labels) == len(md.Requests)) {
		return entries[0].text
	}
	var b strings.Builder
	for i, e := range entries {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString("- " + docOneLine(e.text))
		if len(md.Requests) > 1 && len(e.labels) < len(md.Requests) {
			b.WriteString(" _Variants: " + strings.Join(e.labels, "; ") + "._")
		}
	}
	return b.String()
}

// oasErrorSchemas describes the error envelope, with the registered codes as
// the enumeration of the ErrorCode schema.
func oasErrorSchemas(codes []errcode.ErrorDescriptor) map[string]*oasSchema {
	values := make([]string, len(codes))
	var list strings.Builder
	list.WriteString("The error codes registered in this build, with the HTTP status each is sent with:\n")
	for i, c := range codes {
		values[i] = c.Value
		fmt.Fprintf(&list, "\n- `%s` (%d): %s", c.Value, c.HTTPStatusCode, docOneLine(c.Description))
	}
	return map[string]*oasSchema{
		schemaErrorCode: {
			Type:        "string",
			Description: list.String(),
			Enum:        values,
		},
		schemaError: {
			Type:        "object",
			Description: "One error of the envelope.",
			Required:    []string{"code"},
			Properties: map[string]*oasSchema{
				"code": {
					Description: "Identifies the error. Besides the codes of `ErrorCode`, a registry may send codes of its own; they are upper-case letters and underscores.",
					AnyOf: []*oasSchema{
						{Ref: "#/components/schemas/" + schemaErrorCode},
						{Type: "string", Pattern: "^[A-Z_]+$"},
					},
				},
				"message": {
					Type:        "string",
					Description: "A human-readable message; may be empty or absent.",
				},
				"detail": {
					Description: "Any JSON value giving more information, such as the digest of a missing blob. Optional.",
				},
			},
		},
		schemaErrorEnvelope: {
			Type:        "object",
			Description: "The body of an error response.",
			Required:    []string{"errors"},
			Properties: map[string]*oasSchema{
				"errors": {
					Type:  "array",
					Items: &oasSchema{Ref: "#/components/schemas/" + schemaError},
				},
			},
		},
	}
}
