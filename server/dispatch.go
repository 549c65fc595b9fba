package server

import (
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/gorilla/mux"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/auth"
	"github.com/regapi/regapi/errcode"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/internal/reply"
	"github.com/regapi/regapi/internal/routeshape"
)

// handlerFunc answers one request variant. It writes the success itself
// and returns failures, which dispatch writes in one place.
type handlerFunc func(s *Server, c *request) error

// variantHandlers is the server's table of handlers, one per request
// variant of the descriptors, by route name and variant name. Variants
// that differ only in what the request carries share a handler, which
// reads what it needs from the request.
var variantHandlers = map[string]map[string]handlerFunc{
	regapi.RouteNameBase: {
		"Check API Support": (*Server).serveBase,
	},
	regapi.RouteNameTags: {
		"List Tags":           (*Server).serveTags,
		"List Tags Paginated": (*Server).serveTags,
	},
	regapi.RouteNameManifest: {
		"Fetch Manifest":          (*Server).serveManifest,
		"Check Manifest":          (*Server).serveManifest,
		"Push Manifest":           (*Server).putManifest,
		"Push Manifest with Tags": (*Server).putManifest,
		"Delete Manifest":         (*Server).deleteManifest,
		"Delete Tag":              (*Server).deleteManifest,
	},
	regapi.RouteNameBlob: {
		"Fetch Blob":      (*Server).serveBlob,
		"Fetch Blob Part": (*Server).serveBlob,
		"Check Blob":      (*Server).serveBlob,
		"Delete Blob":     (*Server).deleteBlob,
	},
	regapi.RouteNameBlobUpload: {
		"Start Upload":                       (*Server).startUpload,
		"Upload Blob in One Request":         (*Server).monolithicUpload,
		"Start Upload with Digest Algorithm": (*Server).startUpload,
		"Mount Blob":                         (*Server).mountBlob,
		"Mount Blob from Any Repository":     (*Server).mountBlob,
	},
	regapi.RouteNameBlobUploadChunk: {
		"Upload Status":        (*Server).uploadStatus,
		"Upload Chunk":         (*Server).patchUpload,
		"Stream Upload":        (*Server).patchUpload,
		"Complete Upload":      (*Server).closeUpload,
		"Close Chunked Upload": (*Server).closeUpload,
		"Cancel Upload":        (*Server).cancelUpload,
	},
	regapi.RouteNameCatalog: {
		"List Repositories":           (*Server).serveCatalog,
		"List Repositories Paginated": (*Server).serveCatalog,
	},
	regapi.RouteNameReferrers: {
		"List Referrers":                  (*Server).serveReferrers,
		"List Referrers by Artifact Type": (*Server).serveReferrers,
	},
}

// routeTable is what the server derives from the descriptors: the Allow
// header of each route and the shapes of the routes with a repository
// name. It is the same for every server, and only read.
type routeTable struct {
	allow map[string]string
	named []routeshape.Shape
}

