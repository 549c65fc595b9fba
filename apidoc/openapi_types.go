package apidoc

import "encoding/json"

// The OpenAPI 3.1 objects the generator writes. Struct fields marshal in
// declaration order and maps with sorted keys, so a document always encodes
// to the same bytes.

type oasDocument struct {
	OpenAPI           string                `json:"openapi"`
	Info              oasInfo               `json:"info"`
	JSONSchemaDialect string                `json:"jsonSchemaDialect,omitempty"`
	Servers           []oasServer           `json:"servers,omitempty"`
	Security          []map[string][]string `json:"security,omitempty"`
	Tags              []oasTag              `json:"tags,omitempty"`
	Paths             map[string]*oasPath   `json:"paths"`
	Components        oasComponents         `json:"components"`
}

type oasInfo struct {
	Title       string     `json:"title"`
	Summary     string     `json:"summary,omitempty"`
	Description string     `json:"description,omitempty"`
	License     oasLicense `json:"license"`
	Version     string     `json:"version"`
}

type oasLicense struct {
	Name       string `json:"name"`
	Identifier string `json:"identifier,omitempty"`
}

type oasServer struct {
	URL         string                       `json:"url"`
	Description string                       `json:"description,omitempty"`
	Variables   map[string]oasServerVariable `json:"variables,omitempty"`
}

type oasServerVariable struct {
	Default     string   `json:"default"`
	Enum        []string `json:"enum,omitempty"`
	Description string   `json:"description,omitempty"`
}

type oasTag struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

type oasPath struct {
	Summary     string          `json:"summary,omitempty"`
	Description string          `json:"description,omitempty"`
	Get         *oasOperation   `json:"get,omitempty"`
	Put         *oasOperation   `json:"put,omitempty"`
	Post        *oasOperation   `json:"post,omitempty"`
	Delete      *oasOperation   `json:"delete,omitempty"`
	Options     *oasOperation   `json:"options,omitempty"`
	Head        *oasOperation   `json:"head,omitempty"`
	Patch       *oasOperation   `json:"patch,omitempty"`
	Trace       *oasOperation   `json:"trace,omitempty"`
	Servers     []oasServer     `json:"servers,omitempty"`
	Parameters  []*oasParameter `json:"parameters,omitempty"`
	RouteName   string          `json:"x-route-name,omitempty"`
	MuxTemplate string          `json:"x-mux-template,omitempty"`

	// TokenEndpoint marks the token endpoint, which is served at a
	// Bearer challenge's realm rather than by the registry.
	TokenEndpoint bool `json:"x-token-endpoint,omitempty"`
}

type oasOperation struct {
	Tags         []string                `json:"tags,omitempty"`
	Summary      string                  `json:"summary,omitempty"`
	Description  string                  `json:"description,omitempty"`
	OperationID  string                  `json:"operationId"`
	Parameters   []*oasParameter         `json:"parameters,omitempty"`
	RequestBody  *oasRequestBody         `json:"requestBody,omitempty"`
	Responses    map[string]*oasResponse `json:"responses,omitempty"`
	Security     []map[string][]string   `json:"security,omitempty"`
	OCIEndpoints []string                `json:"x-oci-endpoints,omitempty"`
}

type oasParameter struct {
	Name        string     `json:"name"`
	In          string     `json:"in"`
	Description string     `json:"description,omitempty"`
	Required    bool       `json:"required,omitempty"`
	Style       string     `json:"style,omitempty"`
	Explode     *bool      `json:"explode,omitempty"`
	Schema      *oasSchema `json:"schema"`
}

type oasRequestBody struct {
	Description string                   `json:"description,omitempty"`
	Content     map[string]*oasMediaType `json:"content"`
	Required    bool                     `json:"required,omitempty"`
}

type oasResponse struct {
	Description string                   `json:"description"`
	Headers     map[string]*oasHeader    `json:"headers,omitempty"`
	Content     map[string]*oasMediaType `json:"content,omitempty"`
}

type oasHeader struct {
	Description string     `json:"description,omitempty"`
	Required    bool       `json:"required,omitempty"`
	Schema      *oasSchema `json:"schema"`
}

type oasMediaType struct {
	Schema  *oasSchema      `json:"schema,omitempty"`
	Example json.RawMessage `json:"example,omitempty"`
}

// oasSchema is the part of JSON Schema 2020-12 the document uses.
type oasSchema struct {
	Ref              string                `json:"$ref,omitempty"`
	Title            string                `json:"title,omitempty"`
	Description      string                `json:"description,omitempty"`
	Type             string                `json:"type,omitempty"`
	ContentMediaType string                `json:"contentMediaType,omitempty"`
	Pattern          string                `json:"pattern,omitempty"`
	Enum             []string              `json:"enum,omitempty"`
	Items            *oasSchema            `json:"items,omitempty"`
	Properties       map[string]*oasSchema `json:"properties,omitempty"`
	Required         []string              `json:"required,omitempty"`
	AnyOf            []*oasSchema          `json:"anyOf,omitempty"`
	Examples         []json.RawMessage     `json:"examples,omitempty"`
}

type oasComponents struct {
	Schemas         map[string]*oasSchema         `json:"schemas,omitempty"`
	SecuritySchemes map[string]*oasSecurityScheme `json:"securitySchemes,omitempty"`
}

type oasSecurityScheme struct {
	Type         string `json:"type"`
	Description  string `json:"description,omitempty"`
	Scheme       string `json:"scheme"`
	BearerFormat string `json:"bearerFormat,omitempty"`
}

// operation returns the slot of a path item for method, or nil for a method
// OpenAPI has no slot for.
func (p *oasPath) operation(method string) **oasOperation {
	switch method {
	case "GET":
		return &p.Get
	case "PUT":
		return &p.Put
	case "POST":
		return &p.Post
	case "DELETE":
		return &p.Delete
	case "OPTIONS":
		return &p.Options
	case "HEAD":
		return &p.Head
	case "PATCH":
		return &p.Patch
	case "TRACE":
		return &p.Trace
	}
	return nil
}
