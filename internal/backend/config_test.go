package backend

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/config"
)

func writeFiles(t *testing.T, files map[string]string) string {
	dir := t.TempDir()
	for name, text := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
	}
	return dir
}

func TestBaseConfigTakesSwiftsDefaults(t *testing.T) {
	dir := writeFiles(t, map[string]string{"s.conf": "[app:container-server]\n"})
	c, err := LoadBase(filepath.Join(dir, "s.conf"), "container-server", 6201, nil)
	require.NoError(t, err)
	require.Equal(t, "0.0.0.0", c.BindIP)
	require.Equal(t, 6201, c.BindPort)
	require.Equal(t, "INFO", c.LogLevel)
	require.Equal(t, 60*time.Second, c.ClientTimeout)
	require.Equal(t, 3*time.Second, c.NodeTimeout)
	require.Equal(t, 500*time.Millisecond, c.ConnTimeout)
	require.Equal(t, 1024, c.MaxClients)
	require.Equal(t, "/etc/swift", c.SwiftDir)
	require.Equal(t, "/etc/swift/swift.conf", c.SwiftConf)
	require.Equal(t, []string{"container-server"}, c.Pipeline)
}

func TestBaseConfigReadsAConfD(t *testing.T) {
	// Swift's conf.d: the pieces are read in name order, the later ones win.
	dir := writeFiles(t, map[string]string{
		"00-base.conf":     "[DEFAULT]\nbind_port = 6010\nswift_dir = /srv/swift\nlog_level = debug\n[app:object-server]\n",
		"10-pipeline.conf": "[pipeline:main]\npipeline = healthcheck object-server\n[filter:healthcheck]\nuse = egg:swift#healthcheck\n",
		"20-local.conf":    "[DEFAULT]\nbind_port = 6011\n",
	})
	c, err := LoadBase(dir, "object-server", 6200, nil)
	require.NoError(t, err)
	require.Equal(t, 6011, c.BindPort)
	require.Equal(t, "DEBUG", c.LogLevel, "log levels are read in any case, as Swift upper-cases them")
	require.Equal(t, "/srv/swift/swift.conf", c.SwiftConf, "swift.conf defaults to SWIFT_DIR/swift.conf")
	require.Equal(t, []string{"healthcheck", "object-server"}, c.Pipeline)
	require.Equal(t, "egg:swift#healthcheck", c.Filters("filter:healthcheck").Values["use"])
}

func TestBaseConfigReportsEveryProblemAtOnce(t *testing.T) {
	var extra struct{ verify bool }
	table := []config.Key{config.Bool("rados_verify_reads", &extra.verify, true, "verify")}
	dir := writeFiles(t, map[string]string{"s.conf": `[DEFAULT]
bind_port = 70000
client_timeout = soon
[pipeline:main]
pipeline = recon metrics healthcheck object-server
[filter:recon]
use = egg:swift#proxy_logging
[filter:healthcheck]
use = egg:swift#healthcheck
[app:object-server]
rados_verify_reads = maybe
max_clients = 0
`})
	_, err := LoadBase(filepath.Join(dir, "s.conf"), "object-server", 6200, nil, table)
	var all config.Errors
	require.True(t, errors.As(err, &all))
	require.Len(t, all, 6, "%v", err)
	for _, want := range []string{
		`s.conf:2: [DEFAULT] (read by [app:object-server]) bind_port = "70000": want an integer, from 0 to 65535`,
		`s.conf:3: [DEFAULT] (read by [app:object-server]) client_timeout = "soon": want a number of seconds, 0 or more`,
		`s.conf:11: [app:object-server] rados_verify_reads = "maybe": want true or false`,
		`s.conf:12: [app:object-server] max_clients = "0": want an integer, 1 or more`,
		`filter "recon": unknown use = "egg:swift#proxy_logging"`,
		`no [filter:metrics] section`,
	} {
		require.ErrorContains(t, err, want)
	}
}

func TestThePipelineMustEndWithTheApp(t *testing.T) {
	dir := writeFiles(t, map[string]string{"s.conf": "[pipeline:main]\npipeline = account-server healthcheck\n[app:account-server]\n"})
	_, err := LoadBase(filepath.Join(dir, "s.conf"), "account-server", 6202, nil)
	require.ErrorContains(t, err, "must end with account-server")
	_, err = LoadBase(filepath.Join(dir, "s.conf"), "container-server", 6201, nil)
	require.ErrorContains(t, err, "no [app:container-server] section")
	_, err = LoadBase(filepath.Join(dir, "missing.conf"), "container-server", 6201, nil)
	require.ErrorIs(t, err, os.ErrNotExist)
}

func TestUnknownKeysAreTheOnesNoTableDeclares(t *testing.T) {
	dir := writeFiles(t, map[string]string{"s.conf": "[DEFAULT]\nbind_prot = 1\n[app:object-server]\nrados_pool_1 = p\nworkers = 4\n"})
	c, err := LoadBase(filepath.Join(dir, "s.conf"), "object-server", 6200, func(k string) bool { return k == "rados_pool_1" })
	require.NoError(t, err)
	require.Equal(t, []string{"bind_prot", "workers"}, c.Unknown)
}
