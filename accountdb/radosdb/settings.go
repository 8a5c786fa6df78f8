package radosdb

import (
	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/config"
)

func init() {
	accountdb.Register("rados", newFromSettings, func() []config.Key { return Keys(new(Settings)) })
}

// Settings are the backend's keys in an account or container server's config section
// (the connection and pool keys are the object engine's, so one section can serve both).
type Settings struct {
	radosengine.Connection
	Pool      string
	Namespace string
	Shards    int
}

// Keys is the rados backend's table.
func Keys(s *Settings) []config.Key {
	return append(radosengine.ConnectionKeys(&s.Connection),
		config.String("rados_pool", &s.Pool, "radosswift", "the pool of the databases"),
		config.String("rados_namespace", &s.Namespace, "", "the databases use the RADOS namespace <this>.db"),
		config.Int("rados_db_shards", &s.Shards, DefaultShards, "row objects per new database (see DefaultShards)").Between(1, 1024),
	)
}

func newFromSettings(values map[string]string) (accountdb.Backend, error) {
	var s Settings
	if err := config.SectionOf("rados backend", values).Decode(Keys(&s)); err != nil {
		return nil, err
	}
	// The connection is the process's shared one (radosengine keeps one per cluster and
	// identity), so an object server and a container server in one process share it.
	cluster, err := s.Connection.Open()
	if err != nil {
		return nil, err
	}
	return New(cluster, Config{Pool: s.Pool, Namespace: s.Namespace, Shards: s.Shards})
}
