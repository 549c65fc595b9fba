package registryload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/distribution/distribution/v3/configuration"
	"github.com/distribution/distribution/v3/registry/handlers"
	"github.com/sirupsen/logrus"

	// The filesystem driver registers itself with the driver factory.
	_ "github.com/distribution/distribution/v3/registry/storage/driver/filesystem"
)

// DistributionFSName is the name of the side DistributionFS returns.
const DistributionFSName = "distribution-fs"

// DistributionFS returns distribution's registry application with its
// filesystem storage driver in a fresh temporary directory, configured as
// its container image ships it (the in-memory blob descriptor cache,
// manifest validation on, deletes off), served in this process as the
// other sides are. What its command adds around the application is left
// out, which only makes it faster: the access log, OpenTelemetry, the
// health checks, and the request log, whose level is set to errors as
// `log.level: error` does (distribution logs through logrus's standard
// logger, which only a process-wide setting reaches). Upload purging,
// which would start a goroutine per registry that wakes after hours, is
// off. The directory is removed when the registry is released.
func DistributionFS() Side {
	return Side{Name: DistributionFSName, New: func() (h http.Handler, release func() error, err error) {
		logrus.SetLevel(logrus.ErrorLevel)
		dir, err := os.MkdirTemp("", "registryload-distribution-")
		if err != nil {
			return nil, nil, err
		}
		config := &configuration.Configuration{
			Storage: configuration.Storage{
				"filesystem":  configuration.Parameters{"rootdirectory": dir},
				"cache":       configuration.Parameters{"blobdescriptor": "inmemory"},
				"maintenance": configuration.Parameters{"uploadpurging": map[any]any{"enabled": false}},
			},
		}
		config.Log.Level = "error"
		config.Log.AccessLog.Disabled = true
		// NewApp panics on a configuration it refuses.
		defer func() {
			if p := recover(); p != nil {
				err = errors.Join(fmt.Errorf("distribution: %v", p), os.RemoveAll(dir))
			}
		}()
		app := handlers.NewApp(context.Background(), config)
		release = func() error { return errors.Join(app.Shutdown(), os.RemoveAll(dir)) }
		return app, release, nil
	}}
}
