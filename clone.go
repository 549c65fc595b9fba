package regapi

import "github.com/regapi/regapi/errcode"

// cloneRouteDescriptors returns a deep copy of routes, so that a caller who
// edits the copy cannot change the table the package routes by.
func cloneRouteDescriptors(routes []RouteDescriptor) []RouteDescriptor {
	if routes == nil {
		return nil
	}
	out := make([]RouteDescriptor, len(routes))
	for i, r := range routes {
		out[i] = r
		out[i].Methods = cloneSlice(r.Methods, cloneMethod)
	}
	return out
}

func cloneMethod(m MethodDescriptor) MethodDescriptor {
	m.Requests = cloneSlice(m.Requests, cloneRequest)
	return m
}

func cloneRequest(r RequestDescriptor) RequestDescriptor {
	r.Headers = cloneSlice(r.Headers, cloneParameter)
	r.PathParameters = cloneSlice(r.PathParameters, cloneParameter)
	r.QueryParameters = cloneSlice(r.QueryParameters, cloneParameter)
	r.Successes = cloneSlice(r.Successes, cloneResponse)
	r.Failures = cloneSlice(r.Failures, cloneResponse)
	return r
}

func cloneResponse(r ResponseDescriptor) ResponseDescriptor {
	r.Headers = cloneSlice(r.Headers, cloneParameter)
	r.Fields = cloneSlice(r.Fields, cloneParameter)
	r.ErrorCodes = cloneSlice(r.ErrorCodes, func(c errcode.ErrorCode) errcode.ErrorCode { return c })
	return r
}

func cloneParameter(p ParameterDescriptor) ParameterDescriptor {
	p.Examples = cloneSlice(p.Examples, func(s string) string { return s })
	return p
}

// cloneSlice copies s element by element with clone, keeping nil as nil.
func cloneSlice[T any](s []T, clone func(T) T) []T {
	if s == nil {
		return nil
	}
	out := make([]T, len(s))
	for i, v := range s {
		out[i] = clone(v)
	}
	return out
}
