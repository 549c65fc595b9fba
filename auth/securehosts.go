package auth

import (
	"net/url"
	"strconv"
	"sync"
)

// maxSecureHosts bounds the hosts a transport remembers having reached
// over https. A registry can redirect a client to as many hosts as it
// likes; once the set is full, no challenge over http is answered any
// more, for any host, since the hosts not written down might be any.
const maxSecureHosts = 1024

// maxHostKey is the longest key hostKey writes: a DNS name of 253
// characters or an IPv6 address in brackets, a colon and five digits.
const maxHostKey = 253 + 2 + 6

// secureHosts is the set of hosts, by hostKey, a transport has sent a
// request to over https in its lifetime. Credentials for those hosts never
// travel over plain http afterwards: neither a password nor a token, to the
// registry or to a realm.
type secureHosts struct {
	mu   sync.Mutex
	set  map[string]struct{}
	full bool // a host could not be added: plainAllowed says no to every host
}

// add notes that u, an https URL, was reached. The call allocates only
// the first time a host is added.
func (s *secureHosts) add(u *url.URL) {
	var buf [maxHostKey]byte
	key, ok := appendHostKey(buf[:0], u)
	if !ok {
		// The same host over http gives no key either, and is refused.
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, seen := s.set[string(key)]; seen || s.full {
		return
	}
	if len(s.set) >= maxSecureHosts {
		s.full = true
		return
	}
	if s.set == nil {
		s.set = make(map[string]struct{})
	}
	s.set[string(key)] = struct{}{}
}

// plainAllowed reports whether credentials may go over plain http to the
// host of u: the transport has not reached it over https, its memory of
// such hosts is complete, and the host has a key.
func (s *secureHosts) plainAllowed(u *url.URL) bool {
	var buf [maxHostKey]byte
	key, ok := appendHostKey(buf[:0], u)
	if !ok {
		return false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, seen := s.set[string(key)]
	return !seen && !s.full
}

// appendHostKey appends to dst the host of u as the URL writes it, made
// comparable across schemes and spellings: letters in lower case, one
// trailing dot of the name dropped, the port as a plain decimal number and
// left out when it is 80 or 443, the default ports of http and https. So
// https://Reg.Test:443 and http://reg.test., or https://reg.test and
// http://reg.test:0080, have one key, while ports other than 80 and 443
// are told apart (a plain-http registry on localhost:5000 is not the https
// one on localhost:5001). It reports false for a host without a name, a
// name longer than 253 bytes or a port that is not a number up to 65535:
// no such host is reached over https, and none gets credentials over http.
func appendHostKey(dst []byte, u *url.URL) ([]byte, bool) {
	name, port := u.Hostname(), u.Port()
	if len(name) > 1 && name[len(name)-1] == '.' {
		name = name[:len(name)-1]
	}
	if name == "" || len(name) > 253 {
		return dst, false
	}
	bracket := false
	for i := 0; i < len(name); i++ {
		bracket = bracket || name[i] == ':'
	}
	if bracket {
		dst = append(dst, '[')
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		dst = append(dst, c)
	}
	if bracket {
		dst = append(dst, ']')
	}
	if port == "" {
		return dst, true
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return dst, false
	}
	if n != 80 && n != 443 {
		dst = append(dst, ':')
		dst = strconv.AppendUint(dst, n, 10)
	}
	return dst, true
}
