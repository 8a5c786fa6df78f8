package objectserver

import (
	"strings"
	"time"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/internal/swift"
)

// Config is the object server's part of its config file ([DEFAULT] and
// [app:object-server]); the engines' settings are in Section, validated at load by
// their own tables (diskfile.CheckPolicies).
type Config struct {
	backend.BaseConfig
	ContainerUpdateTimeout time.Duration // a PUT waits this long for container updates
	MaxUploadTime          time.Duration
	AllowedHeaders         map[string]bool // lower-case names kept from PUT and POST
	ExpiringObjectsAccount string
	ExpirerDivisor         int64
	GCInterval             time.Duration     // between the in-server collector passes (0: none)
	GoMemoryLimit          int64             // the Go heap's soft limit, bytes (0: none)
	AsyncPendingPool       string            // the pool of the async-pending queue
	Constraints            swift.Constraints // swift.conf's; the process sets them from swift.LoadSwiftConf
	autoCreatePrefix       string
	expiringAccountName    string
	allowedHeaders         []string
}

// Swift 2.30.1's object server defaults.
const defaultAllowedHeaders = "content-disposition, content-encoding, x-delete-at, x-object-manifest, " +
	"x-static-large-object, cache-control, content-language, expires, x-robots-tag"

// DefaultGoMemoryLimit is the Go heap's soft limit: the engine's default memory budget
// (16 MiB of object data) plus room for connections and metadata. Without it the
// collector let the heap grow to twice its live size under 64 uploads of 1 MiB.
const DefaultGoMemoryLimit = 40 << 20

// Keys is the object server's table (beyond the base keys and the engines').
func Keys(c *Config) []config.Key {
	return []config.Key{
		config.Seconds("container_update_timeout", &c.ContainerUpdateTimeout, time.Second, "a PUT or DELETE waits this long for its container updates, then queues them"),
		config.Seconds("max_upload_time", &c.MaxUploadTime, 86400*time.Second, "an upload taking longer is refused (408)"),
		config.List("allowed_headers", &c.allowedHeaders, defaultAllowedHeaders, "headers kept from PUT and POST besides metadata"),
		config.String("auto_create_account_prefix", &c.autoCreatePrefix, ".", "prefix of the accounts the servers create themselves"),
		config.String("expiring_objects_account_name", &c.expiringAccountName, "expiring_objects", "the expirer's account, after auto_create_account_prefix"),
		config.Int64("expiring_objects_container_divisor", &c.ExpirerDivisor, 86400, "seconds of X-Delete-At per expirer container").AtLeast(1),
		config.Seconds("gc_interval", &c.GCInterval, 5*time.Minute, "between two collector passes in the server (0: only radosswift gc)"),
		config.Bytes("go_memory_limit", &c.GoMemoryLimit, DefaultGoMemoryLimit, "soft limit of the Go heap (0: none; the GOMEMLIMIT variable wins)"),
		config.String("async_pending_pool", &c.AsyncPendingPool, "", "the pool of the async-pending queue; default rados_pool"),
	}
}

// LoadConfig reads an object server config file (or conf.d): the base keys, the
// object server's, every policy's engine settings, the pipeline's filters. Every bad
// value is reported in one error.
func LoadConfig(path string) (Config, error) {
	c := Config{Constraints: swift.DefaultConstraints}
	base, err := backend.LoadBase(path, "object-server", 6200, diskfile.IsPolicyKey, Keys(&c), engineKeys())
	c.BaseConfig = base
	if base.File == nil { // the file could not be read at all
		return c, err
	}
	var errs config.Errors
	errs.Add(err)
	errs.Add(diskfile.CheckPolicies(c.Section))
	c.ExpiringObjectsAccount = c.autoCreatePrefix + c.expiringAccountName
	if c.AsyncPendingPool == "" {
		c.AsyncPendingPool = c.Section.String("rados_pool", "radosswift")
	}
	c.AllowedHeaders = map[string]bool{}
	for _, h := range c.allowedHeaders {
		c.AllowedHeaders[strings.ToLower(h)] = true
	}
	// Swift never lets these be configured as allowed headers.
	for _, h := range []string{"content-type", "content-length", "x-timestamp", "etag"} {
		delete(c.AllowedHeaders, h)
	}
	return c, errs.Err()
}

// engineKeys is the table of the default engine, so that its keys count as known.
func engineKeys() []config.Key {
	keys, _ := diskfile.EngineKeys(diskfile.DefaultEngine)
	return keys
}
