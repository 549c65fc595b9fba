// Package compat holds the inputs of the compatibility checks between this
// module's registry API package and distribution's: generated request paths,
// URL builder calls and error values, and the recorded answers to them.
package compat

import (
	_ "github.com/distribution/distribution/v3/registry/api/errcode" // compared against
	_ "github.com/distribution/distribution/v3/registry/api/v2"      // compared against
	_ "github.com/gorilla/mux"                                         // routers under test
	_ "github.com/regapi/regapi"                                       // package under test
	_ "github.com/regapi/regapi/errcode"                               // package under test
)
