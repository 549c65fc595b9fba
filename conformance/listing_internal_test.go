package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
)

// countingReader counts the bytes read from it.
type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// hugeListing returns a JSON object whose member field is an array of n
// copies of entry, after head.
func hugeListing(head, field, entry string, n int) []byte {
	var b bytes.Buffer
	b.WriteString("{" + head + `"` + field + `":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(entry)
	}
	b.WriteString("]}")
	return b.Bytes()
}

// TestDecodeListingStopsAtTheBound decodes 4 MiB pages of a million
// entries or more, each of the listings the suite reads, with a bound of
// ten: decoding fails at the eleventh entry, having read no more than a
// few kilobytes of the page.
func TestDecodeListingStopsAtTheBound(t *testing.T) {
	const n = 4 << 20 / 3
	tests := []struct {
		name   string
		body   func(n int) []byte
		decode func(io.Reader, int) (int, error)
	}{
		{"referrers", func(n int) []byte {
			return hugeListing(`"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",`, "manifests", "{}", n)
		},
			func(r io.Reader, max int) (int, error) {
				d, err := decodeListingFrom[descriptor](r, "manifests", max, nil)
				return len(d), err
			}},
		{"tags", func(n int) []byte { return hugeListing(`"name":"a",`, "tags", `""`, n) },
			func(r io.Reader, max int) (int, error) {
				d, err := decodeListingFrom[string](r, "tags", max, nil)
				return len(d), err
			}},
		{"catalog", func(n int) []byte { return hugeListing("", "repositories", `""`, n) },
			func(r io.Reader, max int) (int, error) {
				d, err := decodeListingFrom[string](r, "repositories", max, nil)
				return len(d), err
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body(n)
			r := &countingReader{r: bytes.NewReader(body)}
			got, err := tt.decode(r, 10)
			if !errors.Is(err, errTooManyEntries) || got != 0 {
				t.Fatalf("decoded %d entries, error %v; want errTooManyEntries", got, err)
			}
			if r.n > 16<<10 {
				t.Errorf("read %d bytes of a %d-byte page to find its eleventh entry", r.n, len(body))
			}
			// A page decodes whole within a bound it fits in.
			if got, err := tt.decode(bytes.NewReader(tt.body(1000)), 1000); err != nil || got != 1000 {
				t.Errorf("1000 entries within a bound of 1000: %d entries, %v", got, err)
			}
		})
	}
}

// TestDecodeListing decodes listings as encoding/json would, within the
// bound and at it.
func TestDecodeListing(t *testing.T) {
	tests := []struct {
		body    string
		max     int
		want    []string
		wantErr string
	}{
		{body: `{"tags":["a","b"]}`, max: 2, want: []string{"a", "b"}},
		{body: `{"tags":["a","b","c"]}`, max: 2, wantErr: "too many entries"},
		{body: `{"tags":[]}`, max: 0, want: []string{}},
		{body: `{"tags":["a"]}`, max: 0, wantErr: "too many entries"},
		{body: `{"tags":null}`, max: 2},
		{body: `{"name":"x"}`, max: 2},
		{body: ` {"Tags":["a"], "other":{"x":[1,[2],{"y":null}]}, "n":3} `, max: 1, want: []string{"a"}},
		{body: `{"tags":["a","b"],"tags":["c"]}`, max: 2, want: []string{"c"}},
		{body: `{"tags":["a"]} {}`, max: 2, wantErr: "data after"},
		{body: `{"tags":"a"}`, max: 2, wantErr: "want an array"},
		{body: `{"tags":[1]}`, max: 2, wantErr: "cannot unmarshal"},
		{body: `["a"]`, max: 2, wantErr: "want"},
		{body: `{"tags":["a"`, max: 2, wantErr: "EOF"},
		{body: ``, max: 2, wantErr: "EOF"},
	}
	for _, tt := range tests {
		got, err := decodeListing[string]([]byte(tt.body), "tags", tt.max, nil)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: %q, %v; want an error with %q", tt.body, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("%s: %q, %v; want %q", tt.body, got, err, tt.want)
		}
	}
}

// TestAnnotationsBound decodes a descriptor's annotations as a map, and
// refuses more than maxAnnotations of them.
func TestAnnotationsBound(t *testing.T) {
	many := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"digest":"d","annotations":{`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"k%d":"v"`, i)
		}
		b.WriteString(`}}`)
		return b.String()
	}
	tests := []struct {
		body    string
		want    int
		wantErr string
	}{
		{`{"digest":"d"}`, 0, ""},
		{`{"digest":"d","annotations":null}`, 0, ""},
		{`{"digest":"d","annotations":{"a":"b","c":"d"}}`, 2, ""},
		{many(maxAnnotations), maxAnnotations, ""},
		{many(maxAnnotations + 1), 0, "more than 1000 annotations"},
		{many(1 << 20), 0, "more than 1000 annotations"},
		{`{"annotations":{"a":1}}`, 0, "cannot unmarshal"},
		{`{"annotations":["a"]}`, 0, "want an object"},
	}
	for _, tt := range tests {
		var d descriptor
		err := json.Unmarshal([]byte(tt.body), &d)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%.60s: %v; want an error with %q", tt.body, err, tt.wantErr)
			}
			continue
		}
		if err != nil || len(d.Annotations) != tt.want || d.Digest != "d" {
			t.Errorf("%.60s: %d annotations, digest %q, %v; want %d", tt.body, len(d.Annotations), d.Digest, err, tt.want)
		}
	}
	// They encode as a map.
	b, _ := json.Marshal(descriptor{Annotations: annotations{"a": "b"}})
	if !strings.Contains(string(b), `"annotations":{"a":"b"}`) {
		t.Errorf("encoded as %s", b)
	}
}
