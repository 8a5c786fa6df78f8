package radosdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/cmpomap"
)

// The container updater's work list is a few "pending.<k>" objects whose omap keys are
// "account/container" and values the token of the container's last change.
//
// A RADOS op touches one object, and a container's rows and status live on its own
// objects while the marks of many containers share a pending object, so the mark is a
// separate op, written both before and after the change. After: an updater that reads
// the mark, then the container, then clears the mark with the token it read fails to
// clear it when a change landed in between (the new mark has a new token), so that
// change is reported again. Before: a process that dies (or fails to write the mark)
// after its change still leaves the container marked, and a retried update that finds
// its rows already applied marks it too. What remains is an updater clearing the first
// mark in the instant between it and the change, followed by a crash before the second.

// newToken is unique per change: time-ordered for people reading the omap, random so
// two nodes never write the same token.
func newToken() string {
	return fmt.Sprintf("%016x.%08x", time.Now().UnixNano(), rand.Uint32())
}

func pendingKey(account, container string) string { return account + "/" + container }

// markChanged sets the container's mark to a new token.
func (b *Backend) markChanged(ctx context.Context, account, container string) error {
	op := rados.CreateWriteOp()
	defer op.Release()
	op.SetOmap(map[string][]byte{pendingKey(account, container): []byte(newToken())})
	return b.operateWrite(ctx, pendingObject(account, container), op)
}

// PendingReports returns up to limit marked containers, reading every pending object
// in parallel (up to limit marks from each).
func (b *Backend) PendingReports(ctx context.Context, limit int) ([]accountdb.ReportMark, error) {
	if limit <= 0 {
		return nil, nil
	}
	perObject := make([][]accountdb.ReportMark, pendingObjects)
	err := forEachShard(pendingObjects, func(k int) error {
		op := rados.CreateReadOp()
		defer op.Release()
		step := op.GetOmapValues("", "", uint64(limit))
		err := b.operateRead(ctx, fmt.Sprintf("pending.%d", k), op)
		if err == errNoObject {
			return nil
		}
		if err != nil {
			return err
		}
		for {
			kv, err := step.Next()
			if err != nil || kv == nil {
				return err
			}
			account, container, ok := strings.Cut(kv.Key, "/")
			if !ok {
				continue // not a mark: nothing else is written here, but never fail the updater on it
			}
			perObject[k] = append(perObject[k], accountdb.ReportMark{Account: account, Container: container, Token: string(kv.Value)})
		}
	})
	if err != nil {
		return nil, err
	}
	// Take from every object in turn, so one busy object cannot starve the others.
	var marks []accountdb.ReportMark
	for i := 0; len(marks) < limit; i++ {
		took := false
		for k := range perObject {
			if i < len(perObject[k]) && len(marks) < limit {
				marks = append(marks, perObject[k][i])
				took = true
			}
		}
		if !took {
			break
		}
	}
	return marks, nil
}

// ClearReport removes the mark only if it still holds m.Token (cmp_rm_keys EQ on the
// OSD), so a change made while the report was on its way stays marked.
func (b *Backend) ClearReport(ctx context.Context, m accountdb.ReportMark) error {
	op := rados.CreateWriteOp()
	defer op.Release()
	op.Exec(cmpomap.Class, cmpomap.MethodCmpRmKeys, cmpomap.RemoveIfEqual(map[string]string{pendingKey(m.Account, m.Container): m.Token}))
	err := b.operateWrite(ctx, pendingObject(m.Account, m.Container), op)
	if err == errNoObject {
		return nil
	}
	return err
}
