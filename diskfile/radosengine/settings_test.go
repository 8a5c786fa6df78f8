package radosengine

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/config"
)

func TestSettingsDefaultsAreTheEnginesDefaults(t *testing.T) {
	s, err := DecodeSettings(config.SectionOf("app:object-server", nil))
	require.NoError(t, err)
	cfg := s.Config()
	want := DefaultConfig("radosswift")
	want.fill()
	cfg.fill()
	require.Equal(t, want, cfg)
	require.Equal(t, Connection{CephConf: "/etc/ceph/ceph.conf", User: "radosswift", OpTimeout: 10 * time.Second}, s.Connection)
}

func TestSettingsAreReadAsSwiftReadsThem(t *testing.T) {
	for _, tc := range []struct {
		values map[string]string
		check  func(t *testing.T, cfg Config)
	}{
		// rados_verify_reads once took only Go's true/false: Swift's yes failed at start.
		{map[string]string{"rados_verify_reads": "yes"}, func(t *testing.T, cfg Config) { require.False(t, cfg.SkipReadVerify) }},
		{map[string]string{"rados_verify_reads": "Off"}, func(t *testing.T, cfg Config) { require.True(t, cfg.SkipReadVerify) }},
		{map[string]string{"rados_memory_budget": "0"}, func(t *testing.T, cfg Config) { require.Equal(t, int64(-1), cfg.MemoryBudget, "0 is unbounded") }},
		{map[string]string{"rados_stripe_size": "1048576", "rados_parallel": "8", "gc_grace": "0.5", "rados_namespace": "a"},
			func(t *testing.T, cfg Config) {
				require.Equal(t, int64(1<<20), cfg.StripeSize)
				require.Equal(t, 8, cfg.Parallel)
				require.Equal(t, 500*time.Millisecond, cfg.GCGrace)
				require.Equal(t, "a", cfg.Namespace)
			}},
	} {
		s, err := DecodeSettings(config.SectionOf("app:object-server", tc.values))
		require.NoError(t, err, "%v", tc.values)
		tc.check(t, s.Config())
	}
}

func TestBadSettingsAreAllReported(t *testing.T) {
	_, err := DecodeSettings(config.SectionOf("app:object-server", map[string]string{
		"rados_verify_reads": "maybe", "rados_stripe_size": "268435456", "rados_parallel": "0", "rados_op_timeout": "0", "reclaim_age": "-1",
	}))
	for _, want := range []string{`rados_verify_reads = "maybe"`, `rados_stripe_size = "268435456": want a number of bytes, from 1 to 134217728`,
		`rados_parallel = "0"`, `rados_op_timeout = "0"`, `reclaim_age = "-1"`, "5 config errors"} {
		require.ErrorContains(t, err, want)
	}
}

func TestTheEngineRegistersItsTable(t *testing.T) {
	keys, ok := diskfile.EngineKeys("rados")
	require.True(t, ok)
	require.Len(t, keys, len(Keys(new(Settings))))
	err := diskfile.CheckPolicies(config.SectionOf("app:object-server", map[string]string{"rados_verify_reads_1": "maybe"}))
	require.ErrorContains(t, err, `rados_verify_reads_1 = "maybe"`)
}
