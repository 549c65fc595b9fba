package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/regapi/regapi/apidoc"
)

func TestDocumentCommands(t *testing.T) {
	tests := []struct {
		name     string
		run      func(args []string, stdout, stderr *bytes.Buffer) int
		generate func() ([]byte, error)
	}{
		{"openapi", func(a []string, o, e *bytes.Buffer) int { return runOpenAPI(a, o, e) }, apidoc.OpenAPI},
		{"markdown", func(a []string, o, e *bytes.Buffer) int { return runMarkdown(a, o, e) }, apidoc.Markdown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := tt.generate()
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			if code := tt.run(nil, &stdout, &stderr); code != 0 || !bytes.Equal(stdout.Bytes(), want) {
				t.Errorf("exit %d, stderr %q; stdout equals the document: %v", code, stderr.String(), bytes.Equal(stdout.Bytes(), want))
			}

			file := filepath.Join(t.TempDir(), "doc")
			stdout.Reset()
			if code := tt.run([]string{"-o", file}, &stdout, &stderr); code != 0 || stdout.Len() != 0 {
				t.Errorf("-o: exit %d, stdout %d bytes", code, stdout.Len())
			}
			if got, err := os.ReadFile(file); err != nil || !bytes.Equal(got, want) {
				t.Errorf("-o: file differs from the document (err %v)", err)
			}

			for _, args := range [][]string{{"extra"}, {"-x"}} {
				stderr.Reset()
				if code := tt.run(args, &stdout, &stderr); code != 2 || stderr.Len() == 0 {
					t.Errorf("%q: exit %d, stderr %q; want 2 and a usage message", args, code, stderr.String())
				}
			}
			missing := filepath.Join(t.TempDir(), "no", "such", "dir", "doc")
			stderr.Reset()
			if code := tt.run([]string{"-o", missing}, &stdout, &stderr); code != 1 || stderr.Len() == 0 {
				t.Errorf("unwritable -o: exit %d, stderr %q; want 1 and the error", code, stderr.String())
			}
		})
	}
}
