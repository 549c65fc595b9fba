package server

// Header values the server sends often, shared by every answer: a header
// set to one of them costs no allocation. They are set directly in the
// header map, under canonical keys, and never changed.
var (
	headerZero        = []string{"0"}
	headerOctetStream = []string{"application/octet-stream"}
	headerBytes       = []string{"bytes"}
	headerImmutable   = []string{"max-age=31536000"} // blobs never change
	headerAPIVersion  = []string{"registry/2.0"}
	headerJSON        = []string{"application/json"}
)

// headerValues returns up to three header values, each as a list of one,
// in one allocation rather than one each. Each list is clipped, so that
// adding to one header's values copies them rather than writing over the
// next header's.
func headerValues(values ...string) (lists [3][]string) {
	backing := make([]string, len(values))
	copy(backing, values)
	for i := range backing {
		lists[i] = backing[i : i+1 : i+1]
	}
	return lists
}

// truncate shortens what a client sent before it is echoed in a detail.
func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
