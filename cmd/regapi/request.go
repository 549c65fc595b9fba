package main

import (
	"net/http"
	"net/url"
)

// newGET makes a GET request for a path given on the command line.
func newGET(path string) (*http.Request, error) {
	u, err := url.ParseRequestURI(path)
	if err != nil {
		return nil, err
	}
	return &http.Request{Method: http.MethodGet, URL: u, Header: http.Header{}}, nil
}
