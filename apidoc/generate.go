// Package apidoc generates the reference documents of the registry API from
// the route descriptors of package regapi and the error codes registered
// with package errcode: an OpenAPI 3.1 document and a Markdown reference.
// Neither restates a path, a status or a code: both are read off the same
// table the router is built from.
package apidoc

// The API documents in docs/ are generated from the route descriptors and
// the registered error codes; TestOpenAPIDocumentIsCurrent and
// TestMarkdownDocumentIsCurrent fail when they are out of date.

//go:generate go run ../cmd/regapi openapi -o ../docs/openapi.json
//go:generate go run ../cmd/regapi markdown -o ../docs/api.md
