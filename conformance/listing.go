package conformance

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Listings are the one place where a registry chooses how much the suite
// keeps: a page of tags, referrers or repositories may hold millions of
// small entries in a few megabytes, each of which costs far more decoded
// than on the wire. They are therefore decoded entry by entry, counted as
// they are decoded, and given up at Options.MaxPageEntries entries on a
// page or Options.MaxListEntries in a whole listing.

// Defaults of Options.MaxPageEntries and Options.MaxListEntries.
const (
	DefaultMaxPageEntries = 10_000
	DefaultMaxListEntries = 100_000
)

// errTooManyEntries is returned by decodeListing when the array holds more
// entries than allowed; what was decoded before is discarded.
var errTooManyEntries = errors.New("too many entries")

// decodeListing decodes the JSON object in body, whose member field is an
// array of T, holding at most max entries, and returns the entries. Each
// other member is handed to other with the decoder before its value, or
// skipped when other is nil or returns false for it. Members match their
// names regardless of case, as encoding/json matches struct fields; a
// member given twice counts once, the later one kept. Decoding stops at
// the entry past max, with errTooManyEntries.
func decodeListing[T any](body []byte, field string, max int, other func(name string, dec *json.Decoder) (bool, error)) ([]T, error) {
	return decodeListingFrom[T](bytes.NewReader(body), field, max, other)
}

// decodeListingFrom is decodeListing reading from r: it reads r no further
// than the decoder needs to reach the entry past max.
func decodeListingFrom[T any](r io.Reader, field string, max int, other func(name string, dec *json.Decoder) (bool, error)) ([]T, error) {
	dec := json.NewDecoder(r)
	if err := expectDelim(dec, '{'); err != nil {
		return nil, err
	}
	var out []T
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		if strings.EqualFold(name, field) {
			if out, err = decodeArray[T](dec, max); err != nil {
				return nil, err
			}
			continue
		}
		if other != nil {
			handled, err := other(name, dec)
			if err != nil {
				return nil, err
			}
			if handled {
				continue
			}
		}
		if err := skipValue(dec); err != nil {
			return nil, err
		}
	}
	if err := expectDelim(dec, '}'); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("data after the top-level object")
	}
	return out, nil
}

// decodeArray decodes an array of T, or null, of at most max entries.
func decodeArray[T any](dec *json.Decoder, max int) ([]T, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if tok == nil {
		return nil, nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '[' {
		return nil, fmt.Errorf("want an array, found %v", tok)
	}
	out := []T{}
	for dec.More() {
		if len(out) == max {
			return nil, errTooManyEntries
		}
		var v T
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	_, err = dec.Token() // the closing bracket
	return out, err
}

// expectDelim reads the next token, which must be want.
func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, found %v", want, tok)
	}
	return nil
}

// skipValue reads past the next value without keeping it: scalars are
// read as tokens, and arrays and objects token by token to their end.
func skipValue(dec *json.Decoder) error {
	depth := 0
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('['), json.Delim('{'):
			depth++
		case json.Delim(']'), json.Delim('}'):
			depth--
		}
		if depth == 0 {
			return nil
		}
	}
}

// listingLimits are the bounds of Options.MaxPageEntries and
// Options.MaxListEntries, resolved, and what the listings read so far came
// to, which the check listings/entry-limits reports.
type listingLimits struct {
	page, list int

	read     int   // listings read to their end
	largest  int   // entries on the largest page
	longest  int   // entries in the longest listing
	exceeded error // the failure of the first listing past a bound
}

// readPage decodes the page in resp of a listing, the what of the
// failures, that holds sofar entries before it: the array member field of
// a JSON object, of at most as many entries as the bounds leave. other is
// as for decodeListing.
func readPage[T any](l *listingLimits, resp *response, what, field string, sofar int, other func(string, *json.Decoder) (bool, error)) ([]T, error) {
	room, bound := l.page, fmt.Sprintf("a page of the %s holds more than %d entries, the bound on a page (Options.MaxPageEntries, -max-page-entries)", what, l.page)
	if left := l.list - sofar; left < room {
		room, bound = left, fmt.Sprintf("the %s goes on past %d entries, the bound on a whole listing (Options.MaxListEntries, -max-list-entries)", what, l.list)
	}
	entries, err := decodeListing[T](resp.body, field, room, other)
	if errors.Is(err, errTooManyEntries) {
		err := failf(resp, "%s %s: %s; decoding stopped there", resp.method, resp.url.Redacted(), bound)
		if l.exceeded == nil {
			l.exceeded = err
		}
		return nil, err
	}
	if err != nil {
		return nil, failf(resp, "the %s does not decode: %v", what, err)
	}
	l.largest = max(l.largest, len(entries))
	l.longest = max(l.longest, sofar+len(entries))
	return entries, nil
}

// result is the outcome of the check listings/entry-limits.
func (l *listingLimits) result() Result {
	r := Result{Endpoint: limitsCheck.Endpoint, Check: limitsCheck.Check}
	var se *stepError
	switch {
	case l.exceeded != nil:
		r.Status, r.Reason = Fail, l.exceeded.Error()
		if errors.As(l.exceeded, &se) && se.resp != nil {
			r.Exchange = se.resp.exchange()
		}
	case l.read == 0 && l.largest == 0:
		r.Status, r.Reason = Skip, "no listing was read"
	default:
		r.Status = Pass
		r.Reason = fmt.Sprintf("%d listings read, within %d entries a page and %d a listing; the largest page held %d, the longest listing %d",
			l.read, l.page, l.list, l.largest, l.longest)
	}
	return r
}

// maxAnnotations bounds the annotations of a descriptor the suite
// decodes, so that one entry of a listing cannot hold millions of them.
const maxAnnotations = 1000

// annotations are the annotations of a descriptor, decoded one at a time
// and refused past maxAnnotations; they encode as a plain map.
type annotations map[string]string

// UnmarshalJSON decodes an object of strings, or null, of at most
// maxAnnotations members.
func (a *annotations) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if tok == nil {
		*a = nil
		return nil
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return fmt.Errorf("annotations: want an object, found %v", tok)
	}
	out := annotations{}
	for dec.More() {
		if len(out) == maxAnnotations {
			return fmt.Errorf("more than %d annotations", maxAnnotations)
		}
		key, err := dec.Token()
		if err != nil {
			return err
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			return err
		}
		out[key.(string)] = v
	}
	*a = out
	return nil
}
