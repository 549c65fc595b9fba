package registrytest

import (
	"net/http"
	"testing"

	"github.com/opencontainers/go-digest"

	"github.com/regapi/regapi/registry/dirstore"
)

// TestOtherStore serves a directory store through Options.Store and
// checks that what the test registry adds works over it as over memory:
// authentication, a fault, the request log; and that a second registry
// over the same directory serves what the first stored.
func TestOtherStore(t *testing.T) {
	dir := t.TempDir()
	st, err := dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	reg := New(Options{Store: st, Auth: Auth{Mode: AuthBasic, Users: testUsers}})
	alice := map[string]string{"Authorization": basic("alice", "s3cret")}
	content := []byte("kept in a directory")
	d := digest.FromBytes(content)
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + d.String(), body: content, status: http.StatusUnauthorized, code: "UNAUTHORIZED"})
	run(t, reg, call{method: "POST", path: "/v2/a/blobs/uploads/?digest=" + d.String(), header: alice, body: content, status: http.StatusCreated})
	if err := reg.InjectFault("GET blob status=503"); err != nil {
		t.Fatal(err)
	}
	run(t, reg, call{method: "GET", path: "/v2/a/blobs/" + d.String(), header: alice, status: http.StatusServiceUnavailable, code: "UNAVAILABLE"})
	res := run(t, reg, call{method: "GET", path: "/v2/a/blobs/" + d.String(), header: alice, status: http.StatusOK})
	if string(res.body) != string(content) {
		t.Fatalf("GET: %q", res.body)
	}
	log := reg.Requests()
	if last := log[len(log)-2]; last.Fault != "GET blob status=503" || last.Status != http.StatusServiceUnavailable || last.EndpointID != "end-2" {
		t.Fatalf("the log has %+v for the faulted GET", last)
	}

	st2, err := dirstore.Open(dir, dirstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	again := New(Options{Store: st2})
	run(t, again, call{method: "GET", path: "/v2/a/blobs/" + d.String(), status: http.StatusOK})
	run(t, again, call{method: "GET", path: "/v2/_catalog", status: http.StatusOK, headers: map[string]string{"Content-Type": "application/json"}})
}
