package registrytest

import (
	"net/http"
	"testing"

	"github.com/opencontainers/go-digest"
)

// TestMountWithoutFromNeedsPull checks that a mount without from links a
// blob only from a repository the request itself may pull: with a token,
// one whose scopes grant pull on it, whatever the account could be
// granted; with Basic, one the user may pull. Otherwise the mount opens an
// upload session and the blob stays out of reach through the target.
func TestMountWithoutFromNeedsPull(t *testing.T) {
	secret := []byte("only in private")
	d := digest.FromBytes(secret)
	users := []User{
		{Name: "alice", Password: "s3cret"},
		{Name: "ci", Password: "c1", Repositories: []string{"ci/scratch", "ci/other"}},
		{Name: "ci2", Password: "c2", Repositories: []string{"ci/scratch", "private"}},
	}
	mount := "/v2/ci/scratch/blobs/uploads/?mount=" + d.String()
	blobPath := "/v2/ci/scratch/blobs/" + d.String()

	for _, tt := range []struct {
		name string
		mode AuthMode
		// credentials returns the Authorization of the mount and of the
		// read through the target that follows it.
		credentials func(t *testing.T, reg *Registry) string
		status      int // of the mount
		readStatus  int // of the GET through ci/scratch afterwards
	}{
		{"token for the target only", AuthToken, func(t *testing.T, reg *Registry) string {
			tok, res := tokenFor(t, reg, basic("alice", "s3cret"), "repository:ci/scratch:pull,push")
			if tok == "" {
				t.Fatalf("token: %d %s", res.status, res.body)
			}
			return "Bearer " + tok
		}, http.StatusAccepted, http.StatusNotFound},
		{"token with push but not pull on the holder", AuthToken, func(t *testing.T, reg *Registry) string {
			tok, _ := tokenFor(t, reg, basic("alice", "s3cret"), "repository:ci/scratch:pull,push", "repository:private:push")
			return "Bearer " + tok
		}, http.StatusAccepted, http.StatusNotFound},
		{"token with pull on the holder", AuthToken, func(t *testing.T, reg *Registry) string {
			tok, _ := tokenFor(t, reg, basic("alice", "s3cret"), "repository:ci/scratch:pull,push", "repository:private:pull")
			return "Bearer " + tok
		}, http.StatusCreated, http.StatusOK},
		{"token of a user who may not pull the holder asking for it", AuthToken, func(t *testing.T, reg *Registry) string {
			tok, _ := tokenFor(t, reg, basic("ci", "c1"), "repository:ci/scratch:pull,push", "repository:private:pull")
			return "Bearer " + tok
		}, http.StatusAccepted, http.StatusNotFound},
		{"basic user who may pull everything", AuthBasic, func(*testing.T, *Registry) string {
			return basic("alice", "s3cret")
		}, http.StatusCreated, http.StatusOK},
		{"basic user who may not pull the holder", AuthBasic, func(*testing.T, *Registry) string {
			return basic("ci", "c1")
		}, http.StatusAccepted, http.StatusNotFound},
		{"basic user who may pull the holder", AuthBasic, func(*testing.T, *Registry) string {
			return basic("ci2", "c2")
		}, http.StatusCreated, http.StatusOK},
		{"no authentication", AuthNone, func(*testing.T, *Registry) string {
			return ""
		}, http.StatusCreated, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reg := New(Options{Auth: Auth{Mode: tt.mode, Users: users}})
			owner := basic("alice", "s3cret")
			switch tt.mode {
			case AuthToken:
				tok, _ := tokenFor(t, reg, owner, "repository:private:pull,push")
				owner = "Bearer " + tok
			case AuthNone:
				owner = ""
			}
			if res := authCall(t, reg, "POST", "/v2/private/blobs/uploads/?digest="+d.String(), owner, secret); res.status != http.StatusCreated {
				t.Fatalf("push to private: %d %s", res.status, res.body)
			}
			authorization := tt.credentials(t, reg)
			res := authCall(t, reg, "POST", mount, authorization, nil)
			if res.status != tt.status {
				t.Fatalf("mount: %d, want %d: %s", res.status, tt.status, res.body)
			}
			if res.status == http.StatusAccepted && res.header.Get("Docker-Upload-Uuid") == "" {
				t.Fatalf("mount answered 202 without an upload session: %v", res.header)
			}
			read := authCall(t, reg, "GET", blobPath, authorization, nil)
			if read.status != tt.readStatus {
				t.Fatalf("GET through ci/scratch: %d, want %d: %s", read.status, tt.readStatus, read.body)
			}
			if read.status == http.StatusOK && string(read.body) != string(secret) {
				t.Fatalf("GET through ci/scratch: %q", read.body)
			}
			if read.status == http.StatusNotFound {
				if code := errorCode(t, read); code != "BLOB_UNKNOWN" {
					t.Fatalf("GET through ci/scratch: code %s", code)
				}
			}
			if err := reg.checkAccounting(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestMountFromStillNeedsPullOnFrom checks that naming the source keeps
// needing pull on it, in both modes.
func TestMountFromStillNeedsPullOnFrom(t *testing.T) {
	secret := []byte("only in private, named")
	d := digest.FromBytes(secret)
	users := []User{{Name: "alice", Password: "s3cret"}, {Name: "ci", Password: "c1", Repositories: []string{"ci/scratch"}}}
	path := "/v2/ci/scratch/blobs/uploads/?mount=" + d.String() + "&from=private"

	reg := New(Options{Auth: Auth{Mode: AuthBasic, Users: users}})
	if res := authCall(t, reg, "POST", "/v2/private/blobs/uploads/?digest="+d.String(), basic("alice", "s3cret"), secret); res.status != http.StatusCreated {
		t.Fatalf("push: %d %s", res.status, res.body)
	}
	if res := authCall(t, reg, "POST", path, basic("ci", "c1"), nil); res.status != http.StatusForbidden || errorCode(t, res) != "DENIED" {
		t.Fatalf("basic mount from private by a user who may not pull it: %d %s", res.status, res.body)
	}
	if res := authCall(t, reg, "POST", path, basic("alice", "s3cret"), nil); res.status != http.StatusCreated {
		t.Fatalf("basic mount from private: %d %s", res.status, res.body)
	}

	reg = New(Options{Auth: Auth{Mode: AuthToken, Users: users}})
	push, _ := tokenFor(t, reg, basic("alice", "s3cret"), "repository:private:pull,push")
	if res := authCall(t, reg, "POST", "/v2/private/blobs/uploads/?digest="+d.String(), "Bearer "+push, secret); res.status != http.StatusCreated {
		t.Fatalf("push: %d %s", res.status, res.body)
	}
	narrow, _ := tokenFor(t, reg, basic("alice", "s3cret"), "repository:ci/scratch:pull,push")
	res := authCall(t, reg, "POST", path, "Bearer "+narrow, nil)
	if res.status != http.StatusUnauthorized || res.header.Get("WWW-Authenticate") == "" {
		t.Fatalf("token mount from private without pull on it: %d %v", res.status, res.header)
	}
	wide, _ := tokenFor(t, reg, basic("alice", "s3cret"), "repository:ci/scratch:pull,push", "repository:private:pull")
	if res := authCall(t, reg, "POST", path, "Bearer "+wide, nil); res.status != http.StatusCreated {
		t.Fatalf("token mount from private with pull on it: %d %s", res.status, res.body)
	}
}
