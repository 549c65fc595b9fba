package main

import (
	"bytes"
	"net/netip"
	"reflect"
	"strings"
	"testing"
)

func TestParseTrustedProxies(t *testing.T) {
	p := netip.MustParsePrefix
	tests := []struct {
		value   string
		want    []netip.Prefix
		wantErr string
	}{
		{"10.0.0.0/8", []netip.Prefix{p("10.0.0.0/8")}, ""},
		{"10.0.0.0/8, 192.0.2.7 ,fd00::/8", []netip.Prefix{p("10.0.0.0/8"), p("192.0.2.7/32"), p("fd00::/8")}, ""},
		{"::1", []netip.Prefix{p("::1/128")}, ""},
		{"::ffff:192.0.2.7", []netip.Prefix{p("192.0.2.7/32")}, ""},
		{"127.0.0.1,", []netip.Prefix{p("127.0.0.1/32")}, ""},
		{"", nil, "no prefix given"},
		{" , ", nil, "no prefix given"},
		{"10.0.0.0/33", nil, `"10.0.0.0/33" is not a CIDR prefix`},
		{"10.1.2.3/8", nil, "did you mean 10.0.0.0/8?"},
		{"localhost", nil, `"localhost" is not an IP address or CIDR prefix`},
		{"10.0.0.1:80", nil, "is not an IP address"},
		{"fe80::1%eth0", nil, "is not an IP address"},
		{"10.0.0.0/8;192.0.2.0/24", nil, "is not a CIDR prefix"},
	}
	for _, tc := range tests {
		got, err := parseTrustedProxies(tc.value)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("parseTrustedProxies(%q) = %v, %v; want error containing %q", tc.value, got, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseTrustedProxies(%q) = %v, %v; want %v", tc.value, got, err, tc.want)
		}
	}
}

