package asyncpending

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ceph/go-ceph/rados"
	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
	"github.com/radosswift/radosswift/objectserver"
)

var qseq atomic.Int64

// newQueue opens a queue in a namespace of its own.
func newQueue(t *testing.T) *Queue {
	t.Helper()
	bed := testbed.Require(t)
	q, err := Open(bed.Connect(t), bed.Pool, fmt.Sprintf("asyncq-%d-%d", time.Now().UnixNano(), qseq.Add(1)))
	require.NoError(t, err)
	t.Cleanup(q.Close)
	return q
}

func update(op, obj, ts string, extra ...string) objectserver.PendingUpdate {
	h := map[string]string{"X-Timestamp": ts}
	for i := 0; i+1 < len(extra); i += 2 {
		h[extra[i]] = extra[i+1]
	}
	return objectserver.PendingUpdate{Op: op, Account: "a", Container: "c", Object: obj, Headers: h}
}

func count(t *testing.T, q *Queue) int {
	t.Helper()
	n, err := q.Count(context.Background())
	require.NoError(t, err)
	return n
}

// handRing writes a format-1 ring (as RingData.save does) whose partitions all map to
// the devices given, one replica each, and loads it.
func handRing(t *testing.T, partPower int, devices ...string) *swift.Ring {
	t.Helper()
	type dev struct {
		ID     int     `json:"id"`
		IP     string  `json:"ip"`
		Port   int     `json:"port"`
		Device string  `json:"device"`
		Zone   int     `json:"zone"`
		Region int     `json:"region"`
		Weight float64 `json:"weight"`
	}
	var devs []dev
	for i, d := range devices {
		devs = append(devs, dev{ID: i, IP: "127.0.0.1", Port: 6201, Device: d, Zone: 1, Region: 1, Weight: 100})
	}
	header, err := json.Marshal(map[string]any{"devs": devs, "part_shift": 32 - partPower,
		"replica_count": len(devices), "byteorder": "little", "version": 1})
	require.NoError(t, err)
	var raw bytes.Buffer
	raw.WriteString("R1NG")
	binary.Write(&raw, binary.BigEndian, uint16(1))
	binary.Write(&raw, binary.BigEndian, uint32(len(header)))
	raw.Write(header)
	for r := range devices {
		for p := 0; p < 1<<partPower; p++ {
			binary.Write(&raw, binary.LittleEndian, uint16(r))
		}
	}
	path := filepath.Join(t.TempDir(), "container.ring.gz")
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(raw.Bytes())
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(path, gz.Bytes(), 0o600))
	ring, err := swift.LoadRing(path)
	require.NoError(t, err)
	return ring
}

// delivery is one call of the Deliverer.
type delivery struct {
	Host, Device, Partition string
	Update                  objectserver.PendingUpdate
}

type fakeDeliverer struct {
	mu   sync.Mutex
	got  []delivery
	fail func(objectserver.PendingUpdate) error
}

func (f *fakeDeliverer) deliver(host, device, partition string, p objectserver.PendingUpdate) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got = append(f.got, delivery{host, device, partition, p})
	if f.fail != nil {
		return f.fail(p)
	}
	return nil
}

func (f *fakeDeliverer) take() []delivery {
	f.mu.Lock()
	defer f.mu.Unlock()
	got := f.got
	f.got = nil
	sort.Slice(got, func(i, j int) bool {
		return got[i].Update.Object+got[i].Device < got[j].Update.Object+got[j].Device
	})
	return got
}

var testHash = swift.HashConf{Prefix: "p", Suffix: "s"}

func TestQueueKeepsOneEntryPerObjectAndTimestamp(t *testing.T) {
	q := newQueue(t)
	ctx := context.Background()
	require.Equal(t, 0, count(t, q), "an empty queue (no shard objects yet) counts 0")
	u := update("PUT", "o", "1700000000.00000")
	require.NoError(t, q.Enqueue(ctx, u))
	require.NoError(t, q.Enqueue(ctx, u), "the same update twice (two replicas failed) is one entry")
	require.Equal(t, 1, count(t, q))
	require.NoError(t, q.Enqueue(ctx, update("DELETE", "o", "1700000001.00000")))
	require.Equal(t, 2, count(t, q), "a newer update of the object is kept beside the older")
	for i := 0; i < 40; i++ {
		require.NoError(t, q.Enqueue(ctx, update("PUT", fmt.Sprintf("obj-%d", i), "1700000000.00000")))
	}
	require.Equal(t, 42, count(t, q), "Count spans every shard")
}

