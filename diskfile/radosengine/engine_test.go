package radosengine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/diskfiletest"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
	"github.com/radosswift/radosswift/radosconn"
)

func testRef(t *testing.T) diskfile.ObjectRef {
	return diskfile.ObjectRef{Account: "AUTH_test", Container: "c", Object: fmt.Sprintf("%s-%d", t.Name(), time.Now().UnixNano())}
}

func TestSmallObjectPutIsOneWriteOpAndGetOrHeadOneReadOp(t *testing.T) {
	e := newEngine(t, nil)
	ref := testRef(t)
	data := diskfiletest.Payload(4096, 1)
	ts := swift.Now()

	w0, r0 := e.Ops.Writes.Load(), e.Ops.Reads.Load()
	require.NoError(t, diskfiletest.Put(t, e, ref, ts, data, map[string]string{"Content-Type": "text/plain"}))
	require.Equal(t, int64(1), e.Ops.Writes.Load()-w0, "PUT: data, metadata and guard in one write op")
	require.Equal(t, int64(0), e.Ops.Reads.Load()-r0, "PUT reads nothing")

	r0 = e.Ops.Reads.Load()
	_, got, err := diskfiletest.ReadAll(t, e, ref)
	require.NoError(t, err)
	require.Equal(t, data, got)
	require.Equal(t, int64(1), e.Ops.Reads.Load()-r0, "GET: metadata and data in one read op")

	r0 = e.Ops.Reads.Load()
	_, err = e.Open(context.Background(), ref)
	require.NoError(t, err)
	require.Equal(t, int64(1), e.Ops.Reads.Load()-r0, "HEAD: one read op")
}

func TestNamesDependOnPolicyAndPathOnly(t *testing.T) {
	e := newEngine(t, nil)
	ref := testRef(t)
	require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), []byte("policy 0"), nil))
	other := ref
	other.Policy = 1
	_, err := e.Open(context.Background(), other)
	require.True(t, diskfile.IsNotFound(err), "the same path in another policy is another object")
	_, got, err := diskfiletest.ReadAll(t, e, ref)
	require.NoError(t, err)
	require.Equal(t, "policy 0", string(got))
}

// rawData connects to the engine's data namespace directly, to damage objects.
func rawData(t *testing.T, e *radosengine.Engine) *rawIO {
	bed := testbed.Require(t)
	ioctx, err := bed.Connect(t).OpenPool(bed.Pool)
	require.NoError(t, err)
	ioctx.SetNamespace(e.Config().Namespace)
	t.Cleanup(ioctx.Destroy)
	return &rawIO{t: t, ioctx: ioctx}
}

func TestCorruptDataIsQuarantinedOnAWholeRead(t *testing.T) {
	e := newEngine(t, func(c *radosengine.Config) { c.StripeSize = 128 << 10 })
	raw := rawData(t, e)
	for _, tc := range []struct {
		name   string
		size   int64
		damage func(ref diskfile.ObjectRef)
	}{
		{"a flipped byte in an inline object", 5000, func(ref diskfile.ObjectRef) { raw.flipByte(raw.onlyObject("o."), 100) }},
		{"a flipped byte in a tail", 300 << 10, func(ref diskfile.ObjectRef) { raw.flipByte(raw.newest("t."), 7) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw.clear()
			ref := testRef(t)
			ts := swift.Now()
			data := diskfiletest.Payload(tc.size, 5)
			require.NoError(t, diskfiletest.Put(t, e, ref, ts, data, nil))
			before, err := e.QuarantineCount(context.Background())
			require.NoError(t, err)
			tc.damage(ref)

			_, _, err = diskfiletest.ReadAll(t, e, ref)
			require.ErrorIs(t, err, diskfile.ErrQuarantined)
			_, err = e.Open(context.Background(), ref)
			require.True(t, diskfile.IsNotFound(err), "never served again: %v", err)
			after, err := e.QuarantineCount(context.Background())
			require.NoError(t, err)
			require.Equal(t, before+1, after)

			// A new PUT of the name works again.
			require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), []byte("fresh"), nil))
		})
	}
}

