package memengine_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/diskfiletest"
	"github.com/radosswift/radosswift/diskfile/memengine"
	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/internal/swift"
)

var ref = diskfile.ObjectRef{Account: "AUTH_test", Container: "c", Object: "o"}

func at(seconds int) swift.Timestamp {
	return swift.FromTime(time.Unix(1_700_000_000+int64(seconds), 0))
}

func TestConcurrentWritersLeaveTheNewestVersionWhole(t *testing.T) {
	e := memengine.New(memengine.Config{})
	var wg sync.WaitGroup
	for i := 1; i <= 32; i++ {
		wg.Go(func() {
			err := diskfiletest.Put(t, e, ref, at(i), diskfiletest.Payload(int64(1000*i), int64(i)), nil)
			var conflict *diskfile.ConflictError
			if err != nil && !errors.As(err, &conflict) {
				t.Errorf("PUT at %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	obj, data, err := diskfiletest.ReadAll(t, e, ref)
	require.NoError(t, err)
	require.Equal(t, at(32), obj.DataTimestamp())
	require.Equal(t, diskfiletest.Payload(32000, 32), data)
	require.Equal(t, int64(32000), e.UsedBytes(), "superseded versions are not counted")
}

func TestAnOpenedObjectKeepsReadingItsVersionAfterAnOverwrite(t *testing.T) {
	e := memengine.New(memengine.Config{})
	require.NoError(t, diskfiletest.Put(t, e, ref, at(1), []byte("first version"), nil))
	obj, err := e.Open(context.Background(), ref)
	require.NoError(t, err)
	require.NoError(t, diskfiletest.Put(t, e, ref, at(2), []byte("second"), nil))
	require.NoError(t, e.Delete(context.Background(), ref, at(3)))
	r, err := obj.Reader(context.Background(), 0, obj.ContentLength())
	require.NoError(t, err)
	got, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, "first version", string(got))
}

func TestACorruptObjectIsQuarantinedByAWholeRead(t *testing.T) {
	e := memengine.New(memengine.Config{})
	require.NoError(t, diskfiletest.Put(t, e, ref, at(1), []byte("pristine"), nil))
	require.NoError(t, e.Corrupt(ref, 3))

	obj, err := e.Open(context.Background(), ref)
	require.NoError(t, err)
	part, err := obj.Reader(context.Background(), 0, 2)
	require.NoError(t, err)
	b, err := io.ReadAll(part)
	require.NoError(t, err, "a range is not verified")
	require.Equal(t, "pr", string(b))

	_, _, err = diskfiletest.ReadAll(t, e, ref)
	require.ErrorIs(t, err, diskfile.ErrQuarantined)
	_, err = e.Open(context.Background(), ref)
	var nf *diskfile.NotFoundError
	require.ErrorAs(t, err, &nf)
	n, err := e.QuarantineCount(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, n)
	require.Len(t, e.QuarantineReasons(), 1)
	require.Contains(t, e.QuarantineReasons()[0], "/AUTH_test/c/o: md5 ")

	skip := memengine.New(memengine.Config{SkipReadVerify: true})
	require.NoError(t, diskfiletest.Put(t, skip, ref, at(1), []byte("pristine"), nil))
	require.NoError(t, skip.Corrupt(ref, 3))
	_, _, err = diskfiletest.ReadAll(t, skip, ref)
	require.NoError(t, err, "without read verification the MD5 is not checked")
}

func TestQuarantineLeavesANewerVersionAlone(t *testing.T) {
	e := memengine.New(memengine.Config{})
	require.NoError(t, diskfiletest.Put(t, e, ref, at(2), []byte("newer"), nil))
	var conflict *diskfile.ConflictError
	require.ErrorAs(t, e.Quarantine(context.Background(), ref, at(1), "stale reader"), &conflict)
	require.Equal(t, at(2), conflict.Stored)
	_, data, err := diskfiletest.ReadAll(t, e, ref)
	require.NoError(t, err)
	require.Equal(t, "newer", string(data))
}

func TestCapacityAnswersNoSpaceAndDeletesFreeIt(t *testing.T) {
	e := memengine.New(memengine.Config{Capacity: 10})
	a, b := ref, ref
	b.Object = "other"
	require.NoError(t, diskfiletest.Put(t, e, a, at(1), []byte("123456"), nil))
	require.ErrorIs(t, diskfiletest.Put(t, e, b, at(2), []byte("12345"), nil), diskfile.ErrNoSpace)
	require.NoError(t, diskfiletest.Put(t, e, a, at(3), []byte("1234"), nil), "an overwrite frees the old data")
	require.NoError(t, e.Delete(context.Background(), a, at(4)))
	require.NoError(t, diskfiletest.Put(t, e, b, at(5), []byte("1234567890"), nil))
	require.Equal(t, int64(10), e.UsedBytes())
}

func TestAClosedEngineIsUnavailable(t *testing.T) {
	e := memengine.New(memengine.Config{})
	require.NoError(t, diskfiletest.Put(t, e, ref, at(1), []byte("x"), nil))
	require.NoError(t, e.Close())
	_, err := e.Open(context.Background(), ref)
	require.ErrorIs(t, err, diskfile.ErrUnavailable)
	require.ErrorIs(t, e.Delete(context.Background(), ref, at(2)), diskfile.ErrUnavailable)
}

func TestAnAbandonedRequestStopsReading(t *testing.T) {
	e := memengine.New(memengine.Config{})
	require.NoError(t, diskfiletest.Put(t, e, ref, at(1), diskfiletest.Payload(1<<20, 1), nil))
	ctx, cancel := context.WithCancel(context.Background())
	obj, err := e.Open(ctx, ref)
	require.NoError(t, err)
	r, err := obj.Reader(ctx, 0, obj.ContentLength())
	require.NoError(t, err)
	buf := make([]byte, 1<<20)
	n, err := r.Read(buf)
	require.NoError(t, err)
	require.Less(t, n, 1<<20, "a read hands out at most a chunk")
	cancel()
	_, err = r.Read(buf)
	require.ErrorIs(t, err, context.Canceled)
}

func TestPoliciesNameTheMemoryEngine(t *testing.T) {
	policies, err := diskfile.OpenPolicies(config.SectionOf("test", map[string]string{"engine": "memory", "engine_1": "memory", "memory_capacity_1": "3"}))
	require.NoError(t, err)
	defer policies.Close()
	for idx, wantErr := range map[int]error{0: nil, 1: diskfile.ErrNoSpace} {
		e, err := policies.Engine(idx)
		require.NoError(t, err)
		r := ref
		r.Policy = idx
		err = diskfiletest.Put(t, e, r, at(1), []byte("four"), nil)
		if wantErr == nil {
			require.NoError(t, err, "policy %d", idx)
		} else {
			require.ErrorIs(t, err, wantErr, "policy %d", idx)
		}
	}

	for _, bad := range []map[string]string{
		{"engine": "memory", "memory_capacity": "-1"},
		{"engine": "memory", "memory_verify_reads": "perhaps"},
	} {
		_, err := diskfile.OpenPolicies(config.SectionOf("test", bad))
		require.Error(t, err, fmt.Sprint(bad))
	}
}
