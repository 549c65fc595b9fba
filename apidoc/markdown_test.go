package apidoc

import (
	"bytes"
	"github.com/regapi/regapi"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/regapi/regapi/errcode"
)

func docMarkdown(t *testing.T) string {
	t.Helper()
	b, err := Markdown()
	if err != nil {
		t.Fatalf("Markdown: %v", err)
	}
	return string(b)
}

// docMarkdownRow is one row of the OCI endpoint table of the reference.
type docMarkdownRow struct {
	method, path string
	success      []int
	failure      []int
	anchor       string
}

var docLinkRE = regexp.MustCompile(`\]\(#([^)]+)\)`)

func docParseStatuses(t *testing.T, cell string) []int {
	t.Helper()
	var out []int
	for _, f := range strings.Split(cell, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Errorf("status %q is not a number", f)
		}
		out = append(out, n)
	}
	return out
}

// docEndpointRows reads the OCI endpoint table: ID, method, path, success,
// failure, link.
func docEndpointRows(t *testing.T, md string) map[string][]docMarkdownRow {
	t.Helper()
	rows := make(map[string][]docMarkdownRow)
	for _, line := range strings.Split(md, "\n") {
		if !strings.HasPrefix(line, "| end-") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), " | ")
		if len(cells) != 6 {
			t.Errorf("endpoint row has %d cells: %s", len(cells), line)
			continue
		}
		link := docLinkRE.FindStringSubmatch(cells[5])
		row := docMarkdownRow{
			method:  strings.TrimSpace(cells[1]),
			path:    strings.Trim(strings.TrimSpace(cells[2]), "`"),
			success: docParseStatuses(t, cells[3]),
			failure: docParseStatuses(t, cells[4]),
		}
		if link != nil {
			row.anchor = link[1]
		}
		id := strings.TrimSpace(cells[0])
		rows[id] = append(rows[id], row)
	}
	return rows
}

func docHasAnchor(md, id string) bool {
	return strings.Contains(md, `<a id="`+id+`"></a>`)
}

func TestMarkdownOCIEndpoints(t *testing.T) {
	md := docMarkdown(t)
	rows := docEndpointRows(t, md)
	for _, e := range docOCIEndpoints {
		got := rows[e.id]
		if len(got) == 0 {
			t.Errorf("%s: not in the endpoint table", e.id)
			continue
		}
		// The spec's path with <name>-style placeholders; <blob-push-location>
		// is the upload route.
		wantPath := strings.NewReplacer("{", "<", "}", ">").Replace(e.path)
		success := make(map[int]bool)
		failure := make(map[int]bool)
		for _, m := range e.methods {
			found := false
			for _, r := range got {
				if r.method != m {
					continue
				}
				found = true
				if !strings.HasPrefix(r.path, wantPath) {
					t.Errorf("%s %s: path %s, want %s", e.id, m, r.path, wantPath)
				}
				if r.anchor == "" || !docHasAnchor(md, r.anchor) {
					t.Errorf("%s %s: link #%s leads nowhere", e.id, m, r.anchor)
				}
				for _, s := range r.success {
					success[s] = true
				}
				for _, s := range r.failure {
					failure[s] = true
				}
			}
			if !found {
				t.Errorf("%s: no row for %s", e.id, m)
			}
		}
		for _, s := range e.success {
			if !success[s] {
				t.Errorf("%s: success status %d is not documented", e.id, s)
			}
		}
		for _, s := range e.failures {
			if !failure[s] {
				t.Errorf("%s: failure status %d is not documented", e.id, s)
			}
		}
	}
}

func TestMarkdownRoutesAndMethods(t *testing.T) {
	md := docMarkdown(t)
	for _, r := range docRoutes {
		if !docHasAnchor(md, "route-"+r.name) {
			t.Errorf("route %s has no section", r.name)
		}
		if !strings.Contains(md, "Route `"+r.name+"`, path `"+r.path+"`.") {
			t.Errorf("route %s: path %s is not stated", r.name, r.path)
		}
		for _, m := range r.methods {
			anchor := r.name + "-" + strings.ToLower(m)
			if !docHasAnchor(md, anchor) || !docHasAnchor(md, anchor+"-1") {
				t.Errorf("%s %s: no method or variant section", m, r.name)
			}
			if !strings.Contains(md, "\n#### "+m+" ") {
				t.Errorf("%s %s: no method heading", m, r.name)
			}
		}
	}
	// One example request per request variant, starting with its method,
	// the token endpoint's included.
	variants := 0
	for _, rd := range append(regapi.Descriptors(), regapi.TokenEndpoint()) {
		prefix := " /v2/"
		if rd.Name == regapi.TokenEndpointName {
			prefix = " /token"
		}
		for _, m := range rd.Methods {
			variants += len(m.Requests)
			for i := range m.Requests {
				section := md[strings.Index(md, `<a id="`+rd.Name+"-"+strings.ToLower(m.Method)+"-"+strconv.Itoa(i+1)+`"></a>`):]
				if !strings.Contains(section, "Example request:\n\n```http\n"+m.Method+prefix) {
					t.Errorf("%s %s variant %d: no example request", m.Method, rd.Name, i+1)
				}
			}
		}
	}
	if n := strings.Count(md, "Example request:"); n != variants {
		t.Errorf("%d example requests, want one per variant (%d)", n, variants)
	}
}