func TestQueueEnqueueRespectsACancelledContext(t *testing.T) {
	q := newQueue(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	require.ErrorIs(t, q.Enqueue(ctx, update("PUT", "o", "1700000000.00000")), context.Canceled)
	require.Equal(t, 0, count(t, q))
}

func TestEntryKeysSortByObjectThenTimestamp(t *testing.T) {
	a := entryKey(update("PUT", "o", "1700000000.00000"))
	b := entryKey(update("PUT", "o", "1700000000.00000_0000000000000001"))
	c := entryKey(update("PUT", "o", "1700000001.00000"))
	d := entryKey(update("PUT", "o", "1700000000.00000", "X-Meta-Timestamp", "1700000002.00000"))
	require.True(t, a < b && b < c && c < d, "%s %s %s %s", a, b, c, d)
	require.Equal(t, objectOf(a), objectOf(d))
	require.NotEqual(t, objectOf(a), objectOf(entryKey(update("PUT", "o2", "1700000000.00000"))))
	require.Equal(t, shardOf(a), shardOf(d), "one object's entries share a shard")
	other := update("PUT", "o", "1700000000.00000")
	other.Container = "c2"
	require.NotEqual(t, objectOf(a), objectOf(entryKey(other)))
}

func TestRunOnceDeliversTheNewestUpdateOfEachObjectToEveryPrimary(t *testing.T) {
	q := newQueue(t)
	ctx := context.Background()
	ring := handRing(t, 2, "sdb", "sdc")
	for _, u := range []objectserver.PendingUpdate{
		update("PUT", "o1", "1700000000.00000"),
		update("DELETE", "o1", "1700000001.00000"),
		update("PUT", "o1", "1700000000.50000", "X-Meta-Timestamp", "1700000000.90000"),
		update("PUT", "o2", "1700000003.00000"),
	} {
		require.NoError(t, q.Enqueue(ctx, u))
	}
	fd := &fakeDeliverer{}
	u := &Updater{Queue: q, Ring: ring, Hash: testHash, Deliver: fd.deliver}
	rep, err := u.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, PassReport{Delivered: 2, Superseded: 2}, rep)
	require.Equal(t, 0, count(t, q))
	got := fd.take()
	require.Len(t, got, 4, "two objects, two primaries each")
	part := fmt.Sprint(ring.Partition(testHash, "a", "c", ""))
	for i, want := range []struct{ obj, op, dev string }{
		{"o1", "DELETE", "sdb"}, {"o1", "DELETE", "sdc"}, {"o2", "PUT", "sdb"}, {"o2", "PUT", "sdc"},
	} {
		require.Equal(t, want.obj, got[i].Update.Object)
		require.Equal(t, want.op, got[i].Update.Op)
		require.Equal(t, want.dev, got[i].Device)
		require.Equal(t, "127.0.0.1:6201", got[i].Host)
		require.Equal(t, part, got[i].Partition)
	}
	require.Equal(t, "2 delivered, 2 superseded, 0 failed, 0 shards busy elsewhere", rep.String())
}

func TestRunOnceKeepsWhatFailedForTheNextPass(t *testing.T) {
	q := newQueue(t)
	ctx := context.Background()
	require.NoError(t, q.Enqueue(ctx, update("PUT", "fails", "1700000000.00000")))
	require.NoError(t, q.Enqueue(ctx, update("PUT", "works", "1700000000.00000")))
	fd := &fakeDeliverer{fail: func(p objectserver.PendingUpdate) error {
		if p.Object == "fails" {
			return errors.New("503")
		}
		return nil
	}}
	u := &Updater{Queue: q, Ring: handRing(t, 0, "sdb"), Hash: testHash, Deliver: fd.deliver}
	rep, err := u.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, PassReport{Delivered: 1, Failed: 1}, rep)
	require.Equal(t, 1, count(t, q))

	// a newer update queued meanwhile supersedes the failed one
	require.NoError(t, q.Enqueue(ctx, update("DELETE", "fails", "1700000001.00000")))
	fd.fail = nil
	fd.take()
	rep, err = u.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, PassReport{Delivered: 1, Superseded: 1}, rep)
	got := fd.take()
	require.Len(t, got, 1)
	require.Equal(t, "DELETE", got[0].Update.Op)
	require.Equal(t, 0, count(t, q))
}

func TestRunOnceFailsAnUpdateWhenAnyPrimaryFails(t *testing.T) {
	q := newQueue(t)
	ctx := context.Background()
	require.NoError(t, q.Enqueue(ctx, update("PUT", "o", "1700000000.00000")))
	fd := &fakeDeliverer{}
	u := &Updater{Queue: q, Ring: handRing(t, 0, "sdb", "sdc"), Hash: testHash,
		Deliver: func(host, device, partition string, p objectserver.PendingUpdate) error {
			if device == "sdc" {
				return errors.New("down")
			}
			return fd.deliver(host, device, partition, p)
		}}
	rep, err := u.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, 1, rep.Failed)
	require.Equal(t, 1, count(t, q), "kept until every primary has it")
}

