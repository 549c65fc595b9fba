package main

import (
	"bytes"
	"strings"
	"testing"
)

func TestRoutesCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"routes"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit status %d, stderr %q", code, stderr.String())
	}
	for _, line := range []string{
		"base               GET                   /v2/",
		"manifest           GET,HEAD,PUT,DELETE   /v2/{name}/manifests/{reference}",
		"blob-upload-chunk  GET,PATCH,PUT,DELETE  /v2/{name}/blobs/uploads/{uuid}",
		"referrers          GET                   /v2/{name}/referrers/{digest}",
	} {
		if !strings.Contains(stdout.String(), line+"\n") {
			t.Errorf("output lacks %q:\n%s", line, stdout.String())
		}
	}
	// The token endpoint is described, not routed.
	if strings.Contains(stdout.String(), "/token") {
		t.Errorf("the route list holds the token endpoint:\n%s", stdout.String())
	}
	if code := run([]string{"routes", "extra"}, &stdout, &stderr); code != 2 {
		t.Errorf("routes with an argument: exit status %d, want 2", code)
	}
}

func TestMatchCommand(t *testing.T) {
	tests := []struct {
		path string
		code int
		want []string
	}{
		{"/v2/foo/bar/manifests/tags/list", 0, []string{"route tags", "name foo/bar/manifests"}},
		{"/v2/library/alpine/blobs/sha256:abc", 0, []string{"route blob", "name library/alpine", "digest sha256:abc"}},
		{"/v2", 1, nil},               // redirected by the router
		{"/v2/Foo/tags/list", 1, nil}, // no route
		{"/token", 1, nil},            // the token endpoint is not a route
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run([]string{"match", tt.path}, &stdout, &stderr)
		if code != tt.code {
			t.Errorf("match %s: exit status %d, want %d (%s%s)", tt.path, code, tt.code, stdout.String(), stderr.String())
		}
		for _, w := range tt.want {
			if !strings.Contains(stdout.String(), w+"\n") {
				t.Errorf("match %s: output %q lacks %q", tt.path, stdout.String(), w)
			}
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"nonsense"}, &stdout, &stderr); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	if !strings.Contains(stderr.String(), `unknown command "nonsense"`) {
		t.Errorf("stderr %q does not name the command", stderr.String())
	}
}
