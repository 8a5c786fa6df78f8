package radosconn_test

import (
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/ceph/go-ceph/rados"
	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/testbed"
	"github.com/radosswift/radosswift/radosconn"
)

func TestRestrictedUserWritesAndReadsDataWithMetadataInOneOpEach(t *testing.T) {
	bed := testbed.Require(t)
	ioctx, err := bed.Connect(t).OpenPool(bed.Pool)
	require.NoError(t, err)
	defer ioctx.Destroy()

	name := fmt.Sprintf("wiring-%d", time.Now().UnixNano())
	data := []byte("hello from the restricted user")
	meta := map[string][]byte{"x-timestamp": []byte("1700000000.00000"), "content-type": []byte("text/plain")}

	w := rados.CreateWriteOp()
	w.WriteFull(data)
	w.SetOmap(meta)
	require.NoError(t, w.Operate(ioctx, name, rados.OperationNoFlag))
	w.Release()
	defer ioctx.Delete(name)

	buf := make([]byte, 128)
	r := rados.CreateReadOp()
	defer r.Release()
	readStep := r.Read(0, buf)
	omapStep := r.GetOmapValuesByKeys([]string{"x-timestamp", "content-type"})
	require.NoError(t, r.Operate(ioctx, name, rados.OperationNoFlag))

	require.Equal(t, data, buf[:readStep.BytesRead])
	got := map[string][]byte{}
	for {
		kv, err := omapStep.Next()
		require.NoError(t, err)
		if kv == nil {
			break
		}
		got[kv.Key] = kv.Value
	}
	require.Equal(t, meta, got)
}

func TestRestrictedUserIsRefusedAnotherPool(t *testing.T) {
	bed := testbed.Require(t)
	admin := bed.ConnectAdmin(t).Conn()
	other := fmt.Sprintf("forbidden-%d", time.Now().UnixNano())
	require.NoError(t, admin.MakePool(other))
	defer admin.DeletePool(other)

	// The pool exists and the admin can write to it...
	adminIO, err := admin.OpenIOContext(other)
	require.NoError(t, err)
	require.NoError(t, adminIO.WriteFull("secret", []byte("admin data")))
	adminIO.Destroy()

	// ...but the servers' user can neither write nor read there.
	ioctx, err := bed.Connect(t).OpenPool(other)
	require.NoError(t, err, "opening an I/O context is local; the OSD decides on each op")
	defer ioctx.Destroy()
	err = ioctx.WriteFull("intruder", []byte("x"))
	require.ErrorIs(t, err, rados.ErrPermissionDenied, "write to a pool outside the caps")
	_, err = ioctx.Read("secret", make([]byte, 16), 0)
	require.ErrorIs(t, err, rados.ErrPermissionDenied, "read from a pool outside the caps")
}

func TestOpenPoolNamesAMissingPool(t *testing.T) {
	bed := testbed.Require(t)
	_, err := bed.Connect(t).OpenPool("no-such-pool-here")
	require.ErrorIs(t, err, radosconn.ErrNoPool)
	require.Contains(t, err.Error(), "no-such-pool-here")
}

func TestProbeRoundTripsAndLeavesNothingBehind(t *testing.T) {
	bed := testbed.Require(t)
	ioctx, err := bed.Connect(t).OpenPool(bed.Pool)
	require.NoError(t, err)
	defer ioctx.Destroy()

	res, err := radosconn.Probe(ioctx)
	require.NoError(t, err)
	_, err = ioctx.Stat(res.Object)
	require.True(t, errors.Is(err, rados.ErrNotFound), "probe object %s must be removed, got %v", res.Object, err)
}

func TestConnectFailsFastWhenNoMonitorAnswers(t *testing.T) {
	conf := t.TempDir() + "/ceph.conf"
	// A port on loopback where nothing listens: librados must give up after MonTimeout.
	require.NoError(t, os.WriteFile(conf, []byte("[global]\nmon host = v1:127.0.0.1:1\nauth client required = none\n"), 0o600))
	start := time.Now()
	_, err := radosconn.Connect(radosconn.Config{CephConf: conf, User: "radosswift", MonTimeout: 2 * time.Second})
	require.Error(t, err)
	require.Less(t, time.Since(start), 30*time.Second, "a dead cluster must not hang the caller")
}
