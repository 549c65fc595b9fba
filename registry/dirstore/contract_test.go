package dirstore_test

import (
	"testing"

	"github.com/regapi/regapi/internal/storetest"
	"github.com/regapi/regapi/registry"
	"github.com/regapi/regapi/registry/dirstore"
)

// openTemp opens a store in a new temporary directory, closed at the end
// of t.
func openTemp(t *testing.T, opts dirstore.Options) (*dirstore.Store, string) {
	t.Helper()
	dir := t.TempDir()
	s, err := dirstore.Open(dir, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, dir
}

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) registry.Interface {
		s, _ := openTemp(t, dirstore.Options{})
		return s
	})
}

// TestContractTwoStores runs the contract over two Stores on one
// directory, every call going to the other one in turn.
