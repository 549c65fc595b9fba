package regapi

import (
	"bytes"
	"encoding/json"
	"fmt"
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
// OCI endpoint IDs (end-1 to end-14) the variants are. The output is the
// same, byte for byte, on every call with the same registered codes.
func OpenAPI() ([]byte, error) {
	doc, err := buildOpenAPI(routeDescriptors, errcode.GetErrorAllDescriptors())
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("regapi: encoding the OpenAPI document: %w", err)
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
)

// headersOutsideParameters are the request headers OpenAPI does not let a
// header parameter describe: Accept and Content-Type belong to content
// negotiation and Authorization to the security schemes. The operation
// descriptions list them instead.
var headersOutsideParameters = map[string]bool{
	"accept":        true,
	"content-type":  true,
	"authorization": true,
}

func buildOpenAPI(routes []RouteDescriptor, codes []errcode.ErrorDescriptor) (*oasDocument, error) {
	if err := checkRoutes(routes); err != nil {
		return nil, fmt.Errorf("regapi: %w", err)
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
			Schemas: errorSchemas(codes),
			SecuritySchemes: map[string]*oasSecurityScheme{
				securityBasic: {
					Type:        "http",
					Scheme:      "basic",
					Description: "User name and password, sent when a 401 challenge names the Basic scheme.",
				},
				securityBearer: {
					Type:         "http",
					Scheme:       "bearer",
					BearerFormat: "opaque token",
					Description:  "A token obtained from the realm of a Bearer WWW-Authenticate challenge (the token protocol of the Docker registry), scoped to the repository and actions the challenge names.",
				},
			},
		},
	}

	operationIDs := make(map[string]string)
	for _, rd := range routes {
		plain, vars, err := parseTemplate(rd.Path)
		if err != nil {
			return nil, fmt.Errorf("regapi: route %q: %w", rd.Name, err)
		}
		if _, dup := doc.Paths[plain]; dup {
			return nil, fmt.Errorf("regapi: routes share the path %q", plain)
		}
		tag := routeTag(rd)
		doc.Tags = addTag(doc.Tags, oasTag{Name: tag, Description: rd.Description})
		item := &oasPath{
			Summary:     rd.Entity,
			Description: rd.Description,
			RouteName:   rd.Name,
			MuxTemplate: rd.Path,
		}
		for _, v := range vars {
			item.Parameters = append(item.Parameters, pathParameter(rd, v))
		}
		for _, md := range orderedMethods(rd.Methods) {
			op := buildOperation(rd, md, tag)
			if other, dup := operationIDs[op.OperationID]; dup {
				return nil, fmt.Errorf("regapi: operation id %q of route %q is already used by route %q", op.OperationID, rd.Name, other)
			}
			operationIDs[op.OperationID] = rd.Name
			*item.operation(md.Method) = op
		}
		doc.Paths[plain] = item
	}
	return doc, nil
}

const openAPIOverview = `The HTTP API of container registries: the Docker Registry HTTP API V2 and its successor, the OCI Distribution Specification (version 1.1). This document is generated from the route descriptors of the Go package github.com/regapi/regapi, the table its router is built from, so it describes exactly the routes that router matches.

**Repository names contain slashes.** The ` + "`name`" + ` path parameter spans one or more path segments (` + "`library/ubuntu`" + `, ` + "`team/project/app`" + `). Clients send its slashes literally; see the parameter's description.

**OCI endpoint IDs.** Each operation cites the identifiers the OCI specification gives its endpoints (end-1 to end-14, with letters for variants) in its description and in the ` + "`x-oci-endpoints`" + ` extension. Operations without one, such as the catalog, are Docker extensions.

**Request variants.** Where one method has several uses (for example a blob upload started plainly, completed in one request, or mounted from another repository), the operation merges them: a parameter is required only when every variant requires it, and the descriptions say which variant sends what.

**Errors.** Error responses carry a JSON envelope (` + "`ErrorEnvelope`" + `) whose ` + "`code`" + ` values are listed in the ` + "`ErrorCode`" + ` schema. Registries may define further codes of their own; clients must accept them.

**Authentication.** A registry that needs credentials answers 401 with a ` + "`WWW-Authenticate`" + ` challenge. The client then sends Basic credentials, or a Bearer token obtained from the challenge's realm, in the ` + "`Authorization`" + ` header.`

