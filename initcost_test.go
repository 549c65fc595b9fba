package regapi

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"testing"
)

// initBudget is the most the package's initialisation may allocate: it
// builds APIDescriptor and nothing else, leaving what the router, matcher
// and builder derive from the table to their first use.
const initBudget = 256 << 10

// TestInitCost builds a program that only calls MatchPath and reads, with
// GODEBUG=inittrace=1, how much the package's init allocates.
func TestInitCost(t *testing.T) {
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module initcost\n\ngo 1.23\n\nrequire github.com/regapi/regapi v0.0.0\n\nreplace github.com/regapi/regapi => " + strconv.Quote(root) + "\n",
		"main.go": `package main

import "github.com/regapi/regapi"

func main() {
	if _, ok := regapi.MatchPath("/v2/library/alpine/manifests/latest"); !ok {
		panic("no match")
	}
}
`,
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	files["go.sum"] = string(sum)
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bin := filepath.Join(dir, "initcost")
	build := exec.Command(goTool(t), "build", "-mod=mod", "-o", bin, ".")
	build.Dir = dir
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the program: %v\n%s", err, out)
	}
	run := exec.Command(bin)
	run.Env = append(os.Environ(), "GODEBUG=inittrace=1")
	var stderr bytes.Buffer
	run.Stderr = &stderr
	if err := run.Run(); err != nil {
		t.Fatalf("running the program: %v\n%s", err, stderr.Bytes())
	}
	m := regexp.MustCompile(`(?m)^init github\.com/regapi/regapi @.* ([0-9]+) bytes, ([0-9]+) allocs$`).FindSubmatch(stderr.Bytes())
	if m == nil {
		t.Fatalf("no init line of the package in:\n%s", stderr.Bytes())
	}
	allocated, _ := strconv.Atoi(string(m[1]))
	t.Logf("init allocates %d bytes in %s allocations", allocated, m[2])
	if allocated > initBudget {
		t.Errorf("init allocates %d bytes, over the budget of %d", allocated, initBudget)
	}
}

// goTool returns the go command of the toolchain running the test, or,
// where the test binary does not know its GOROOT (built with -trimpath),
// the one on PATH.
func goTool(t *testing.T) string {
	if root := runtime.GOROOT(); root != "" {
		tool := filepath.Join(root, "bin", "go")
		if _, err := os.Stat(tool); err == nil {
			return tool
		}
	}
	tool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("no go command to build the program with: %v", err)
	}
	return tool
}
