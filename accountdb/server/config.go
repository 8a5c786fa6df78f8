package server

import (
	"time"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/internal/swift"
)

// Kind is which of the two servers a process is.
type Kind = backend.Kind

const (
	ContainerServer = backend.ContainerServer
	AccountServer   = backend.AccountServer
)

// Config is a server's part of its config file ([DEFAULT] and [app:container-server]
// or [app:account-server]); the database backend reads its own settings from Section.
type Config struct {
	backend.BaseConfig
	Kind             Kind
	AutoCreatePrefix string   // accounts created by their first update (".")
	AllowVersions    bool     // keep X-Versions-Location (deprecated in Swift)
	AllowedSyncHosts []string // hosts X-Container-Sync-To may name
	DBBackend        string   // accountdb backend: rados or sqlite
	// The container updater inside a container server: seconds between passes (0: none),
	// containers reported at once, and the most read per pass.
	UpdaterInterval    time.Duration
	UpdaterConcurrency int
	UpdaterBatch       int
	Constraints        swift.Constraints // swift.conf's; the process sets them from swift.LoadSwiftConf
}

// DefaultPort is Swift's port of each server.
func DefaultPort(kind Kind) int {
	if kind == AccountServer {
		return 6202
	}
	return 6201
}

// CommonKeys is the table of the keys both servers have beyond the base ones.
func CommonKeys(c *Config) []config.Key {
	return []config.Key{
		config.String("auto_create_account_prefix", &c.AutoCreatePrefix, ".", "accounts with this prefix are created by their first update"),
		config.String("db_backend", &c.DBBackend, accountdb.DefaultBackend, "the account/container database backend: rados or sqlite"),
	}
}

// ContainerKeys is the table of the container server's own keys.
func ContainerKeys(c *Config) []config.Key {
	return []config.Key{
		config.Bool("allow_versions", &c.AllowVersions, false, "keep X-Versions-Location (Swift's deprecated versioning)"),
		config.List("allowed_sync_hosts", &c.AllowedSyncHosts, "127.0.0.1", "hosts X-Container-Sync-To may name"),
	}
}

// UpdaterKeys is the table of the container updater's keys (in [app:container-server]).
func UpdaterKeys(c *Config) []config.Key {
	return []config.Key{
		config.Seconds("updater_interval", &c.UpdaterInterval, 0, "seconds between the in-server container updater's passes (0: none)"),
		config.Int("updater_concurrency", &c.UpdaterConcurrency, 8, "containers reported to the account server at once").AtLeast(1),
		config.Int("updater_batch", &c.UpdaterBatch, 1000, "the most containers read per pass").AtLeast(1),
	}
}

// Tables are the key tables of a server of kind, beyond the base ones.
func Tables(c *Config, kind Kind) [][]config.Key {
	if kind == ContainerServer {
		return [][]config.Key{CommonKeys(c), ContainerKeys(c), UpdaterKeys(c)}
	}
	return [][]config.Key{CommonKeys(c)}
}

// LoadConfig reads a container or account server config file (or conf.d): the base
// keys, the server's, the database backend's, the pipeline's filters. Every bad value
// is reported in one error.
func LoadConfig(path string, kind Kind) (Config, error) {
	c := Config{Kind: kind, Constraints: swift.DefaultConstraints}
	backendKey := func(key string) bool {
		keys, _ := accountdb.Keys(c.DBBackend)
		for _, k := range keys {
			if k.Name == key {
				return true
			}
		}
		return false
	}
	base, err := backend.LoadBase(path, string(kind), DefaultPort(kind), backendKey, Tables(&c, kind)...)
	c.BaseConfig = base
	if base.File == nil { // the file could not be read at all
		return c, err
	}
	var errs config.Errors
	errs.Add(err)
	errs.Add(accountdb.Check(c.DBBackend, c.Section))
	return c, errs.Err()
}

// BackendSettings are the settings the database backend is opened with: the app
// section (with [DEFAULT]'s), where db_backend's own keys live.
func (c Config) BackendSettings() map[string]string { return c.Section.Values }
