package radosengine

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// Quarantine copies the head (metadata and inline data) into the quarantine namespace,
// keeps the tails of the version aside, and removes the head only if it still holds
// the version at ts: a newer version written meanwhile is left alone.
func (e *Engine) Quarantine(ctx context.Context, ref diskfile.ObjectRef, ts swift.Timestamp, reason string) error {
	head := headObjectName(ref)
	vals, err := e.readHeadValues(head)
	if errors.Is(err, errNoObject) {
		return &diskfile.NotFoundError{}
	} else if err != nil {
		return err
	}
	st, err := decodeHead(vals)
	if err != nil {
		return err
	}
	if st.ts != ts {
		return &diskfile.ConflictError{Stored: st.ts}
	}
	data := pad
	if st.record.Upload == "" && st.record.Size > 0 {
		data = make([]byte, st.record.Size)
		n, err := e.readAt(e.data, head, data, 0)
		if err != nil {
			return err
		}
		data = data[:max(n, 1)]
	}
	vals["quarantine.reason"] = []byte(reason)
	vals["quarantine.time"] = []byte(strconv.FormatInt(time.Now().Unix(), 10))
	vals["quarantine.path"] = []byte(ref.Path())
	copyOp := rados.CreateWriteOp()
	copyOp.WriteFull(data)
	copyOp.SetOmap(vals)
	err = e.operateWrite(e.quarantine, "q."+head+"."+ts.Internal(), copyOp)
	copyOp.Release()
	if err != nil {
		return err
	}
	if st.record.Upload != "" {
		if err := e.putGCEntry(uploadKey(st.record.Upload), gcEntry{Head: head, Quarantined: true}); err != nil {
			return err
		}
	}
	op := rados.CreateWriteOp()
	defer op.Release()
	op.Exec(cmpomapClass, "cmp_vals", guardEqual(map[string]string{keyTS: ts.Internal()}))
	op.Remove()
	if err := e.operateWrite(e.data, head, op); err != nil && !errors.Is(err, errGuard) && !errors.Is(err, errNoObject) {
		return err
	}
	return nil
}

// QuarantineCount lists the quarantine namespace (recon asks rarely).
func (e *Engine) QuarantineCount(ctx context.Context) (int, error) {
	iter, err := e.quarantine.Iter()
	if err != nil {
		return 0, mapError(err)
	}
	defer iter.Close()
	n := 0
	for iter.Next() {
		n++
	}
	return n, mapError(iter.Err())
}

// readHeadValues returns every omap value of a head (errNoObject when absent).
func (e *Engine) readHeadValues(head string) (map[string][]byte, error) {
	op := rados.CreateReadOp()
	defer op.Release()
	step := op.GetOmapValues("", "", 100)
	if err := e.operateRead(e.data, head, op); err != nil {
		return nil, err
	}
	return collectOmap(step)
}
