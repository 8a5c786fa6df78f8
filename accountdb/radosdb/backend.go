// Package radosdb is the RADOS omap backend of accountdb, registered as "rados" (the
// default): every account and container database is a small status object plus its
// rows sharded over a fixed number of RADOS objects, whose omaps keep the rows in name
// order. Updates from any node are read-modify-write steps guarded on the OSD (cmpomap),
// so newest-row-wins and exact stats hold between processes without locks. The layout
// is in naming.go, the status object in status.go, the sharded rows in rows.go.
package radosdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/radosconn"
)

// Config is the backend's tuning; zero values take the defaults.
type Config struct {
	Pool      string
	Namespace string // RADOS namespace; the databases live in Namespace + ".db"
	// Shards is the number of row objects a new database gets; fixed per database at
	// creation (stored in its status object), so changing it affects new ones only.
	Shards int
}

// DefaultShards: 16 keeps a container of 1.5 million rows at about 190 000 omap keys per
// object (listed rows are stored twice, forward and reverse), under Ceph's large-omap
// warning (osd_deep_scrub_large_omap_object_key_threshold, 200 000), spreads one busy
// container's updates over 16 objects and so over up to 16 placement groups, and costs a
// HEAD 16 small reads in parallel. A listing page of 10 000 reads about 10 000 * 1.25
// rows in total whatever the count, so listings do not get slower with more shards.
const DefaultShards = 16

// namespaceSuffix keeps the databases apart from the object engine's namespaces in a
// shared pool.
const namespaceSuffix = ".db"

// maxAttempts bounds the retries of one guarded step under contention; reaching it means
// something is wrong (a row that changes hundreds of times while we read it).
const maxAttempts = 200

// Backend implements accountdb.Backend on one pool.
type Backend struct {
	cfg       Config
	ioctx     *rados.IOContext
	closeOnce sync.Once
	// shardCounts caches each database's shard count by full name: it never changes
	// while the database exists, and knowing it saves a status read per update.
	shardCounts sync.Map
	// Conflicts counts guarded steps redone because another writer got in between.
	Conflicts atomic.Int64
}

var _ accountdb.Backend = (*Backend)(nil)

// New opens the backend on cfg.Pool through an existing cluster connection.
func New(cluster *radosconn.Cluster, cfg Config) (*Backend, error) {
	if cfg.Shards <= 0 {
		cfg.Shards = DefaultShards
	}
	ioctx, err := cluster.OpenPool(cfg.Pool)
	if err != nil {
		return nil, err
	}
	ioctx.SetNamespace(cfg.Namespace + namespaceSuffix)
	return &Backend{cfg: cfg, ioctx: ioctx}, nil
}

// Config returns the configuration with defaults filled in.
func (b *Backend) Config() Config { return b.cfg }

// Close destroys the I/O context; the cluster connection stays with its owner.
func (b *Backend) Close() error {
	b.closeOnce.Do(b.ioctx.Destroy)
	return nil
}

// Every RADOS operation goes through these helpers: one place to map errors.

// Writes are sent with FULL_TRY so a full cluster answers at once instead of holding
// the op until the timeout.
func (b *Backend) operateWrite(ctx context.Context, oid string, op *rados.WriteOp) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapError(op.Operate(b.ioctx, oid, rados.OperationFullTry))
}

func (b *Backend) operateRead(ctx context.Context, oid string, op *rados.ReadOp) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return mapError(op.Operate(b.ioctx, oid, rados.OperationNoFlag))
}

// readAllOmap returns an object's omap keys under prefix, page by page.
func (b *Backend) readAllOmap(ctx context.Context, oid, prefix string) (map[string]string, error) {
	values := map[string]string{}
	after := ""
	for {
		op := rados.CreateReadOp()
		step := op.GetOmapValues(after, prefix, 1000)
		err := b.operateRead(ctx, oid, op)
		more := false
		if err == nil {
			for {
				kv, nextErr := step.Next()
				if nextErr != nil || kv == nil {
					err = nextErr
					break
				}
				values[kv.Key] = string(kv.Value)
				after = kv.Key
			}
			more = step.More()
		}
		op.Release()
		if err != nil || !more {
			return values, err
		}
	}
}

// backoff waits a little, more after each failed attempt, before a guarded step is
// redone, so contending writers spread out instead of colliding again in lockstep.
func (b *Backend) backoff(ctx context.Context, attempt int) error {
	b.Conflicts.Add(1)
	if attempt+1 >= maxAttempts {
		return fmt.Errorf("radosdb: gave up after %d conflicting attempts", maxAttempts)
	}
	wait := time.Duration(rand.Int64N(int64(min(attempt+1, 20)) * int64(time.Millisecond)))
	select {
	case <-time.After(wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

const (
	errnoENOENT    = 2
	errnoEEXIST    = 17
	errnoENOTCONN  = 107
	errnoESHUTDOWN = 108
	errnoETIMEDOUT = 110
	errnoECANCELED = 125
)

// errNoObject: RADOS has no such object (ENOENT). errConflict: a cmpomap guard failed
// (ECANCELED), another writer got in between.
var (
	errNoObject = &radosError{errno: errnoENOENT, msg: "no such rados object"}
	errConflict = &radosError{errno: errnoECANCELED, msg: "guard failed"}
)

type radosError struct {
	errno int
	msg   string
}

func (e *radosError) Error() string { return e.msg }

func errnoOf(err error) int {
	if e, ok := err.(*radosError); ok {
		return e.errno
	}
	return radosconn.Errno(err)
}

// mapError turns librados errors into the backend's meanings; timeouts and lost
// connections become accountdb.ErrUnavailable, which the servers answer with 503.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	switch radosconn.Errno(err) {
	case errnoENOENT:
		return errNoObject
	case errnoECANCELED:
		return errConflict
	case errnoETIMEDOUT, errnoENOTCONN, errnoESHUTDOWN:
		return fmt.Errorf("%w: %v", accountdb.ErrUnavailable, err)
	}
	return err
}
