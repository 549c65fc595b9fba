package registrytest

// Header values the registry sends often, shared by every answer: a header
// set to one of them costs no allocation. They are set directly in the
// header map, under canonical keys, and never changed.
var (
	headerZero        = []string{"0"}
	headerOctetStream = []string{"application/octet-stream"}
	headerBytes       = []string{"bytes"}
	headerImmutable   = []string{"max-age=31536000"} // blobs never change
	headerAPIVersion  = []string{"registry/2.0"}
)

// headerValues returns up to three header values, each as a list of one,
// in one allocation rather than one each: the answers of a push set two
// or three. Each list is clipped, so that adding to one header's values
// copies them rather than writing over the next header's.
func headerValues(values ...string) (lists [3][]string) {
	backing := make([]string, len(values))
	copy(backing, values)
	for i := range backing {
		lists[i] = backing[i : i+1 : i+1]
	}
	return lists
}
