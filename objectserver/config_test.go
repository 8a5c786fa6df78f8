package objectserver_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/radosswift/radosswift/diskfile/radosengine" // the engine whose keys the config holds
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/objectserver"
)

func writeConf(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "object-server.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestLoadConfig(t *testing.T) {
	for _, c := range []struct {
		name  string
		conf  string
		check func(t *testing.T, cfg objectserver.Config)
	}{
		{"an empty [app:object-server] takes Swift's defaults", "[app:object-server]\n", func(t *testing.T, cfg objectserver.Config) {
			require.Equal(t, "0.0.0.0", cfg.BindIP)
			require.Equal(t, 6200, cfg.BindPort)
			require.Equal(t, "INFO", cfg.LogLevel)
			require.Equal(t, 60*time.Second, cfg.ClientTimeout)
			require.Equal(t, 3*time.Second, cfg.NodeTimeout)
			require.Equal(t, 500*time.Millisecond, cfg.ConnTimeout)
			require.Equal(t, time.Second, cfg.ContainerUpdateTimeout)
			require.Equal(t, 86400*time.Second, cfg.MaxUploadTime)
			require.Equal(t, 1024, cfg.MaxClients)
			require.Equal(t, int64(86400), cfg.ExpirerDivisor)
			require.Equal(t, ".expiring_objects", cfg.ExpiringObjectsAccount)
			require.Equal(t, "/etc/swift/swift.conf", cfg.SwiftConf)
			require.Equal(t, swift.DefaultConstraints, cfg.Constraints)
			require.Equal(t, []string{"object-server"}, cfg.Pipeline)
			var allowed []string
			for h := range cfg.AllowedHeaders {
				allowed = append(allowed, h)
			}
			require.ElementsMatch(t, []string{"content-disposition", "content-encoding", "x-delete-at", "x-object-manifest",
				"x-static-large-object", "cache-control", "content-language", "expires", "x-robots-tag"}, allowed)
		}},
		{"[DEFAULT] values are inherited and, as in paste.deploy, only set overrides them", "[DEFAULT]\nbind_ip = 127.0.0.1\n" +
			"bind_port = 6010\nnode_timeout = 9\nconn_timeout = 2\n[app:object-server]\nnode_timeout = 2.5\nset conn_timeout = 0.25\n",
			func(t *testing.T, cfg objectserver.Config) {
				require.Equal(t, "127.0.0.1", cfg.BindIP)
				require.Equal(t, 6010, cfg.BindPort)
				require.Equal(t, 9*time.Second, cfg.NodeTimeout)
				require.Equal(t, 250*time.Millisecond, cfg.ConnTimeout)
				require.Len(t, cfg.Section.Shadowed, 1, "the ignored node_timeout is reported")
			}},
		{"timeouts are read in seconds, fractions allowed", "[app:object-server]\nclient_timeout = 0.25\nconn_timeout = 0.1\n" +
			"container_update_timeout = 0\nmax_upload_time = 10\n", func(t *testing.T, cfg objectserver.Config) {
			require.Equal(t, 250*time.Millisecond, cfg.ClientTimeout)
			require.Equal(t, 100*time.Millisecond, cfg.ConnTimeout)
			require.Equal(t, time.Duration(0), cfg.ContainerUpdateTimeout)
			require.Equal(t, 10*time.Second, cfg.MaxUploadTime)
		}},
		{"allowed_headers are lower-cased and never include what Swift reserves", "[app:object-server]\n" +
			"allowed_headers = X-Foo, Content-Type,content-length , X-Timestamp, ETag,,Cache-Control\n", func(t *testing.T, cfg objectserver.Config) {
			require.Equal(t, map[string]bool{"x-foo": true, "cache-control": true}, cfg.AllowedHeaders)
		}},
		{"the expiring objects account is auto_create_account_prefix + expiring_objects_account_name", "[app:object-server]\n" +
			"auto_create_account_prefix = _\nexpiring_objects_account_name = exp\nexpiring_objects_container_divisor = 3600\n",
			func(t *testing.T, cfg objectserver.Config) {
				require.Equal(t, "_exp", cfg.ExpiringObjectsAccount)
				require.Equal(t, int64(3600), cfg.ExpirerDivisor)
			}},
		{"the pipeline is read from [pipeline:main]", "[pipeline:main]\npipeline = healthcheck  recon object-server\n[app:object-server]\n" +
			"[filter:healthcheck]\nuse = egg:swift#healthcheck\n[filter:recon]\nuse = egg:swift#recon\n",
			func(t *testing.T, cfg objectserver.Config) {
				require.Equal(t, []string{"healthcheck", "recon", "object-server"}, cfg.Pipeline)
			}},
		{"engine settings stay in the section for the engines to read", "[DEFAULT]\nrados_pool = p0\n[app:object-server]\nrados_pool_1 = p1\n",
			func(t *testing.T, cfg objectserver.Config) {
				require.Equal(t, "p0", cfg.Section.Values["rados_pool"])
				require.Equal(t, "p1", cfg.Section.Values["rados_pool_1"])
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := objectserver.LoadConfig(writeConf(t, c.conf))
			require.NoError(t, err)
			c.check(t, cfg)
		})
	}
}