// sharedRoutes is the table every server uses, made from a copy of the
// descriptors of its own, so that no change a program makes to
// regapi.APIDescriptor reaches it.
var sharedRoutes = sync.OnceValue(func() *routeTable {
	t := &routeTable{allow: map[string]string{}}
	for _, rd := range regapi.Descriptors() {
		var methods []string
		hasHead := false
		for _, md := range rd.Methods {
			methods = append(methods, md.Method)
			hasHead = hasHead || md.Method == http.MethodHead
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
})

// request is one request being answered, with what the handlers share.
type request struct {
	w     http.ResponseWriter
	r     *http.Request
	match regapi.RequestMatch
	query url.Values

	// name is the repository, validated, for the routes that have one.
	name string

	s       *Server
	handler handlerFunc        // the variant's
	builder *regapi.URLBuilder // made by urls on first use

	// body is the request body as handlers read it: with the deadline of
	// BodyTimeout and a turn at the gate. One allocation with the request.
	body requestBody
	// content counts what an answer's content sends: with the request,
	// so that sending it costs no allocation.
	content contentWriter
}

// urls returns the builder of the request's Location and Link headers. It
// is made only for the answers that carry one.
func (c *request) urls() *regapi.URLBuilder {
	if c.builder == nil {
		c.builder = c.s.urlBuilder(c.r)
	}
	return c.builder
}

// head reports whether the request is a HEAD, whose answer has no body.
func (c *request) head() bool {
	return c.r.Method == http.MethodHead
}

// route finds the route of a request with regapi.MatchPath, which decides
// exactly as the router of regapi.Router does, and leaves the requests it
// refuses to that router.
func (s *Server) route(c *request) {
	m, ok := regapi.MatchPath(c.r.URL.Path)
	if !ok {
		sharedRouter().ServeHTTP(&routedWriter{ResponseWriter: c.w, c: c}, c.r)
		return
	}
	s.dispatch(c, m)
}

// routedWriter carries a request through the shared router to its route's
// handler.
type routedWriter struct {
	http.ResponseWriter
	c *request
}

// Unwrap lets http.ResponseController reach the connection.
func (w *routedWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// sharedRouter answers the requests regapi.MatchPath refuses, for every
// server: it redirects to clean paths and answers the paths no route has
// with serveNoRoute. A mux router is only read while it serves, so one is
// made, on first use, for all servers; its route handlers find the server
// in the writer they are given.
var sharedRouter = sync.OnceValue(func() *mux.Router {
	router := regapi.Router()
	for route := range sharedRoutes().allow {
		router.Get(route).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rw, ok := w.(*routedWriter)
			if !ok {
				serveNoRoute(w, r)
				return
			}
			vars := mux.Vars(r)
			rw.c.s.dispatch(rw.c, regapi.PathMatch{Route: route, Name: vars["name"],
				Reference: vars["reference"], Digest: vars["digest"], UUID: vars["uuid"]})
		})
	}
	router.NotFoundHandler = http.HandlerFunc(serveNoRoute)
	return router
})

// dispatch recognises the request variant of a matched path and calls its
// handler, writing the handler's failure, if any.
func (s *Server) dispatch(c *request, m regapi.PathMatch) {
	r := c.r
	// Most requests have no query: a nil one reads as empty and costs no
	// map. Handlers only read it.
	if r.URL.RawQuery != "" {
		c.query = r.URL.Query()
	}
	rm, ok := regapi.MatchRequest(r.Method, m, c.query, r.Header)
	if !ok {
		c.w.Header().Set("Allow", sharedRoutes().allow[m.Route])
		s.serveError(c.w, r, errcode.ErrorCodeUnsupported.WithDetail(map[string]string{"method": reply.Truncate(r.Method, 20)}))
		return
	}
	h := variantHandlers[m.Route][rm.Request.Name]
	if h == nil {
		// Every variant has a handler (a test checks it); a variant added
		// to the descriptors without one is answered honestly.
		s.serveError(c.w, r, errcode.ErrorCodeUnsupported.WithMessage("this server does not implement "+rm.Request.Name))
		return
	}
	c.match = rm
	c.handler = h
	s.addWarnings(c.w.Header(), rm)
	if s.opts.Intercept != nil {
		// The request is the handler next: a pointer in an interface,
		// which costs no allocation.
		if err := s.opts.Intercept(c.w, r, rm, c); err != nil {
			s.serveError(c.w, r, err)
		}
		return
	}
	c.serve()
}

// ServeHTTP is what Options.Intercept calls to have the request answered,
// with the writer and request it may have wrapped.
func (c *request) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.w, c.r = w, r
	c.serve()
}

// serve authorizes the request, checks its repository name and calls its
// variant's handler, writing the failure of any.
func (c *request) serve() {
	s, r, m := c.s, c.r, c.match
	// Authorization comes first, so that a client without access learns
	// nothing about what is stored.
	if s.opts.Authorize != nil {
		if err := s.opts.Authorize(r, m, auth.RequiredFor(m, c.query)); err != nil {
			s.serveError(c.w, r, err)
			return
		}
	}
	if m.Route != regapi.RouteNameBase && m.Route != regapi.RouteNameCatalog {
		if !grammar.IsRepository(m.Name) {
			s.serveError(c.w, r, errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"name": reply.Truncate(m.Name, 300)}))
			return
		}
		c.name = m.Name
	}
	if err := c.handler(s, c); err != nil {
		s.serveError(c.w, r, err)
	}
}

// serveNoRoute answers paths that match no route: NAME_INVALID when the path
// has the shape of a repository endpoint whose name is not a repository
// name, UNSUPPORTED with status 404 otherwise.
func serveNoRoute(w http.ResponseWriter, r *http.Request) {
	body, _ := routeshape.TrimFinalSlash(r.URL.Path)
	parts := routeshape.Split(body)
	for _, shape := range sharedRoutes().named {
		if name, _, ok := shape.Fit(&parts); ok && !grammar.IsRepository(name) {
			writeError(w, r, answerOf(errcode.ErrorCodeNameInvalid.WithDetail(map[string]string{"name": reply.Truncate(name, 300)})))
			return
		}
	}
	writeError(w, r, answerOf(reply.WithStatus(http.StatusNotFound, errcode.ErrorCodeUnsupported.WithMessage("no registry API endpoint at this path"))))
}

// serveBase answers the API version check.
func (s *Server) serveBase(c *request) error {
	h := c.w.Header()
	h["Content-Type"] = headerJSON
	h.Set("Content-Length", "2")
	c.w.WriteHeader(http.StatusOK)
	if !c.head() {
		_, _ = c.w.Write([]byte("{}"))
	}
	return nil
}
