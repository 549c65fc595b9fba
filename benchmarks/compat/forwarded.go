package compat

// ForwardedAnswer is what a Forwarded header parser made of Header: the
// parameters of the first element, the unparsed rest, or an error.
type ForwardedAnswer struct {
	Header string            `json:"header"`
	Params map[string]string `json:"params,omitempty"`
	Rest   string            `json:"rest"`
	Error  string            `json:"error,omitempty"`
}

// ForwardedRecord is the recorded file of the Forwarded header parser.
type ForwardedRecord struct {
	Source  string            `json:"source"`
	Answers []ForwardedAnswer `json:"answers"`
}

// ForwardedHeaders returns the Forwarded header values the parser
// comparison feeds: well-formed values of RFC 7239, quoting and escaping,
// white space, several elements, and malformed values of every kind.
func ForwardedHeaders() []string {
	return []string{
		"",
		" ",
		"for=192.0.2.43",
		"For=192.0.2.43; Proto=https,For=\"[2001:db8:cafe::17]\",For=unknown",
		`for="192.0.2.43:443"; host="registry.example.org", for="10.10.05.40:80"`,
		"proto=https;host=registry.example.com",
		"PROTO=HTTPS;HOST=Registry.Example.COM:5000",
		"  proto = https ; host = r.example.com  ",
		"\tproto=https\t;\thost=x",
		`host="a\"b"`,
		`host="a\\b"`,
		`host="a\ b"`,
		"host=\"a\\\tb\"",
		`host="a\`,
		`host="a\` + "\x01" + `b"`,
		`host="unterminated`,
		`host="`,
		`host=""`,
		`host="" ;proto=http`,
		`host="with,comma;semi=colon"`,
		`host="sp ace"`,
		"host=\"tab\there\"",
		`host="ünï"`,
		"host=h\u00e9.example",
		"host=a\u00a0;proto=http",
		"\u00a0host=x",
		"host=x\u3000,proto=y",
		"host=x\x00",
		"host=\x7f",
		",",
		",,",
		", proto=https",
		",proto=https",
		"proto=https,",
		"proto=https, ",
		"proto=https ,host=x",
		"proto=https;",
		"proto=https;;host=x",
		";proto=https",
		"proto=https;host",
		"proto=https;host=",
		"proto=https;host= ",
		"proto",
		"proto ",
		"=https",
		"proto==https",
		"proto=https host=x",
		"proto=https=x",
		"proto=http;proto=https",
		`proto="http";proto="https"`,
		`proto=http;proto="https"`,
		`proto="http";proto=https`,
		"Proto=http;PROTO=https",
		"proto=http,proto=https",
		"a=1;b=2;c=3;d=4,e=5",
		"for=_hidden;by=_proxy;host=x",
		"host=[::1]:5000",
		`host="[::1]:5000"`,
		"host=example.com:8080",
		"host=example.com/path",
		`host="example.com/path"`,
		"host=(x)",
		"host=a@b",
		"host=a?b",
		"host=a{b}",
		"ho(st=x",
		"host=x;",
		"host=x ; ; proto=y",
		`host="x"y`,
		`host="x" y`,
		`host="x",y=z`,
		`host="x";y`,
		"\"host\"=x",
		"host=x, garbage garbage",
		"garbage",
		"!#$%&'*+-.^_`|~=!#$%&'*+-.^_`|~",
	}
}
