package radosdb

import (
	"context"
	"strconv"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// containerDB is a handle on one container's database; it holds no state of its own.
type containerDB struct {
	b                  *Backend
	account, container string
	fullName           string
	base               string
}

// Container returns a handle on a container's database; it does no I/O.
func (b *Backend) Container(account, container string) accountdb.ContainerDB {
	return &containerDB{b: b, account: account, container: container,
		fullName: containerPath(account, container), base: containerBase(account, container)}
}

func (c *containerDB) Initialize(ctx context.Context, putTimestamp swift.Timestamp, policy int) error {
	values := newStatusValues(c.fullName, c.b.cfg.Shards, putTimestamp)
	values[keyPolicy] = strconv.Itoa(policy)
	zero := swift.Timestamp{}
	values[keyReported] = encodeReported(zero, zero, 0, 0)
	if err := c.b.createStatus(ctx, c.base, values); err != nil {
		return mapNotFound(err)
	}
	c.b.shardCounts.Store(c.fullName, c.b.cfg.Shards)
	return c.b.markChanged(ctx, c.account, c.container)
}

// rows is the container's object table, its shard count read from the status object
// once per process; ErrNotFound when the container does not exist.
func (c *containerDB) rows(ctx context.Context) (*table[accountdb.ObjectRow], error) {
	shards, err := c.b.shardCount(ctx, c.base, c.fullName)
	if err != nil {
		return nil, err
	}
	return &table[accountdb.ObjectRow]{b: c.b, kind: &objectRows, base: c.base, fullName: c.fullName, shards: shards}, nil
}

func (c *containerDB) Info(ctx context.Context) (accountdb.ContainerInfo, error) {
	rec, stats, err := readStatusAndStats(ctx, c.b, c.base, c.fullName, &objectRows)
	if err != nil {
		return accountdb.ContainerInfo{}, err
	}
	current := stats[rec.Policy]
	return accountdb.ContainerInfo{
		Status:                  rec.Status,
		Account:                 c.account,
		Container:               c.container,
		StoragePolicyIndex:      rec.Policy,
		ObjectCount:             current.ObjectCount,
		BytesUsed:               current.BytesUsed,
		ReportedPutTimestamp:    rec.ReportedPut,
		ReportedDeleteTimestamp: rec.ReportedDel,
		ReportedObjectCount:     rec.ReportedObjects,
		ReportedBytesUsed:       rec.ReportedBytes,
	}, nil
}

// change applies a status change and, when it is one the account must hear of, marks
// the container for the updater.
func (c *containerDB) change(ctx context.Context, report bool, change statusChange) error {
	if report {
		if err := c.b.markChanged(ctx, c.account, c.container); err != nil {
			return err
		}
	}
	changed, err := c.b.changeStatus(ctx, c.base, c.fullName, change)
	if err != nil {
		return mapNotFound(err)
	}
	if changed && report {
		return c.b.markChanged(ctx, c.account, c.container)
	}
	return nil
}

func (c *containerDB) UpdatePutTimestamp(ctx context.Context, ts swift.Timestamp) error {
	return c.change(ctx, true, func(rec *statusRecord) map[string]string {
		changes := map[string]string{}
		raise(changes, keyPutTimestamp, rec.PutTimestamp, ts)
		return changes
	})
}

func (c *containerDB) UpdateStatusChangedAt(ctx context.Context, ts swift.Timestamp) error {
	return c.change(ctx, false, func(rec *statusRecord) map[string]string {
		changes := map[string]string{}
		raise(changes, keyStatusChangedAt, rec.StatusChangedAt, ts)
		return changes
	})
}

// SetStoragePolicyIndex follows Swift's set_storage_policy_index: nothing happens when
// the policy is already the current one.
func (c *containerDB) SetStoragePolicyIndex(ctx context.Context, policy int, ts swift.Timestamp) error {
	return c.change(ctx, true, func(rec *statusRecord) map[string]string {
		changes := map[string]string{}
		if rec.Policy != policy {
			changes[keyPolicy] = strconv.Itoa(policy)
			raise(changes, keyStatusChangedAt, rec.StatusChangedAt, ts)
		}
		return changes
	})
}

func (c *containerDB) MarkDeleted(ctx context.Context, ts swift.Timestamp) error {
	return c.change(ctx, true, markDeleted(ts))
}

// markDeleted is Swift's delete_db for both kinds of database: metadata cleared at ts,
// then the delete timestamp and status_changed_at set to ts if ts is newer than the
// delete timestamp; all in one guarded step.
func markDeleted(ts swift.Timestamp) statusChange {
	return func(rec *statusRecord) map[string]string {
		changes := map[string]string{}
		metadataChanges(rec, accountdb.ClearedMetadata(rec.Metadata, ts), changes)
		if ts.After(rec.DeleteTimestamp) {
			changes[keyDeleteTimestamp] = ts.Internal()
			changes[keyStatusChangedAt] = ts.Internal()
		}
		return changes
	}
}

func (c *containerDB) UpdateMetadata(ctx context.Context, items accountdb.Metadata) error {
	return c.change(ctx, false, func(rec *statusRecord) map[string]string {
		changes := map[string]string{}
		metadataChanges(rec, items, changes)
		return changes
	})
}

func (c *containerDB) SetReported(ctx context.Context, put, del swift.Timestamp, objectCount, bytesUsed int64) error {
	return c.change(ctx, false, func(rec *statusRecord) map[string]string {
		value := encodeReported(put, del, objectCount, bytesUsed)
		if rec.stored[keyReported] == value {
			return nil
		}
		return map[string]string{keyReported: value}
	})
}

// MergeObjects merges rows shard by shard; the container is marked for the updater
// before the rows are written and, when its stats changed, again after (pending.go says
// why both).
func (c *containerDB) MergeObjects(ctx context.Context, rows []accountdb.ObjectRow) error {
	if len(rows) == 0 {
		return nil
	}
	t, err := c.rows(ctx)
	if err != nil {
		return err
	}
	if err := c.b.markChanged(ctx, c.account, c.container); err != nil {
		return err
	}
	statsChanged, err := t.merge(ctx, rows)
	if statsChanged {
		// Marked even when some shard failed: the rows that did land must be reported.
		if markErr := c.b.markChanged(ctx, c.account, c.container); err == nil {
			err = markErr
		}
	}
	return err
}

// ListObjects lists the live rows of the container's current policy.
func (c *containerDB) ListObjects(ctx context.Context, p accountdb.ListParams) ([]accountdb.ObjectEntry, error) {
	rec, err := c.b.readStatus(ctx, c.base, c.fullName)
	if err != nil {
		return nil, mapNotFound(err)
	}
	c.b.shardCounts.Store(c.fullName, rec.Shards)
	t := &table[accountdb.ObjectRow]{b: c.b, kind: &objectRows, base: c.base, fullName: c.fullName, shards: rec.Shards}
	keep := func(r accountdb.ObjectRow) bool { return r.StoragePolicyIndex == rec.Policy }
	return accountdb.ListObjects(ctx, p, func(ctx context.Context, after, before string, reverse bool, limit int) ([]accountdb.ObjectRow, error) {
		return t.scan(ctx, after, before, reverse, limit, keep)
	})
}

// mapNotFound: a missing status object is a database that does not exist.
func mapNotFound(err error) error {
	if err == errNoObject {
		return accountdb.ErrNotFound
	}
	return err
}

// shardCount is a database's shard count, from the cache or its status object.
func (b *Backend) shardCount(ctx context.Context, base, fullName string) (int, error) {
	if n, ok := b.shardCounts.Load(fullName); ok {
		return n.(int), nil
	}
	rec, err := b.readStatus(ctx, base, fullName)
	if err != nil {
		return 0, mapNotFound(err)
	}
	b.shardCounts.Store(fullName, rec.Shards)
	return rec.Shards, nil
}

// readStatusAndStats reads a database's status object and sums its shards' stats. With
// the shard count known, the status and every shard are read in one parallel round.
func readStatusAndStats[R any](ctx context.Context, b *Backend, base, fullName string, kind *rowKind[R]) (statusRecord, map[int]accountdb.PolicyStats, error) {
	shards, err := b.shardCount(ctx, base, fullName)
	if err != nil {
		return statusRecord{}, nil, err
	}
	t := &table[R]{b: b, kind: kind, base: base, fullName: fullName, shards: shards}
	var (
		rec       statusRecord
		statusErr error
		done      = make(chan struct{})
	)
	go func() {
		defer close(done)
		rec, statusErr = b.readStatus(ctx, base, fullName)
	}()
	stats, err := t.stats(ctx)
	<-done
	if statusErr != nil {
		return rec, nil, mapNotFound(statusErr)
	}
	if err != nil {
		return rec, nil, err
	}
	if rec.Shards != shards {
		// Recreated with another shard count since it was cached: read again.
		b.shardCounts.Delete(fullName)
		return readStatusAndStats(ctx, b, base, fullName, kind)
	}
	return rec, stats, nil
}
