package conformance

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/regapi/regapi/internal/grammar"
)

// SpecVersion is a version of the OCI distribution specification whose
// rules the checks apply.
type SpecVersion string

// The versions the checks know. They differ where the main branch turned a
// SHOULD into a MUST or added an endpoint.
const (
	// SpecV1_1 is the released specification, 1.1 (1.1.1).
	SpecV1_1 SpecVersion = "v1.1"
	// SpecDev is the main branch of the specification: Docker-Content-Digest
	// is required on manifest and blob GET and HEAD responses and
	// Content-Length on their HEAD responses, and end-4c, end-7b and end-14
	// exist.
	SpecDev SpecVersion = "dev"
)

// Workflow is one of the specification's four categories of the API.
type Workflow string

// The workflows, in the order the suite runs them.
const (
	WorkflowPush       Workflow = "push"
	WorkflowPull       Workflow = "pull"
	WorkflowDiscovery  Workflow = "discovery"
	WorkflowManagement Workflow = "management"
)

// allWorkflows lists the workflows in the order the suite runs them.
var allWorkflows = []Workflow{WorkflowPush, WorkflowPull, WorkflowDiscovery, WorkflowManagement}

// Feature is an optional behaviour the suite tests only when enabled: a
// registry may lack it and still conform.
type Feature string

// The optional features.
const (
	// FeatureStreamedUpload is PATCH without Content-Range, the Docker
	// extension that appends whatever the body holds (end-5).
	FeatureStreamedUpload Feature = "streamed-upload"
	// FeatureEmptyBlob is the push and pull of a blob of zero bytes.
	FeatureEmptyBlob Feature = "empty-blob"
	// FeatureMount requires a mount naming its source (end-11) to link the
	// blob (201) rather than open a session.
	FeatureMount Feature = "mount"
	// FeatureAnonymousMount sends a mount without from; both 201 and 202
	// pass, and a 201 must have linked the blob.
	FeatureAnonymousMount Feature = "anonymous-mount"
	// FeatureUploadCancel is DELETE on an upload session (end-14).
	FeatureUploadCancel Feature = "upload-cancel"
	// FeatureDigestAlgorithm is the digest-algorithm parameter of an upload
	// start (end-4c), tested with sha512.
	FeatureDigestAlgorithm Feature = "digest-algorithm"
	// FeatureSHA512 is blobs and a manifest addressed by sha512 digests.
	FeatureSHA512 Feature = "sha512"
	// FeatureTagParam is the push of a manifest by digest with tag
	// parameters (end-7b).
	FeatureTagParam Feature = "tag-param"
	// FeatureReferrers is the referrers API (end-12a, end-12b) and the
	// OCI-Subject header of a manifest push with a subject.
	FeatureReferrers Feature = "referrers"
	// FeatureReferrersFilter requires the registry to apply the
	// artifactType filter of end-12b; without it a registry may leave the
	// filtering to the client.
	FeatureReferrersFilter Feature = "referrers-filter"
	// FeatureSparseIndex is the push of an index referencing a manifest the
	// repository lacks, which registries may refuse.
	FeatureSparseIndex Feature = "sparse-index"
	// FeatureBlobRange requires a Range request on a blob to be answered
	// with 206; without it a whole blob (200) passes too.
	FeatureBlobRange Feature = "blob-range"
	// FeatureDeleteTag is the deletion of a tag (end-9).
	FeatureDeleteTag Feature = "delete-tag"
	// FeatureDeleteManifest is the deletion of a manifest by digest (end-9).
	FeatureDeleteManifest Feature = "delete-manifest"
	// FeatureDeleteBlob is the deletion of a blob (end-10).
	FeatureDeleteBlob Feature = "delete-blob"
	// FeatureCatalog is the catalog, the Docker extension listing a
	// registry's repositories (GET /v2/_catalog), which the specification
	// does not define and registries often restrict.
	FeatureCatalog Feature = "catalog"
)

