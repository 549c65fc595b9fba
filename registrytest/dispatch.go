package registrytest

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/routeshape"
)

// handlerFunc answers one request variant. It writes the success itself
// and returns failures, which dispatch writes in one place.
type handlerFunc func(reg *Registry, c *request) error

// variantHandlers is the registry's table of handlers, one per request
// variant of the descriptors, by route name and variant name. Variants
// that differ only in what the request carries share a handler, which
// reads what it needs from the call.
var variantHandlers = map[string]map[string]handlerFunc{
	regapi.RouteNameBase: {
		"Check API Support": (*Registry).serveBase,
	},
	regapi.RouteNameTags: {
		"List Tags":           (*Registry).serveTags,
		"List Tags Paginated": (*Registry).serveTags,
	},
	regapi.RouteNameManifest: {
		"Fetch Manifest":          (*Registry).serveManifest,
		"Check Manifest":          (*Registry).serveManifest,
		"Push Manifest":           (*Registry).putManifest,
		"Push Manifest with Tags": (*Registry).putManifest,
		"Delete Manifest":         (*Registry).deleteManifest,
		"Delete Tag":              (*Registry).deleteManifest,
	},
	regapi.RouteNameBlob: {
		"Fetch Blob":      (*Registry).serveBlob,
		"Fetch Blob Part": (*Registry).serveBlob,
		"Check Blob":      (*Registry).serveBlob,
		"Delete Blob":     (*Registry).deleteBlob,
	},
	regapi.RouteNameBlobUpload: {
		"Start Upload":                       (*Registry).startUpload,
		"Upload Blob in One Request":         (*Registry).monolithicUpload,
		"Start Upload with Digest Algorithm": (*Registry).startUpload,
		"Mount Blob":                         (*Registry).mountBlob,
		"Mount Blob from Any Repository":     (*Registry).mountBlob,
	},
	regapi.RouteNameBlobUploadChunk: {
		"Upload Status":        (*Registry).uploadStatus,
		"Upload Chunk":         (*Registry).patchUpload,
		"Stream Upload":        (*Registry).patchUpload,
		"Complete Upload":      (*Registry).closeUpload,
		"Close Chunked Upload": (*Registry).closeUpload,
		"Cancel Upload":        (*Registry).cancelUpload,
	},
	regapi.RouteNameCatalog: {
		"List Repositories":           (*Registry).serveCatalog,
		"List Repositories Paginated": (*Registry).serveCatalog,
	},
	regapi.RouteNameReferrers: {
		"List Referrers":                  (*Registry).serveReferrers,
		"List Referrers by Artifact Type": (*Registry).serveReferrers,
	},
}

// apiTable is what a registry derives from the descriptors when it is made.
type apiTable struct {
	// allow is the Allow header of each route: its methods, and HEAD
	// where it has GET.
	allow map[string]string

	// named are the shapes of the routes with a repository name, for
	// telling a path with a malformed name from one no route has.
	named []routeshape.Shape

	// endpoints are the OCI endpoint IDs of the variants, for the faults.
	endpoints []string

	// variants are the routes and endpoint IDs of the variants, each once,
	// for the Warning headers.
	variants []variantKey
}

// sharedAPITable is the table every registry uses: the descriptors are
// the same for all, and the table is only read once made.
var sharedAPITable = sync.OnceValue(newAPITable)

// newAPITable derives the table from a copy of the descriptors of its own,
// so that no change a program makes to regapi.APIDescriptor reaches it.
func newAPITable() *apiTable {
	t := &apiTable{allow: map[string]string{}}
	for _, rd := range regapi.Descriptors() {
		var methods []string
		hasHead := false
		for _, md := range rd.Methods {
			methods = append(methods, md.Method)
			hasHead = hasHead || md.Method == http.MethodHead
			for _, req := range md.Requests {
				if req.EndpointID != "" {
					t.endpoints = append(t.endpoints, req.EndpointID)
				}
				if v := (variantKey{rd.Name, req.EndpointID}); !slices.Contains(t.variants, v) {
					t.variants = append(t.variants, v)
				}
			}
		}
		for _, md := range rd.Methods {
			if md.Method == http.MethodGet && !hasHead {
				methods = append(methods, http.MethodHead)
			}
		}
		t.allow[rd.Name] = strings.Join(methods, ", ")
		if shape, ok := routeshape.Of(rd.Template()); ok && shape.Named {
			t.named = append(t.named, shape)
		}
	}
	return t
}

// request is one request being answered, with what the handlers share.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	match regapi.RequestMatch
	query url.Values

	// name is the repository, validated, for the routes that have one.
	name string

	reg     *Registry
	builder *regapi.URLBuilder // made by urls on first use

	// What authentication granted the request, for the checks a handler
	// makes beyond the variant's own scopes (a mount without from): the
	// scopes of its token, or its Basic user (nil when anonymous).
	granted []auth.Scope
	user    *User
}

