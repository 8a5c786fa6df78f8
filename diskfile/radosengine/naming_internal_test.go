package radosengine

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/ceph/go-ceph/rados"
	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

func TestHeadNamesIgnoreNothingButPolicyAndPath(t *testing.T) {
	a := diskfile.ObjectRef{Policy: 0, Account: "AUTH_a", Container: "c", Object: "o"}
	require.Equal(t, headObjectName(a), headObjectName(a))
	for _, other := range []diskfile.ObjectRef{
		{Policy: 1, Account: "AUTH_a", Container: "c", Object: "o"},
		{Policy: 0, Account: "AUTH_a", Container: "c", Object: "o2"},
		{Policy: 0, Account: "AUTH_a", Container: "c/o", Object: ""},
	} {
		require.NotEqual(t, headObjectName(a), headObjectName(other), "%+v", other)
	}
	require.Len(t, headObjectName(a), 42, "bounded length whatever the path")
}

// A head whose stored path is not the requested one is a collision, never served.
func TestAHeadStoredForAnotherPathIsACollision(t *testing.T) {
	bed := testbed.Require(t)
	cfg := DefaultConfig(bed.Pool)
	cfg.Namespace = fmt.Sprintf("test-%d", time.Now().UnixNano())
	e, err := New(bed.Connect(t), cfg)
	require.NoError(t, err)
	defer e.Close()

	victim := diskfile.ObjectRef{Account: "AUTH_a", Container: "c", Object: "victim"}
	intruder := diskfile.ObjectRef{Account: "AUTH_a", Container: "c", Object: "intruder"}
	w, err := e.Create(context.Background(), intruder, 5)
	require.NoError(t, err)
	_, err = w.Write([]byte("hello"))
	require.NoError(t, err)
	require.NoError(t, w.Commit(context.Background(), swift.Now(), "", nil))

	// Copy the intruder's head under the victim's name, as a hash collision would.
	vals, err := e.readHeadValues(headObjectName(intruder))
	require.NoError(t, err)
	var rec dataRecord
	require.NoError(t, json.Unmarshal(vals[keyData], &rec), "the record is plain JSON")
	require.Equal(t, intruder.Path(), rec.Path)
	op := rados.CreateWriteOp()
	defer op.Release()
	op.WriteFull([]byte("hello"))
	op.SetOmap(vals)
	require.NoError(t, e.operateWrite(e.data, headObjectName(victim), op))

	_, err = e.Open(context.Background(), victim)
	require.ErrorIs(t, err, diskfile.ErrCollision)
}
