package config

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestBooleansAreSwiftsTrueAndFalseValuesAndNothingElse(t *testing.T) {
	for _, v := range []string{"true", "1", "yes", "on", "t", "y", "True", "YES", "On", "T", "Y", " yes "} {
		b, err := ParseBool(v)
		require.NoError(t, err, v)
		require.True(t, b, v)
		require.True(t, TrueValue(v), v)
	}
	for _, v := range []string{"false", "0", "no", "off", "f", "n", "False", "NO", "Off", "F", "N"} {
		b, err := ParseBool(v)
		require.NoError(t, err, v)
		require.False(t, b, v)
		require.False(t, TrueValue(v), v)
	}
	for _, v := range []string{"maybe", "2", "enabled", "yess", "nope", "-1"} {
		_, err := ParseBool(v)
		require.ErrorContains(t, err, "true or false", v)
		require.False(t, TrueValue(v), "config_true_value(%q) is false", v)
	}
}

func TestNumbers(t *testing.T) {
	for v, want := range map[string]int64{"0": 0, "6200": 6200, "-3": -3, "+4": 4, " 7 ": 7} {
		n, err := ParseInt(v)
		require.NoError(t, err, v)
		require.Equal(t, want, n, v)
	}
	for _, v := range []string{"1.5", "http", "", "0x10", "1e3"} {
		_, err := ParseInt(v)
		require.Error(t, err, v)
	}
	for v, want := range map[string]time.Duration{"0": 0, "60": time.Minute, "0.5": 500 * time.Millisecond, "1e-3": time.Millisecond, ".25": 250 * time.Millisecond} {
		d, err := ParseSeconds(v)
		require.NoError(t, err, v)
		require.Equal(t, want, d, v)
	}
	for _, v := range []string{"-1", "soon", "inf", "nan", "1e300", "5s"} {
		_, err := ParseSeconds(v)
		require.Error(t, err, v)
	}
	require.Equal(t, []string{"a", "b c", "d"}, ParseList(" a, b c ,,d,"))
	require.Nil(t, ParseList(" , "))
}

// sample is a component with one key of each type.
type sample struct {
	verify   bool
	versions bool
	port     int
	shards   int
	timeout  time.Duration
	budget   int64
	name     string
	hosts    []string
	backend  string
}

func (s *sample) keys() []Key {
	return []Key{
		Bool("rados_verify_reads", &s.verify, true, "check MD5s"),
		Bool("allow_versions", &s.versions, false, "X-Versions-Location"),
		Int("bind_port", &s.port, 6200, "port"),
		Int("rados_db_shards", &s.shards, 16, "shards").Between(1, 1024),
		Seconds("node_timeout", &s.timeout, 3*time.Second, "timeout"),
		Bytes("rados_memory_budget", &s.budget, 16<<20, "budget"),
		String("log_name", &s.name, "object-server", "name"),
		List("allowed_sync_hosts", &s.hosts, "127.0.0.1", "hosts"),
		String("db_backend", &s.backend, "rados", "backend").OneOf("rados", "sqlite"),
	}
}

func TestTablesDecodeDefaultsAndValues(t *testing.T) {
	f, err := Parse("server.conf", []byte("[DEFAULT]\nbind_port = 6010\n[app:x]\nrados_verify_reads = no\n"+
		"allow_versions = yes\nrados_db_shards = 1024\nnode_timeout = 0.5\nallowed_sync_hosts = a, b\ndb_backend = sqlite\nlog_name =\n"), ServerConf)
	require.NoError(t, err)
	s, err := f.App("app:x")
	require.NoError(t, err)
	var c sample
	require.NoError(t, s.Decode(c.keys()))
	require.Equal(t, sample{verify: false, versions: true, port: 6010, shards: 1024, timeout: 500 * time.Millisecond,
		budget: 16 << 20, name: "object-server", hosts: []string{"a", "b"}, backend: "sqlite"}, c)

	// rados_verify_reads and allow_versions once disagreed on "yes".
	c = sample{}
	require.NoError(t, SectionOf("x", map[string]string{"rados_verify_reads": "yes", "allow_versions": "yes"}).Decode(c.keys()))
	require.True(t, c.verify)
	require.True(t, c.versions)
	require.Equal(t, []string{"127.0.0.1"}, c.hosts, "an unset list is its default")
}

func TestEveryBadValueIsReportedAtOnce(t *testing.T) {
	f, err := Parse("/etc/radosswift/object-server.conf", []byte("[DEFAULT]\nbind_port = http\n[app:x]\n"+
		"rados_verify_reads = maybe\nrados_db_shards = 0\nnode_timeout = -2\ndb_backend = mysql\nallow_versions = on\n"), ServerConf)
	require.NoError(t, err)
	s, err := f.App("app:x")
	require.NoError(t, err)
	var c sample
	err = s.Decode(c.keys())
	var all Errors
	require.True(t, errors.As(err, &all))
	require.Len(t, all, 5)
	for _, want := range []string{
		`/etc/radosswift/object-server.conf:2: [DEFAULT] (read by [app:x]) bind_port = "http": want an integer`,
		`/etc/radosswift/object-server.conf:4: [app:x] rados_verify_reads = "maybe": want true or false`,
		`/etc/radosswift/object-server.conf:5: [app:x] rados_db_shards = "0": want an integer, from 1 to 1024`,
		`/etc/radosswift/object-server.conf:6: [app:x] node_timeout = "-2": want a number of seconds, 0 or more`,
		`/etc/radosswift/object-server.conf:7: [app:x] db_backend = "mysql": want one of rados, sqlite`,
	} {
		require.ErrorContains(t, err, want)
	}
	require.Contains(t, err.Error(), "5 config errors")
	var bad *BadValue
	require.True(t, errors.As(err, &bad), "each is a *BadValue")
	require.True(t, c.versions, "good values are decoded even when others are bad")
}

func TestErrorsCollectsAcrossTables(t *testing.T) {
	var errs Errors
	errs.Add(nil)
	require.NoError(t, errs.Err())
	var a, b sample
	errs.Add(SectionOf("app:x", map[string]string{"bind_port": "x", "rados_db_shards": "y"}).Decode(a.keys()))
	errs.Add(SectionOf("filter:y", map[string]string{"node_timeout": "z"}).Decode(b.keys()))
	errs.Add(errors.New("[pipeline:main] must end with object-server"))
	require.Len(t, errs, 4)
	require.ErrorContains(t, errs.Err(), `[filter:y] node_timeout = "z"`)
}

func TestUnknownKeysAreListed(t *testing.T) {
	var c sample
	s := SectionOf("app:x", map[string]string{"bind_port": "1", "bind_prot": "2", "rados_pool_1": "p", "here": "/etc"})
	require.Equal(t, []string{"bind_prot", "rados_pool_1"}, s.Unknown(nil, c.keys()))
	require.Equal(t, []string{"bind_prot"}, s.Unknown(func(k string) bool { return k == "rados_pool_1" }, c.keys()))
}

func TestMarkdownListsEveryKey(t *testing.T) {
	var c sample
	md := Markdown(c.keys())
	require.Contains(t, md, "| `rados_db_shards` | int, from 1 to 1024 | `16` | shards |\n")
	require.Contains(t, md, "| `node_timeout` | seconds, 0 or more | `3` | timeout |\n")
	require.Contains(t, md, "| `rados_verify_reads` | bool | `true` | check MD5s |\n")
}
