package radosdb

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/cmpomap"
	"github.com/radosswift/radosswift/internal/swift"
)

// A database's status object is small: one omap key per field and per metadata item.
// Its existence is the database's existence (Initialize creates it exclusively). Every
// change is a read-modify-write: the fields are read, the change is computed in Go with
// accountdb's merge rules, and one write op sets the changed keys guarded (cmpomap EQ)
// on their values as read; a concurrent change fails the guard and the step is redone.
const (
	keyName            = "name"     // the full path, checked on every read (hash collisions)
	keyShards          = "shards"   // shard count of the rows, fixed at creation
	keyCreatedAt       = "created"  // internal timestamps ...
	keyPutTimestamp    = "put"      //
	keyDeleteTimestamp = "delete"   //
	keyStatusChangedAt = "changed"  //
	keyPolicy          = "policy"   // containers: storage policy index
	keyReported        = "reported" // containers: "put delete objects bytes" last sent to the account
	prefixMeta         = "m."       // "m." + header -> "<internal timestamp> <value>"
)

// statusRecord is a status object as read, decoded.
type statusRecord struct {
	stored map[string]string // the omap as read: the guard's expected values
	accountdb.Status
	Shards                   int
	Policy                   int
	ReportedPut, ReportedDel swift.Timestamp
	ReportedObjects          int64
	ReportedBytes            int64
}

func decodeStatus(fullName string, values map[string]string) (statusRecord, error) {
	rec := statusRecord{stored: values, Status: accountdb.Status{Metadata: accountdb.Metadata{}}}
	if values[keyName] != fullName {
		return rec, fmt.Errorf("radosdb: status object of %q holds %q (hash collision)", fullName, values[keyName])
	}
	var err error
	timestamp := func(key string, into *swift.Timestamp) {
		if v, ok := values[key]; ok && err == nil {
			*into, err = swift.ParseTimestamp(v)
		}
	}
	timestamp(keyCreatedAt, &rec.CreatedAt)
	timestamp(keyPutTimestamp, &rec.PutTimestamp)
	timestamp(keyDeleteTimestamp, &rec.DeleteTimestamp)
	timestamp(keyStatusChangedAt, &rec.StatusChangedAt)
	if err == nil {
		rec.Shards, err = strconv.Atoi(values[keyShards])
	}
	if v, ok := values[keyPolicy]; ok && err == nil {
		rec.Policy, err = strconv.Atoi(v)
	}
	if v, ok := values[keyReported]; ok && err == nil {
		var put, del string
		if _, err = fmt.Sscanf(v, "%s %s %d %d", &put, &del, &rec.ReportedObjects, &rec.ReportedBytes); err == nil {
			if rec.ReportedPut, err = swift.ParseTimestamp(put); err == nil {
				rec.ReportedDel, err = swift.ParseTimestamp(del)
			}
		}
	}
	for key, v := range values {
		if !strings.HasPrefix(key, prefixMeta) || err != nil {
			continue
		}
		ts, value, _ := strings.Cut(v, " ")
		var item accountdb.MetaItem
		item.Value = value
		item.Timestamp, err = swift.ParseTimestamp(ts)
		rec.Metadata[strings.TrimPrefix(key, prefixMeta)] = item
	}
	if err != nil || rec.Shards <= 0 {
		return rec, fmt.Errorf("radosdb: corrupt status object of %q: %v", fullName, err)
	}
	return rec, nil
}

func encodeMetaItem(item accountdb.MetaItem) string {
	return item.Timestamp.Internal() + " " + item.Value
}

func encodeReported(put, del swift.Timestamp, objects, bytes int64) string {
	return fmt.Sprintf("%s %s %d %d", put.Internal(), del.Internal(), objects, bytes)
}

// newStatusValues are a new database's status fields.
func newStatusValues(fullName string, shards int, put swift.Timestamp) map[string]string {
	now := swift.Now().Internal()
	zero := swift.Timestamp{}.Internal()
	return map[string]string{
		keyName:            fullName,
		keyShards:          strconv.Itoa(shards),
		keyCreatedAt:       now,
		keyPutTimestamp:    put.Internal(),
		keyDeleteTimestamp: zero,
		keyStatusChangedAt: put.Internal(), // as Swift: the status last changed with the first PUT
	}
}

// statusChange computes, from the record as read, the keys to set; none means no change.
type statusChange func(rec *statusRecord) map[string]string

// raise sets key to ts in changes when ts is newer than current.
func raise(changes map[string]string, key string, current, ts swift.Timestamp) {
	if ts.After(current) {
		changes[key] = ts.Internal()
	}
}

// metadataChanges merges items into the record's metadata (MergeMetadata) and returns
// the keys that changed.
func metadataChanges(rec *statusRecord, items accountdb.Metadata, changes map[string]string) {
	merged, changed := accountdb.MergeMetadata(rec.Metadata, items)
	if !changed {
		return
	}
	for key, item := range merged {
		if old, ok := rec.Metadata[key]; !ok || old != item {
			changes[prefixMeta+key] = encodeMetaItem(item)
		}
	}
}

func (b *Backend) createStatus(ctx context.Context, oid string, values map[string]string) error {
	op := rados.CreateWriteOp()
	defer op.Release()
	op.Create(rados.CreateExclusive)
	op.SetOmap(toBytes(values))
	err := b.operateWrite(ctx, oid, op)
	if errnoOf(err) == errnoEEXIST {
		return accountdb.ErrAlreadyExists
	}
	return err
}

func (b *Backend) readStatus(ctx context.Context, oid, fullName string) (statusRecord, error) {
	values, err := b.readAllOmap(ctx, oid, "")
	if err != nil {
		return statusRecord{}, err
	}
	return decodeStatus(fullName, values)
}

// changeStatus applies change to the status object, redoing it when another writer
// got in between; it reports whether anything was written.
func (b *Backend) changeStatus(ctx context.Context, oid, fullName string, change statusChange) (bool, error) {
	for attempt := 0; ; attempt++ {
		rec, err := b.readStatus(ctx, oid, fullName)
		if err != nil {
			return false, err
		}
		changes := change(&rec)
		if len(changes) == 0 {
			return false, nil
		}
		expected := make(map[string]string, len(changes))
		for key := range changes {
			expected[key] = rec.stored[key]
		}
		op := rados.CreateWriteOp()
		op.AssertExists()
		op.Exec(cmpomap.Class, cmpomap.MethodCmpVals, cmpomap.GuardUnchanged(expected))
		op.SetOmap(toBytes(changes))
		err = b.operateWrite(ctx, oid, op)
		op.Release()
		if err != errConflict {
			return err == nil, err
		}
		if err := b.backoff(ctx, attempt); err != nil {
			return false, err
		}
	}
}

func toBytes(values map[string]string) map[string][]byte {
	out := make(map[string][]byte, len(values))
	for k, v := range values {
		out[k] = []byte(v)
	}
	return out
}
