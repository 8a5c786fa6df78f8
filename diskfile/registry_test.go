package diskfile

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/config"
)

// recordingEngine is an Engine that only remembers its settings.
type recordingEngine struct {
	Engine
	settings map[string]string
	closed   *int
}

func (r recordingEngine) Close() error { *r.closed++; return nil }

func TestPoliciesTakePlainKeysAndTheirOwnSuffixedKeys(t *testing.T) {
	closed := 0
	Register("recording", func(s map[string]string) (Engine, error) {
		return recordingEngine{settings: s, closed: &closed}, nil
	}, nil)
	policies, err := OpenPolicies(config.SectionOf("app:object-server", map[string]string{
		"engine": "recording", "rados_user": "swift", "rados_pool": "data", "rados_pool_1": "gold", "rados_pool_12": "cold",
	}))
	require.NoError(t, err)
	require.Len(t, policies, 3)
	for idx, pool := range map[int]string{0: "data", 1: "gold", 12: "cold"} {
		e, err := policies.Engine(idx)
		require.NoError(t, err)
		s := e.(recordingEngine).settings
		require.Equal(t, pool, s["rados_pool"], "policy %d", idx)
		require.Equal(t, "swift", s["rados_user"], "policy %d inherits plain keys", idx)
	}
	_, err = policies.Engine(2)
	require.ErrorContains(t, err, "policy 2")
	policies.Close()
	require.Equal(t, 3, closed)
}

func TestUnknownEngineIsAConfigError(t *testing.T) {
	closed := 0
	Register("recording-2", func(s map[string]string) (Engine, error) {
		return recordingEngine{settings: s, closed: &closed}, nil
	}, nil)
	_, err := OpenPolicies(config.SectionOf("app:object-server", map[string]string{"engine": "recording-2", "engine_3": "nonesuch"}))
	require.ErrorContains(t, err, `storage policy 3: unknown engine "nonesuch"`)
	require.Equal(t, 1, closed, "engines opened before the error are closed")
}

func TestCheckPoliciesReportsEveryPolicysBadSettings(t *testing.T) {
	var size int
	var verify bool
	Register("checked", func(map[string]string) (Engine, error) { panic("CheckPolicies opens nothing") }, func() []config.Key {
		return []config.Key{config.Int("stripe", &size, 1, "stripe").AtLeast(1), config.Bool("verify", &verify, true, "verify")}
	})
	f, err := config.Parse("object-server.conf", []byte("[app:object-server]\nengine = checked\nstripe = 0\nverify_1 = maybe\nengine_2 = nonesuch\n"), config.ServerConf)
	require.NoError(t, err)
	s, err := f.App("app:object-server")
	require.NoError(t, err)
	err = CheckPolicies(s)
	require.ErrorContains(t, err, `object-server.conf:3: [app:object-server] stripe = "0": want an integer, 1 or more`)
	require.ErrorContains(t, err, `object-server.conf:4: [app:object-server] verify_1 = "maybe": want true or false`)
	require.ErrorContains(t, err, `storage policy 2: unknown engine "nonesuch"`)
	require.True(t, IsPolicyKey("verify_1"))
	require.True(t, IsPolicyKey("engine_2"))
	require.False(t, IsPolicyKey("bind_port_1"))
}
