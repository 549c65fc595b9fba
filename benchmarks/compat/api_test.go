package compat

import (
	"go/importer"
	"go/token"
	"go/types"
	"sort"
	"strings"
	"testing"

	// Imported so that the module requires distribution v2.8, whose
	// packages the source importer reads.
	_ "github.com/docker/distribution/registry/api/v2"
)

// apiPackages pairs each distribution package with the package of this
// module that replaces it.
var apiPackages = []struct{ upstream, ours string }{
	{"github.com/distribution/distribution/v3/registry/api/v2", "github.com/regapi/regapi"},
	{"github.com/distribution/distribution/v3/registry/api/errcode", "github.com/regapi/regapi/errcode"},
	{"github.com/docker/distribution/registry/api/v2", "github.com/regapi/regapi"},
	{"github.com/docker/distribution/registry/api/errcode", "github.com/regapi/regapi/errcode"},
}

// apiQualifier names packages so that a type reads the same in both
// implementations: the replaced packages by their role, others by path.
func apiQualifier(p *types.Package) string {
	switch p.Path() {
	case apiPackages[0].upstream, apiPackages[0].ours, apiPackages[2].upstream:
		return "v2"
	case apiPackages[1].upstream, apiPackages[1].ours, apiPackages[3].upstream:
		return "errcode"
	case "github.com/docker/distribution/reference", "github.com/distribution/reference":
		// distribution v2.8 has its own copy of the reference package;
		// its interfaces are the same methods, so values of either
		// satisfy both.
		return "reference"
	}
	return p.Path()
}

// apiSurface lists the exported declarations of pkg, and the exported
// methods and fields of its exported types, each with its type.
func apiSurface(pkg *types.Package) map[string]string {
	out := map[string]string{}
	scope := pkg.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		kind := strings.Split(types.ObjectString(obj, apiQualifier), " ")[0]
		out[name] = kind + " " + types.TypeString(obj.Type(), apiQualifier)
		if tn, ok := obj.(*types.TypeName); ok {
			named, ok := tn.Type().(*types.Named)
			if !ok {
				continue
			}
			out[name] = "type " + apiUnderlying(named.Underlying())
			for _, ptr := range []bool{false, true} {
				var t types.Type = named
				if ptr {
					t = types.NewPointer(named)
				}
				ms := types.NewMethodSet(t)
				for i := 0; i < ms.Len(); i++ {
					m := ms.At(i).Obj()
					if m.Exported() {
						out[name+"."+m.Name()] = types.TypeString(m.Type(), apiQualifier)
					}
				}
			}
		}
	}
	return out
}

// apiUnderlying renders an underlying type; for a struct, only its
// exported fields, in order, so that unexported fields (and the types'
// representations) may differ.
func apiUnderlying(t types.Type) string {
	st, ok := t.(*types.Struct)
	if !ok {
		return types.TypeString(t, apiQualifier)
	}
	var fields []string
	for i := 0; i < st.NumFields(); i++ {
		f := st.Field(i)
		if f.Exported() {
			fields = append(fields, f.Name()+" "+types.TypeString(f.Type(), apiQualifier)+" "+st.Tag(i))
		}
	}
	return "struct{" + strings.Join(fields, "; ") + "}"
}

// apiFieldsExtend reports whether the struct fields of ours begin with
// those of upstream: fields may be added at the end only.
func apiFieldsExtend(ours, upstream string) bool {
	o, u := strings.TrimSuffix(ours, "}"), strings.TrimSuffix(upstream, "}")
	return strings.HasPrefix(ours, "type struct{") && strings.HasPrefix(o, u) &&
		(len(o) == len(u) || u == "type struct{" || o[len(u):len(u)+2] == "; ")
}

// TestExportedAPIMatchesUpstream checks that every exported name of
// distribution's packages (v3.1 and v2.8) exists here with the same kind
// and type, so that code compiles after changing only import paths. Structs
// may gain exported fields at the end. Names only this module has are
// listed in the log.
func TestExportedAPIMatchesUpstream(t *testing.T) {
	imp := importer.ForCompiler(token.NewFileSet(), "source", nil)
	for _, p := range apiPackages {
		up, err := imp.Import(p.upstream)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := imp.Import(p.ours)
		if err != nil {
			t.Fatal(err)
		}
		upAPI, ourAPI := apiSurface(up), apiSurface(ours)
		for name, sig := range upAPI {
			// any and interface{} are the same type.
			upAPI[name] = strings.ReplaceAll(sig, "interface{}", "any")
		}
		var names, extraFields []string
		for name := range upAPI {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			got, ok := ourAPI[name]
			if !ok {
				t.Errorf("%s: %s is missing (upstream: %s)", p.ours, name, upAPI[name])
				continue
			}
			if name == "URLBuilder.BuildTagsURL" && p.upstream == apiPackages[2].upstream {
				// distribution v2.8 has no query values here; v3 added them
				// as a variadic parameter, which every v2.8 call satisfies.
				want := strings.Replace(upAPI[name], ")", ", values ...net/url.Values)", 1)
				if got != want {
					t.Errorf("%s: %s is\n %s\nwant\n %s", p.ours, name, got, want)
				}
				continue
			}
			if got != upAPI[name] && apiFieldsExtend(got, upAPI[name]) {
				extraFields = append(extraFields, name)
				continue
			}
			if got != upAPI[name] {
				t.Errorf("%s: %s is\n %s\nupstream\n %s", p.ours, name, got, upAPI[name])
			}
		}
		var extra []string
		for name := range ourAPI {
			if _, ok := upAPI[name]; !ok {
				extra = append(extra, name)
			}
		}
		sort.Strings(extra)
		t.Logf("%s: %d upstream names checked; only here: %s; structs with added exported fields: %s",
			p.ours, len(names), strings.Join(extra, ", "), strings.Join(extraFields, ", "))
	}
}
