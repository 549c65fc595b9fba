// Command record-upstream writes the answers of distribution's registry API
// packages (routing, URL building, error bodies and the Forwarded header
// parser) to JSON files, so that the root module's tests can check this
// module's answers against them without depending on distribution.
//
// Run it from the benchmarks module:
//
//	go run ./cmd/record-upstream -out ../testdata/upstream -forwarded-out ../internal/forwarded/testdata/upstream
//
// The output is deterministic: the same distribution version gives the same
// bytes.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	_ "unsafe" // for go:linkname

	uperrcode "github.com/distribution/distribution/v3/registry/api/errcode"
	upstream "github.com/distribution/distribution/v3/registry/api/v2"
	"github.com/regapi/regapi/benchmarks/compat"
)

// upstreamParseForwarded is distribution's unexported Forwarded header
// parser, reached by its linker name because no exported function returns
// its result.
//
//go:linkname upstreamParseForwarded github.com/distribution/distribution/v3/registry/api/v2.parseForwardedHeader
func upstreamParseForwarded(string) (map[string]string, string, error)

// routingFiles names the routing file of each prefix.
var routingFiles = map[string]string{
	"":          "routing-noprefix.json",
	"/prefix/":  "routing-prefix-slash.json",
	"/registry": "routing-prefix-noslash.json",
}

func main() {
	out := flag.String("out", "../testdata/upstream", "directory to write the recorded files to")
	// The Forwarded parser lives in an internal package, whose tests read
	// the recording beside them.
	fwdOut := flag.String("forwarded-out", "../internal/forwarded/testdata/upstream", "directory to write the Forwarded parser's recording to")
	flag.Parse()
	for _, dir := range []string{*out, *fwdOut} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			log.Fatal(err)
		}
	}
	for _, prefix := range compat.RoutingPrefixes {
		rec, err := recordRouting(prefix)
		if err != nil {
			log.Fatal(err)
		}
		write(filepath.Join(*out, routingFiles[prefix]), struct {
			Source string             `json:"source"`
			Prefix string             `json:"prefix"`
			Routes []compat.RouteInfo `json:"routes"`
		}{rec.Source, rec.Prefix, rec.Routes}, "answers", rec.Answers)
	}
	roots, requests := recordURLs()
	write(filepath.Join(*out, "urls.json"), struct {
		Source string `json:"source"`
	}{compat.Source}, "roots", roots, "requests", requests)

	errRec := recordErrors()
	write(filepath.Join(*out, "errors.json"), struct {
		Source     string                               `json:"source"`
		Groups     map[string][]compat.DescriptorAnswer `json:"groups"`
		CodeErrors map[string]string                    `json:"code_errors"`
	}{errRec.Source, errRec.Groups, errRec.CodeErrors}, "serve", errRec.Serve, "decode", errRec.Decode)

	var fwd []compat.ForwardedAnswer
	for _, h := range compat.ForwardedHeaders() {
		params, rest, err := upstreamParseForwarded(h)
		fwd = append(fwd, compat.ForwardedAnswer{Header: h, Params: params, Rest: rest, Error: compat.ErrorText(err)})
	}
	write(filepath.Join(*fwdOut, "forwarded.json"), struct {
		Source string `json:"source"`
	}{compat.Source}, "answers", fwd)
}

func recordRouting(prefix string) (compat.RoutingRecord, error) {
	// A router of our own: distribution's Router() is shared.
	router := upstream.RouterWithPrefix(prefix)
	rec := compat.RoutingRecord{Source: compat.Source, Prefix: prefix, Routes: compat.WalkRoutes(router)}
	compat.InstallEcho(router)
	for i, p := range compat.RoutingPaths(prefix, compat.RecordedPathMutations) {
		ans, err := compat.Serve(router, compat.RoutingMethod(i), p)
		if err != nil {
			return rec, err
		}
		rec.Answers = append(rec.Answers, ans)
	}
	return rec, nil
}

func recordURLs() ([]compat.URLCase, []compat.RequestCase) {
	var roots []compat.URLCase
	for _, c := range compat.URLCases() {
		b, err := upstream.NewURLBuilderFromString(c.Root, c.Relative)
		if err != nil {
			c.RootError = err.Error()
			roots = append(roots, c)
			continue
		}
		u, err := compat.Call(b, c.Call)
		mustNotBeCaseError(err)
		c.URL, c.Error = u, compat.ErrorText(err)
		if slash, ok := compat.SlashRoot(c.Root); ok && !c.Relative {
			sb, err := upstream.NewURLBuilderFromString(slash, false)
			if err != nil {
				log.Fatalf("root %q: %v", slash, err)
			}
			u, err := compat.Call(sb, c.Call)
			c.SlashRoot, c.SlashRootURL, c.SlashRootError = slash, u, compat.ErrorText(err)
		}
		roots = append(roots, c)
	}
	var requests []compat.RequestCase
	for _, c := range compat.RequestCases() {
		r, err := c.Request.Request()
		if err != nil {
			log.Fatalf("%+v: %v", c.Request, err)
		}
		u, err := compat.Call(upstream.NewURLBuilderFromRequest(r, c.Relative), c.Call)
		mustNotBeCaseError(err)
		c.URL, c.Error = u, compat.ErrorText(err)
		requests = append(requests, c)
	}
	return roots, requests
}

func mustNotBeCaseError(err error) {
	if err != nil && strings.HasPrefix(err.Error(), "case error") {
		log.Fatal(err)
	}
}

func recordErrors() compat.ErrorRecord {
	rec := compat.ErrorRecord{
		Source:     compat.Source,
		Groups:     compat.UpstreamGroups(),
		CodeErrors: map[string]string{},
	}
	for _, v := range compat.RegisteredValues {
		rec.CodeErrors[v] = uperrcode.ParseErrorCode(v).Error()
	}
	for _, c := range compat.ErrorCases() {
		rec.Serve = append(rec.Serve, compat.ServeRecord{Case: c, Answer: compat.ServeUpstream(c)})
	}
	for _, body := range compat.DecodeBodies() {
		rec.Decode = append(rec.Decode, compat.DecodeUpstream(body))
	}
	return rec
}

// write stores header's fields followed by the named lists, one list entry
// per line, so that a change in one answer is a one-line change.
func write(path string, header any, lists ...any) {
	var buf bytes.Buffer
	head, err := json.Marshal(header)
	if err != nil {
		log.Fatal(err)
	}
	buf.Write(head[:len(head)-1])
	for i := 0; i+1 < len(lists); i += 2 {
		name := lists[i].(string)
		raw, err := json.Marshal(lists[i+1])
		if err != nil {
			log.Fatal(err)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			log.Fatal(err)
		}
		fmt.Fprintf(&buf, ",\n%q: [", name)
		for j, item := range items {
			if j > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString("\n")
			buf.Write(item)
		}
		buf.WriteString("\n]")
	}
	buf.WriteString("}\n")
	if !json.Valid(buf.Bytes()) {
		log.Fatalf("%s: invalid JSON written", path)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d bytes\n", path, buf.Len())
}
