package radosengine

import (
	"fmt"
	"sync"
	"time"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/radosconn"
)

func init() {
	diskfile.Register("rados", newFromSettings, func() []config.Key { return Keys(new(Settings)) })
}

// Settings are the rados engine's keys in a server's config section (per policy:
// KEY_N for policy N, see diskfile.OpenPolicies).
type Settings struct {
	Connection
	Pool          string
	Namespace     string
	StripeSize    int64
	Parallel      int
	GCGrace       time.Duration
	UploadTimeout time.Duration
	ReclaimAge    time.Duration
	VerifyReads   bool
	MemoryBudget  int64
	MemoryWait    time.Duration
}

// Connection is the cluster and identity of a section: the engines, the async-pending
// queue and the rados database backend of a process share one connection per pair.
type Connection struct {
	CephConf  string
	User      string
	OpTimeout time.Duration
}

// ConnectionKeys is the table of the keys that name the cluster connection.
func ConnectionKeys(c *Connection) []config.Key {
	return []config.Key{
		config.String("rados_ceph_conf", &c.CephConf, "/etc/ceph/ceph.conf", "the cluster's ceph.conf (monitors, keyring)"),
		config.String("rados_user", &c.User, "radosswift", `the cephx user, without "client."`),
		config.Seconds("rados_op_timeout", &c.OpTimeout, radosconn.DefaultOpTimeout, "a librados operation fails after this (503)").Positive(),
	}
}

// Keys is the rados engine's table.
func Keys(s *Settings) []config.Key {
	return append(ConnectionKeys(&s.Connection),
		config.String("rados_pool", &s.Pool, "radosswift", "the pool of the policy's objects"),
		config.String("rados_namespace", &s.Namespace, "", "RADOS namespace prefix, so that installations can share a pool"),
		config.Bytes("rados_stripe_size", &s.StripeSize, DefaultStripeSize, "bytes per tail object; also the largest object kept whole in its head").Between(1, 128<<20),
		config.Int("rados_parallel", &s.Parallel, DefaultParallel, "stripes in flight per request").AtLeast(1),
		config.Seconds("gc_grace", &s.GCGrace, DefaultGCGrace, "superseded data stays readable this long for readers in flight"),
		config.Seconds("upload_timeout", &s.UploadTimeout, DefaultUploadTimeout, "an upload not committed after this is reclaimed"),
		config.Seconds("reclaim_age", &s.ReclaimAge, DefaultReclaimAge, "tombstones are kept this long (Swift's reclaim_age)"),
		config.Bool("rados_verify_reads", &s.VerifyReads, true, "check the MD5 of every whole-object read and quarantine a mismatch, as Swift does"),
		config.Bytes("rados_memory_budget", &s.MemoryBudget, DefaultMemoryBudget, "bytes of object data all requests may buffer at once (0: unbounded)"),
		config.Seconds("rados_memory_wait", &s.MemoryWait, DefaultMemoryWait, "the longest a request waits for its share of the budget before going on with its least working set"),
	)
}

// DecodeSettings reads the engine's settings from a policy's section; every bad value
// is reported.
func DecodeSettings(s config.Section) (Settings, error) {
	var out Settings
	err := s.Decode(Keys(&out))
	return out, err
}

// Config is the engine configuration the settings describe.
func (s Settings) Config() Config {
	cfg := DefaultConfig(s.Pool)
	cfg.Namespace = s.Namespace
	cfg.StripeSize = s.StripeSize
	cfg.Parallel = s.Parallel
	cfg.GCGrace, cfg.UploadTimeout, cfg.ReclaimAge = s.GCGrace, s.UploadTimeout, s.ReclaimAge
	cfg.SkipReadVerify = !s.VerifyReads
	cfg.MemoryBudget = s.MemoryBudget
	cfg.MemoryWait = s.MemoryWait
	if cfg.MemoryBudget == 0 {
		cfg.MemoryBudget = -1 // the setting's 0 is "unbounded"
	}
	return cfg
}

func newFromSettings(values map[string]string) (diskfile.Engine, error) {
	s, err := DecodeSettings(config.SectionOf("rados engine", values))
	if err != nil {
		return nil, err
	}
	cluster, err := s.Connection.Open()
	if err != nil {
		return nil, err
	}
	return New(cluster, s.Config())
}

// ClusterFor is the process's connection for the rados_ceph_conf, rados_user and
// rados_op_timeout settings of a config section.
func ClusterFor(s config.Section) (*radosconn.Cluster, error) {
	var c Connection
	if err := s.Decode(ConnectionKeys(&c)); err != nil {
		return nil, err
	}
	return c.Open()
}

// Open returns the process's shared connection for c.
func (c Connection) Open() (*radosconn.Cluster, error) {
	if c.OpTimeout <= 0 {
		return nil, fmt.Errorf("rados_op_timeout must be more than 0")
	}
	return sharedCluster(radosconn.Config{CephConf: c.CephConf, User: c.User, OpTimeout: c.OpTimeout, MonTimeout: c.OpTimeout})
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