func TestLoadConfigRefuses(t *testing.T) {
	for _, c := range []struct {
		name, conf, mention string
	}{
		{"a file without [app:object-server]", "[DEFAULT]\nbind_port = 6200\n", "[app:object-server]"},
		{"a timeout that is not a number", "[app:object-server]\nnode_timeout = soon\n", "node_timeout"},
		{"a negative timeout", "[app:object-server]\nconn_timeout = -1\n", "conn_timeout"},
		{"a port that is not an integer", "[app:object-server]\nbind_port = http\n", "bind_port"},
		{"max_clients that is not an integer", "[app:object-server]\nmax_clients = 1.5\n", "max_clients"},
		{"a pipeline that does not end with object-server", "[pipeline:main]\npipeline = object-server healthcheck\n[app:object-server]\n", "must end with object-server"},
		{"a line that is not key = value", "[app:object-server]\nnonsense\n", "expected key = value"},
		{"a filter without its section", "[pipeline:main]\npipeline = healthcheck object-server\n[app:object-server]\n", "no [filter:healthcheck] section"},
		{"a bad engine setting", "[app:object-server]\nrados_stripe_size = big\n", `rados_stripe_size = "big"`},
		{"a bad per-policy engine setting", "[app:object-server]\nrados_verify_reads_1 = maybe\n", `rados_verify_reads_1 = "maybe"`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := objectserver.LoadConfig(writeConf(t, c.conf))
			require.Error(t, err)
			require.Contains(t, err.Error(), c.mention)
		})
	}
	t.Run("a missing file", func(t *testing.T) {
		_, err := objectserver.LoadConfig(filepath.Join(t.TempDir(), "nope.conf"))
		require.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestLoadConfigReportsEveryBadValueAtOnce(t *testing.T) {
	_, err := objectserver.LoadConfig(writeConf(t, `[DEFAULT]
bind_port = http
[pipeline:main]
pipeline = access_log object-server
[filter:access_log]
use = egg:radosswift#access_log
access_log_level = LOUD
[app:object-server]
rados_verify_reads = maybe
container_update_timeout = -1
`))
	require.Error(t, err)
	for _, want := range []string{
		`object-server.conf:2: [DEFAULT] (read by [app:object-server]) bind_port = "http": want an integer`,
		`object-server.conf:7: [filter:access_log] access_log_level = "LOUD": want one of DEBUG`,
		`object-server.conf:9: [app:object-server] rados_verify_reads = "maybe": want true or false`,
		`object-server.conf:10: [app:object-server] container_update_timeout = "-1": want a number of seconds, 0 or more`,
	} {
		require.ErrorContains(t, err, want)
	}
	require.ErrorContains(t, err, "4 config errors")
}

func TestLoadConfigReadsSwiftsBooleansAndEngineKeys(t *testing.T) {
	cfg, err := objectserver.LoadConfig(writeConf(t, "[app:object-server]\nrados_verify_reads = yes\nrados_pool = p0\nrados_pool_1 = p1\nmystery_key = 1\n"))
	require.NoError(t, err)
	require.Equal(t, "p0", cfg.AsyncPendingPool, "the queue defaults to the policy 0 pool")
	require.Equal(t, []string{"mystery_key"}, cfg.Unknown, "only keys no table declares are unknown")
}