// urls returns the builder of the request's Location and Link headers. It
// is made only for the answers that carry one.
func (c *request) urls() *regapi.URLBuilder {
	if c.builder == nil {
		c.builder = c.reg.urlBuilder(c.r)
	}
	return c.builder
}

// head reports whether the request is a HEAD, whose answer has no body.
func (c *request) head() bool {
	return c.r.Method == http.MethodHead
}

// dispatch recognises the request variant of a matched path and calls its
// handler, writing the handler's failure, if any. Every request reaches it
// through ServeHTTP, whose exchange records the variant and holds the
// request's state.
func (reg *Registry) dispatch(x *exchange, r *http.Request, m regapi.PathMatch) {
	// Most requests have no query: a nil one reads as empty and costs
	// no map. Handlers only read it.
	var query url.Values
	if r.URL.RawQuery != "" {
		query = r.URL.Query()
	}
	rm, ok := regapi.MatchRequest(r.Method, m, query, r.Header)
	if !ok {
		x.Header().Set("Allow", reg.api.allow[m.Route])
		serveError(x, r, errcode.ErrorCodeUnsupported.WithDetail(map[string]string{"method": truncate(r.Method, 20)}))
		return
	}
	h := variantHandlers[m.Route][rm.Request.Name]
	if h == nil {
		// Every variant has a handler (a test checks it); a variant added
		// to the descriptors without one is answered honestly.
		serveError(x, r, errcode.ErrorCodeUnsupported.WithMessage("this registry does not implement "+rm.Request.Name))
		return
	}
	x.route, x.endpoint = m.Route, rm.EndpointID
	// The request's state lives in its exchange, which is allocated for
	// every request anyway.
	c := &x.req
	*c = request{w: x, r: r, match: rm, query: query, reg: reg}
	reg.addWarnings(x.Header(), rm)
	// Authentication comes first, so that a client without credentials
	// learns nothing about what is stored, and faults fire only on
	// requests that passed it.
	if err := reg.authorize(c); err != nil {
		serveError(x, r, err)
		return
	}
	if m.Route != regapi.RouteNameBase && m.Route != regapi.RouteNameCatalog {
		if !grammar.IsRepository(m.Name) {
			serveError(x, r, errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"name": truncate(m.Name, 300)}))
			return
		}
		c.name = m.Name
	}
	var err error
	if f := reg.faults.take(rm); f != nil {
		x.fault = f.spec
		err = reg.runFault(c, f, h)
	} else {
		err = h(reg, c)
	}
	if err != nil {
		serveError(c.w, c.r, err)
	}
}

// urlBuilder returns the builder of the Location and Link headers answering
// r. Forwarding headers count only from Options.TrustedProxies (see
// regapi.NewURLBuilderFromRequestWithOptions). A request whose own Host is
// not a well-formed host, or that has none (HTTP/1.0), gets relative URLs.
//
// Without trusted proxies the builder depends on nothing but the request's
// Host, whether it came over TLS, and the scheme of an absolute request
// target: the paths dispatched all begin with the API's base, so none has a
// prefix to keep. The last builder made is kept for the next request that
// agrees on those three, which is every request of a client: a push would
// otherwise make one, and check the host, for each of its answers.
//
// The client writes the Host and the target's scheme, up to the server's
// header limit (a megabyte by default): a request whose two are longer
// than maxKeptOrigin gets a builder of its own, so that the registry never
// copies or keeps more than that of what a client sent.
func (reg *Registry) urlBuilder(r *http.Request) *regapi.URLBuilder {
	cacheable := len(reg.opts.TrustedProxies) == 0 && len(r.Host)+len(r.URL.Scheme) <= maxKeptOrigin
	key := builderKey{host: r.Host, tls: r.TLS != nil, scheme: r.URL.Scheme}
	if cacheable {
		if last := reg.lastBuilder.Load(); last != nil && last.key == key {
			return last.ub
		}
	}
	ub := regapi.NewURLBuilderFromRequestWithOptions(r, regapi.FromRequestOptions{
		Relative:          reg.opts.RelativeURLs || !grammar.IsHost(r.Host),
		TrustedProxies:    reg.opts.TrustedProxies,
		ForwardingHeaders: reg.opts.ForwardingHeaders,
	})
	if cacheable {
		// The key's strings are parts of the request: copies are kept, so
		// that the cache holds on to no request line.
		key.host, key.scheme = strings.Clone(key.host), strings.Clone(key.scheme)
		reg.lastBuilder.Store(&cachedBuilder{key: key, ub: ub})
	}
	return ub
}

// maxKeptOrigin bounds the Host and scheme of a kept builder: a DNS name of
// 253 bytes with a port, or "https", fits.
const maxKeptOrigin = 300

