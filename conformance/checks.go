package conformance

import (
	"slices"
	"sync"

	"github.com/regapi/regapi"
	"github.com/regapi/regapi/internal/endpointid"
)

// CheckInfo describes one check the suite reports.
type CheckInfo struct {
	// Endpoint and Check name the check, as in Result.
	Endpoint, Check string
	// Workflow is the workflow the check belongs to; empty for the
	// contract checks.
	Workflow Workflow
	// Feature, when set, is the feature the check needs.
	Feature Feature
	// Doc says what the check asserts.
	Doc string
}

// workflowChecks lists the workflow checks in the order the suite runs
// them.
var workflowChecks = []CheckInfo{
	{"end-1", "api-version", "", "", "GET /v2/ answers 200, with credentials when the registry asks for them"},

	{"end-4a", "post-session", WorkflowPush, "", "POST opens an upload session: 202 with a Location"},
	{"end-6", "put-monolithic", WorkflowPush, "", "PUT of the whole blob to the session closes it: 201 with a Location naming the stored blob"},
	{"end-6", "put-empty-blob", WorkflowPush, FeatureEmptyBlob, "a blob of zero bytes is pushed with POST and PUT"},
	{"end-4b", "post-monolithic", WorkflowPush, "", "POST with digest and body stores the blob (201), or opens a session (202) that a PUT completes"},
	{"end-5", "patch-chunks", WorkflowPush, "", "PATCH chunks with Content-Range in order: 202 with Range ending at the chunk's last byte"},
	{"end-5", "patch-out-of-order", WorkflowPush, "", "a chunk that does not start right after the received bytes, or repeats them, gets 416"},
	{"end-6", "put-out-of-order", WorkflowPush, "", "PUT whose last chunk does not start right after the received bytes gets 416 (a requirement added after 1.1)"},
	{"end-13", "upload-status", WorkflowPush, "", "GET on the session answers 204 with Location and the Range received"},
	{"end-6", "put-final-chunk", WorkflowPush, "", "PUT with the last chunk and its Content-Range closes a chunked upload: 201 with a Location naming the whole blob"},
	{"end-6", "put-close", WorkflowPush, "", "PUT without body closes an upload whose bytes all came in PATCH requests"},
	{"end-5", "patch-stream", WorkflowPush, FeatureStreamedUpload, "PATCH without Content-Range appends the body: 202 with Range"},
	{"end-6", "put-wrong-digest", WorkflowPush, "", "PUT whose digest does not match the content gets 400 and stores nothing"},
	{"end-4b", "post-monolithic-sha512", WorkflowPush, FeatureSHA512, "POST with a sha512 digest and body stores the blob under that digest"},
	{"end-4c", "post-digest-algorithm", WorkflowPush, FeatureDigestAlgorithm, "POST with digest-algorithm=sha512 opens a session that a sha512 digest closes"},
	{"end-11", "mount", WorkflowPush, FeatureMount, "POST with mount and from links the other repository's blob: 201, and the blob is there"},
	{"end-11", "mount-missing", WorkflowPush, "", "POST mounting a blob the source lacks opens a session instead: 202 with a Location"},
	{"end-11", "mount-anonymous", WorkflowPush, FeatureAnonymousMount, "POST with mount and no from links the blob (201) or opens a session (202)"},
	{"end-14", "cancel-upload", WorkflowPush, FeatureUploadCancel, "DELETE on a session cancels it: 204, then the session is unknown (404)"},
	{"end-7a", "put-manifest-tag", WorkflowPush, "", "PUT of an image manifest by tag: 201 with a Location naming it and the manifest's digest"},
	{"end-7a", "put-manifest-digest", WorkflowPush, "", "PUT of an image manifest by digest: 201 with Location and that digest"},
	{"end-7a", "put-index", WorkflowPush, "", "PUT of an image index by tag: 201"},
	{"end-7a", "put-manifest-subject", WorkflowPush, FeatureReferrers, "PUT of artifacts whose subject exists: 201 with OCI-Subject naming the subject"},
	{"end-7a", "put-manifest-subject-missing", WorkflowPush, "", "PUT of a manifest whose subject does not exist is accepted: 201"},
	{"end-7a", "put-manifest-sha512", WorkflowPush, FeatureSHA512, "PUT of a manifest by its sha512 digest: 201 with that digest"},
	{"end-7a", "put-sparse-index", WorkflowPush, FeatureSparseIndex, "PUT of an index referencing a manifest the repository lacks: 201"},
	{"end-7b", "put-manifest-tags", WorkflowPush, FeatureTagParam, "PUT by digest with tag parameters: 201 with one OCI-Tag value per tag, and each tag serves the manifest"},

	{"end-2", "get-blob", WorkflowPull, "", "GET of each pushed blob: 200 with the exact bytes"},
	{"end-2", "head-blob", WorkflowPull, "", "HEAD of each pushed blob: 200 with its size, no body"},
	{"end-2", "get-blob-range", WorkflowPull, "", "GET with Range: 206 with the bytes asked for and Content-Range, the last bytes for a suffix range and 416 past the end (or 200 with the whole blob without the blob-range feature)"},
	{"end-2", "get-blob-missing", WorkflowPull, "", "GET and HEAD of a blob the repository lacks: 404"},
	{"end-2", "get-empty-blob", WorkflowPull, FeatureEmptyBlob, "GET and HEAD of the blob of zero bytes: 200, empty"},
	{"end-2", "get-blob-sha512", WorkflowPull, FeatureSHA512, "GET and HEAD of blobs by sha512 digest: 200 with the exact bytes"},
	{"end-3", "get-manifest-tag", WorkflowPull, "", "GET of a manifest by tag: 200 with the exact bytes and media type"},
	{"end-3", "get-manifest-digest", WorkflowPull, "", "GET of each pushed manifest and index by digest: 200 with the exact bytes and media type"},
	{"end-3", "head-manifest-tag", WorkflowPull, "", "HEAD of a manifest by tag: 200 with its size and digest, no body"},
	{"end-3", "head-manifest-digest", WorkflowPull, "", "HEAD of each pushed manifest by digest: 200 with its size, no body"},
	{"end-3", "get-manifest-missing", WorkflowPull, "", "GET and HEAD of an unknown tag and an unknown digest: 404"},
	{"end-3", "get-manifest-sha512", WorkflowPull, FeatureSHA512, "GET of the manifest pushed by sha512 digest: 200 with the exact bytes"},

	{"end-8a", "list-tags", WorkflowDiscovery, "", "GET of the tag list: 200, the repository's name and every pushed tag, in order"},
	{"end-8a", "list-tags-unknown-repository", WorkflowDiscovery, "", "GET of the tag list of a repository that does not exist: 404"},
	{"end-8b", "list-tags-n", WorkflowDiscovery, "", "n limits the list to its first n tags, or fewer with a Link to the rest"},
	{"end-8b", "list-tags-last", WorkflowDiscovery, "", "last starts the list after the given tag"},
	{"end-8b", "list-tags-n-zero", WorkflowDiscovery, "", "n=0 answers an empty list without Link"},
	{"end-8b", "list-tags-pages", WorkflowDiscovery, "", "pages of one tag, followed by Link (or last), give the whole list once"},
	{"end-12a", "referrers", WorkflowDiscovery, FeatureReferrers, "GET of the referrers of a manifest: an image index listing each referrer with its artifactType and annotations"},
	{"end-12a", "referrers-empty", WorkflowDiscovery, FeatureReferrers, "GET of the referrers of a digest nothing refers to: 200 with an empty index, in a repository with content and in one without manifests (or 404 there)"},
	{"end-12a", "referrers-subject-missing", WorkflowDiscovery, FeatureReferrers, "GET of the referrers of a digest the repository lacks lists the manifest pushed with it as subject"},
	{"end-12b", "referrers-filter", WorkflowDiscovery, FeatureReferrers, "GET with artifactType: a filter claimed in OCI-Filters-Applied is applied (and required with referrers-filter)"},
	{"catalog", "list-catalog", WorkflowDiscovery, FeatureCatalog, "GET of the catalog, page after page by Link: 200 with the repositories the run pushed to"},

	{"end-9", "delete-tag", WorkflowManagement, FeatureDeleteTag, "DELETE of a tag: 202; the tag is gone, the manifest stays"},
	{"end-9", "delete-manifest", WorkflowManagement, FeatureDeleteManifest, "DELETE of a manifest by digest: 202; it and its tags are gone"},
	{"end-8a", "list-tags-after-delete", WorkflowManagement, FeatureDeleteManifest, "a tag pushed again after its manifest was deleted is listed"},
	{"end-9", "delete-manifest-missing", WorkflowManagement, FeatureDeleteManifest, "DELETE of an unknown manifest: 404"},
	{"end-10", "delete-blob", WorkflowManagement, FeatureDeleteBlob, "DELETE of a blob: 202; the blob is gone"},
	{"end-10", "delete-blob-missing", WorkflowManagement, FeatureDeleteBlob, "DELETE of an unknown blob: 404"},
}

