package regapi

// The API documents in docs/ are generated from the route descriptors and
// the registered error codes; TestOpenAPIDocumentIsCurrent and
// TestMarkdownDocumentIsCurrent fail when they are out of date.

//go:generate go run ./cmd/regapi openapi -o docs/openapi.json
//go:generate go run ./cmd/regapi markdown -o docs/api.md
