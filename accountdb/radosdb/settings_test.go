package radosdb

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/config"
)

func TestBackendSettings(t *testing.T) {
	var s Settings
	require.NoError(t, config.SectionOf("app:container-server", nil).Decode(Keys(&s)))
	require.Equal(t, Settings{Pool: "radosswift", Shards: DefaultShards, Connection: s.Connection}, s)
	require.Equal(t, "radosswift", s.User)
	require.NoError(t, config.SectionOf("app:container-server", map[string]string{"rados_db_shards": "1024", "rados_namespace": "n"}).Decode(Keys(&s)))
	require.Equal(t, 1024, s.Shards)
	require.Equal(t, "n", s.Namespace)
	err := accountdb.Check("rados", config.SectionOf("app:container-server", map[string]string{"rados_db_shards": "0", "rados_op_timeout": "never"}))
	require.ErrorContains(t, err, `rados_db_shards = "0": want an integer, from 1 to 1024`)
	require.ErrorContains(t, err, `rados_op_timeout = "never"`)
}
