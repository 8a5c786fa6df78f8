package radosengine

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// The collector's index: omap entries in GCShards objects of the gc namespace.
//
//	u.<upload>           an upload that wrote tails: reclaimed once no head points at it
//	d.<head>.<timestamp> a tombstone: the head is removed after ReclaimAge
type gcEntry struct {
	Head        string `json:"head"`
	TS          string `json:"ts,omitempty"`          // tombstone timestamp
	Created     int64  `json:"created,omitempty"`     // upload start, unix ns
	Committed   bool   `json:"committed,omitempty"`   // a head pointed at the upload once
	Noticed     int64  `json:"noticed,omitempty"`     // when the collector first saw no head pointing at it
	Quarantined bool   `json:"quarantined,omitempty"` // tails kept aside with a quarantined head
}

func uploadKey(upload string) string { return "u." + upload }

func tombstoneKey(head string, ts swift.Timestamp) string { return "d." + head + "." + ts.Internal() }

func (e *Engine) putGCEntry(key string, entry gcEntry) error {
	op := rados.CreateWriteOp()
	defer op.Release()
	op.SetOmap(map[string][]byte{key: mustJSON(entry)})
	return e.operateWrite(e.gc, gcShardName(key, e.cfg.GCShards), op)
}

func (e *Engine) deleteGCEntries(keys ...string) error {
	byShard := map[string][]string{}
	for _, k := range keys {
		shard := gcShardName(k, e.cfg.GCShards)
		byShard[shard] = append(byShard[shard], k)
	}
	for shard, ks := range byShard {
		op := rados.CreateWriteOp()
		op.RmOmapKeys(ks)
		err := e.operateWrite(e.gc, shard, op)
		op.Release()
		if err != nil && !errors.Is(err, errNoObject) {
			return err
		}
	}
	return nil
}

// removeTails removes tails 0..known-1 of an upload, the last first: a removal stopped
// halfway (a crash, an error) leaves tails 0..k, which a later probe finds from index 0.
// Removing the first first would leave a run of missing indexes at the start, at which
// a probe stops, and the rest would never be reclaimed. With probe, the count is
// unknown (a crashed writer): it is counted first, see countTails.
func (e *Engine) removeTails(upload string, known int, probe bool) error {
	if probe {
		n, err := e.countTails(upload)
		if err != nil {
			return err
		}
		known = max(known, n)
	}
	for i := known - 1; i >= 0; i-- {
		if err := e.remove(e.data, tailObjectName(upload, i)); err != nil && !errors.Is(err, errNoObject) {
			return err
		}
	}
	return nil
}

// countTails is one past the last tail of an upload: it looks until Parallel+1 indexes
// in a row are missing, since at most Parallel tails were in flight when the writer
// stopped, and tails are removed last first.
func (e *Engine) countTails(upload string) (int, error) {
	end := 0
	for i, misses := 0, 0; misses <= e.cfg.Parallel; i++ {
		e.Ops.Reads.Add(1)
		_, err := e.data.Stat(tailObjectName(upload, i))
		switch err = mapError(err); {
		case errors.Is(err, errNoObject):
			misses++
		case err != nil:
			return 0, err
		default:
			misses, end = 0, i+1
		}
	}
	return end, nil
}

// GCReport is the collector's account of one pass.
type GCReport = diskfile.GCReport

var _ diskfile.Collector = (*Engine)(nil)

// CollectGarbage makes one pass over the index: tails no head points at any more (after
// GCGrace, so readers in flight finish; uncommitted ones after UploadTimeout), and
// tombstones older than ReclaimAge.
func (e *Engine) CollectGarbage(ctx context.Context) (GCReport, error) {
	var rep GCReport
	for shard := 0; shard < e.cfg.GCShards; shard++ {
		name := fmt.Sprintf("gc.%03d", shard)
		after := ""
		for {
			if err := ctxErr(ctx); err != nil {
				return rep, err
			}
			entries, more, err := e.listGCEntries(name, after)
			if err != nil {
				return rep, fmt.Errorf("listing %s: %w", name, err)
			}
			for _, kv := range entries {
				after = kv.Key
				rep.Entries++
				var entry gcEntry
				if err := json.Unmarshal(kv.Value, &entry); err != nil {
					rep.Errors++
					continue
				}
				if err := e.collectEntry(kv.Key, entry, &rep); err != nil {
					rep.Errors++
				}
			}
			if !more {
				break
			}
		}
	}
	return rep, nil
}

const gcPage = 1000

func (e *Engine) listGCEntries(shard, after string) ([]rados.OmapKeyValue, bool, error) {
	op := rados.CreateReadOp()
	defer op.Release()
	step := op.GetOmapValues(after, "", gcPage)
	if err := e.operateRead(e.gc, shard, op); err != nil {
		if errors.Is(err, errNoObject) {
			return nil, false, nil
		}
		return nil, false, err
	}
	var out []rados.OmapKeyValue
	for {
		kv, err := step.Next()
		if err != nil {
			return nil, false, err
		}
		if kv == nil {
			break
		}
		out = append(out, *kv)
	}
	return out, len(out) == gcPage, nil
}

func (e *Engine) collectEntry(key string, entry gcEntry, rep *GCReport) error {
	now := time.Now()
	switch key[0] {
	case 'u':
		upload := key[2:]
		if entry.Quarantined {
			return nil
		}
		st, err := e.readHead(entry.Head)
		if err != nil && !errors.Is(err, errNoObject) {
			return err
		}
		if err == nil && !st.record.Deleted && st.record.Upload == upload {
			return nil // live
		}
		if entry.Noticed == 0 {
			entry.Noticed = now.UnixNano()
		}
		graceOver := now.Sub(time.Unix(0, entry.Noticed)) >= e.cfg.GCGrace
		abandoned := entry.Committed || now.Sub(time.Unix(0, entry.Created)) >= e.cfg.UploadTimeout
		if !graceOver || !abandoned {
			return e.putGCEntry(key, entry)
		}
		if err := e.removeTails(upload, 0, true); err != nil {
			return err
		}
		rep.UploadsReclaimed++
		return e.deleteGCEntries(key)
	case 'd':
		ts, err := swift.ParseTimestamp(entry.TS)
		if err != nil {
			return err
		}
		if now.Sub(ts.Time()) < e.cfg.ReclaimAge {
			return nil
		}
		op := rados.CreateWriteOp()
		op.Exec(cmpomapClass, "cmp_vals", guardEqual(map[string]string{keyTS: entry.TS}))
		op.Remove()
		err = e.operateWrite(e.data, entry.Head, op)
		op.Release()
		switch {
		case err == nil:
			rep.TombstonesReclaimed++
		case errors.Is(err, errGuard), errors.Is(err, errNoObject):
			// Overwritten since, or already gone: only the entry is left to drop.
		default:
			return err
		}
		return e.deleteGCEntries(key)
	}
	return fmt.Errorf("unknown collector entry %q", key)
}
