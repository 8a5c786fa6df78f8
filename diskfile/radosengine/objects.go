package radosengine

import (
	"context"
	"errors"
	"maps"
	"strconv"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

var headKeys = []string{keyTS, keyData, keyPost, keyCtype}

// Open reads metadata and the first Prefetch bytes of data in one read op.
func (e *Engine) Open(ctx context.Context, ref diskfile.ObjectRef) (diskfile.Object, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	head := headObjectName(ref)
	bufp := e.prefetchBuffer()
	defer e.prefetch.Put(bufp)
	buf := *bufp
	op := rados.CreateReadOp()
	defer op.Release()
	readStep := op.Read(0, buf)
	omapStep := op.GetOmapValuesByKeys(headKeys)
	if err := e.operateRead(e.data, head, op); err != nil {
		if errors.Is(err, errNoObject) {
			return nil, &diskfile.NotFoundError{}
		}
		return nil, err
	}
	vals, err := collectOmap(omapStep)
	if err != nil {
		return nil, err
	}
	st, err := decodeHead(vals)
	if errors.Is(err, errNoObject) {
		return nil, &diskfile.NotFoundError{}
	} else if err != nil {
		return nil, err
	}
	if st.record.Path != ref.Path() {
		return nil, diskfile.ErrCollision
	}
	if st.record.Deleted {
		return nil, &diskfile.DeletedError{Timestamp: st.ts}
	}
	obj := &object{e: e, ref: ref, head: head, st: st}
	obj.meta = diskfile.MergeMetadata(st.record.Meta, st.ts, st.post, st.ctype)
	obj.meta[diskfile.KeyTimestamp] = st.newest().Internal()
	obj.meta[diskfile.KeyContentLength] = strconv.FormatInt(st.record.Size, 10)
	obj.meta[diskfile.KeyETag] = st.record.ETag
	if diskfile.Expired(obj.meta) {
		return nil, &diskfile.ExpiredError{Timestamp: st.newest(), Metadata: obj.meta}
	}
	if st.record.Upload == "" {
		// Copied out: the prefetch buffer goes back to the pool, and a small object
		// keeps only its own bytes.
		obj.prefetched = append([]byte(nil), buf[:min(int64(readStep.BytesRead), st.record.Size)]...)
	}
	return obj, nil
}

// prefetchBuffer is a reused Prefetch-sized buffer: every GET and HEAD reads into one,
// and allocating (and zeroing) 64 KiB per request showed in small-GET throughput.
func (e *Engine) prefetchBuffer() *[]byte {
	if b, ok := e.prefetch.Get().(*[]byte); ok {
		return b
	}
	b := make([]byte, e.cfg.Prefetch)
	return &b
}

// omapStep is what go-ceph's omap read steps have in common.
type omapStep interface {
	Next() (*rados.OmapKeyValue, error)
}

// collectOmap gathers an executed omap read step into a map.
func collectOmap(step omapStep) (map[string][]byte, error) {
	vals := map[string][]byte{}
	for {
		kv, err := step.Next()
		if err != nil {
			return nil, err
		}
		if kv == nil {
			return vals, nil
		}
		vals[kv.Key] = kv.Value
	}
}

// readHead returns the head's state, or errNoObject.
func (e *Engine) readHead(head string) (*headState, error) {
	op := rados.CreateReadOp()
	defer op.Release()
	omapStep := op.GetOmapValuesByKeys(headKeys)
	if err := e.operateRead(e.data, head, op); err != nil {
		return nil, err
	}
	vals, err := collectOmap(omapStep)
	if err != nil {
		return nil, err
	}
	return decodeHead(vals)
}

// storedTimestamp is the data/tombstone timestamp a failed guard ran into.
func (e *Engine) storedTimestamp(head string) (swift.Timestamp, error) {
	st, err := e.readHead(head)
	if err != nil {
		return swift.Timestamp{}, err
	}
	return st.ts, nil
}

// Post replaces the POSTed metadata in one write op, guarded on the OSD: the object
// must be live and ts newer than both its data and its last POST.
func (e *Engine) Post(ctx context.Context, ref diskfile.ObjectRef, ts swift.Timestamp, meta map[string]string) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	head := headObjectName(ref)
	meta = maps.Clone(meta)
	if meta == nil {
		meta = map[string]string{}
	}
	meta[diskfile.KeyTimestamp] = ts.Internal()
	op := rados.CreateWriteOp()
	defer op.Release()
	op.Exec(cmpomapClass, "cmp_vals", guardEqual(map[string]string{keyLive: "1"}))
	op.Exec(cmpomapClass, "cmp_vals", guardNewer(map[string]string{keyTS: ts.Internal(), keyPost: ts.Internal()}))
	op.SetOmap(map[string][]byte{keyPost: []byte(encodeStamped(ts, meta))})
	if ctTS, err := swift.ParseTimestamp(meta[diskfile.KeyContentTypeTS]); err == nil && meta[diskfile.KeyContentType] != "" {
		ctype := map[string]string{diskfile.KeyContentType: meta[diskfile.KeyContentType], diskfile.KeyContentTypeTS: ctTS.Internal()}
		op.Exec(cmpomapClass, "cmp_set_vals", setIfNewer(map[string]string{keyCtype: encodeStamped(ctTS, ctype)}))
	}
	err := e.operateWrite(e.data, head, op)
	if !errors.Is(err, errGuard) {
		return err
	}
	st, err := e.readHead(head)
	switch {
	case errors.Is(err, errNoObject):
		return &diskfile.NotFoundError{}
	case err != nil:
		return err
	case st.record.Deleted:
		return &diskfile.DeletedError{Timestamp: st.ts}
	case st.record.Path != ref.Path():
		return diskfile.ErrCollision
	}
	return &diskfile.ConflictError{Stored: st.newest()}
}

// Delete writes a tombstone in one guarded write op. The collector's index entry is
// written first, so that a crash in between leaves nothing it cannot reclaim.
func (e *Engine) Delete(ctx context.Context, ref diskfile.ObjectRef, ts swift.Timestamp) error {
	if err := ctxErr(ctx); err != nil {
		return err
	}
	head := headObjectName(ref)
	entryKey := tombstoneKey(head, ts)
	if err := e.putGCEntry(entryKey, gcEntry{Head: head, TS: ts.Internal()}); err != nil {
		return err
	}
	op := rados.CreateWriteOp()
	defer op.Release()
	op.Exec(cmpomapClass, "cmp_vals", guardNewer(map[string]string{keyTS: ts.Internal()}))
	op.WriteFull(pad)
	op.SetOmap(map[string][]byte{
		keyTS:   []byte(ts.Internal()),
		keyData: mustJSON(dataRecord{Path: ref.Path(), Deleted: true}),
	})
	op.RmOmapKeys([]string{keyLive})
	// A tombstone supersedes older POSTs, as in Swift's hash directory cleanup.
	op.Exec(cmpomapClass, "cmp_rm_keys", removeIfOlder(map[string]string{keyPost: ts.Internal(), keyCtype: ts.Internal()}))
	err := e.operateWrite(e.data, head, op)
	if !errors.Is(err, errGuard) {
		return err
	}
	e.deleteGCEntries(entryKey)
	stored, err := e.storedTimestamp(head)
	if err != nil {
		return err
	}
	return &diskfile.ConflictError{Stored: stored}
}
