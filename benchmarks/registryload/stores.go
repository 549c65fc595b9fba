package registryload

import (
	"errors"
	"net/http"
	"os"

	"github.com/regapi/regapi/registry/dirstore"
	"github.com/regapi/regapi/registry/memstore"
	"github.com/regapi/regapi/registrytest"
	"github.com/regapi/regapi/server"
)

// The names of the sides that serve a store through package server.
const (
	ServerMemstoreName = "server-memstore"
	ServerDirstoreName = "server-dirstore"
)

// ServerMemstore returns package server over a memory store, both with
// the limits registrytest has by default: what registrytest serves once
// it is a server over a memory store, without its request log.
func ServerMemstore() Side {
	return Side{Name: ServerMemstoreName, New: func() (http.Handler, func() error, error) {
		st := memstore.New(memstore.Options{
			MaxStorage: registrytest.DefaultMaxStorage,
			MaxUploads: registrytest.DefaultMaxUploads,
			UploadTTL:  registrytest.DefaultUploadTTL,
		})
		return server.New(st, server.Options{}), st.Close, nil
	}}
}

// ServerDirstore returns package server over a directory store in a
// fresh temporary directory, both with their default options: what
// `regapi serve -root DIR` serves. The directory is removed when the
// registry is released.
func ServerDirstore() Side {
	return Side{Name: ServerDirstoreName, New: func() (http.Handler, func() error, error) {
		dir, err := os.MkdirTemp("", "registryload-dirstore-")
		if err != nil {
			return nil, nil, err
		}
		st, err := dirstore.Open(dir, dirstore.Options{})
		if err != nil {
			return nil, nil, errors.Join(err, os.RemoveAll(dir))
		}
		release := func() error { return errors.Join(st.Close(), os.RemoveAll(dir)) }
		return server.New(st, server.Options{}), release, nil
	}}
}

// Known returns every side the comparison can run: Sides, Relaxed, the
// sides that serve a store through package server, and distribution's
// registry with its filesystem driver.
func Known() []Side {
	return append(Sides(), Relaxed(), ServerMemstore(), ServerDirstore(), DistributionFS())
}
