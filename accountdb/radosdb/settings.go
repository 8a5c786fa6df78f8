package radosdb

import (
	"fmt"
	"strconv"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/diskfile/radosengine"
)

func init() { accountdb.Register("rados", newFromSettings) }

// Settings of the backend, as they appear in an account or container server's config
// section (the same keys as the object engine's, so one section can serve both):
//
//	rados_ceph_conf     /etc/ceph/ceph.conf
//	rados_user          radosswift     (cephx user, without "client.")
//	rados_pool          radosswift
//	rados_namespace     ""             (the databases use the namespace <this>.db)
//	rados_op_timeout    10             (seconds; slower ops fail as ErrUnavailable, 503)
//	rados_db_shards     16             (row objects per new database; see DefaultShards)
func newFromSettings(s map[string]string) (accountdb.Backend, error) {
	// The connection is the process's shared one (radosengine keeps one per cluster and
	// identity), so an object server and a container server in one process share it.
	cluster, err := radosengine.ClusterFor(s)
	if err != nil {
		return nil, err
	}
	cfg := Config{Pool: s["rados_pool"], Namespace: s["rados_namespace"], Shards: DefaultShards}
	if cfg.Pool == "" {
		cfg.Pool = "radosswift"
	}
	if v, ok := s["rados_db_shards"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 || n > 1024 {
			return nil, fmt.Errorf("rados_db_shards = %q: want an integer from 1 to 1024", v)
		}
		cfg.Shards = n
	}
	return New(cluster, cfg)
}
