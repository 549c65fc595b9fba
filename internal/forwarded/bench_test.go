package forwarded

import (
	"net/http"
	"net/netip"
	"testing"
)

// benchHeaders are forwarding headers as proxies deliver them: one proxy
// writing Forwarded, three, and two writing X-Forwarded-*.
var benchHeaders = []struct {
	name   string
	header http.Header
}{
	{"Forwarded", http.Header{"Forwarded": {"for=192.0.2.43;proto=https;host=registry.example.com"}}},
	{"Forwarded3Hops", http.Header{"Forwarded": {`for=192.0.2.43;proto=https;host=registry.example.com, for=10.0.0.3, for="[2001:db8:cafe::2]:4711"`}}},
	{"XForwarded2Hops", http.Header{
		"X-Forwarded-For":   {"192.0.2.43, 10.0.0.2"},
		"X-Forwarded-Proto": {"https, http"},
		"X-Forwarded-Host":  {"registry.example.com, registry.example.com"},
	}},
}

// BenchmarkOrigin measures the walk from a trusted peer; BenchmarkFirstOrigin
// the first-value reading of the same headers, for comparison.
func BenchmarkOrigin(b *testing.B) {
	peer := netip.MustParseAddr("10.0.0.1")
	for _, bh := range benchHeaders {
		b.Run(bh.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				Origin(bh.header, peer, chainTrusted, Either)
			}
		})
	}
}

func BenchmarkFirstOrigin(b *testing.B) {
	for _, bh := range benchHeaders {
		b.Run(bh.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				FirstOrigin(bh.header)
			}
		})
	}
}