// TestServeFlags checks how serve treats its flags without serving: a bad
// value is exit status 2 with a message naming the flag; accepted flags
// reach the listen step, which fails here on an address that cannot be
// bound (exit status 1).
func TestServeFlags(t *testing.T) {
	const unbindable = "-addr=256.0.0.1:0"
	tests := []struct {
		name   string
		args   []string
		status int
		stderr string
	}{
		{"trusted proxies accepted", []string{unbindable, "-trusted-proxies", "10.0.0.0/8,::1"}, 1, "regapi serve: listen"},
		{"trusted proxies repeated", []string{unbindable, "-trusted-proxies=10.0.0.0/8", "-trusted-proxies=192.0.2.1"}, 1, "regapi serve: listen"},
		{"trusted proxies malformed", []string{unbindable, "-trusted-proxies", "10.0.0.0/99"}, 2, `invalid value "10.0.0.0/99" for flag -trusted-proxies`},
		{"trusted proxies host name", []string{unbindable, "-trusted-proxies=proxy.internal"}, 2, `"proxy.internal" is not an IP address or CIDR prefix`},
		{"trusted proxies empty", []string{unbindable, "-trusted-proxies="}, 2, "no prefix given"},
		{"zero limit", []string{unbindable, "-max-uploads=0"}, 2, "a limit of 0 is not allowed"},
		{"zero max storage", []string{unbindable, "-max-storage=0"}, 2, "a limit of 0 is not allowed"},
		{"unlimited storage accepted", []string{unbindable, "-max-storage=-1"}, 1, "regapi serve: listen"},
		{"body readers accepted", []string{unbindable, "-max-body-readers=0", "-max-body-readers=-1", "-max-body-readers=3"}, 1, "regapi serve: listen"},
		{"body readers not a number", []string{unbindable, "-max-body-readers=many"}, 2, `invalid value "many" for flag -max-body-readers`},
		{"negative ttl", []string{unbindable, "-upload-ttl=-1s"}, 2, "must not be negative"},
		{"extra argument", []string{unbindable, "extra"}, 2, "usage: regapi serve"},
		{"negative body timeout", []string{unbindable, "-body-timeout=-1s"}, 2, "must not be negative"},
		{"body timeout and ttl accepted", []string{unbindable, "-body-timeout=0", "-upload-ttl=0"}, 1, "regapi serve: listen"},
		{"lenient manifests accepted", []string{unbindable, "-lenient-manifests"}, 1, "regapi serve: listen"},
		{"manifest media type accepted", []string{unbindable, "-manifest-media-type=application/vnd.example+json"}, 1, "regapi serve: listen"},
		{"faults accepted", []string{unbindable, "-fault", "GET blob status=503 x2", "-fault=PATCH end-5 reset-request=10", "-fault-endpoint"}, 1, "regapi serve: listen"},
		{"fault malformed", []string{unbindable, "-fault", "GET nowhere status=503"}, 2, `no route "nowhere"`},
		{"client-test options accepted", []string{unbindable, "-referrers-page-size=2", "-blob-redirect", "-interchangeable-manifest-types", "-warning", "manifest=use v2", "-warning=*=x"}, 1, "regapi serve: listen"},
		{"warning malformed", []string{unbindable, "-warning", "no text"}, 2, "want TARGET=TEXT"},
		{"negative page size", []string{unbindable, "-referrers-page-size=-1"}, 2, "must not be negative"},
		{"token auth accepted", []string{unbindable, "-auth=token", "-user", "alice:s3cret", "-reader=bob:pw", "-anonymous-pull", "-token-ttl=30s"}, 1, "regapi serve: listen"},
		{"basic auth accepted", []string{unbindable, "-auth", "basic", "-user", "alice:a:b"}, 1, "regapi serve: listen"},
		{"auth mode unknown", []string{unbindable, "-auth=kerberos", "-user=a:b"}, 2, `-auth "kerberos": want none, basic or token`},
		{"auth without accounts", []string{unbindable, "-auth=basic"}, 2, "-auth needs -user"},
		{"user without password", []string{unbindable, "-auth=basic", "-user=alice"}, 2, "want NAME:PASSWORD"},
		{"user repositories accepted", []string{unbindable, "-auth=basic", "-user=ci:c1", "-reader=ci:c2", "-user-repositories=ci=ci/scratch,ci/other"}, 1, "regapi serve: listen"},
		{"user repositories of no account", []string{unbindable, "-auth=basic", "-user=ci:c1", "-user-repositories=nobody=ci/scratch"}, 2, `no account "nobody"`},
		{"user repositories malformed", []string{unbindable, "-auth=basic", "-user=ci:c1", "-user-repositories=ci"}, 2, "want NAME=REPO[,REPO...]"},
		{"user repositories invalid name", []string{unbindable, "-auth=basic", "-user=ci:c1", "-user-repositories=ci=CI/Scratch"}, 2, `"CI/Scratch" is not a repository name`},
		{"token ttl zero", []string{unbindable, "-auth=token", "-user=a:b", "-token-ttl=0"}, 2, "-token-ttl must be positive"},
		{"forwarding headers accepted", []string{unbindable, "-trusted-proxies=10.0.0.0/8", "-forwarding-headers=x-forwarded"}, 1, "regapi serve: listen"},
		{"forwarding headers unknown", []string{unbindable, "-forwarding-headers=via"}, 2, "want forwarded, x-forwarded or both"},
		{"manifest media type malformed", []string{unbindable, "-manifest-media-type=not a type"}, 2, `"not a type" is not a media type`},
		{"manifest media type of three parts", []string{unbindable, "-manifest-media-type=a/b/c"}, 2, `"a/b/c" is not a media type`},
		{"root accepted", []string{unbindable, "-root", t.TempDir()}, 1, "regapi serve: listen"},
		{"root with blob dir", []string{unbindable, "-root", t.TempDir(), "-blob-dir", t.TempDir()}, 2, "-root and -blob-dir exclude each other"},
		{"manifest media type with parameters", []string{unbindable, "-manifest-media-type=a/b; v=1"}, 2, "without parameters"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if got := runServe(tc.args, &stdout, &stderr); got != tc.status {
				t.Fatalf("exit status %d, want %d; stderr %q", got, tc.status, stderr.String())
			}
			if !strings.Contains(stderr.String(), tc.stderr) {
				t.Fatalf("stderr %q lacks %q", stderr.String(), tc.stderr)
			}
		})
	}
}

// TestServeHelpFaultEndpoint checks that the help of -fault-endpoint says
// who may use it when authentication is on.
func TestServeHelpFaultEndpoint(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if got := runServe([]string{"-h"}, &stdout, &stderr); got != 0 {
		t.Fatalf("exit status %d; stderr %q", got, stderr.String())
	}
	_, help, ok := strings.Cut(stderr.String(), "-fault-endpoint\n")
	if !ok {
		t.Fatalf("no -fault-endpoint in %q", stderr.String())
	}
	help, _, _ = strings.Cut(help, "\n")
	for _, want := range []string{"with -auth basic or token", "Basic credentials", "may push", "401", "403", "tokens are refused"} {
		if !strings.Contains(help, want) {
			t.Errorf("the help of -fault-endpoint, %q, lacks %q", help, want)
		}
	}
}