// AllFeatures lists every optional feature.
func AllFeatures() []Feature {
	return []Feature{
		FeatureStreamedUpload, FeatureEmptyBlob, FeatureMount, FeatureAnonymousMount,
		FeatureUploadCancel, FeatureDigestAlgorithm, FeatureSHA512, FeatureTagParam,
		FeatureReferrers, FeatureReferrersFilter, FeatureSparseIndex, FeatureBlobRange,
		FeatureDeleteTag, FeatureDeleteManifest, FeatureDeleteBlob, FeatureCatalog,
	}
}

// DefaultFeatures lists the features tested by default for a version: what
// the version defines and common registries offer. Tag parameters, a
// required referrers filter, sparse indexes and required byte ranges are
// left out, since the specification lets registries refuse or ignore them,
// and so is the catalog, which it does not define.
func DefaultFeatures(v SpecVersion) []Feature {
	out := []Feature{
		FeatureStreamedUpload, FeatureEmptyBlob, FeatureMount, FeatureAnonymousMount,
		FeatureReferrers, FeatureDeleteTag, FeatureDeleteManifest, FeatureDeleteBlob,
	}
	if v == SpecDev {
		out = append(out, FeatureUploadCancel, FeatureDigestAlgorithm, FeatureSHA512)
	}
	return out
}

// Target is the registry under test: a base URL, or a handler served in
// process.
type Target struct {
	// URL is the registry's base URL: scheme, host and any path prefix in
	// front of /v2/, such as "https://registry.example.com" or
	// "http://127.0.0.1:5000/mirror". With Handler set it may be empty, and
	// then defaults to "http://registry.test".
	URL string

	// Handler, when set, serves every request in process: nothing goes over
	// a network. Its answers are taken as net/http's server would send
	// them: the body a handler writes for a HEAD request is dropped, not
	// reported, since a server never sends it. Checker.Middleware is the
	// way to see what a handler writes.
	Handler http.Handler
}

// Options say what to test and how to reach the registry. The zero value
// runs every workflow against SpecV1_1 with its default features.
type Options struct {
	// Workflows lists the workflows to report; nil means all four. Content
	// the reported workflows need is pushed whatever the list says, and
	// its responses are still checked against the descriptors.
	Workflows []Workflow

	// Spec is the version of the specification to hold the registry to;
	// empty means SpecV1_1.
	Spec SpecVersion

	// Enable and Disable adjust the features of DefaultFeatures(Spec);
	// Disable wins.
	Enable, Disable []Feature

	// Repository and SecondRepository are the repositories the suite pushes
	// to; the second receives mounts. Empty means names unique to the run,
	// below "conformance/".
	Repository, SecondRepository string

	// Username and Password are the credentials: sent with Basic
	// authentication to a registry whose 401 asks for it, or to the token
	// server its Bearer challenge names, through the auth package's
	// transport. Without them the suite still fetches anonymous tokens.
	// They go to the target's origin (scheme, host and port) and to the
	// token realms the auth package accepts for it, and nowhere else: a
	// redirect or an upload Location to another origin is followed
	// without any Authorization header.
	Username, Password string

	// Transport carries the requests to the registry, for example with TLS
	// settings of its own; nil means a clone of http.DefaultTransport. It
	// is not used with Target.Handler. Authentication is layered on top of
	// it in one place, see authTransport. An *http.Transport is cloned:
	// response headers are bounded to 1 MiB unless it sets a bound of its
	// own, and its connections are watched for the bytes a server sends
	// after the header of a HEAD response, which net/http's client drops
	// unseen and the suite reports; https then speaks HTTP/1.1, with the
	// transport's dialer and TLS settings. Any other RoundTripper is used
	// as it is, without those checks.
	Transport http.RoundTripper

	// RequestTimeout bounds each request, from sending it to the last byte
	// of its answer, so that a registry that stalls fails the check that
	// waited rather than the whole run. Zero means DefaultRequestTimeout;
	// a negative value, no bound but the context's.
	RequestTimeout time.Duration

	// MaxPageEntries bounds the entries of one page of a tag, referrers
	// or catalog listing, and MaxListEntries those of a whole listing,
	// all its pages together. They are counted as the page is decoded,
	// which stops at the entry past the bound: a registry cannot make the
	// suite hold millions of small entries. A listing past a bound fails
	// the check listings/entry-limits and the step that read it. Zero
	// means DefaultMaxPageEntries and DefaultMaxListEntries.
	MaxPageEntries, MaxListEntries int
}

