module github.com/regapi/regapi/benchmarks

go 1.26.0

require (
	github.com/distribution/distribution/v3 v3.1.2
	github.com/distribution/reference v0.6.0
	github.com/docker/distribution v2.8.3+incompatible
	github.com/gorilla/mux v1.8.1
	github.com/opencontainers/go-digest v1.0.0
	github.com/regapi/regapi v0.0.0
)

require github.com/google/go-containerregistry v0.22.1

replace github.com/regapi/regapi => ../
