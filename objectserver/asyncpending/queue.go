// Package asyncpending keeps the container updates that could not be delivered, in
// RADOS, so no node's local disk holds them and any node can deliver them: Swift's
// async_pending directory, made durable and shared.
package asyncpending

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"strings"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/objectserver"
	"github.com/radosswift/radosswift/radosconn"
)

// Namespace holds the queue's shard objects, apart from the object data.
const Namespace = ".async"

// Shards is the number of queue objects; updaters lock one shard at a time, so
// several nodes share the work and never deliver one entry twice at once.
const Shards = 16

// Queue is the durable queue of pending updates.
type Queue struct {
	ioctx *rados.IOContext
}

var _ objectserver.AsyncQueue = (*Queue)(nil)

// Open opens the queue in pool (namespace prefix ns, as the engines use).
func Open(cluster *radosconn.Cluster, pool, ns string) (*Queue, error) {
	ioctx, err := cluster.OpenPool(pool)
	if err != nil {
		return nil, err
	}
	ioctx.SetNamespace(ns + Namespace)
	return &Queue{ioctx: ioctx}, nil
}

// Close releases the queue's I/O context.
func (q *Queue) Close() { q.ioctx.Destroy() }

// entryKey sorts one object's entries by timestamp and keeps every object's apart:
// "<sha1 of account/container/object>.<timestamp>".
func entryKey(p objectserver.PendingUpdate) string {
	sum := sha1.Sum([]byte(p.Account + "/" + p.Container + "/" + p.Object))
	return hex.EncodeToString(sum[:]) + "." + p.Timestamp()
}

func shardOf(key string) string {
	h := fnv.New32a()
	h.Write([]byte(key[:40]))
	return fmt.Sprintf("async.%03d", h.Sum32()%Shards)
}

// Enqueue stores an update in one write op; the same update twice is one entry.
func (q *Queue) Enqueue(ctx context.Context, p objectserver.PendingUpdate) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	value, err := json.Marshal(p)
	if err != nil {
		return err
	}
	key := entryKey(p)
	op := rados.CreateWriteOp()
	defer op.Release()
	op.SetOmap(map[string][]byte{key: value})
	return op.Operate(q.ioctx, shardOf(key), rados.OperationFullTry)
}

// Count is the number of pending updates (for recon's async_pending).
func (q *Queue) Count(ctx context.Context) (int, error) {
	total := 0
	for i := 0; i < Shards; i++ {
		n := 0
		err := q.scan(fmt.Sprintf("async.%03d", i), func(string, []byte) bool { n++; return true })
		if err != nil {
			return 0, err
		}
		total += n
	}
	return total, nil
}

const page = 500

// scan visits a shard's entries in key order until visit returns false.
func (q *Queue) scan(shard string, visit func(key string, value []byte) bool) error {
	after := ""
	for {
		op := rados.CreateReadOp()
		step := op.GetOmapValues(after, "", page)
		err := op.Operate(q.ioctx, shard, rados.OperationNoFlag)
		if radosconn.IsNotFound(err) {
			op.Release()
			return nil
		}
		if err != nil {
			op.Release()
			return err
		}
		n := 0
		for {
			kv, err := step.Next()
			if err != nil {
				op.Release()
				return err
			}
			if kv == nil {
				break
			}
			n++
			after = kv.Key
			if !visit(kv.Key, kv.Value) {
				op.Release()
				return nil
			}
		}
		op.Release()
		if n < page {
			return nil
		}
	}
}

func (q *Queue) remove(shard string, keys []string) error {
	if len(keys) == 0 {
		return nil
	}
	op := rados.CreateWriteOp()
	defer op.Release()
	op.RmOmapKeys(keys)
	return op.Operate(q.ioctx, shard, rados.OperationFullTry)
}

// objectOf is the object part of a key: entries with the same one are one object's.
func objectOf(key string) string {
	obj, _, _ := strings.Cut(key, ".")
	return obj
}
