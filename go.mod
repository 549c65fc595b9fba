module github.com/regapi/regapi

go 1.23

require (
	github.com/distribution/reference v0.6.0
	github.com/gorilla/mux v1.8.1
	github.com/opencontainers/go-digest v1.0.0
)
