package radosdb_test

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/ceph/go-ceph/rados"
	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/testbed"
)

// Why stats are not kept with Ceph's numops class (numops.add on omap values), which
// would need no read before a write: it adds in a double and stores the sum printed with
// 10 significant digits, so a container's bytes_used past 10 GB stops being exact. This
// test pins that down on the real OSD; stats are exact int64 sums in Go instead,
// guarded with cmpomap (rows.go).
func TestNumopsAddIsNotExactPastTenDigits(t *testing.T) {
	bed := testbed.Require(t)
	ioctx, err := bed.Connect(t).OpenPool(bed.Pool)
	require.NoError(t, err)
	defer ioctx.Destroy()
	ioctx.SetNamespace(fmt.Sprintf("numops%d", time.Now().UnixNano()))
	add := func(delta string) {
		var in []byte
		for _, s := range []string{"bytes", delta} {
			in = binary.LittleEndian.AppendUint32(in, uint32(len(s)))
			in = append(in, s...)
		}
		op := rados.CreateWriteOp()
		defer op.Release()
		op.Exec("numops", "add", in)
		require.NoError(t, op.Operate(ioctx, "stats", rados.OperationNoFlag))
	}
	add("12345678901")
	add("1")
	values, err := ioctx.GetOmapValues("stats", "", "", 10)
	require.NoError(t, err)
	t.Logf("numops: 12345678901 + 1 = %q", values["bytes"])
	require.NotEqual(t, "12345678902", string(values["bytes"]))
}
