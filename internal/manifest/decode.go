package manifest

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// decodeManifest reads what the registry needs of a manifest body: the
// fields of manifestJSON, as json.Unmarshal fills them, and the first name
// an object of the document holds twice, with twice true, if any.
//
// Most manifests are plain: names and strings without escapes, every field
// the registry reads of the type it expects, no field twice. fastDecode
// reads those in one pass without reflection, about four times faster than
// encoding/json and the scan (BenchmarkDecodeManifest); whatever it is not
// sure of (an escape, a null, a name in another case, a repeated name, a
// malformed document) it leaves to encoding/json and repeatedName, whose
// answer is then the registry's. A fuzz test holds fastDecode to giving,
// for every document it takes, what the slow path gives.
func decodeManifest(body []byte) (mj manifestJSON, repeated string, twice bool, err error) {
	if mj, ok := fastDecode(body); ok {
		return mj, "", false, nil
	}
	if err := json.Unmarshal(body, &mj); err != nil {
		return mj, "", false, err
	}
	// The document is valid JSON now: the scan for repeated names can
	// take it on trust.
	repeated, twice = repeatedName(body)
	return mj, repeated, twice, nil
}

// maxFastDepth bounds the nesting fastDecode follows; deeper documents go
// the slow way, which has its own bound.
const maxFastDepth = 64

// scanner reads a JSON document for fastDecode. Its methods report false
// for anything the fast path leaves to encoding/json.
type scanner struct {
	b     []byte
	i     int
	depth int
}

