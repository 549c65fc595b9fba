package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/internal/grammar"
	"github.com/regapi/regapi/registry/dirstore"
	"github.com/regapi/regapi/registrytest"
)

// runServe runs the registry of package registrytest, in memory or over a
// directory store (-root), until it is interrupted with SIGINT or SIGTERM. It logs one line per request to
// stderr.
func runServe(args []string, stdout, stderr io.Writer) int {
	cfg, status := parseServeFlags(args, stderr)
	if cfg == nil {
		return status
	}
	opts := cfg.opts
	logger := log.New(stderr, "", log.LstdFlags|log.LUTC)
	if !cfg.quiet {
		opts.Logger = logger
	}

	reg, closeStore, err := cfg.open(opts)
	if err != nil {
		fmt.Fprintln(stderr, "regapi serve:", err)
		return 1
	}
	defer func() {
		if err := closeStore(); err != nil {
			fmt.Fprintln(stderr, "regapi serve: closing the store:", err)
		}
	}()
	for _, spec := range cfg.faults {
		if err := reg.InjectFault(spec); err != nil {
			fmt.Fprintln(stderr, "regapi serve: -fault:", err)
			return 2
		}
	}
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		fmt.Fprintln(stderr, "regapi serve:", err)
		return 1
	}
	srv := &http.Server{
		Handler:           reg,
		ReadHeaderTimeout: 30 * time.Second,
		// Idle keep-alive connections are closed, so that clients cannot
		// hold connections open for ever without sending requests.
		IdleTimeout: 2 * time.Minute,
		ErrorLog:    logger,
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	fmt.Fprintf(stdout, "regapi serve: listening on http://%s\n", ln.Addr())

	select {
	case err := <-done:
		fmt.Fprintln(stderr, "regapi serve:", err)
		return 1
	case <-ctx.Done():
	}
	stop()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		fmt.Fprintln(stderr, "regapi serve: shutdown:", err)
		return 1
	}
	fmt.Fprintln(stderr, "regapi serve: stopped")
	return 0
}

// open makes the registry that opts and -root ask for, and returns it with
// what closes its store: a directory store at -root, which outlives the
// process, or the registry's own memory store.
func (cfg *serveConfig) open(opts registrytest.Options) (*registrytest.Registry, func() error, error) {
	if cfg.root == "" {
		return registrytest.New(opts), func() error { return nil }, nil
	}
	store, err := dirstore.Open(cfg.root, dirstore.Options{MaxUploads: opts.MaxUploads, UploadTTL: opts.UploadTTL})
	if err != nil {
		return nil, nil, err
	}
	opts.Store = store
	return registrytest.New(opts), store.Close, nil
}

// serveConfig is what the flags of regapi serve ask for.
type serveConfig struct {
	opts   registrytest.Options
	root   string // the directory of a directory store; "" for memory
	addr   string
	faults []string // SPECs to inject at start
	quiet  bool
}

