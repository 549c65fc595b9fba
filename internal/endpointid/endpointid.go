// Package endpointid orders the endpoint IDs of the OCI distribution
// specification ("end-1" to "end-14", with a letter for each variant, such
// as "end-4b"). The API documentation lists endpoints in this order and the
// conformance suite reports them in it, so the order is written once.
package endpointid

import "strconv"

// Compare orders endpoint IDs by number, then by letter: end-2 before
// end-10, end-4a before end-4b. It returns -1, 0 or +1, as cmp.Compare
// does. IDs without the "end-<number>" form sort after every ID with it,
// among themselves by their text.
func Compare(a, b string) int {
	na, la := split(a)
	nb, lb := split(b)
	switch {
	case na < nb:
		return -1
	case na > nb:
		return 1
	case la < lb:
		return -1
	case la > lb:
		return 1
	}
	return 0
}

// unnumbered is the number split gives an ID without one, past every
// number the specification uses.
const unnumbered = 1 << 30

// split returns the number of an ID and what follows it. An ID not of the
// form "end-<number>..." has no number: split returns unnumbered and the
// whole ID.
func split(id string) (int, string) {
	if len(id) < 4 || id[:4] != "end-" {
		return unnumbered, id
	}
	rest := id[4:]
	i := 0
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	n, err := strconv.Atoi(rest[:i])
	if err != nil || n >= unnumbered {
		return unnumbered, id
	}
	return n, rest[i:]
}
