package server

import (
	"testing"

	"github.com/regapi/regapi"
)

// TestEveryVariantHasAHandler checks the handler table against the
// descriptors: every request variant MatchRequest can recognise has a
// handler, and the table names no variant the descriptors lack.
func TestEveryVariantHasAHandler(t *testing.T) {
	described := map[string]map[string]bool{}
	for _, rd := range regapi.Descriptors() {
		described[rd.Name] = map[string]bool{}
		for _, md := range rd.Methods {
			for _, req := range md.Requests {
				described[rd.Name][req.Name] = true
				if variantHandlers[rd.Name][req.Name] == nil {
					t.Errorf("%s %s %q has no handler", rd.Name, md.Method, req.Name)
				}
			}
		}
	}
	for route, variants := range variantHandlers {
		for name := range variants {
			if !described[route][name] {
				t.Errorf("the handler of %s %q answers no variant of the descriptors", route, name)
			}
		}
	}
}
