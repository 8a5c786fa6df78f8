package server

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

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
	Kind             Kind
	BindIP           string
	BindPort         int
	LogLevel         string
	ClientTimeout    time.Duration // a client that sends nothing this long is dropped
	NodeTimeout      time.Duration // an account server that answers nothing this long
	ConnTimeout      time.Duration // connecting to an account server
	MaxClients       int           // concurrent requests
	SwiftConf        string        // swift.conf: hash path, policies, constraints
	SwiftDir         string        // where account.ring.gz is (the container updater)
	AutoCreatePrefix string        // accounts created by their first update (".")
	AllowVersions    bool          // keep X-Versions-Location (deprecated in Swift)
	AllowedSyncHosts []string      // hosts X-Container-Sync-To may name
	DBBackend        string        // accountdb backend: rados or sqlite
	// The container updater inside a container server: seconds between passes (0: none),
	// containers reported at once, and the most read per pass.
	UpdaterInterval    time.Duration
	UpdaterConcurrency int
	UpdaterBatch       int
	Pipeline           []string // [pipeline:main]: middleware names, then the app
	Constraints        swift.Constraints
	File               *config.File
	Section            config.Section
}

// LoadConfig reads a container or account server config file; every bad value is an
// error naming it.
func LoadConfig(path string, kind Kind) (Config, error) {
	file, err := config.Load(path)
	if err != nil {
		return Config{}, err
	}
	app := "app:" + string(kind)
	if !file.HasSection(app) {
		return Config{}, fmt.Errorf("%s: no [%s] section", path, app)
	}
	s := file.Section(app)
	c := Config{
		Kind:             kind,
		BindIP:           s.String("bind_ip", "0.0.0.0"),
		LogLevel:         s.String("log_level", "INFO"),
		SwiftDir:         s.String("swift_dir", "/etc/swift"),
		AutoCreatePrefix: s.String("auto_create_account_prefix", "."),
		DBBackend:        s.String("db_backend", "rados"),
		Constraints:      swift.DefaultConstraints,
		File:             file,
		Section:          s,
	}
	c.SwiftConf = s.String("swift_conf", filepath.Join(c.SwiftDir, "swift.conf"))
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	defaultPort := 6201
	if kind == AccountServer {
		defaultPort = 6202
	}
	c.BindPort, err = s.Int("bind_port", defaultPort)
	check(err)
	c.MaxClients, err = s.Int("max_clients", 1024)
	check(err)
	c.ClientTimeout, err = s.Seconds("client_timeout", 60*time.Second)
	check(err)
	c.NodeTimeout, err = s.Seconds("node_timeout", 3*time.Second)
	check(err)
	c.ConnTimeout, err = s.Seconds("conn_timeout", 500*time.Millisecond)
	check(err)
	c.AllowVersions, err = s.Bool("allow_versions", false)
	check(err)
	c.UpdaterInterval, err = s.Seconds("updater_interval", 0)
	check(err)
	c.UpdaterConcurrency, err = s.Int("updater_concurrency", 8)
	check(err)
	c.UpdaterBatch, err = s.Int("updater_batch", 1000)
	check(err)
	if len(errs) > 0 {
		return c, errs[0]
	}
	if c.UpdaterConcurrency < 1 || c.UpdaterBatch < 1 {
		return c, fmt.Errorf("%s: updater_concurrency and updater_batch must be at least 1", path)
	}
	for _, h := range strings.Split(s.String("allowed_sync_hosts", "127.0.0.1"), ",") {
		if h = strings.TrimSpace(h); h != "" {
			c.AllowedSyncHosts = append(c.AllowedSyncHosts, h)
		}
	}
	c.Pipeline = []string{string(kind)}
	if file.HasSection("pipeline:main") {
		c.Pipeline = strings.Fields(file.Section("pipeline:main").String("pipeline", string(kind)))
	}
	if len(c.Pipeline) == 0 || c.Pipeline[len(c.Pipeline)-1] != string(kind) {
		return c, fmt.Errorf("%s: [pipeline:main] must end with %s", path, kind)
	}
	return c, nil
}

// BackendSettings are the settings the database backend is opened with: the app
// section (with [DEFAULT]'s), where db_backend's own keys live.
func (c Config) BackendSettings() map[string]string { return c.Section.Values }
