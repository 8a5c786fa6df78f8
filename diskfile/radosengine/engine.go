// Package radosengine is the RADOS implementation of the diskfile engine: every object
// is a head object (metadata, timestamp guard and, for small objects, the data) plus,
// for objects larger than one stripe, immutable tail objects written under an upload id.
package radosengine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/radosconn"
)

// Config is the engine's tuning; zero values take the defaults below.
type Config struct {
	Pool          string
	Namespace     string        // RADOS namespace prefix, for several installations in one pool
	StripeSize    int64         // bytes per tail object, and the largest object kept inline in its head
	Prefetch      int           // bytes read together with the metadata on open
	Parallel      int           // stripes in flight per upload or download
	GCGrace       time.Duration // superseded tails stay this long for readers still streaming them
	UploadTimeout time.Duration // an upload not committed after this is abandoned
	ReclaimAge    time.Duration // tombstones are kept this long (Swift's reclaim_age)
	GCShards      int           // collector index objects
	// SkipReadVerify leaves out the MD5 check of whole-object reads (lengths are still
	// checked). Ceph's own checksums (BlueStore's crc32c on every read, deep scrub)
	// already catch media corruption; the MD5 check, Swift's guard for plain disks,
	// costs about a third of the server's CPU on large GETs.
	SkipReadVerify bool
	// MemoryBudget bounds the object data buffered by all requests at once (bytes; at
	// least two stripes; negative: unbounded), beyond the least working sets of
	// requests that waited MemoryWait for their share (see memoryBudget).
	MemoryBudget int64
	// MemoryWait is the longest a request waits for its share of the budget before it
	// goes on with its least working set (negative: the default).
	MemoryWait time.Duration
}

// Defaults, chosen so that one upload or download keeps at most
// (Parallel+1) * StripeSize = 20 MiB in memory.
const (
	DefaultStripeSize    = 4 << 20
	DefaultPrefetch      = 64 << 10
	DefaultParallel      = 4
	DefaultGCGrace       = 5 * time.Minute
	DefaultUploadTimeout = 6 * time.Hour
	DefaultReclaimAge    = 7 * 24 * time.Hour
	DefaultGCShards      = 16
	DefaultMemoryBudget  = 16 << 20
	// DefaultMemoryWait is well above the queueing of a loaded server here (1 MiB
	// transfers at 64 in flight wait up to a few hundred ms) and well below the
	// proxy's node_timeout (10 s), which a transfer stuck behind a blocked one missed.
	DefaultMemoryWait = time.Second
)

func (c *Config) fill() {
	if c.StripeSize <= 0 {
		c.StripeSize = DefaultStripeSize
	}
	if c.Prefetch <= 0 {
		c.Prefetch = DefaultPrefetch
	}
	if c.Parallel <= 0 {
		c.Parallel = DefaultParallel
	}
	if c.GCGrace < 0 {
		c.GCGrace = DefaultGCGrace
	}
	if c.UploadTimeout < 0 {
		c.UploadTimeout = DefaultUploadTimeout
	}
	if c.ReclaimAge < 0 {
		c.ReclaimAge = DefaultReclaimAge
	}
	if c.MemoryBudget == 0 {
		c.MemoryBudget = DefaultMemoryBudget
	}
	if c.MemoryBudget > 0 && c.MemoryBudget < 2*c.StripeSize {
		c.MemoryBudget = 2 * c.StripeSize // a transfer needs one stripe filling and one in flight
	}
	if c.MemoryWait < 0 {
		c.MemoryWait = DefaultMemoryWait
	}
	if c.GCShards <= 0 {
		c.GCShards = DefaultGCShards
	}
}

// DefaultConfig returns the defaults for pool (negative durations mean "default").
func DefaultConfig(pool string) Config {
	return Config{Pool: pool, GCGrace: -1, UploadTimeout: -1, ReclaimAge: -1, MemoryWait: -1}
}

// OpCounts counts the RADOS operations the engine issued, for tests and metrics.
type OpCounts struct {
	Reads, Writes atomic.Int64
}

// Engine implements diskfile.Engine on one pool.
type Engine struct {
	cfg        Config
	data       *rados.IOContext
	gc         *rados.IOContext
	quarantine *rados.IOContext
	Ops        OpCounts
	buffers    *dataBuffers
	budget     *memoryBudget
	prefetch   sync.Pool // *[]byte of Prefetch
	closeOnce  sync.Once
}