// With rados_verify_reads = false the MD5 is not computed (Ceph's checksums guard the
// media), but a tail of the wrong length is still caught and quarantined.
func TestReadsWithoutMD5VerificationStillCheckLengths(t *testing.T) {
	e := newEngine(t, func(c *radosengine.Config) { c.StripeSize = 128 << 10; c.SkipReadVerify = true })
	raw := rawData(t, e)
	ref := testRef(t)
	data := diskfiletest.Payload(300<<10, 9)
	require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), data, nil))
	raw.flipByte(raw.newest("t."), 7)
	_, got, err := diskfiletest.ReadAll(t, e, ref)
	require.NoError(t, err, "not verified: served as stored")
	require.Len(t, got, len(data))
	require.NotEqual(t, data, got)

	require.NoError(t, raw.ioctx.Truncate(raw.newest("t."), 10))
	_, _, err = diskfiletest.ReadAll(t, e, ref)
	require.ErrorIs(t, err, diskfile.ErrQuarantined)
}

// Many uploads and downloads, of known and unknown size, inline and in tails, share a
// budget of two stripes: every one completes (nobody waits while holding a share), and
// the whole budget is free again afterwards.
func TestUploadsAndDownloadsShareTheMemoryBudgetWithoutDeadlock(t *testing.T) {
	e := newEngine(t, func(c *radosengine.Config) { c.StripeSize = 64 << 10; c.MemoryBudget = 128 << 10 })
	sizes := []int64{0, 1000, 64 << 10, 200 << 10, 1 << 20}
	errs := make(chan error, 12)
	for g := 0; g < 12; g++ {
		go func() {
			errs <- func() error {
				for i, size := range sizes {
					ref := testRef(t)
					ref.Object += fmt.Sprintf("-%d-%d", g, i)
					data := diskfiletest.Payload(size, int64(g*10+i))
					hint := size
					if g%3 == 0 {
						hint = -1 // a chunked upload of unknown size
					}
					w, err := e.Create(context.Background(), ref, hint)
					if err != nil {
						return err
					}
					if _, err := w.Write(data); err != nil {
						return err
					}
					if err := w.Commit(context.Background(), swift.Now(), "", nil); err != nil {
						return err
					}
					_, got, err := diskfiletest.ReadAll(t, e, ref)
					if err != nil {
						return err
					}
					if !bytes.Equal(data, got) {
						return fmt.Errorf("%s: read back differs", ref.Object)
					}
				}
				return nil
			}()
		}()
	}
	for g := 0; g < 12; g++ {
		select {
		case err := <-errs:
			require.NoError(t, err)
		case <-time.After(2 * time.Minute):
			t.Fatal("transfers stalled on the memory budget")
		}
	}
	require.Zero(t, e.BufferedBytes())
}