func TestMarkdownErrorCodes(t *testing.T) {
	md := docMarkdown(t)
	table := md[strings.Index(md, "## Error codes"):]
	for _, d := range errcode.GetErrorAllDescriptors() {
		want := "`" + d.Value + "` | " + strconv.Itoa(d.HTTPStatusCode) + " "
		if !strings.Contains(table, want) {
			t.Errorf("error table lacks %s with status %d", d.Value, d.HTTPStatusCode)
		}
	}
	for _, c := range docErrorCodes {
		if !strings.Contains(table, "`"+c+"`") {
			t.Errorf("error table lacks %s", c)
		}
	}
	statuses := map[string]int{"BLOB_UNKNOWN": 404, "NAME_INVALID": 400, "UNAUTHORIZED": 401, "DENIED": 403,
		"UNSUPPORTED": 405, "TOOMANYREQUESTS": 429, "RANGE_INVALID": 416, "UNKNOWN": 500, "UNAVAILABLE": 503}
	for c, s := range statuses {
		if !strings.Contains(table, "`"+c+"` | "+strconv.Itoa(s)+" ") {
			t.Errorf("error table: %s is not listed with %d", c, s)
		}
	}
}

func TestMarkdownHeaders(t *testing.T) {
	md := docMarkdown(t)
	for _, h := range []string{
		"OCI-Subject", "OCI-Filters-Applied", "OCI-Chunk-Min-Length", "OCI-Tag", "Docker-Content-Digest",
		"Range", "Content-Range", "Link", "Location", "Retry-After", "WWW-Authenticate",
	} {
		if !strings.Contains(md, "| `"+h+"` |") {
			t.Errorf("no table row documents the %s header", h)
		}
		if !strings.Contains(md, "\n"+h+": ") {
			t.Errorf("no example shows the %s header", h)
		}
	}
}

// TestMarkdownLinks checks that every in-page link has a target: an
// explicit anchor or a second-level heading.
func TestMarkdownLinks(t *testing.T) {
	for name, md := range map[string]string{"reference": docMarkdown(t), "test table": docTestMarkdown(t)} {
		targets := make(map[string]bool)
		for _, line := range strings.Split(md, "\n") {
			if strings.HasPrefix(line, "## ") {
				targets[strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(line, "## ")), " ", "-")] = true
			}
		}
		for _, m := range regexp.MustCompile(`<a id="([^"]+)"></a>`).FindAllStringSubmatch(md, -1) {
			if targets[m[1]] {
				t.Errorf("%s: anchor %s is defined twice", name, m[1])
			}
			targets[m[1]] = true
		}
		for _, m := range docLinkRE.FindAllStringSubmatch(md, -1) {
			if !targets[m[1]] {
				t.Errorf("%s: link #%s has no target", name, m[1])
			}
		}
	}
}

func docTestMarkdown(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	if err := writeMarkdown(&buf, docTestRoutes(), nil, errcode.GetErrorAllDescriptors()); err != nil {
		t.Fatalf("writeMarkdown: %v", err)
	}
	return buf.String()
}

func TestMarkdownTestTable(t *testing.T) {
	md := docTestMarkdown(t)
	wants := []string{
		// The endpoint table, with placeholders and optional parameters in brackets.
		"| end-90a | POST | `/v2/<name>/things/<id>?all=<all>&mixed=<mixed>` | 201 | 400 | [POST Thing: Plain](#thing-post-1) |",
		"| end-90b | POST | `/v2/<name>/things/<id>?all=<all>&[mixed=<mixed>]&[tag=<tag>]&[tag=<tag>]` | 201 | 400 |",
		// Patterns keep their pipes and braces, escaped for the table.
		"| `id` | `[0-9]{1,4}` |",
		// Example request with the examples of the first variant.
		"POST /v2/<name>/things/<id>?all=3&mixed=<mixed> HTTP/1.1\nAuthorization: <authorization>\nX-Both: <x-both>\n\n<bytes>\n",
		"| `tag` | query | string | no, repeatable |  |",
		"Error codes: [`NAME_INVALID`](#error-name-invalid).",
		"Variants the OCI specification does not define: [HEAD Thing: variant 1](#thing-head-1).",
	}
	for _, w := range wants {
		if !strings.Contains(md, w) {
			t.Errorf("the reference lacks %q", w)
		}
	}
	if strings.Contains(md, "HEAD /v2/<name>/things/<id> HTTP/1.1\n\n") || strings.Contains(md, "HTTP/1.1 200 OK\nContent-Type: application/json\n\n{}") {
		t.Error("a HEAD response shows a body")
	}
}

