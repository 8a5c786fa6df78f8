// Package radosconn connects radosswift to a Ceph cluster as the servers' own cephx user,
// with librados timeouts set so that a sick cluster gives fast errors, not hung requests.
package radosconn

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/ceph/go-ceph/rados"
)

// Config names the cluster and the identity the servers use; it is read from the
// servers' ini files (rados_ceph_conf, rados_user, ...).
type Config struct {
	CephConf   string        // path of ceph.conf (mon addresses, keyring location)
	User       string        // cephx user without the "client." prefix; never "admin" in production
	OpTimeout  time.Duration // librados rados_osd_op_timeout: an OSD op fails after this
	MonTimeout time.Duration // rados_mon_op_timeout and client_mount_timeout
}

// DefaultOpTimeout bounds one OSD operation: long enough for a busy OSD, short enough
// that the proxy's node timeout has not fired yet.
const DefaultOpTimeout = 10 * time.Second

// DefaultMonTimeout bounds connecting and every monitor command.
const DefaultMonTimeout = 10 * time.Second

// Cluster is one librados connection; it is safe for concurrent use, and one per
// process is enough (librados multiplexes ops over its own threads).
type Cluster struct {
	conn *rados.Conn
	cfg  Config
}

// Connect opens a librados connection, failing within MonTimeout when no monitor answers.
func Connect(cfg Config) (*Cluster, error) {
	if cfg.CephConf == "" {
		return nil, errors.New("rados: no ceph.conf given (rados_ceph_conf)")
	}
	if cfg.User == "" {
		return nil, errors.New("rados: no cephx user given (rados_user)")
	}
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = DefaultOpTimeout
	}
	if cfg.MonTimeout <= 0 {
		cfg.MonTimeout = DefaultMonTimeout
	}
	conn, err := rados.NewConnWithUser(cfg.User)
	if err != nil {
		return nil, fmt.Errorf("rados: creating a connection for client.%s: %w", cfg.User, err)
	}
	if err := conn.ReadConfigFile(cfg.CephConf); err != nil {
		conn.Shutdown()
		return nil, fmt.Errorf("rados: reading %s: %w", cfg.CephConf, err)
	}
	// Set after the conf file so that a conf without timeouts cannot leave them at
	// librados' default of "wait forever".
	timeouts := map[string]time.Duration{
		"rados_osd_op_timeout": cfg.OpTimeout,
		"rados_mon_op_timeout": cfg.MonTimeout,
		"client_mount_timeout": cfg.MonTimeout,
	}
	for option, d := range timeouts {
		if err := conn.SetConfigOption(option, seconds(d)); err != nil {
			conn.Shutdown()
			return nil, fmt.Errorf("rados: setting %s: %w", option, err)
		}
	}
	if err := conn.Connect(); err != nil {
		conn.Shutdown()
		return nil, fmt.Errorf("rados: connecting as client.%s with %s: %w", cfg.User, cfg.CephConf, err)
	}
	return &Cluster{conn: conn, cfg: cfg}, nil
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

// ErrNoPool is returned by OpenPool when the pool does not exist.
var ErrNoPool = errors.New("pool does not exist")

// OpenPool returns an I/O context on the named pool, checking first that it exists so a
// typo in the config is a startup error and not a stream of failed requests.
func (c *Cluster) OpenPool(name string) (*rados.IOContext, error) {
	if _, err := c.conn.GetPoolByName(name); err != nil {
		if errors.Is(err, rados.ErrNotFound) {
			return nil, fmt.Errorf("rados: pool %q: %w", name, ErrNoPool)
		}
		return nil, fmt.Errorf("rados: looking up pool %q: %w", name, err)
	}
	ioctx, err := c.conn.OpenIOContext(name)
	if err != nil {
		return nil, fmt.Errorf("rados: opening pool %q: %w", name, err)
	}
	return ioctx, nil
}

// Conn exposes the librados connection to the engines built on it.
func (c *Cluster) Conn() *rados.Conn { return c.conn }

// Config returns the configuration the cluster was connected with (timeouts filled in).
func (c *Cluster) Config() Config { return c.cfg }

// Shutdown closes the connection; I/O contexts opened from it must be destroyed first.
func (c *Cluster) Shutdown() { c.conn.Shutdown() }

// PoolUsage reports a pool as Swift's recon reports a disk: the cluster's raw size and
// free space, and the bytes the pool's objects use (statistics come from the mgr).
func (c *Cluster) PoolUsage(pool string) (size, used, avail int64, err error) {
	ioctx, err := c.OpenPool(pool)
	if err != nil {
		return 0, 0, 0, err
	}
	defer ioctx.Destroy()
	ps, err := ioctx.GetPoolStats()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("rados: stats of pool %q: %w", pool, err)
	}
	cs, err := c.conn.GetClusterStats()
	if err != nil {
		return 0, 0, 0, fmt.Errorf("rados: cluster stats: %w", err)
	}
	return int64(cs.Kb) << 10, int64(ps.Num_bytes), int64(cs.Kb_avail) << 10, nil
}
