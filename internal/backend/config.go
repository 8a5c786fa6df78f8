package backend

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/middleware"
)

// BaseConfig is what every backend server (object, container, account) reads from
// its config file, as Swift's run_wsgi and BaseStorageServer do: where to listen,
// timeouts, logging, swift.conf, and the [pipeline:main] that ends with the app.
type BaseConfig struct {
	App            string // the app section's name: object-server, container-server or account-server
	BindIP         string
	BindPort       int
	LogLevel       string
	ClientTimeout  time.Duration // a client that sends nothing this long is dropped
	HeadTimeout    time.Duration // the longest a request head may take to arrive
	NodeTimeout    time.Duration // another server that answers nothing this long
	ConnTimeout    time.Duration // connecting to another server
	MaxClients     int           // concurrent requests
	SwiftDir       string        // where the rings are
	SwiftConf      string        // swift.conf: hash path prefix/suffix, policies, constraints
	DebugPprofAddr string        // Go's profiler on this address ("": off)
	Pipeline       []string      // [pipeline:main]: filter names, then the app
	File           *config.File
	Section        config.Section // [app:NAME] as paste.deploy hands it to the app
	Unknown        []string       // keys of the app section no table declares (Swift ignores them)
}

// BaseKeys is the table of the keys every backend server shares; defaultPort is the
// server's (Swift's 6200, 6201, 6202).
func BaseKeys(c *BaseConfig, defaultPort int) []config.Key {
	return []config.Key{
		config.String("bind_ip", &c.BindIP, "0.0.0.0", "address to listen on"),
		config.Int("bind_port", &c.BindPort, defaultPort, "port to listen on (Swift's: object 6200, container 6201, account 6202; 0: any free port)").Between(0, 65535),
		config.String("log_level", &c.LogLevel, "INFO", "DEBUG, INFO, WARNING, ERROR or CRITICAL").
			OneOf("DEBUG", "INFO", "NOTICE", "WARNING", "WARN", "ERROR", "CRITICAL"),
		config.Seconds("client_timeout", &c.ClientTimeout, 60*time.Second, "a client that sends nothing this long is dropped"),
		config.Seconds("head_timeout", &c.HeadTimeout, DefaultHeadTimeout, "a request head that takes longer to arrive is dropped (at most client_timeout)"),
		config.Seconds("node_timeout", &c.NodeTimeout, 3*time.Second, "another server that answers nothing this long is given up on"),
		config.Seconds("conn_timeout", &c.ConnTimeout, 500*time.Millisecond, "connecting to another server"),
		config.Int("max_clients", &c.MaxClients, 1024, "requests served at once").AtLeast(1),
		config.String("swift_dir", &c.SwiftDir, "/etc/swift", "where the rings are"),
		config.String("swift_conf", &c.SwiftConf, "", "swift.conf (hash path, policies, constraints); default SWIFT_DIR/swift.conf"),
		config.String("debug_pprof_addr", &c.DebugPprofAddr, "", "serve Go's profiler (net/http/pprof) here, e.g. 127.0.0.1:6060"),
	}
}

// LoadBase reads path (a file or a conf.d directory) for the server whose app section
// is [app:APP]: the base keys, the server's own tables (decoded from the same section),
// the pipeline (it must end with APP, every filter's section must be valid). Every
// problem is reported in one error; known says which other keys of the app section are
// expected (policy-suffixed keys, say), for Unknown.
func LoadBase(path, app string, defaultPort int, known func(key string) bool, tables ...[]config.Key) (BaseConfig, error) {
	file, err := config.Load(path)
	if err != nil {
		return BaseConfig{}, err
	}
	section := "app:" + app
	if !file.HasSection(section) {
		return BaseConfig{}, fmt.Errorf("%s: no [%s] section", path, section)
	}
	c := BaseConfig{App: app, File: file}
	var errs config.Errors
	c.Section, err = file.App(section)
	errs.Add(err)
	base := BaseKeys(&c, defaultPort)
	errs.Add(c.Section.Decode(append([][]config.Key{base}, tables...)...))
	if c.SwiftConf == "" {
		c.SwiftConf = filepath.Join(c.SwiftDir, "swift.conf")
	}
	c.Pipeline = []string{app}
	if file.HasSection("pipeline:main") {
		// The pipeline line is paste.deploy's own, read from its section as written.
		v, _, err := file.Get("pipeline:main", "pipeline")
		errs.Add(err)
		c.Pipeline = strings.Fields(v.Text)
	}
	if len(c.Pipeline) == 0 || c.Pipeline[len(c.Pipeline)-1] != app {
		errs.Add(fmt.Errorf("%s: [pipeline:main] pipeline = %q must end with %s", path, strings.Join(c.Pipeline, " "), app))
	} else {
		for _, name := range c.Pipeline[:len(c.Pipeline)-1] {
			s, err := c.FilterSection(name)
			if err != nil {
				errs.Add(err)
				continue
			}
			errs.Add(middleware.CheckFilter(name, s))
		}
	}
	c.Unknown = c.Section.Unknown(known, append([][]config.Key{base}, tables...)...)
	return c, errs.Err()
}

// FilterSection is the [filter:NAME] section of the pipeline's filter name, as
// paste.deploy hands it to the filter.
func (c BaseConfig) FilterSection(name string) (config.Section, error) {
	return c.File.App("filter:" + name)
}

// Filters is what middleware.Build asks for: a filter's section (an empty one when the
// file has none, which Build reports as a filter without use =).
func (c BaseConfig) Filters(name string) config.Section {
	s, err := c.File.App(name)
	if err != nil {
		return config.SectionOf(name, nil)
	}
	return s
}