func TestMarkdownCell(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a|b", `a\|b`},
		{"one\ntwo  three", "one two three"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := mdCell(tt.in); got != tt.want {
			t.Errorf("mdCell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	if got := mdCode("a`b"); got != "`` a`b ``" {
		t.Errorf("mdCode(a`b) = %q", got)
	}
}

func TestMarkdownDeterministic(t *testing.T) {
	a := docMarkdown(t)
	for i := 0; i < 5; i++ {
		if b := docMarkdown(t); a != b {
			t.Fatal("two runs of Markdown gave different documents")
		}
	}
}

func TestMarkdownDocumentIsCurrent(t *testing.T) {
	want := docMarkdown(t)
	got, err := os.ReadFile("../docs/api.md")
	if err != nil {
		t.Fatalf("%v; run `go generate ./...`", err)
	}
	if string(got) != want {
		t.Error("docs/api.md differs from what Markdown generates; run `go generate ./...` and commit the result")
	}
}

// docVariantSection returns the Markdown of one request variant, from its
// anchor to the next variant's, method's or route's.
func docVariantSection(t *testing.T, md, anchor string) string {
	t.Helper()
	start := strings.Index(md, `<a id="`+anchor+`"></a>`)
	if start < 0 {
		t.Fatalf("no anchor %s", anchor)
	}
	rest := md[start+1:]
	if end := strings.Index(rest, `<a id="`); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

func TestMarkdownScopes(t *testing.T) {
	md := docMarkdown(t)
	tests := []struct {
		anchor, want string
	}{
		{"base-get-1", "Access: any authenticated client; a token needs no scope."},
		{"catalog-get-1", "Token scope: `registry:catalog:*`."},
		{"tags-get-2", "Token scope: `repository:<name>:pull`."},
		{"manifest-head-1", "Token scope: `repository:<name>:pull`."},
		{"manifest-put-1", "Token scope: `repository:<name>:pull,push`."},
		{"manifest-delete-2", "Token scope: `repository:<name>:delete`."},
		{"blob-upload-post-4", "Token scopes: `repository:<name>:pull,push`, `repository:<from>:pull`."},
		{"blob-upload-post-5", "Token scope: `repository:<name>:pull,push`."},
		{"blob-upload-chunk-delete-1", "Token scope: `repository:<name>:delete`."},
	}
	for _, tt := range tests {
		if section := docVariantSection(t, md, tt.anchor); !strings.Contains(section, tt.want) {
			t.Errorf("%s does not say %q", tt.anchor, tt.want)
		}
	}
	// The token endpoint needs no scope and says none.
	for _, anchor := range []string{"token-get-1", "token-post-1"} {
		section := docVariantSection(t, md, anchor)
		if strings.Contains(section, "Token scope") || strings.Contains(section, "Access:") {
			t.Errorf("%s states a scope", anchor)
		}
	}
}

func TestMarkdownTokenEndpoint(t *testing.T) {
	md := docMarkdown(t)
	start := strings.Index(md, "\n## Token endpoint\n")
	end := strings.Index(md, "\n## Error codes\n")
	if start < 0 || end < start || !strings.Contains(md, "- [Token endpoint](#token-endpoint)") {
		t.Fatal("no token endpoint section between the routes and the error codes, or no link to it")
	}
	section := md[start:end]
	if strings.Contains(section, "Route `token`") || !strings.Contains(section, "no router serves it") {
		t.Error("the token endpoint is presented as a route")
	}
	for _, want := range []string{
		"GET /token?service=",
		"POST /token HTTP/1.1",
		"grant_type=password&",
		"grant_type=refresh_token&",
		"| Body field | Type | Required | Description |",
		"| `grant_type` | string | yes |",
		"| `username` | string | yes |",
		"| `refresh_token` | string | yes |",
		"**404 Not Found**, POST Not Supported.",
		"| `expires_in` | integer |",
	} {
		if !strings.Contains(section, want) {
			t.Errorf("the token endpoint section lacks %q", want)
		}
	}
}
