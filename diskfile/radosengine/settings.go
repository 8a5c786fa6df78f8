package radosengine

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/radosconn"
)

func init() { diskfile.Register("rados", newFromSettings) }

// Settings of the rados engine, as they appear in a server's config section:
//
//	rados_ceph_conf     /etc/ceph/ceph.conf
//	rados_user          radosswift             (cephx user, without "client.")
//	rados_pool          radosswift             (per policy: rados_pool_N)
//	rados_namespace     ""                     (RADOS namespace prefix; lets installations share a pool)
//	rados_op_timeout    10                     (seconds; an OSD op fails after this)
//	rados_stripe_size   4194304                (bytes per tail; also the inline limit)
//	rados_parallel      4                      (stripes in flight per request)
//	gc_grace            300                    (seconds superseded tails stay readable)
//	upload_timeout      21600                  (seconds before an uncommitted upload is reclaimed)
//	reclaim_age         604800                 (seconds tombstones are kept)
//	rados_verify_reads  true                   (check the MD5 of every whole-object read, as Swift does)
//	rados_memory_budget 16777216               (bytes of object data buffered at once by all requests; 0: unbounded)
//	rados_memory_wait   1                      (seconds a request waits for its share before going on with its least working set)
func newFromSettings(s map[string]string) (diskfile.Engine, error) {
	cluster, err := ClusterFor(s)
	if err != nil {
		return nil, err
	}
	cfg := DefaultConfig(or(s["rados_pool"], "radosswift"))
	cfg.Namespace = s["rados_namespace"]
	seconds := func(key string, into *time.Duration) {
		if v, ok := s[key]; ok && err == nil {
			var f float64
			if f, err = strconv.ParseFloat(v, 64); err != nil || f < 0 {
				err = fmt.Errorf("%s = %q: want seconds", key, v)
			}
			*into = time.Duration(f * float64(time.Second))
		}
	}
	integer := func(key string, into *int64) {
		if v, ok := s[key]; ok && err == nil {
			if *into, err = strconv.ParseInt(v, 10, 64); err != nil || *into <= 0 {
				err = fmt.Errorf("%s = %q: want a positive integer", key, v)
			}
		}
	}
	var parallel int64
	seconds("gc_grace", &cfg.GCGrace)
	seconds("upload_timeout", &cfg.UploadTimeout)
	seconds("reclaim_age", &cfg.ReclaimAge)
	seconds("rados_memory_wait", &cfg.MemoryWait)
	integer("rados_stripe_size", &cfg.StripeSize)
	integer("rados_parallel", &parallel)
	if v, ok := s["rados_memory_budget"]; ok && err == nil {
		if cfg.MemoryBudget, err = strconv.ParseInt(v, 10, 64); err != nil || cfg.MemoryBudget < 0 {
			err = fmt.Errorf("rados_memory_budget = %q: want bytes (0: unbounded)", v)
		} else if cfg.MemoryBudget == 0 {
			cfg.MemoryBudget = -1
		}
	}
	if err != nil {
		return nil, err
	}
	cfg.Parallel = int(parallel)
	if v, ok := s["rados_verify_reads"]; ok {
		verify, perr := strconv.ParseBool(v)
		if perr != nil {
			return nil, fmt.Errorf("rados_verify_reads = %q: want true or false", v)
		}
		cfg.SkipReadVerify = !verify
	}
	if cfg.StripeSize > 128<<20 {
		return nil, fmt.Errorf("rados_stripe_size %d is above RADOS's 128 MiB object limit", cfg.StripeSize)
	}
	return New(cluster, cfg)
}

// ClusterFor is the process's connection for the rados_ceph_conf, rados_user and
// rados_op_timeout settings of a config section: the engines and the async-pending
// queue of a server share it.
func ClusterFor(s map[string]string) (*radosconn.Cluster, error) {
	conn := radosconn.Config{CephConf: or(s["rados_ceph_conf"], "/etc/ceph/ceph.conf"), User: or(s["rados_user"], "radosswift")}
	if v, ok := s["rados_op_timeout"]; ok {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			return nil, fmt.Errorf("rados_op_timeout = %q: want seconds", v)
		}
		conn.OpTimeout = time.Duration(f * float64(time.Second))
		conn.MonTimeout = conn.OpTimeout
	}
	return sharedCluster(conn)
}

func or(v, fallback string) string {
	if v == "" {
		return fallback
	}
	return v
}

// One librados connection per cluster and identity serves every policy of a process.
var (
	clustersMu sync.Mutex
	clusters   = map[radosconn.Config]*radosconn.Cluster{}
)

func sharedCluster(cfg radosconn.Config) (*radosconn.Cluster, error) {
	clustersMu.Lock()
	defer clustersMu.Unlock()
	if c, ok := clusters[cfg]; ok {
		return c, nil
	}
	c, err := radosconn.Connect(cfg)
	if err != nil {
		return nil, err
	}
	clusters[cfg] = c
	return c, nil
}
