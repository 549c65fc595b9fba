package memstore

import (
	"testing"

	"github.com/regapi/regapi/internal/storetest"
	"github.com/regapi/regapi/registry"
)

func TestContract(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"no limits", Options{}},
		{"limits", Options{MaxStorage: 1 << 30, MaxUploads: 100, UploadTTL: 1 << 40}},
		{"each link counted", Options{MaxStorage: 1 << 30, CountEachLink: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T) registry.Interface {
				s := New(tc.opts)
				t.Cleanup(func() {
					if err := s.checkAccounting(); err != nil {
						t.Error(err)
					}
					_ = s.Close()
				})
				return s
			})
		})
	}
}
