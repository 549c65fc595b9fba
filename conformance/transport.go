package conformance

import "net/http"

// maxResponseHeader bounds the header of a response, where net/http's
// client allows 10 MiB: a header of that many short fields takes far more
// decoded, and no registry needs a megabyte of header.
const maxResponseHeader = 1 << 20

// suiteTransport returns the transport the suite sends its requests with:
// a clone of rt, or of http.DefaultTransport for nil, that bounds response
// headers and watches its connections for HEAD bodies. A RoundTripper
// other than an *http.Transport is used as it is.
func suiteTransport(rt http.RoundTripper) http.RoundTripper {
	if rt == nil {
		rt = http.DefaultTransport
	}
	tr, ok := rt.(*http.Transport)
	if !ok {
		return rt
	}
	tr = tr.Clone()
	if tr.MaxResponseHeaderBytes == 0 {
		tr.MaxResponseHeaderBytes = maxResponseHeader
	}
	watchHeadBodies(tr)
	return tr
}