func TestBackendUnavailableWithinTheTimeoutAndRecovery(t *testing.T) {
	bed := testbed.Require(t)
	cluster, err := radosconn.Connect(radosconn.Config{CephConf: bed.User.CephConf, User: bed.User.User, OpTimeout: 2 * time.Second})
	require.NoError(t, err)
	defer cluster.Shutdown()
	cfg := radosengine.DefaultConfig(bed.Pool)
	cfg.Namespace = fmt.Sprintf("test-%d", time.Now().UnixNano())
	e, err := radosengine.New(cluster, cfg)
	require.NoError(t, err)
	defer e.Close()
	ref := testRef(t)
	require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), []byte("before"), nil))

	pid := osdPid(t, bed.Dir)
	require.NoError(t, syscall.Kill(pid, syscall.SIGSTOP))
	resumed := false
	resume := func() {
		if !resumed {
			resumed = true
			require.NoError(t, syscall.Kill(pid, syscall.SIGCONT))
		}
	}
	defer resume()

	start := time.Now()
	_, err = e.Open(context.Background(), ref)
	require.ErrorIs(t, err, diskfile.ErrUnavailable)
	err = diskfiletest.Put(t, e, ref, swift.Now(), []byte("during"), nil)
	require.ErrorIs(t, err, diskfile.ErrUnavailable)
	t.Logf("two ops failed as unavailable after %s with a 2s op timeout", time.Since(start).Round(time.Millisecond))
	resume()

	deadline := time.Now().Add(60 * time.Second)
	for {
		_, got, err := diskfiletest.ReadAll(t, e, ref)
		if err == nil {
			// A write that timed out may still be applied once the OSD runs again (it
			// had the request); either way the object is one version, whole.
			require.Contains(t, []string{"before", "during"}, string(got))
			break
		}
		require.True(t, time.Now().Before(deadline), "engine did not recover: %v", err)
		time.Sleep(200 * time.Millisecond)
	}
	require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), []byte("after"), nil))
}

func osdPid(t *testing.T, dir string) int {
	b, err := os.ReadFile(filepath.Join(dir, "run", "osd.0.pid"))
	require.NoError(t, err)
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	require.NoError(t, err)
	return pid
}

func TestFullPoolGivesNoSpaceAndDeletesStillWork(t *testing.T) {
	bed := testbed.Require(t)
	admin := bed.ConnectAdmin(t)
	pool := fmt.Sprintf("full-%d", time.Now().UnixNano())
	require.NoError(t, admin.Conn().MakePool(pool))
	defer admin.Conn().DeletePool(pool)
	monCommand(t, admin, map[string]any{"prefix": "osd pool set-quota", "pool": pool, "field": "max_objects", "val": "3"})

	e, err := radosengine.New(admin, radosengine.DefaultConfig(pool))
	require.NoError(t, err)
	defer e.Close()
	var refs []diskfile.ObjectRef
	deadline := time.Now().Add(90 * time.Second)
	for {
		ref := testRef(t)
		err := diskfiletest.Put(t, e, ref, swift.Now(), []byte("x"), nil)
		if err != nil {
			require.ErrorIs(t, err, diskfile.ErrNoSpace)
			break
		}
		refs = append(refs, ref)
		require.True(t, time.Now().Before(deadline), "the pool never became full")
		time.Sleep(500 * time.Millisecond)
	}
	require.GreaterOrEqual(t, len(refs), 3)
	for _, ref := range refs {
		_, got, err := diskfiletest.ReadAll(t, e, ref)
		require.NoError(t, err, "acknowledged writes stay readable")
		require.Equal(t, "x", string(got))
	}
}

func monCommand(t *testing.T, c *radosconn.Cluster, cmd map[string]any) {
	b, err := json.Marshal(cmd)
	require.NoError(t, err)
	_, status, err := c.Conn().MonCommand(b)
	require.NoError(t, err, status)
}

// readerOf reads whole and returns the bytes (or error).
func readerOf(t *testing.T, obj diskfile.Object) ([]byte, error) {
	r, err := obj.Reader(context.Background(), 0, obj.ContentLength())
	require.NoError(t, err)
	defer r.Close()
	return io.ReadAll(r)
}

func TestAnInlineReaderNeverMixesVersions(t *testing.T) {
	e := newEngine(t, func(c *radosengine.Config) { c.Prefetch = 4096 })
	ref := testRef(t)
	old := diskfiletest.Payload(100<<10, 1)
	require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), old, nil))
	obj, err := e.Open(context.Background(), ref)
	require.NoError(t, err)
	require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), diskfiletest.Payload(100<<10, 2), nil))
	got, err := readerOf(t, obj)
	require.Error(t, err, "the old version is gone from the head: the read fails, it does not mix")
	require.NotErrorIs(t, err, diskfile.ErrQuarantined)
	require.Less(t, len(got), len(old))
}
