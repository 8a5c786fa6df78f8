package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/diskfiletest"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

func TestGCCommandReclaimsSupersededDataOfEveryPolicy(t *testing.T) {
	bed := testbed.Require(t)
	conf := filepath.Join(t.TempDir(), "object-server.conf")
	require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`[DEFAULT]
log_level = INFO
[app:object-server]
rados_ceph_conf = %s
rados_user = %s
rados_pool = %s
rados_pool_1 = %s
rados_namespace_1 = gc-cmd-1-%d
rados_namespace = gc-cmd-0-%d
rados_stripe_size = 65536
gc_grace = 0
upload_timeout = 0
`, bed.User.CephConf, bed.User.User, bed.Pool, bed.Pool, time.Now().UnixNano(), time.Now().UnixNano())), 0o600))

	policies, _, err := openPolicies(conf)
	require.NoError(t, err)
	defer policies.Close()
	for idx, e := range policies {
		ref := diskfile.ObjectRef{Policy: idx, Account: "a", Container: "c", Object: "o"}
		for i := 0; i < 3; i++ {
			require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), diskfiletest.Payload(200<<10, int64(i)), nil))
		}
	}

	require.NoError(t, runGC([]string{"-c", conf}))

	for idx, e := range policies {
		rep, err := e.(diskfile.Collector).CollectGarbage(context.Background())
		require.NoError(t, err)
		require.Equal(t, 1, rep.Entries, "policy %d: only the live upload is left", idx)
		require.Zero(t, rep.UploadsReclaimed, "policy %d: the command reclaimed the two superseded uploads", idx)
		_, _, err = diskfiletest.ReadAll(t, e, diskfile.ObjectRef{Policy: idx, Account: "a", Container: "c", Object: "o"})
		require.NoError(t, err)
	}
	require.Error(t, runGC([]string{"-c", filepath.Join(t.TempDir(), "missing.conf")}))
}