// routeTag is the tag grouping a route's operations: its entity, or its
// name when it has none.
func routeTag(rd RouteDescriptor) string {
	if rd.Entity != "" {
		return rd.Entity
	}
	return rd.Name
}

func addTag(tags []oasTag, t oasTag) []oasTag {
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

// orderedMethods returns the methods in the order knownMethods gives, so
// that summaries and the Markdown read alike whatever the table's order.
func orderedMethods(methods []MethodDescriptor) []MethodDescriptor {
	out := make([]MethodDescriptor, len(methods))
	copy(out, methods)
	rank := func(m string) int {
		for i, k := range knownMethods {
			if k == m {
				return i
			}
		}
		return len(knownMethods)
	}
	sort.SliceStable(out, func(i, j int) bool { return rank(out[i].Method) < rank(out[j].Method) })
	return out
}

// pathParameter describes the path variable v of route rd.
func pathParameter(rd RouteDescriptor, v templateVar) *oasParameter {
	var desc ParameterDescriptor
	found := false
	for _, md := range rd.Methods {
		for _, r := range md.Requests {
			for _, p := range r.PathParameters {
				if p.Name == v.name && !found {
					desc, found = p, true
				}
			}
		}
	}
	text := desc.Description
	if patternAllowsSlash(v.pattern) {
		text = joinSentences(text, "The value may contain slashes, spanning several path segments (`library/ubuntu`). "+
			"OpenAPI path parameters cannot hold a slash, so generic tooling would percent-encode it as `%2F`; "+
			"registry clients do not: they write the slashes literally, as in `/v2/library/ubuntu/tags/list`, "+
			"and the router matches the whole path against the pattern below.")
	}
	text = joinSentences(text, "The router accepts values matching `"+v.pattern+"`.")
	s := &oasSchema{Type: "string", Pattern: anchorPattern(v.pattern)}
	s.Examples = schemaExamples("string", desc.Examples)
	return &oasParameter{Name: v.name, In: "path", Description: text, Required: true, Schema: s}
}

// buildOperation merges the request variants of md into one operation.
func buildOperation(rd RouteDescriptor, md MethodDescriptor, tag string) *oasOperation {
	op := &oasOperation{
		Tags:         []string{tag},
		Summary:      operationSummary(rd, md),
		Description:  operationDescription(md),
		OperationID:  strings.ToLower(md.Method) + camelName(rd.Name),
		OCIEndpoints: endpointIDs(md),
	}
	multi := len(md.Requests) > 1
	for _, mp := range mergeParameters(md.Requests, func(r RequestDescriptor) []ParameterDescriptor { return r.QueryParameters }) {
		op.Parameters = append(op.Parameters, mp.parameter("query", multi))
	}
	for _, mp := range mergeParameters(md.Requests, func(r RequestDescriptor) []ParameterDescriptor { return r.Headers }) {
		if headersOutsideParameters[strings.ToLower(mp.param.Name)] {
			continue
		}
		op.Parameters = append(op.Parameters, mp.parameter("header", multi))
	}
	op.RequestBody = requestBody(md)
	op.Responses = responses(md)
	return op
}

// camelName turns a route name such as "blob-upload-chunk" into
// "BlobUploadChunk".
func camelName(name string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(name, func(r rune) bool { return r == '-' || r == '_' || r == ' ' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func operationSummary(rd RouteDescriptor, md MethodDescriptor) string {
	if s := firstSentence(md.Description); s != "" && len(s) <= 100 {
		return s
	}
	return md.Method + " " + routeTag(rd)
}

// firstSentence returns the text of s up to its first full stop, without
// the stop and without Markdown code marks.
func firstSentence(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.Index(s, ". "); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(s, ".")
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "`", "")
}

func joinSentences(a, b string) string {
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

// labelWithEndpoint is a variant's label followed by its OCI endpoint ID.
func labelWithEndpoint(r RequestDescriptor, i int) string {
	l := variantLabel(r, i)
	if r.EndpointID != "" {
		l += " (" + r.EndpointID + ")"
	}
	return l
}

// operationDescription is the method's description, the OCI endpoints it
// covers and one line per request variant saying what it sends.
func operationDescription(md MethodDescriptor) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(md.Description))
	if ids := endpointIDs(md); len(ids) > 0 {
		b.WriteString("\n\nOCI distribution-spec endpoints: `" + strings.Join(ids, "`, `") + "`.")
	}
	if len(md.Requests) == 0 {
		return strings.TrimSpace(b.String())
	}
	b.WriteString("\n\nRequest variants:\n")
	for i, r := range md.Requests {
		b.WriteString("\n- **" + variantLabel(r, i) + "**")
		if r.EndpointID != "" {
			b.WriteString(" (OCI `" + r.EndpointID + "`)")
		}
		b.WriteString(":")
		if d := strings.TrimSpace(r.Description); d != "" {
			b.WriteString(" " + oneLine(d))
		}
		if s := parameterList(r.QueryParameters); s != "" {
			b.WriteString(" Query: " + s + ".")
		}
		if s := parameterList(r.Headers); s != "" {
			b.WriteString(" Headers: " + s + ".")
		}
		if r.Body.ContentType != "" {
			b.WriteString(" Body: `" + r.Body.ContentType + "`.")
		}
	}
	return strings.TrimSpace(b.String())
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// parameterList renders parameters as "`a` (required), `b`".
func parameterList(ps []ParameterDescriptor) string {
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

// mergedParameter is one parameter as the variants of a method use it.
type mergedParameter struct {
	param    ParameterDescriptor
	uses     []string // labels of the variants using it
	required []bool   // whether each of those variants requires it
	total    int      // how many variants the method has
}

// mergeParameters gathers the parameters pick returns for each variant,
// keyed by name without regard to case, in order of first appearance.
func mergeParameters(reqs []RequestDescriptor, pick func(RequestDescriptor) []ParameterDescriptor) []*mergedParameter {
	var out []*mergedParameter
	index := make(map[string]*mergedParameter)
	for i, r := range reqs {
		for _, p := range pick(r) {
			key := strings.ToLower(p.Name)
			mp, ok := index[key]
			if !ok {
				mp = &mergedParameter{param: p, total: len(reqs)}
				index[key] = mp
				out = append(out, mp)
			}
			label := labelWithEndpoint(r, i)
			if containsString(mp.uses, label) {
				continue
			}
			if mp.param.Description == "" {
				mp.param.Description = p.Description
			}
			mp.param.Repeatable = mp.param.Repeatable || p.Repeatable
			mp.uses = append(mp.uses, label)
			mp.required = append(mp.required, p.Required)
		}
	}
	return out
}

// isRequired reports whether every variant of the method requires the
// parameter.
func (mp *mergedParameter) isRequired() bool {
	if len(mp.uses) != mp.total {
		return false
	}
	for _, r := range mp.required {
		if !r {
			return false
		}
	}
	return true
}

func (mp *mergedParameter) parameter(in string, multi bool) *oasParameter {
	p := &oasParameter{
		Name:        mp.param.Name,
		In:          in,
		Description: parameterText(mp.param),
		Required:    mp.isRequired(),
		Schema:      parameterSchema(mp.param),
	}
	if mp.param.Repeatable && in == "query" {
		explode := true
		p.Style = "form"
		p.Explode = &explode
		p.Description = joinSentences(p.Description, "Repeat the parameter once per value (`"+mp.param.Name+"=a&"+mp.param.Name+"=b`).")
	}
	if multi {
		uses := make([]string, len(mp.uses))
		for i, u := range mp.uses {
			req := "optional"
			if mp.required[i] {
				req = "required"
			}
			uses[i] = u + ", " + req
		}
		p.Description = joinSentences(p.Description, "Used by: "+strings.Join(uses, "; ")+".")
		if len(mp.uses) < mp.total {
			p.Description += " Other variants do not send it."
		}
	}
	return p
}

// parameterText is a parameter's description followed by its format.
func parameterText(p ParameterDescriptor) string {
	text := strings.TrimSpace(p.Description)
	if p.Format != "" {
		text = joinSentences(text, "Format: `"+p.Format+"`.")
	}
	return text
}

// schemaType maps a descriptor's type name onto a JSON Schema type; types
// such as "digest", "uuid" or "url" are strings.
func schemaType(t string) string {
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

func parameterSchema(p ParameterDescriptor) *oasSchema {
	s := &oasSchema{Type: schemaType(p.Type)}
	if p.Regexp != nil && s.Type == "string" {
		s.Pattern = anchorPattern(p.Regexp.String())
	}
	s.Examples = schemaExamples(s.Type, p.Examples)
	if p.Repeatable {
		return &oasSchema{Type: "array", Items: s}
	}
	return s
}

// schemaExamples encodes examples as values of type typ, leaving out those
// that are not.
func schemaExamples(typ string, examples []string) []json.RawMessage {
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

// mediaTypeRE matches a media type or range, with optional parameters.
var mediaTypeRE = regexp.MustCompile(`^[A-Za-z0-9*][A-Za-z0-9!#$&^_.+*-]*/[A-Za-z0-9*][A-Za-z0-9!#$&^_.+*-]*(\s*;.*)?$`)

// mediaKey is the content map key for a descriptor's content type: the type
// itself, or "*/*" for a placeholder such as "<media type of manifest>".
func mediaKey(ct string) string {
	ct = strings.TrimSpace(ct)
	if mediaTypeRE.MatchString(ct) {
		return ct
	}
	return "*/*"
}

// isJSONMedia reports whether a media type carries JSON.
func isJSONMedia(ct string) bool {
	base, _, _ := strings.Cut(strings.ToLower(ct), ";")
	base = strings.TrimSpace(base)
	return base == "application/json" || strings.HasSuffix(base, "+json")
}

// hasBody reports whether a body descriptor describes a body.
func hasBody(b BodyDescriptor) bool {
	return b.ContentType != "" || b.Format != ""
}

// bodySchema describes a body: an object with the given fields for JSON, a
// string of the media type otherwise. A format that is not plain JSON is
// shown in the description.
func bodySchema(b BodyDescriptor, fields []ParameterDescriptor) (*oasSchema, json.RawMessage) {
	key := mediaKey(b.ContentType)
	var s *oasSchema
	if isJSONMedia(key) || (key == "*/*" && strings.HasPrefix(strings.TrimSpace(b.Format), "{")) {
		s = &oasSchema{Type: "object"}
		if strings.HasPrefix(strings.TrimSpace(b.Format), "[") {
			s.Type = "array"
		}
		if s.Type == "object" && len(fields) > 0 {
			s.Properties = make(map[string]*oasSchema, len(fields))
			for _, f := range fields {
				fs := parameterSchema(f)
				fs.Description = parameterText(f)
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
	format := strings.TrimSpace(b.Format)
	if format == "" {
		return s, nil
	}
	if json.Valid([]byte(format)) {
		return s, json.RawMessage(format)
	}
	s.Description = joinSentences(s.Description, "Shape of the body:\n\n```\n"+format+"\n```")
	return s, nil
}

// looksLikeErrorBody reports whether a body format shows the error envelope.
func looksLikeErrorBody(format string) bool {
	return strings.Contains(format, `"errors"`)
}

// requestBody merges the bodies the variants of md send.
func requestBody(md MethodDescriptor) *oasRequestBody {
	var rb *oasRequestBody
	var senders []string
	all := len(md.Requests) > 0
	for i, r := range md.Requests {
		if !hasBody(r.Body) {
			all = false
			continue
		}
		if rb == nil {
			rb = &oasRequestBody{Content: make(map[string]*oasMediaType)}
		}
		senders = append(senders, labelWithEndpoint(r, i)+": "+displayType(r.Body.ContentType))
		key := mediaKey(r.Body.ContentType)
		if _, ok := rb.Content[key]; ok {
			continue
		}
		s, ex := bodySchema(r.Body, nil)
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

func displayType(ct string) string {
	if ct == "" {
		return "unspecified type"
	}
	return "`" + ct + "`"
}

// responseUse is one response descriptor and the variant it belongs to.
type responseUse struct {
	label string
	resp  ResponseDescriptor
}

// responses merges the responses of every variant of md by status.
func responses(md MethodDescriptor) map[string]*oasResponse {
	byStatus := make(map[int][]responseUse)
	var statuses []int
	for i, r := range md.Requests {
		label := labelWithEndpoint(r, i)
		all := make([]ResponseDescriptor, 0, len(r.Successes)+len(r.Failures))
		all = append(all, r.Successes...)
		all = append(all, r.Failures...)
		for _, resp := range all {
			if _, ok := byStatus[resp.StatusCode]; !ok {
				statuses = append(statuses, resp.StatusCode)
			}
			byStatus[resp.StatusCode] = append(byStatus[resp.StatusCode], responseUse{label: label, resp: resp})
		}
	}
	if len(statuses) == 0 {
		return nil
	}
	out := make(map[string]*oasResponse, len(statuses))
	for _, status := range statuses {
		out[strconv.Itoa(status)] = mergeResponses(md, status, byStatus[status])
	}
	return out
}

func mergeResponses(md MethodDescriptor, status int, uses []responseUse) *oasResponse {
	resp := &oasResponse{Description: responseDescription(md, status, uses)}
	headerReq := make(map[string]int)
	for _, u := range uses {
		for _, h := range u.resp.Headers {
			if strings.EqualFold(h.Name, "Content-Type") {
				continue // OpenAPI ignores it: the content map says it
			}
			if resp.Headers == nil {
				resp.Headers = make(map[string]*oasHeader)
			}
			name := existingKey(resp.Headers, h.Name)
			if _, ok := resp.Headers[name]; !ok {
				text := parameterText(h)
				if h.Repeatable {
					text = joinSentences(text, "The header may appear several times, one value per field line.")
				}
				resp.Headers[name] = &oasHeader{Description: text, Schema: parameterSchema(h)}
			}
			if h.Required {
				headerReq[name]++
			}
		}
	}
	for name, n := range headerReq {
		resp.Headers[name].Required = n == len(uses)
	}
	if md.Method == "HEAD" {
		return resp // a HEAD response has no body
	}
	for _, u := range uses {
		isError := len(u.resp.ErrorCodes) > 0 || looksLikeErrorBody(u.resp.Body.Format)
		if !hasBody(u.resp.Body) && !isError {
			continue
		}
		ct := u.resp.Body.ContentType
		if ct == "" {
			ct = "application/json"
		}
		key := mediaKey(ct)
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
		s, ex := bodySchema(u.resp.Body, u.resp.Fields)
		resp.Content[key] = &oasMediaType{Schema: s, Example: ex}
	}
	return resp
}

// existingKey returns the key of m equal to name without regard to case, or
// name itself.
func existingKey(m map[string]*oasHeader, name string) string {
	for k := range m {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return name
}

// responseDescription says when the status is sent: one text when all
// variants agree, else one line per distinct text with its variants.
func responseDescription(md MethodDescriptor, status int, uses []responseUse) string {
	type entry struct {
		text   string
		labels []string
	}
	var entries []*entry
	for _, u := range uses {
		text := strings.TrimSpace(u.resp.Description)
		if u.resp.Name != "" {
			text = joinSentences("**"+u.resp.Name+"**:", text)
		}
		if len(u.resp.ErrorCodes) > 0 {
			names := make([]string, len(u.resp.ErrorCodes))
			for i, c := range u.resp.ErrorCodes {
				names[i] = "`" + c.String() + "`"
			}
			text = joinSentences(text, "Error codes: "+strings.Join(names, ", ")+".")
		}
		if text == "" {
			text = statusText(status) + "."
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
		if !containsString(e.labels, u.label) {
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
		b.WriteString("- " + oneLine(e.text))
		if len(md.Requests) > 1 {
			b.WriteString(" (" + strings.Join(e.labels, "; ") + ")")
		}
	}
	return b.String()
}

// errorSchemas describes the error envelope, with the registered codes as
// the enumeration of the ErrorCode schema.
func errorSchemas(codes []errcode.ErrorDescriptor) map[string]*oasSchema {
	values := make([]string, len(codes))
	var list strings.Builder
	list.WriteString("The error codes registered in this build, with the HTTP status each is sent with:\n")
	for i, c := range codes {
		values[i] = c.Value
		fmt.Fprintf(&list, "\n- `%s` (%d): %s", c.Value, c.HTTPStatusCode, oneLine(c.Description))
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
