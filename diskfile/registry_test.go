package diskfile

import (
	"testing"

	"github.com/stretchr/testify/require"
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
	})
	policies, err := OpenPolicies(map[string]string{
		"engine": "recording", "rados_user": "swift", "rados_pool": "data", "rados_pool_1": "gold", "rados_pool_12": "cold",
	})
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
	})
	_, err := OpenPolicies(map[string]string{"engine": "recording-2", "engine_3": "nonesuch"})
	require.ErrorContains(t, err, `storage policy 3: unknown engine "nonesuch"`)
	require.Equal(t, 1, closed, "engines opened before the error are closed")
}
