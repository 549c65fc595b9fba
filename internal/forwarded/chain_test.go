package forwarded

import (
	"net/http"
	"net/netip"
	"testing"
)

// chainTrusted are the proxies of the walk tests: an IPv4 network and an
// IPv6 one.
var chainTrusted = []netip.Prefix{
	netip.MustParsePrefix("10.0.0.0/8"),
	netip.MustParsePrefix("2001:db8:cafe::/48"),
}

func TestOrigin(t *testing.T) {
	const proxy = "10.0.0.1"
	type fields = map[string][]string
	tests := []struct {
		name       string
		peer       string // empty for the zero netip.Addr
		family     Family
		header     fields
		scheme     string
		host       string
		trustedSet []netip.Prefix // chainTrusted when nil
	}{
		// Forwarded.
		{
			name:   "Forwarded, one trusted hop",
			peer:   proxy,
			header: fields{"Forwarded": {"for=203.0.113.9;proto=https;host=registry.example.com"}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, two trusted hops: the left-most believed values win",
			peer: proxy,
			header: fields{"Forwarded": {
				"for=203.0.113.9;proto=https;host=registry.example.com, for=10.0.0.2;proto=http;host=internal.example",
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, the client's element before one proxy's",
			peer: proxy,
			header: fields{"Forwarded": {
				"host=evil.example;proto=https, for=203.0.113.9;host=registry.example.com;proto=https",
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, the client's element on a field line of its own",
			peer: proxy,
			header: fields{"Forwarded": {
				"host=evil.example;proto=http",
				"for=203.0.113.9;host=registry.example.com;proto=https",
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, two trusted hops on two field lines",
			peer: proxy,
			header: fields{"Forwarded": {
				"for=203.0.113.9;host=registry.example.com;proto=https",
				"for=10.0.0.2;host=internal.example;proto=http",
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			// The proxy at 10.0.0.2 is trusted and says its client was
			// 198.51.100.7, which is not: what 198.51.100.7 claims
			// is not believed, what 10.0.0.2 saw is.
			name: "Forwarded, an untrusted hop in the middle",
			peer: proxy,
			header: fields{"Forwarded": {
				"for=203.0.113.9;host=client.example;proto=http, for=198.51.100.7;host=outside.example;proto=https, for=10.0.0.2;host=registry.example.com",
			}},
			scheme: "https", host: "outside.example",
		},
		{
			name: "Forwarded, an element that does not parse stops the walk",
			peer: proxy,
			header: fields{"Forwarded": {
				"for=203.0.113.9;host=client.example, for=10.0.0.3;host=a b, for=10.0.0.2;proto=https;host=registry.example.com",
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, values believed before an element that does not parse are kept",
			peer: proxy,
			header: fields{"Forwarded": {
				"proto=http;;host=evil.example, for=10.0.0.3;host=registry.example.com, for=10.0.0.2;proto=https",
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, the peer's element does not parse",
			peer: proxy,
			header: fields{"Forwarded": {
				"for=10.0.0.2;host=registry.example.com;proto=https, proto=https host=evil.example",
			}},
		},
		{
			name: "Forwarded, an unterminated quote swallows the peer's element",
			peer: proxy,
			header: fields{"Forwarded": {
				`for=203.0.113.9;host="evil.example, for=10.0.0.2;host=registry.example.com`,
			}},
		},
		{
			name: "Forwarded, a comma inside a quoted string",
			peer: proxy,
			header: fields{"Forwarded": {
				`for=203.0.113.9;host=registry.example.com;ext="a,b", for="10.0.0.2";proto=https`,
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, an escaped quote and a comma inside a quoted string",
			peer: proxy,
			header: fields{"Forwarded": {
				`host=client.example, for=10.0.0.2;ext="a\", host=evil.example";host=registry.example.com`,
			}},
			host: "client.example",
		},
		{
			name:   "Forwarded, a repeated parameter, even quoted, makes the element unparsable",
			peer:   proxy,
			header: fields{"Forwarded": {`for=203.0.113.9;host="registry.example.com";host="evil.example"`}},
		},
		{
			name:   "Forwarded, parameter names in any case",
			peer:   proxy,
			header: fields{"Forwarded": {"FOR=203.0.113.9;Proto=HTTPS;Host=registry.example.com"}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, for=unknown stops the walk",
			peer: proxy,
			header: fields{"Forwarded": {
				"for=203.0.113.9;host=client.example;proto=http, for=unknown;host=registry.example.com",
			}},
			host: "registry.example.com",
		},
		{
			name: "Forwarded, an obfuscated for= stops the walk",
			peer: proxy,
			header: fields{"Forwarded": {
				"host=client.example, for=_hidden;host=registry.example.com;proto=https",
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, an element without for= stops the walk",
			peer: proxy,
			header: fields{"Forwarded": {
				"host=client.example, proto=https;host=registry.example.com",
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "Forwarded, an empty element stops the walk",
			peer: proxy,
			header: fields{"Forwarded": {
				"host=client.example, , for=10.0.0.2;host=registry.example.com",
			}},
			host: "registry.example.com",
		},
		{
			name:   "Forwarded, a trailing comma leaves the peer's element empty",
			peer:   proxy,
			header: fields{"Forwarded": {"for=10.0.0.2;host=registry.example.com,"}},
		},
		{
			name: "Forwarded, a bracketed IPv6 for= with a port",
			peer: proxy,
			header: fields{"Forwarded": {
				`for=203.0.113.9;host=front.example, for="[2001:db8:cafe::2]:4711";host=registry.example.com`,
			}},
			host: "front.example",
		},
		{
			name: "Forwarded, an IPv4 for= with a port, an IPv4-mapped one and one with a zone",
			peer: proxy,
			header: fields{"Forwarded": {
				`for=203.0.113.9;host=front.example, for="10.0.0.4:8080", for="[::ffff:10.0.0.3]", for="[2001:db8:cafe::2%25eth0]:_port"`,
			}},
			host: "front.example",
		},
		{
			name: "Forwarded, an untrusted IPv6 for=",
			peer: proxy,
			header: fields{"Forwarded": {
				`for=203.0.113.9;host=front.example, for="[2001:db8:beef::2]:4711";host=registry.example.com`,
			}},
			host: "registry.example.com",
		},
		{
			name:   "Forwarded, an unquoted for= with a port does not parse",
			peer:   proxy,
			header: fields{"Forwarded": {"host=front.example, for=10.0.0.2:80;host=registry.example.com"}},
		},
		{
			name: "Forwarded, a malformed believed value drops only itself",
			peer: proxy,
			header: fields{"Forwarded": {
				`for=203.0.113.9;proto=ftp;host=registry.example.com, for=10.0.0.2;proto=https;host="evil.example/path"`,
			}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name:   "Forwarded, escapes in quoted values are undone",
			peer:   proxy,
			header: fields{"Forwarded": {`for="203.0.113.9";proto="ht\tps";host="registry\.example.com"`}},
			scheme: "https", host: "registry.example.com",
		},
		{
			name:   "Forwarded, an IPv6 peer",
			peer:   "2001:db8:cafe::1",
			header: fields{"Forwarded": {"for=203.0.113.9;host=registry.example.com"}},
			host:   "registry.example.com",
		},
		{
			name:   "Forwarded, an IPv4-mapped peer with a zone",
			peer:   "::ffff:10.0.0.1%eth0",
			header: fields{"Forwarded": {"for=203.0.113.9;host=registry.example.com"}},
			host:   "registry.example.com",
		},
		{
			name:   "Forwarded, an untrusted peer",
			peer:   "198.51.100.1",
			header: fields{"Forwarded": {"for=203.0.113.9;proto=https;host=registry.example.com"}},
		},
		{
			name:   "no peer address",
			header: fields{"Forwarded": {"for=203.0.113.9;proto=https;host=registry.example.com"}},
		},
		{
			name:       "no trusted networks",
			peer:       proxy,
			header:     fields{"Forwarded": {"for=203.0.113.9;proto=https;host=registry.example.com"}},
			trustedSet: []netip.Prefix{},
		},
		{
			name:       "an invalid prefix trusts nothing",
			peer:       proxy,
			header:     fields{"Forwarded": {"for=203.0.113.9;proto=https;host=registry.example.com"}},
			trustedSet: []netip.Prefix{{}},
		},

		// X-Forwarded-*.
		{
			name: "X-Forwarded, one trusted hop",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":   {"203.0.113.9"},
				"X-Forwarded-Proto": {"https"},
				"X-Forwarded-Host":  {"registry.example.com"},
			},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "X-Forwarded, two trusted hops",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":   {"203.0.113.9, 10.0.0.2"},
				"X-Forwarded-Proto": {"https, http"},
				"X-Forwarded-Host":  {"registry.example.com, internal.example"},
			},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "X-Forwarded, proto https then http from two trusted proxies",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":   {"203.0.113.9, 10.0.0.2"},
				"X-Forwarded-Proto": {"https, http"},
			},
			scheme: "https",
		},
		{
			name: "X-Forwarded, proto https then http through one proxy",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":   {"203.0.113.9"},
				"X-Forwarded-Proto": {"https, http"},
			},
			scheme: "http",
		},
		{
			name: "X-Forwarded, the client's host before one proxy's",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {"203.0.113.9"},
				"X-Forwarded-Host": {"evil.example, registry.example.com"},
			},
			host: "registry.example.com",
		},
		{
			name:   "X-Forwarded, the client's host before one proxy's, without X-Forwarded-For",
			peer:   proxy,
			header: fields{"X-Forwarded-Host": {"evil.example, registry.example.com"}},
			host:   "registry.example.com",
		},
		{
			name: "X-Forwarded, several field lines",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {"203.0.113.9", "10.0.0.2"},
				"X-Forwarded-Host": {"evil.example", "registry.example.com", "internal.example"},
			},
			host: "registry.example.com",
		},
		{
			name: "X-Forwarded, an empty field line keeps its place",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {"203.0.113.9, 10.0.0.2"},
				"X-Forwarded-Host": {"evil.example", "", "registry.example.com"},
			},
			host: "registry.example.com",
		},
		{
			name: "X-Forwarded, an untrusted hop in the middle",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {"203.0.113.9, 198.51.100.7, 10.0.0.2"},
				"X-Forwarded-Host": {"client.example, outside.example, mid.example, registry.example.com"},
			},
			host: "mid.example",
		},
		{
			name: "X-Forwarded, a proxy that sets X-Forwarded-Host and appends the rest",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":   {"203.0.113.9, 10.0.0.2"},
				"X-Forwarded-Proto": {"https"},
				"X-Forwarded-Host":  {"registry.example.com"},
			},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "X-Forwarded, hosts beyond the trusted chain are not reached",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {"10.0.0.2"},
				"X-Forwarded-Host": {"evil.example, a.example, registry.example.com"},
			},
			host: "a.example",
		},
		{
			name: "X-Forwarded, an empty host entry keeps its place",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {"203.0.113.9, 10.0.0.2"},
				"X-Forwarded-Host": {"evil.example, , registry.example.com"},
			},
			host: "registry.example.com",
		},
		{
			name: "X-Forwarded, an address that is not an IP stops the walk",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {"unknown, 10.0.0.2"},
				"X-Forwarded-Host": {"client.example, mid.example, registry.example.com"},
			},
			host: "mid.example",
		},
		{
			name: "X-Forwarded, an empty address stops the walk",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {", 10.0.0.2"},
				"X-Forwarded-Host": {"client.example, mid.example, registry.example.com"},
			},
			host: "mid.example",
		},
		{
			name: "X-Forwarded, addresses with ports, brackets and no brackets",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":  {"203.0.113.9, 2001:db8:cafe::3, [2001:db8:cafe::2]:4711, 10.0.0.2:80"},
				"X-Forwarded-Host": {"front.example, a.example, b.example, c.example, registry.example.com"},
			},
			host: "a.example",
		},
		{
			name: "X-Forwarded, malformed believed values drop only themselves",
			peer: proxy,
			header: fields{
				"X-Forwarded-For":   {"203.0.113.9, 10.0.0.2"},
				"X-Forwarded-Proto": {"https, javascript"},
				"X-Forwarded-Host":  {"registry.example.com, a b"},
			},
			scheme: "https", host: "registry.example.com",
		},
		{
			name: "X-Forwarded, an untrusted peer",
			peer: "198.51.100.1",
			header: fields{
				"X-Forwarded-Proto": {"https"},
				"X-Forwarded-Host":  {"registry.example.com"},
			},
		},

		// The family of headers read.
		{
			name: "both families: Forwarded is preferred",
			peer: proxy,
			header: fields{
				"Forwarded":        {"for=203.0.113.9;host=f.example"},
				"X-Forwarded-Host": {"x.example"},
			},
			host: "f.example",
		},
		{
			name: "both families: a blank Forwarded falls back to X-Forwarded",
			peer: proxy,
			header: fields{
				"Forwarded":        {" "},
				"X-Forwarded-Host": {"x.example"},
			},
			host: "x.example",
		},
		{
			name:   "Forwarded only: X-Forwarded-* ignored",
			peer:   proxy,
			family: OnlyForwarded,
			header: fields{"X-Forwarded-Proto": {"https"}, "X-Forwarded-Host": {"x.example"}},
		},
		{
			name:   "Forwarded only: Forwarded read",
			peer:   proxy,
			family: OnlyForwarded,
			header: fields{"Forwarded": {"proto=https;host=f.example"}, "X-Forwarded-Host": {"x.example"}},
			scheme: "https", host: "f.example",
		},
		{
			name:   "X-Forwarded only: Forwarded ignored",
			peer:   proxy,
			family: OnlyXForwarded,
			header: fields{"Forwarded": {"proto=https;host=f.example"}, "X-Forwarded-Host": {"x.example"}},
			host:   "x.example",
		},
		{
			name:   "X-Forwarded only: nothing without X-Forwarded-*",
			peer:   proxy,
			family: OnlyXForwarded,
			header: fields{"Forwarded": {"proto=https;host=f.example"}},
		},
		{
			name:   "an unknown family reads nothing",
			peer:   proxy,
			family: 9,
			header: fields{"Forwarded": {"proto=https;host=f.example"}, "X-Forwarded-Host": {"x.example"}},
		},
		{
			name: "no forwarding headers",
			peer: proxy,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var peer netip.Addr
			if tt.peer != "" {
				peer = netip.MustParseAddr(tt.peer)
			}
			trusted := tt.trustedSet
			if trusted == nil {
				trusted = chainTrusted
			}
			scheme, host := Origin(http.Header(tt.header), peer, trusted, tt.family)
			if scheme != tt.scheme || host != tt.host {
				t.Errorf("Origin = %q, %q; want %q, %q", scheme, host, tt.scheme, tt.host)
			}
		})
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in   string
		want string // empty when refused
	}{
		{"192.0.2.1", "192.0.2.1"},
		{"192.0.2.1:80", "192.0.2.1"},
		{"192.0.2.1:_obf", "192.0.2.1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"[2001:db8::1]:4711", "2001:db8::1"},
		{"[2001:db8::1]:_p-1.x", "2001:db8::1"},
		{"2001:db8::1", "2001:db8::1"},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"[fe80::1%eth0]:5000", "fe80::1"},
		{"fe80::1%eth0", "fe80::1"},
		{"unknown", ""},
		{"_hidden", ""},
		{"", ""},
		{"[]", ""},
		{"[2001:db8::1", ""},
		{"[2001:db8::1]x", ""},
		{"[2001:db8::1]:", ""},
		{"[2001:db8::1]:123456", ""},
		{"[2001:db8::1]:_", ""},
		{"[2001:db8::1]:_a/b", ""},
		{"[192.0.2.1]", ""},
		{"[192.0.2.1]:80", ""},
		{"192.0.2.1:", ""},
		{"192.0.2.1:http", ""},
		{"192.0.2.1:8o", ""},
		{"192.0.2.256", ""},
		{"registry.example.com", ""},
		{"registry.example.com:80", ""},
		{"deadbeef", ""},
		{" 192.0.2.1", ""},
		{"192.0.2.1 ", ""},
	}
	for _, tt := range tests {
		addr, ok := ParseAddr(tt.in)
		switch {
		case tt.want == "" && ok:
			t.Errorf("ParseAddr(%q) = %v, want it refused", tt.in, addr)
		case tt.want != "" && (!ok || addr != netip.MustParseAddr(tt.want)):
			t.Errorf("ParseAddr(%q) = %v, %v; want %v", tt.in, addr, ok, tt.want)
		}
	}
}

// TestOriginAllocations checks that the walk reads the headers in place.
func TestOriginAllocations(t *testing.T) {
	headers := []http.Header{
		{"Forwarded": {`for=203.0.113.9;proto=https;host=registry.example.com, for=unknown, for="[2001:db8:cafe::2]:4711"`}},
		{
			"X-Forwarded-For":   {"203.0.113.9, 10.0.0.2"},
			"X-Forwarded-Proto": {"https, http"},
			"X-Forwarded-Host":  {"registry.example.com, internal.example"},
		},
	}
	peer := netip.MustParseAddr("10.0.0.1")
	for _, h := range headers {
		if n := testing.AllocsPerRun(100, func() { Origin(h, peer, chainTrusted, Either) }); n != 0 {
			t.Errorf("Origin(%v): %v allocations", h, n)
		}
	}
}
