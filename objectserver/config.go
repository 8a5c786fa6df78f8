package objectserver

import (
	"fmt"
	"strings"
	"time"

	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/internal/swift"
)

// Config is the object server's part of its config file ([DEFAULT] and
// [app:object-server]); engine settings are read by the diskfile engines themselves.
type Config struct {
	BindIP                 string
	BindPort               int
	LogLevel               string
	ClientTimeout          time.Duration // a client that sends nothing this long is dropped
	NodeTimeout            time.Duration // a container server that answers nothing this long
	ConnTimeout            time.Duration // connecting to a container server
	ContainerUpdateTimeout time.Duration // a PUT waits this long for container updates
	MaxClients             int           // concurrent requests
	MaxUploadTime          time.Duration
	AllowedHeaders         map[string]bool // lower-case names kept from PUT and POST
	ExpiringObjectsAccount string
	ExpirerDivisor         int64
	SwiftConf              string // swift.conf: hash path prefix/suffix, constraints
	Constraints            swift.Constraints
	Pipeline               []string // [pipeline:main]: middleware names, then object-server
	File                   *config.File
	Section                config.Section
}

// Swift 2.30.1's object server defaults.
const defaultAllowedHeaders = "content-disposition, content-encoding, x-delete-at, x-object-manifest, " +
	"x-static-large-object, cache-control, content-language, expires, x-robots-tag"

// LoadConfig reads a server config file; every bad value is an error naming it.
func LoadConfig(path string) (Config, error) {
	file, err := config.Load(path)
	if err != nil {
		return Config{}, err
	}
	if !file.HasSection("app:object-server") {
		return Config{}, fmt.Errorf("%s: no [app:object-server] section", path)
	}
	s := file.Section("app:object-server")
	c := Config{
		BindIP:                 s.String("bind_ip", "0.0.0.0"),
		LogLevel:               s.String("log_level", "INFO"),
		ExpiringObjectsAccount: s.String("auto_create_account_prefix", ".") + s.String("expiring_objects_account_name", "expiring_objects"),
		SwiftConf:              s.String("swift_conf", "/etc/swift/swift.conf"),
		Constraints:            swift.DefaultConstraints,
		AllowedHeaders:         map[string]bool{},
		File:                   file,
		Section:                s,
	}
	var errs []error
	intValue := func(key string, fallback int) int {
		v, err := s.Int(key, fallback)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	seconds := func(key string, fallback time.Duration) time.Duration {
		v, err := s.Seconds(key, fallback)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	c.BindPort = intValue("bind_port", 6200)
	c.MaxClients = intValue("max_clients", 1024)
	c.ExpirerDivisor = int64(intValue("expiring_objects_container_divisor", 86400))
	c.ClientTimeout = seconds("client_timeout", 60*time.Second)
	c.NodeTimeout = seconds("node_timeout", 3*time.Second)
	c.ConnTimeout = seconds("conn_timeout", 500*time.Millisecond)
	c.ContainerUpdateTimeout = seconds("container_update_timeout", time.Second)
	c.MaxUploadTime = seconds("max_upload_time", 86400*time.Second)
	if len(errs) > 0 {
		return c, errs[0]
	}
	for _, h := range strings.Split(s.String("allowed_headers", defaultAllowedHeaders), ",") {
		if h = strings.ToLower(strings.TrimSpace(h)); h != "" {
			c.AllowedHeaders[h] = true
		}
	}
	// Swift never lets these be configured as allowed headers.
	for _, h := range []string{"content-type", "content-length", "x-timestamp", "etag"} {
		delete(c.AllowedHeaders, h)
	}
	c.Pipeline = []string{"object-server"}
	if file.HasSection("pipeline:main") {
		c.Pipeline = strings.Fields(file.Section("pipeline:main").String("pipeline", "object-server"))
	}
	if last := c.Pipeline[len(c.Pipeline)-1]; last != "object-server" {
		return c, fmt.Errorf("%s: [pipeline:main] must end with object-server, not %q", path, last)
	}
	return c, nil
}
