package conformance

import (
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/internal/grammar"
)

// maxWarningBytes is the most warning data the specification lets a
// response carry, over all its Warning headers.
const maxWarningBytes = 4096

// Patterns of header values the descriptors give only as a Format.
var (
	warningRegexp          = regexp.MustCompile(`^299 - "(?:[^"\\]|\\.)*"$`)
	partContentRangeRegexp = regexp.MustCompile(`^bytes ([0-9]+)-([0-9]+)/([0-9]+|\*)$`)
	unsatisfiedRangeRegexp = regexp.MustCompile(`^bytes \*/[0-9]+$`)
)

// headerValueProblem checks the values of one header the response's
// descriptor lists, and returns what is wrong, or "".
func headerValueProblem(name string, p regapi.ParameterDescriptor, values []string, o *observation) string {
	if len(values) > 1 && !p.Repeatable && name != "Link" {
		return fmt.Sprintf("%s is sent %d times; it is not repeatable", name, len(values))
	}
	for _, v := range values {
		if p.Regexp != nil && !p.Regexp.MatchString(v) {
			return fmt.Sprintf("%s %q does not have the form %s", name, truncate(v, 200), p.Format)
		}
		if msg := valueProblem(name, p, v, o); msg != "" {
			return msg
		}
	}
	if name == "Warning" {
		total := 0
		for _, v := range values {
			total += len(v)
		}
		if total > maxWarningBytes {
			return fmt.Sprintf("Warning headers hold %d bytes; at most %d are allowed", total, maxWarningBytes)
		}
	}
	return ""
}

// valueProblem checks one value of a header by what the header means.
func valueProblem(name string, p regapi.ParameterDescriptor, v string, o *observation) string {
	switch name {
	case "Location":
		if _, err := resolveLocation(o.url, v); err != nil {
			return fmt.Sprintf("Location %q does not resolve against the request: %v", truncate(v, 200), err)
		}
	case "Link":
		if err := checkLink(o.url, v); err != nil {
			return fmt.Sprintf("Link %q: %v", truncate(v, 200), err)
		}
	case "Content-Length":
		if !isDigits(v) {
			return fmt.Sprintf("Content-Length %q is not a number of bytes", truncate(v, 100))
		}
	case "Oci-Chunk-Min-Length":
		if n, err := strconv.ParseInt(v, 10, 64); !isDigits(v) || err != nil || n <= 0 {
			return fmt.Sprintf("OCI-Chunk-Min-Length %q is not a positive number of bytes", truncate(v, 100))
		}
	case "Content-Range":
		return contentRangeProblem(o.status, v)
	case "Oci-Tag":
		for _, t := range strings.Split(v, ",") {
			if !grammar.IsTag(strings.TrimSpace(t)) {
				return fmt.Sprintf("OCI-Tag %q holds %q, which is not a tag", truncate(v, 200), truncate(strings.TrimSpace(t), 140))
			}
		}
	case "Oci-Filters-Applied":
		for _, f := range strings.Split(v, ",") {
			if !grammar.IsToken(strings.TrimSpace(f)) {
				return fmt.Sprintf("OCI-Filters-Applied %q is not a comma-separated list of filter names", truncate(v, 200))
			}
		}
	case "Warning":
		if !warningRegexp.MatchString(v) {
			return fmt.Sprintf(`Warning %q does not have the form 299 - "<text>"`, truncate(v, 200))
		}
	case "Retry-After":
		if _, err := http.ParseTime(v); !isDigits(v) && err != nil {
			return fmt.Sprintf("Retry-After %q is neither seconds nor an HTTP date", truncate(v, 100))
		}
	case "Www-Authenticate":
		scheme, _, _ := strings.Cut(strings.TrimSpace(v), " ")
		if !grammar.IsToken(scheme) {
			return fmt.Sprintf("WWW-Authenticate %q does not start with an authentication scheme", truncate(v, 200))
		}
	case "Content-Type":
		mt, _, err := mime.ParseMediaType(v)
		if err != nil {
			return fmt.Sprintf("Content-Type %q is not a media type: %v", truncate(v, 200), err)
		}
		// A Format without a placeholder is the one value allowed.
		if !strings.Contains(p.Format, "<") && p.Format != "" && mt != p.Format {
			return fmt.Sprintf("Content-Type is %q, want %q", truncate(v, 200), p.Format)
		}
	case "Accept-Ranges":
		if !grammar.IsToken(v) {
			return fmt.Sprintf("Accept-Ranges %q is not a range unit", truncate(v, 100))
		}
	}
	return ""
}

