package regapi

// Template returns the route's path with the patterns of its variables left
// out, as OpenAPI and documentation write it: "/v2/{name}/tags/list" for the
// tags route. Path keeps the patterns, as gorilla/mux needs them.
func (d RouteDescriptor) Template() string {
	tpl, _, err := docParseTemplate(d.Path)
	if err != nil {
		return d.Path
	}
	return tpl
}