func (s *scanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips space and then c, reporting whether c was there.
func (s *scanner) consume(c byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// peek skips space and returns the next byte, or 0 at the end.
func (s *scanner) peek() byte {
	s.space()
	if s.i < len(s.b) {
		return s.b[s.i]
	}
	return 0
}

// str reads a string without escapes, of valid UTF-8 and no control
// characters, and returns its bytes.
func (s *scanner) str() ([]byte, bool) {
	if !s.consume('"') {
		return nil, false
	}
	start := s.i
	ascii := true
	for ; s.i < len(s.b); s.i++ {
		c := s.b[s.i]
		switch {
		case c == '"':
			v := s.b[start:s.i]
			s.i++
			return v, ascii || utf8.Valid(v)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// integer reads a number without fraction or exponent that fits an
// int64.
func (s *scanner) integer() (int64, bool) {
	s.space()
	start := s.i
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	if s.i == digits || (s.b[digits] == '0' && s.i-digits > 1) {
		return 0, false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] {
		case '.', 'e', 'E':
			return 0, false
		}
	}
	n, err := strconv.ParseInt(string(s.b[start:s.i]), 10, 64)
	return n, err == nil
}

// number skips a number of the JSON grammar.
func (s *scanner) number() bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	digits := func() int {
		start := s.i
		for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
			s.i++
		}
		return s.i - start
	}
	start := s.i
	n := digits()
	if n == 0 || (n > 1 && s.b[start] == '0') {
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if digits() == 0 {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if digits() == 0 {
			return false
		}
	}
	return true
}

// literal skips the word w.
func (s *scanner) literal(w string) bool {
	if !bytes.HasPrefix(s.b[s.i:], []byte(w)) {
		return false
	}
	s.i += len(w)
	return true
}

// skip skips any value.
func (s *scanner) skip() bool {
	switch s.peek() {
	case '{':
		return s.object(func([]byte) bool { return s.skip() })
	case '[':
		return s.array(func() bool { return s.skip() })
	case '"':
		_, ok := s.str()
		return ok
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		return s.number()
	}
}

// object reads an object, calling member for each name with the scanner
// at its value, which member must read. A name seen twice in the object
// sends the document the slow way, which reports it.
func (s *scanner) object(member func(name []byte) bool) bool {
	// The names so far: objects of manifests are small, and a list
	// compared in full is cheaper than a set until they are not.
	var names [32][]byte
	n := 0
	return s.seq('{', '}', func() bool {
		name, ok := s.str()
		if !ok || !s.consume(':') || n == len(names) {
			return false
		}
		for _, seen := range names[:n] {
			if bytes.Equal(seen, name) {
				return false
			}
		}
		names[n] = name
		n++
		return member(name)
	})
}

// array reads an array, calling elem with the scanner at each element,
// which elem must read.
func (s *scanner) array(elem func() bool) bool {
	return s.seq('[', ']', elem)
}

// seq reads what object and array share: open, items separated by commas,
// close, one level deeper for its items.
func (s *scanner) seq(open, close byte, item func() bool) bool {
	if !s.consume(open) {
		return false
	}
	if s.depth++; s.depth > maxFastDepth {
		return false
	}
	if !s.consume(close) {
		for {
			if !item() {
				return false
			}
			if !s.consume(',') {
				break
			}
		}
		if !s.consume(close) {
			return false
		}
	}
	s.depth--
	return true
}

// field reports whether name is the field f. A name that differs from f
// only in case goes the slow way, since encoding/json matches it to f, and
// so does any name outside ASCII, since encoding/json's folding of those
// (through unicode.ToLower and ToUpper) is not bytes.EqualFold's.
func field(name []byte, f string, ok *bool) bool {
	if string(name) == f {
		return true
	}
	for _, c := range name {
		if c >= utf8.RuneSelf {
			*ok = false
			return false
		}
	}
	if bytes.EqualFold(name, []byte(f)) {
		*ok = false
	}
	return false
}

// text reads a string value into *v.
func (s *scanner) text(v *string) bool {
	b, ok := s.str()
	*v = string(b)
	return ok
}

// strings reads an array of strings.
func (s *scanner) strings() ([]string, bool) {
	out := []string{}
	ok := s.array(func() bool {
		var v string
		if !s.text(&v) {
			return false
		}
		out = append(out, v)
		return true
	})
	return out, ok
}

// stringMap reads an object of string values.
func (s *scanner) stringMap() (map[string]string, bool) {
	out := map[string]string{}
	ok := s.object(func(name []byte) bool {
		var v string
		if !s.text(&v) {
			return false
		}
		out[string(name)] = v
		return true
	})
	return out, ok
}

// descriptor reads a descriptor object.
func (s *scanner) descriptor(d *Descriptor) bool {
	return s.object(func(name []byte) bool {
		ok := true
		switch {
		case field(name, "mediaType", &ok):
			return s.text(&d.MediaType)
		case field(name, "digest", &ok):
			return s.text(&d.Digest)
		case field(name, "size", &ok):
			n, good := s.integer()
			d.Size = n
			return good
		case field(name, "urls", &ok):
			v, good := s.strings()
			d.URLs = v
			return good
		case field(name, "artifactType", &ok):
			return s.text(&d.ArtifactType)
		case field(name, "annotations", &ok):
			v, good := s.stringMap()
			d.Annotations = v
			return good
		}
		return ok && s.skip()
	})
}

// descriptors reads an array of descriptor objects.
func (s *scanner) descriptors() (*[]Descriptor, bool) {
	out := []Descriptor{}
	ok := s.array(func() bool {
		out = append(out, Descriptor{})
		return s.peek() == '{' && s.descriptor(&out[len(out)-1])
	})
	return &out, ok
}

// fastDecode reads a plain manifest, as decodeManifest says, reporting
// false for anything else.
func fastDecode(body []byte) (manifestJSON, bool) {
	var mj manifestJSON
	s := &scanner{b: body}
	ok := s.peek() == '{' && s.object(func(name []byte) bool {
		ok := true
		switch {
		case field(name, "schemaVersion", &ok):
			n, good := s.integer()
			if !good || int64(int(n)) != n {
				return false
			}
			v := int(n)
			mj.SchemaVersion = &v
			return true
		case field(name, "mediaType", &ok):
			return s.text(&mj.MediaType)
		case field(name, "artifactType", &ok):
			return s.text(&mj.ArtifactType)
		case field(name, "config", &ok):
			mj.Config = &Descriptor{}
			return s.peek() == '{' && s.descriptor(mj.Config)
		case field(name, "subject", &ok):
			mj.Subject = &Descriptor{}
			return s.peek() == '{' && s.descriptor(mj.Subject)
		case field(name, "layers", &ok):
			v, good := s.descriptors()
			mj.Layers = v
			return good
		case field(name, "manifests", &ok):
			v, good := s.descriptors()
			mj.Manifests = v
			return good
		case field(name, "annotations", &ok):
			v, good := s.stringMap()
			mj.Annotations = v
			return good
		}
		return ok && s.skip()
	})
	if !ok {
		return manifestJSON{}, false
	}
	s.space()
	return mj, s.i == len(body)
}
