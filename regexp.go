package regapi

import (
	"github.com/distribution/reference"
	"github.com/opencontainers/go-digest"
)

// The patterns of the path variables, as gorilla/mux route templates use
// them. They are distribution's, so that a path is accepted or refused
// exactly as distribution's router accepts or refuses it.
var (
	// namePattern matches a repository name: path components of lower-case
	// alphanumerics and separators, optionally led by a domain and port.
	namePattern = reference.NameRegexp.String()

	// referencePattern matches a manifest reference: a tag or a digest.
	referencePattern = reference.TagRegexp.String() + "|" + digest.DigestRegexp.String()

	// digestPattern matches a content digest such as sha256:<hex>.
	digestPattern = digest.DigestRegexp.String()

	// uuidPattern matches an upload session id. Servers choose ids; this is
	// the alphabet the route accepts.
	uuidPattern = `[a-zA-Z0-9-_.=]+`
)

// pathVar renders a mux path variable with its pattern.
func pathVar(name, pattern string) string {
	return "{" + name + ":" + pattern + "}"
}