func TestRunOnceSendsShardUpdatesToTheShardsNodes(t *testing.T) {
	q := newQueue(t)
	ctx := context.Background()
	p := update("PUT", "o", "1700000000.00000")
	p.ContainerPath = ".shards_a/c_shard"
	require.NoError(t, q.Enqueue(ctx, p))
	ring := handRing(t, 4, "sdb")
	fd := &fakeDeliverer{}
	u := &Updater{Queue: q, Ring: ring, Hash: testHash, Deliver: fd.deliver}
	_, err := u.RunOnce(ctx)
	require.NoError(t, err)
	got := fd.take()
	require.Len(t, got, 1)
	require.Equal(t, fmt.Sprint(ring.Partition(testHash, ".shards_a", "c_shard", "")), got[0].Partition)
	require.Equal(t, ".shards_a/c_shard", got[0].Update.ContainerPath, "the sender builds the shard's path")
}

func TestRunOnceDropsEntriesNothingCouldDeliver(t *testing.T) {
	q := newQueue(t)
	ctx := context.Background()
	op := rados.CreateWriteOp()
	defer op.Release()
	key := "0123456789012345678901234567890123456789.1700000000.00000"
	op.SetOmap(map[string][]byte{key: []byte("{not json")})
	require.NoError(t, op.Operate(q.ioctx, shardOf(key), rados.OperationNoFlag))
	require.Equal(t, 1, count(t, q))
	fd := &fakeDeliverer{}
	u := &Updater{Queue: q, Ring: handRing(t, 0, "sdb"), Hash: testHash, Deliver: fd.deliver}
	rep, err := u.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, PassReport{Failed: 1}, rep)
	require.Equal(t, 0, count(t, q))
	require.Empty(t, fd.take())
}

func TestRunOnceSkipsShardsAnotherUpdaterHolds(t *testing.T) {
	q := newQueue(t)
	ctx := context.Background()
	p := update("PUT", "held", "1700000000.00000")
	require.NoError(t, q.Enqueue(ctx, p))
	shard := shardOf(entryKey(p))
	ret, err := q.ioctx.LockExclusive(shard, lockName, "another-node", "test", time.Minute, nil)
	require.NoError(t, err)
	require.Equal(t, 0, ret)
	fd := &fakeDeliverer{}
	u := &Updater{Queue: q, Ring: handRing(t, 0, "sdb"), Hash: testHash, Deliver: fd.deliver}
	rep, err := u.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, PassReport{ShardsBusy: 1}, rep)
	require.Equal(t, 1, count(t, q))

	_, err = q.ioctx.Unlock(shard, lockName, "another-node")
	require.NoError(t, err)
	rep, err = u.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, PassReport{Delivered: 1}, rep)
}

func TestConcurrentUpdatersDeliverEachEntryOnce(t *testing.T) {
	q := newQueue(t)
	ctx := context.Background()
	for i := 0; i < 64; i++ {
		require.NoError(t, q.Enqueue(ctx, update("PUT", fmt.Sprintf("o%d", i), "1700000000.00000")))
	}
	ring := handRing(t, 0, "sdb")
	var delivered sync.Map
	var dups atomic.Int64
	deliver := func(host, device, partition string, p objectserver.PendingUpdate) error {
		if _, loaded := delivered.LoadOrStore(p.Object, true); loaded {
			dups.Add(1)
		}
		time.Sleep(time.Millisecond)
		return nil
	}
	var wg sync.WaitGroup
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u := &Updater{Queue: q, Ring: ring, Hash: testHash, Deliver: deliver}
			_, err := u.RunOnce(ctx)
			require.NoError(t, err)
		}()
	}
	wg.Wait()
	// shards busy during a pass are left for the next one
	u := &Updater{Queue: q, Ring: ring, Hash: testHash, Deliver: deliver}
	_, err := u.RunOnce(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(0), dups.Load())
	require.Equal(t, 0, count(t, q))
	n := 0
	delivered.Range(func(any, any) bool { n++; return true })
	require.Equal(t, 64, n)
}

func TestRunOnceStopsWhenCancelled(t *testing.T) {
	q := newQueue(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	u := &Updater{Queue: q, Ring: handRing(t, 0, "sdb"), Hash: testHash, Deliver: (&fakeDeliverer{}).deliver}
	_, err := u.RunOnce(ctx)
	require.ErrorIs(t, err, context.Canceled)
}