var _ diskfile.Engine = (*Engine)(nil)

// New opens the engine on cfg.Pool through an existing cluster connection.
func New(cluster *radosconn.Cluster, cfg Config) (*Engine, error) {
	cfg.fill()
	e := &Engine{cfg: cfg, buffers: newDataBuffers(cfg.StripeSize), budget: newMemoryBudget(max(cfg.MemoryBudget, 0), cfg.StripeSize, cfg.MemoryWait)}
	var err error
	for _, target := range []struct {
		ioctx **rados.IOContext
		ns    string
	}{{&e.data, cfg.Namespace + nsData}, {&e.gc, cfg.Namespace + nsGC}, {&e.quarantine, cfg.Namespace + nsQuarantine}} {
		if *target.ioctx, err = cluster.OpenPool(cfg.Pool); err != nil {
			e.Close()
			return nil, err
		}
		(*target.ioctx).SetNamespace(target.ns)
	}
	return e, nil
}

// Config returns the engine's configuration with defaults filled in.
func (e *Engine) Config() Config { return e.cfg }

// BufferedBytes is the part of the memory budget that requests hold right now.
func (e *Engine) BufferedBytes() int64 { return e.budget.inUse() }

// Memory is the state of the memory budget: what is held, queued and was overdrawn.
func (e *Engine) Memory() MemoryStats { return e.budget.stats() }

// Close destroys the I/O contexts; the cluster connection stays with its owner.
func (e *Engine) Close() error {
	e.closeOnce.Do(func() {
		for _, ioctx := range []*rados.IOContext{e.data, e.gc, e.quarantine} {
			if ioctx != nil {
				ioctx.Destroy()
			}
		}
	})
	return nil
}

// Every RADOS operation goes through these helpers: one place to count and to map errors.

// Writes are sent with FULL_TRY: on a full pool or cluster librados would otherwise
// hold them until the op timeout; with it the OSD answers at once (ENOSPC or EDQUOT,
// our ErrNoSpace), and deletes, which free space, still go through.
func (e *Engine) operateWrite(ioctx *rados.IOContext, oid string, op *rados.WriteOp) error {
	e.Ops.Writes.Add(1)
	return mapError(op.Operate(ioctx, oid, rados.OperationFullTry))
}

func (e *Engine) operateRead(ioctx *rados.IOContext, oid string, op *rados.ReadOp) error {
	e.Ops.Reads.Add(1)
	return mapError(op.Operate(ioctx, oid, rados.OperationNoFlag))
}

func (e *Engine) writeFull(ioctx *rados.IOContext, oid string, data []byte) error {
	op := rados.CreateWriteOp()
	defer op.Release()
	op.WriteFull(data)
	return e.operateWrite(ioctx, oid, op)
}

func (e *Engine) remove(ioctx *rados.IOContext, oid string) error {
	op := rados.CreateWriteOp()
	defer op.Release()
	op.Remove()
	return e.operateWrite(ioctx, oid, op)
}

func (e *Engine) readAt(ioctx *rados.IOContext, oid string, buf []byte, off uint64) (int, error) {
	e.Ops.Reads.Add(1)
	n, err := ioctx.Read(oid, buf, off)
	return n, mapError(err)
}

// errGuard means a cmpomap guard failed (ECANCELED): the caller finds out why.
var errGuard = errors.New("guard failed")

// errNoObject means RADOS has no such object (ENOENT).
var errNoObject = errors.New("no such rados object")

const (
	errnoENOENT    = 2
	errnoENOSPC    = 28
	errnoENOTCONN  = 107
	errnoESHUTDOWN = 108
	errnoETIMEDOUT = 110
	errnoEDQUOT    = 122
	errnoECANCELED = 125
)

// mapError turns librados errors into the engine's meanings.
func mapError(err error) error {
	if err == nil {
		return nil
	}
	code := radosconn.Errno(err)
	switch code {
	case errnoENOENT:
		return errNoObject
	case errnoECANCELED:
		return errGuard
	case errnoENOSPC, errnoEDQUOT:
		return fmt.Errorf("%w: %v", diskfile.ErrNoSpace, err)
	case errnoETIMEDOUT, errnoENOTCONN, errnoESHUTDOWN:
		return diskfile.Unavailable(err)
	}
	return err
}

// ctxErr stops work for a caller that has gone away.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("request abandoned: %w", err)
	}
	return nil
}
