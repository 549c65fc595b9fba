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