// DefaultRequestTimeout is the bound on one request when
// Options.RequestTimeout is zero: long enough for the suite's largest blob,
// 80 MiB, at about a megabyte a second.
const DefaultRequestTimeout = 2 * time.Minute

// settings are Options resolved: the version, the enabled features and
// workflows, and the repositories.
type settings struct {
	spec      SpecVersion
	features  map[Feature]bool
	workflows map[Workflow]bool
	repo      string
	repo2     string
	maxPage   int
	maxList   int
}

// resolve checks opts and applies the defaults. runID names the
// repositories of the run when opts does not.
func (opts Options) resolve(runID string) (settings, error) {
	s := settings{spec: opts.Spec, features: map[Feature]bool{}, workflows: map[Workflow]bool{}}
	switch s.spec {
	case "":
		s.spec = SpecV1_1
	case SpecV1_1, SpecDev:
	default:
		return s, fmt.Errorf("conformance: unknown specification version %q (want %q or %q)", opts.Spec, SpecV1_1, SpecDev)
	}
	for _, f := range DefaultFeatures(s.spec) {
		s.features[f] = true
	}
	known := AllFeatures()
	for _, f := range opts.Enable {
		if !slices.Contains(known, f) {
			return s, fmt.Errorf("conformance: unknown feature %q", f)
		}
		s.features[f] = true
	}
	for _, f := range opts.Disable {
		if !slices.Contains(known, f) {
			return s, fmt.Errorf("conformance: unknown feature %q", f)
		}
		delete(s.features, f)
	}
	workflows := opts.Workflows
	if workflows == nil {
		workflows = allWorkflows
	}
	for _, w := range workflows {
		if !slices.Contains(allWorkflows, w) {
			return s, fmt.Errorf("conformance: unknown workflow %q", w)
		}
		s.workflows[w] = true
	}
	s.repo, s.repo2 = opts.Repository, opts.SecondRepository
	if s.repo == "" {
		s.repo = "conformance/" + runID + "/one"
	}
	if s.repo2 == "" {
		s.repo2 = "conformance/" + runID + "/two"
	}
	for _, r := range []string{s.repo, s.repo2} {
		if !grammar.IsRepository(r) {
			return s, fmt.Errorf("conformance: %q is not a valid repository name", r)
		}
	}
	s.maxPage, s.maxList = opts.MaxPageEntries, opts.MaxListEntries
	if s.maxPage == 0 {
		s.maxPage = DefaultMaxPageEntries
	}
	if s.maxList == 0 {
		s.maxList = DefaultMaxListEntries
	}
	if s.maxPage < 0 || s.maxList < 0 {
		return s, fmt.Errorf("conformance: the bounds on listings must not be negative: %d entries a page, %d a listing", opts.MaxPageEntries, opts.MaxListEntries)
	}
	if s.repo == s.repo2 {
		return s, fmt.Errorf("conformance: the two repositories must differ, both are %q", s.repo)
	}
	return s, nil
}

// featureList returns the enabled features in the order of AllFeatures.
func (s settings) featureList() []Feature {
	var out []Feature
	for _, f := range AllFeatures() {
		if s.features[f] {
			out = append(out, f)
		}
	}
	return out
}

// ParseFeatures reads a comma-separated list of feature names, as a command
// line gives it. An empty string is an empty list.
func ParseFeatures(list string) ([]Feature, error) {
	var out []Feature
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		f := Feature(name)
		if !slices.Contains(AllFeatures(), f) {
			return nil, fmt.Errorf("unknown feature %q", name)
		}
		out = append(out, f)
	}
	return out, nil
}

// ParseWorkflows reads a comma-separated list of workflow names. An empty
// string is nil, meaning every workflow.
func ParseWorkflows(list string) ([]Workflow, error) {
	var out []Workflow
	for _, name := range strings.Split(list, ",") {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		w := Workflow(name)
		if !slices.Contains(allWorkflows, w) {
			return nil, fmt.Errorf("unknown workflow %q", name)
		}
		out = append(out, w)
	}
	return out, nil
}
