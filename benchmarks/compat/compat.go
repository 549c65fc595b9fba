// Package compat holds the inputs of the compatibility checks between this
// module's registry API package and distribution's: generated request paths,
// URL builder calls and error values, the code that puts them to either
// implementation, and the shapes of the recorded answers.
//
// The tests of this package compare both implementations live:
//
//	cd benchmarks && go test ./compat
//
// The program cmd/record-upstream writes distribution's answers to
// testdata/upstream in the root module, whose own tests (routes_test.go,
// urls_test.go, forwarded_test.go, errcode/*_test.go) check them without
// depending on distribution. After changing the generators here, record
// again and commit the files:
//
//	cd benchmarks && go run ./cmd/record-upstream -out ../testdata/upstream -forwarded-out ../internal/forwarded/testdata/upstream
package compat

// Source names the implementation the recorded answers come from.
const Source = "github.com/distribution/distribution/v3 v3.1.2"