// parseServeFlags reads the flags of regapi serve. It returns nil and the
// exit status when the command is to end at once: 0 after -h, 2 for flags
// that are wrong, having said why on stderr.
func parseServeFlags(args []string, stderr io.Writer) (*serveConfig, int) {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: regapi serve [flags]")
		fmt.Fprintln(stderr)
		fmt.Fprintln(stderr, "Runs an OCI registry over plain HTTP: in memory, its content lost on exit, or,")
		fmt.Fprintln(stderr, "with -root, in a directory that keeps it across restarts.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	cfg := &serveConfig{}
	opts := &cfg.opts
	fs.StringVar(&cfg.addr, "addr", "127.0.0.1:5000", "`address` to listen on")
	fs.Int64Var(&opts.MaxBlobSize, "max-blob-size", registrytest.DefaultMaxBlobSize, "largest blob accepted, in `bytes` (negative: no limit)")
	fs.Int64Var(&opts.MaxManifestSize, "max-manifest-size", registrytest.DefaultMaxManifestSize, "largest manifest accepted, in `bytes` (negative: no limit)")
	fs.IntVar(&opts.MaxTagsPerPush, "max-tags-per-push", registrytest.DefaultMaxTagsPerPush, "tag query parameters accepted on a manifest push by digest (negative: no limit)")
	fs.IntVar(&opts.MaxUploads, "max-uploads", registrytest.DefaultMaxUploads, "upload sessions open at once (negative: no limit)")
	fs.Int64Var(&opts.MaxStorage, "max-storage", registrytest.DefaultMaxStorage, "bytes of blobs, manifests and unfinished uploads held at most (negative: no limit)")
	fs.IntVar(&opts.MaxBodyReaders, "max-body-readers", 0, "request bodies over 64 KiB read at once, the others waiting for a turn (0: one fewer than the processors, at least 1; negative: no limit)")
	uploadTTL := fs.Duration("upload-ttl", registrytest.DefaultUploadTTL, "forget upload sessions that received nothing for this `duration` (0: never)")
	bodyTimeout := fs.Duration("body-timeout", registrytest.DefaultBodyTimeout, "cut a request whose body sends nothing for this `duration`, answering 408 (0: wait for ever)")
	fs.Int64Var(&opts.ChunkMinLength, "chunk-min-length", 0, "announce this OCI-Chunk-Min-Length in `bytes` (0: none)")
	fs.BoolVar(&opts.RequireManifestBlobs, "require-manifest-blobs", false, "also refuse indexes whose child manifests are missing (config and layers are always required)")
	fs.BoolVar(&opts.LenientManifests, "lenient-manifests", false, "accept any JSON manifest with well-formed descriptors, whatever its media type and whether its blobs exist")
	fs.Func("manifest-media-type", "accept this `media type` as a manifest too (repeatable)", func(v string) error {
		if _, params, err := mime.ParseMediaType(v); err != nil || len(params) > 0 {
			return fmt.Errorf("%q is not a media type without parameters", v)
		}
		opts.ManifestMediaTypes = append(opts.ManifestMediaTypes, v)
		return nil
	})
	fs.BoolVar(&opts.DisableAnonymousMount, "disable-anonymous-mount", false, "do not mount blobs when a mount request has no from parameter")
	fs.BoolVar(&opts.RelativeURLs, "relative-urls", false, "answer Location and Link headers with paths instead of absolute URLs")
	fs.Func("trusted-proxies", "comma-separated `prefixes` (CIDR or bare IP) of proxies whose Forwarded and X-Forwarded-* headers are believed (default: none)", func(v string) error {
		prefixes, err := parseTrustedProxies(v)
		if err != nil {
			return err
		}
		opts.TrustedProxies = append(opts.TrustedProxies, prefixes...)
		return nil
	})
	fs.Func("fault", "inject a fault, a `SPEC` such as \"GET blob status=503 retry-after=1 x2\" (repeatable; see the registrytest package documentation)", func(v string) error {
		cfg.faults = append(cfg.faults, v)
		return nil
	})
	fs.BoolVar(&opts.FaultEndpoint, "fault-endpoint", false, "serve /_regapi/faults: POST adds faults (a SPEC a line), GET lists them, DELETE clears them; with -auth basic or token it needs the Basic credentials of a -user that may push in every repository (401 without, 403 for others; tokens are refused)")
	fs.IntVar(&opts.ReferrersPageSize, "referrers-page-size", 0, "list at most `n` referrers an answer, paging with Link headers (0: no paging)")
	fs.BoolVar(&opts.BlobRedirect, "blob-redirect", false, "answer blob GETs with 307 to a signed URL on this server, as registries backed by object storage do")
	fs.StringVar(&opts.BlobDir, "blob-dir", "", "keep blob content in files of this `directory` instead of memory, the rest in memory")
	fs.StringVar(&cfg.root, "root", "", "keep everything (blobs, manifests, tags, upload sessions) in a directory store in this `directory`, which outlives the process and may be shared by registries of one host; -max-uploads and -upload-ttl apply to it, -max-storage does not (default: in memory)")
	fs.BoolVar(&opts.InterchangeableManifestTypes, "interchangeable-manifest-types", false, "let Accept headers listing the OCI manifest or index types fetch their Docker schema 2 counterparts, and the other way round")
	fs.Func("warning", "add a Warning header to the answers of a route or endpoint: `TARGET=TEXT`, such as manifest=\"use v2 tags\" (repeatable; TARGET * means every request)", func(v string) error {
		target, text, ok := strings.Cut(v, "=")
		if !ok || target == "" || text == "" {
			return errors.New("want TARGET=TEXT")
		}
		opts.Warnings = append(opts.Warnings, registrytest.Warning{Target: target, Text: text})
		return nil
	})
	authMode := fs.String("auth", "none", "authentication: `none`, basic (user names and passwords on every request) or token (bearer tokens from the registry's own /token)")
	addUser := func(pullOnly bool) func(string) error {
		return func(v string) error {
			name, password, ok := strings.Cut(v, ":")
			if !ok || name == "" || password == "" {
				return errors.New("want NAME:PASSWORD")
			}
			opts.Auth.Users = append(opts.Auth.Users, registrytest.User{Name: name, Password: password, PullOnly: pullOnly})
			return nil
		}
	}
	fs.Func("user", "an account that may pull, push and delete: `NAME:PASSWORD` (repeatable)", addUser(false))
	fs.Func("reader", "an account that may only pull: `NAME:PASSWORD` (repeatable)", addUser(true))
	limits := map[string][]string{}
	fs.Func("user-repositories", "limit the account NAME of -user or -reader to these repositories, named exactly: `NAME=REPO[,REPO...]` (repeatable; such an account may not list the catalog or use -fault-endpoint)", func(v string) error {
		name, list, ok := strings.Cut(v, "=")
		if !ok || name == "" || list == "" {
			return errors.New("want NAME=REPO[,REPO...]")
		}
		for _, repo := range strings.Split(list, ",") {
			if !grammar.IsRepository(repo) {
				return fmt.Errorf("%q is not a repository name", repo)
			}
			limits[name] = append(limits[name], repo)
		}
		return nil
	})
	fs.BoolVar(&opts.Auth.AnonymousPull, "anonymous-pull", false, "let clients without credentials pull")
	fs.DurationVar(&opts.Auth.TokenTTL, "token-ttl", registrytest.DefaultTokenTTL, "how long a token lives, with -auth token (`duration`)")
	fs.Func("forwarding-headers", "the forwarding headers the trusted proxies write: `forwarded`, x-forwarded or both (Forwarded when present, the default)", func(v string) error {
		switch v {
		case "both":
			opts.ForwardingHeaders = regapi.ForwardedOrXForwarded
		case "forwarded":
			opts.ForwardingHeaders = regapi.ForwardedOnly
		case "x-forwarded":
			opts.ForwardingHeaders = regapi.XForwardedOnly
		default:
			return errors.New("want forwarded, x-forwarded or both")
		}
		return nil
	})
	fs.BoolVar(&cfg.quiet, "quiet", false, "do not log requests")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil, 0
		}
		return nil, 2
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return nil, 2
	}
	for _, v := range []int64{opts.MaxBlobSize, opts.MaxManifestSize, int64(opts.MaxTagsPerPush), int64(opts.MaxUploads), opts.MaxStorage} {
		if v == 0 {
			fmt.Fprintln(stderr, "regapi serve: a limit of 0 is not allowed; use a negative value for no limit")
			return nil, 2
		}
	}
	if opts.ChunkMinLength < 0 || *uploadTTL < 0 || *bodyTimeout < 0 || opts.ReferrersPageSize < 0 {
		fmt.Fprintln(stderr, "regapi serve: -chunk-min-length, -upload-ttl, -body-timeout and -referrers-page-size must not be negative")
		return nil, 2
	}
	switch *authMode {
	case "none":
	case "basic":
		opts.Auth.Mode = registrytest.AuthBasic
	case "token":
		opts.Auth.Mode = registrytest.AuthToken
	default:
		fmt.Fprintf(stderr, "regapi serve: -auth %q: want none, basic or token\n", *authMode)
		return nil, 2
	}
	if opts.Auth.Mode != registrytest.AuthNone && len(opts.Auth.Users) == 0 && !opts.Auth.AnonymousPull {
		fmt.Fprintln(stderr, "regapi serve: -auth needs -user, -reader or -anonymous-pull")
		return nil, 2
	}
	limited := map[string]bool{}
	for i := range opts.Auth.Users {
		u := &opts.Auth.Users[i]
		if repos, ok := limits[u.Name]; ok {
			u.Repositories = repos
			limited[u.Name] = true
		}
	}
	for name := range limits {
		if !limited[name] {
			fmt.Fprintf(stderr, "regapi serve: -user-repositories: no account %q among -user and -reader\n", name)
			return nil, 2
		}
	}
	if opts.Auth.TokenTTL <= 0 {
		fmt.Fprintln(stderr, "regapi serve: -token-ttl must be positive")
		return nil, 2
	}
	if cfg.root != "" && opts.BlobDir != "" {
		fmt.Fprintln(stderr, "regapi serve: -root and -blob-dir exclude each other: -root keeps the blobs too")
		return nil, 2
	}
	if opts.BlobDir != "" {
		if err := os.MkdirAll(opts.BlobDir, 0o700); err != nil {
			fmt.Fprintln(stderr, "regapi serve: -blob-dir:", err)
			return nil, 2
		}
	}
	// On the command line 0 means never, as the help says; in Options it
	// means the default, and a negative value never.
	opts.UploadTTL, opts.BodyTimeout = *uploadTTL, *bodyTimeout
	if opts.UploadTTL == 0 {
		opts.UploadTTL = -1
	}
	if opts.BodyTimeout == 0 {
		opts.BodyTimeout = -1
	}
	return cfg, 0
}

// parseTrustedProxies parses the value of -trusted-proxies: CIDR prefixes
// ("10.0.0.0/8", "fd00::/8") or bare addresses ("192.0.2.7", "::1"),
// separated by commas. Empty items are ignored. A prefix with host bits set
// ("10.1.2.3/8") is refused, as it most likely means something else than
// what it covers.
func parseTrustedProxies(v string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR prefix", item)
			}
			if p != p.Masked() {
				return nil, fmt.Errorf("%q has bits set beyond its prefix length; did you mean %s?", item, p.Masked())
			}
			out = append(out, p)
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address or CIDR prefix", item)
		}
		a = a.Unmap() // peers are compared unmapped
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	if len(out) == 0 {
		return nil, errors.New("no prefix given")
	}
	return out, nil
}
