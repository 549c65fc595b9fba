package forwarded

import (
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/regapi/regapi/internal/grammar"
)

// FuzzParseForwarded feeds arbitrary Forwarded header values to the parser.
// It must not panic; what it accepts must be well-formed: parameter names
// are lower-case tokens, and the returned remainder is a suffix of the input.
func FuzzParseForwarded(f *testing.F) {
	for _, seed := range []string{
		`for=192.0.2.43;proto=https;host=registry.example.com`,
		`For="[2001:db8:cafe::17]:4711";Proto=http, for=198.51.100.17`,
		`host="a\"b.example.com"`,
		`proto=https;;host=x`,
		`, host=x`,
		`host=x,`,
		`host="unterminated`,
		`host="esc\`,
		"host=\"\u00e9\"",
		`a=b;a=c`,
		`a="b";a="c"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, header string) {
		params, rest, err := ParseElement(header)
		if !strings.HasSuffix(header, rest) {
			t.Fatalf("remainder %q is not a suffix of %q", rest, header)
		}
		if err != nil {
			if params != nil {
				t.Fatalf("error %v returned with parameters %v", err, params)
			}
			return
		}
		for name, value := range params {
			if name == "" || name != strings.ToLower(name) || leadingToken(name) != name {
				t.Fatalf("parameter name %q of %q is not a lower-case token", name, header)
			}
			if !strings.Contains(header, value) && !strings.Contains(header, `"`) {
				t.Fatalf("value %q of %q appears nowhere in an unquoted header", value, header)
			}
		}
	})
}

// FuzzOrigin walks arbitrary forwarding headers (a newline in an input
// separates field lines) from an arbitrary peer. It must not panic; what it
// returns must be an http or https scheme and a host grammar.IsHost accepts;
// with no trusted network, or a peer outside them, nothing is returned; and
// a host read from X-Forwarded-Host is one of its entries.
func FuzzOrigin(f *testing.F) {
	f.Add("for=203.0.113.9;proto=https;host=registry.example.com, for=10.0.0.2", "", "", "", "10.0.0.1:4000", uint8(0))
	f.Add(`host=evil.example, for="[2001:db8:cafe::2]:4711";host=r.example`, "", "", "", "[2001:db8:cafe::1]:80", uint8(1))
	f.Add("host=a\nfor=unknown;host=b, for=_x", "", "", "", "10.0.0.1", uint8(0))
	f.Add(`for=10.0.0.2;ext="a\", b";host=c`, "", "", "", "10.0.0.1", uint8(0))
	f.Add("proto=https", "203.0.113.9, 10.0.0.2", "https, http", "evil.example, , r.example", "10.0.0.1:4000", uint8(2))
	f.Add("", "unknown,\n10.0.0.2:80", "HTTPS", "a.example\nb.example:8443", "::ffff:10.0.0.1", uint8(0))
	f.Fuzz(func(t *testing.T, fwd, xff, xfp, xfh, remote string, family uint8) {
		h := http.Header{}
		for name, v := range map[string]string{"Forwarded": fwd, "X-Forwarded-For": xff, "X-Forwarded-Proto": xfp, "X-Forwarded-Host": xfh} {
			if v != "" {
				h[name] = strings.Split(v, "\n")
			}
		}
		peer, ok := ParseAddr(remote)
		if ok && (peer.Zone() != "" || peer.Is4In6()) {
			t.Fatalf("ParseAddr(%q) = %v, with a zone or mapped", remote, peer)
		}
		trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:cafe::/48")}
		scheme, host := Origin(h, peer, trusted, Family(family))
		if scheme != "" && scheme != "http" && scheme != "https" {
			t.Fatalf("scheme %q", scheme)
		}
		if host != "" && !grammar.IsHost(host) {
			t.Fatalf("host %q is not well-formed", host)
		}
		if (scheme != "" || host != "") && !isTrusted(peer, trusted) {
			t.Fatalf("%q, %q believed from untrusted peer %q", scheme, host, remote)
		}
		if host != "" && Family(family) == OnlyXForwarded && !strings.Contains(xfh, host) {
			t.Fatalf("host %q is no entry of X-Forwarded-Host %q", host, xfh)
		}
		if s, h := Origin(h, peer, nil, Family(family)); s != "" || h != "" {
			t.Fatalf("%q, %q believed with no trusted network", s, h)
		}
	})
}
