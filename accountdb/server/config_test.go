package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	_ "github.com/radosswift/radosswift/accountdb/radosdb"  // the "rados" backend's keys
	_ "github.com/radosswift/radosswift/accountdb/sqlitedb" // the "sqlite" backend's keys
)

func writeServerConf(t *testing.T, text string) string {
	path := filepath.Join(t.TempDir(), "server.conf")
	require.NoError(t, os.WriteFile(path, []byte(text), 0o600))
	return path
}

func TestContainerServerConfig(t *testing.T) {
	c, err := LoadConfig(writeServerConf(t, "[DEFAULT]\nswift_dir = /srv/swift\n[app:container-server]\n"+
		"allow_versions = yes\nallowed_sync_hosts = 10.0.0.1, 10.0.0.2\nupdater_interval = 30\nrados_db_shards = 32\n"), ContainerServer)
	require.NoError(t, err)
	require.Equal(t, 6201, c.BindPort)
	require.True(t, c.AllowVersions)
	require.Equal(t, []string{"10.0.0.1", "10.0.0.2"}, c.AllowedSyncHosts)
	require.Equal(t, 30*time.Second, c.UpdaterInterval)
	require.Equal(t, 8, c.UpdaterConcurrency)
	require.Equal(t, 1000, c.UpdaterBatch)
	require.Equal(t, "rados", c.DBBackend)
	require.Equal(t, ".", c.AutoCreatePrefix)
	require.Equal(t, "/srv/swift/swift.conf", c.SwiftConf)
	require.Equal(t, "32", c.BackendSettings()["rados_db_shards"])
	require.Empty(t, c.Unknown, "the backend's keys are known")
}

func TestAccountServerConfig(t *testing.T) {
	c, err := LoadConfig(writeServerConf(t, "[app:account-server]\ndb_backend = sqlite\ndb_dir = /srv/db\n"), AccountServer)
	require.NoError(t, err)
	require.Equal(t, 6202, c.BindPort)
	require.Equal(t, "sqlite", c.DBBackend)
	require.Empty(t, c.Unknown)
}

func TestServerConfigReportsEveryBadValue(t *testing.T) {
	for _, tc := range []struct {
		name, conf string
		kind       Kind
		want       []string
	}{
		{"the container server's keys and its backend's", "[app:container-server]\nallow_versions = perhaps\nupdater_batch = 0\nrados_db_shards = 5000\nrados_op_timeout = 0\n",
			ContainerServer, []string{`allow_versions = "perhaps"`, `updater_batch = "0"`, `rados_db_shards = "5000": want an integer, from 1 to 1024`,
				`rados_op_timeout = "0": want a number of seconds, more than 0`, "4 config errors"}},
		{"sqlite needs db_dir", "[app:account-server]\ndb_backend = sqlite\n", AccountServer, []string{"db_dir", "required"}},
		{"an unknown backend", "[app:account-server]\ndb_backend = mysql\n", AccountServer, []string{`unknown account/container database backend "mysql"`}},
		{"a pipeline ending elsewhere", "[pipeline:main]\npipeline = container-server\n[app:account-server]\n", AccountServer, []string{"must end with account-server"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig(writeServerConf(t, tc.conf), tc.kind)
			for _, want := range tc.want {
				require.ErrorContains(t, err, want)
			}
		})
	}
}