// contentRangeProblem checks the Content-Range of a blob part (206) or of a
// refused range (416), as RFC 9110 writes them.
func contentRangeProblem(status int, v string) string {
	switch status {
	case http.StatusPartialContent:
		m := partContentRangeRegexp.FindStringSubmatch(v)
		if m == nil {
			return fmt.Sprintf("Content-Range %q does not have the form bytes <start>-<end>/<size>", truncate(v, 100))
		}
		start, err1 := strconv.ParseInt(m[1], 10, 64)
		end, err2 := strconv.ParseInt(m[2], 10, 64)
		if err1 != nil || err2 != nil || end < start {
			return fmt.Sprintf("Content-Range %q is not a range of bytes", truncate(v, 100))
		}
		if m[3] != "*" {
			if size, err := strconv.ParseInt(m[3], 10, 64); err != nil || end >= size {
				return fmt.Sprintf("Content-Range %q ends beyond the size", truncate(v, 100))
			}
		}
	case http.StatusRequestedRangeNotSatisfiable:
		if !unsatisfiedRangeRegexp.MatchString(v) {
			return fmt.Sprintf("Content-Range %q of a refused range does not have the form bytes */<size>", truncate(v, 100))
		}
	}
	return ""
}

// resolveLocation resolves a Location against the request URL, as a client
// does, and requires an absolute http or https URL as the result.
func resolveLocation(base *url.URL, loc string) (*url.URL, error) {
	if strings.TrimSpace(loc) == "" {
		return nil, fmt.Errorf("empty")
	}
	u, err := url.Parse(loc)
	if err != nil {
		return nil, err
	}
	r := base.ResolveReference(u)
	if r.Scheme != "http" && r.Scheme != "https" {
		return nil, fmt.Errorf("scheme %q is not http or https", r.Scheme)
	}
	if r.Host == "" {
		return nil, fmt.Errorf("no host")
	}
	return r, nil
}

// checkLink checks a Link header value as RFC 5988 writes it, and that one
// of its links is the next page: `<url>; rel="next"`.
func checkLink(base *url.URL, v string) error {
	_, err := nextLink(base, v)
	return err
}

// nextLink returns the resolved URL of the link with relation "next" in a
// Link header value.
func nextLink(base *url.URL, v string) (*url.URL, error) {
	rest := strings.TrimSpace(v)
	var next *url.URL
	for rest != "" {
		if rest[0] != '<' {
			return nil, fmt.Errorf("a link must start with <")
		}
		end := strings.IndexByte(rest, '>')
		if end < 0 {
			return nil, fmt.Errorf("no > closes the link's URL")
		}
		target, err := resolveLocation(base, rest[1:end])
		if err != nil {
			return nil, fmt.Errorf("the link's URL does not resolve: %v", err)
		}
		rest = strings.TrimSpace(rest[end+1:])
		rels := ""
		for strings.HasPrefix(rest, ";") {
			param := strings.TrimSpace(rest[1:])
			var name, value string
			name, value, rest = splitLinkParam(param)
			if !grammar.IsToken(name) {
				return nil, fmt.Errorf("malformed link parameter %q", truncate(param, 50))
			}
			if strings.EqualFold(name, "rel") {
				rels = value
			}
		}
		for _, rel := range strings.Fields(rels) {
			if strings.EqualFold(rel, "next") && next == nil {
				next = target
			}
		}
		switch {
		case rest == "":
		case rest[0] == ',':
			rest = strings.TrimSpace(rest[1:])
		default:
			return nil, fmt.Errorf("unexpected %q after a link", truncate(rest, 50))
		}
	}
	if next == nil {
		return nil, fmt.Errorf(`no link has rel="next"`)
	}
	return next, nil
}

// splitLinkParam splits `name=value` or `name="value"` off the front of s,
// returning the rest from the next ";" or ",".
func splitLinkParam(s string) (name, value, rest string) {
	i := strings.IndexAny(s, "=;,")
	if i < 0 {
		return strings.TrimSpace(s), "", ""
	}
	name = strings.TrimSpace(s[:i])
	if s[i] != '=' {
		return name, "", s[i:]
	}
	s = strings.TrimSpace(s[i+1:])
	if strings.HasPrefix(s, `"`) {
		for j := 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '"':
				return name, s[1:j], strings.TrimSpace(s[j+1:])
			}
		}
		return name, s[1:], ""
	}
	j := strings.IndexAny(s, ";,")
	if j < 0 {
		return name, strings.TrimSpace(s), ""
	}
	return name, strings.TrimSpace(s[:j]), s[j:]
}

// isDigits reports whether s is one or more ASCII digits.
func isDigits(s string) bool {
	return grammar.IsDigits(s)
}

// truncate shortens s to at most n bytes for a message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