// builderKey is what a builder made without trusted proxies depends on.
type builderKey struct {
	host   string
	tls    bool
	scheme string
}

// cachedBuilder is the last builder a registry made, by what it was made
// from. A builder is only read once made, so one serves any number of
// requests at once.
type cachedBuilder struct {
	key builderKey
	ub  *regapi.URLBuilder
}

// statusError is a failure answered with a status other than its code's:
// the specification answers some conditions (413, 414, 416, a path no route
// has) with a status no code carries.
type statusError struct {
	status int
	err    error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// withStatus returns err to be answered with status.
func withStatus(status int, err error) error {
	return &statusError{status: status, err: err}
}

// serveError answers err through errcode.ServeJSON, with the status a
// statusError carries, if any, and a Content-Length, so that a HEAD
// request learns the length of the body it does not get.
func serveError(w http.ResponseWriter, r *http.Request, err error) {
	var se *statusError
	if errors.As(err, &se) {
		err = se.err
	}
	var body envelopeWriter
	body.header = w.Header()
	_ = errcode.ServeJSON(&body, err)
	status := body.status
	if se != nil {
		status = se.status
	}
	w.Header().Set("Content-Length", strconv.Itoa(body.buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body.buf.Bytes())
	}
}

// envelopeWriter collects what errcode.ServeJSON writes, its headers going
// to the real answer's.
type envelopeWriter struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (e *envelopeWriter) Header() http.Header         { return e.header }
func (e *envelopeWriter) WriteHeader(status int)      { e.status = status }
func (e *envelopeWriter) Write(b []byte) (int, error) { return e.buf.Write(b) }

// serveNoRoute answers paths that match no route: NAME_INVALID when the path
// has the shape of a repository endpoint whose name is not a repository
// name, UNSUPPORTED with status 404 otherwise.
func serveNoRoute(w http.ResponseWriter, r *http.Request) {
	body, _ := routeshape.TrimFinalSlash(r.URL.Path)
	parts := routeshape.Split(body)
	for _, shape := range sharedAPITable().named {
		if name, _, ok := shape.Fit(&parts); ok && !grammar.IsRepository(name) {
			serveError(w, r, errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"name": truncate(name, 300)}))
			return
		}
	}
	serveError(w, r, withStatus(http.StatusNotFound, errcode.ErrorCodeUnsupported.WithMessage("no registry API endpoint at this path")))
}

// serveBase answers the API version check.
func (reg *Registry) serveBase(c *request) error {
	c.w.Header().Set("Content-Type", "application/json")
	c.w.Header().Set("Content-Length", "2")
	c.w.WriteHeader(http.StatusOK)
	if !c.head() {
		_, _ = c.w.Write([]byte("{}"))
	}
	return nil
}

// truncate shortens what a client sent before it is echoed in a detail.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}

// maxWarnings is the most bytes the Warning headers of one answer take, as
// the specification bounds them.
const maxWarnings = 4096

// variantKey names a request variant by what chooses its Warning headers.
type variantKey struct{ route, endpoint string }

// renderWarnings returns the values of the Warning headers that warnings
// choose for each request variant of t. Options never change after New,
// so the headers are rendered once there, and a request only looks its
// variant up.
func (t *apiTable) renderWarnings(warnings []Warning) map[variantKey][]string {
	if len(warnings) == 0 {
		return nil
	}
	values := make([]string, len(warnings))
	for i, w := range warnings {
		values[i] = `299 - ` + quoteText(w.Text)
	}
	out := map[variantKey][]string{}
	for _, v := range t.variants {
		var vs []string
		total := 0
		for i, w := range warnings {
			if w.Target == "" || w.Target != "*" && w.Target != v.route && !endpointMatches(w.Target, v.endpoint) {
				continue
			}
			if total+len(values[i]) > maxWarnings {
				continue
			}
			total += len(values[i])
			vs = append(vs, values[i])
		}
		if len(vs) > 0 {
			// Clipped, so that anything appending to an answer's
			// Warning header copies rather than writes into the slice
			// all answers share.
			out[v] = slices.Clip(vs)
		}
	}
	return out
}

// addWarnings adds the Warning headers that Options.Warnings chooses for a
// request.
func (reg *Registry) addWarnings(h http.Header, rm regapi.RequestMatch) {
	if len(reg.warnings) == 0 {
		return
	}
	if vs := reg.warnings[variantKey{rm.Route, rm.EndpointID}]; vs != nil {
		h["Warning"] = vs
	}
}

// quoteText writes s as an HTTP quoted-string: quotes and backslashes are
// escaped, and bytes a header may not carry (controls, and bytes beyond
// ASCII, which clients read differently) become "?".
func quoteText(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < ' ' && c != '\t' || c >= 0x7f:
			b.WriteByte('?')
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}