// limitsCheck is the check that the listings the suite reads stay within
// Options.MaxPageEntries and Options.MaxListEntries. It belongs to no
// workflow: every listing read, whatever the step, counts.
var limitsCheck = CheckInfo{
	Endpoint: "listings", Check: "entry-limits",
	Doc: "every page of a tag, referrers or catalog listing holds at most Options.MaxPageEntries entries (-max-page-entries, 10,000 by default) and every listing at most Options.MaxListEntries (-max-list-entries, 100,000), counted as they are decoded",
}

// contractEndpoints lists the endpoints whose responses the contract
// checks cover: every endpoint ID the descriptors give a request variant,
// in the order of the specification's table.
var contractEndpoints = sync.OnceValue(func() []string {
	var ids []string
	for _, rd := range regapi.Descriptors() {
		for _, md := range rd.Methods {
			for _, r := range md.Requests {
				if r.EndpointID != "" && !slices.Contains(ids, r.EndpointID) {
					ids = append(ids, r.EndpointID)
				}
			}
		}
	}
	slices.SortFunc(ids, endpointid.Compare)
	return ids
})

// contractDocs says what each contract check asserts.
var contractDocs = map[Rule]string{
	RuleStatus:  "every response has a status the request's variant lists",
	RuleHeaders: "every response has the headers its descriptor (and the specification version) requires, well-formed, and a body its method and status allow",
	RuleDigest:  "every Docker-Content-Digest verifies the content it names",
	RuleErrors:  "every JSON body of a 4xx error is the error envelope with codes listed for its status",
}

// Checks lists every check the suite reports, in report order: the
// workflow checks, the bounds of listings, then the contract checks of
// each endpoint.
func Checks() []CheckInfo {
	out := append([]CheckInfo(nil), workflowChecks...)
	out = append(out, limitsCheck)
	for _, e := range contractEndpoints() {
		for _, r := range rules {
			out = append(out, CheckInfo{Endpoint: e, Check: r.checkName(), Doc: contractDocs[r]})
		}
	}
	return out
}
