package bench_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/bench"
	"github.com/radosswift/radosswift/internal/testbed"
)

// A tiny run, not timed: every request is counted, none fails, every GET is verified,
// the engine's op counts are those of its design, and nothing is left behind.
func TestEngineBenchmarkCountsVerifiesAndCleansUp(t *testing.T) {
	bed := testbed.Require(t)
	cluster := bed.Connect(t)
	const count = 6
	sizes := []int64{4 * bench.KiB, 100 * bench.KiB}
	res, err := bench.RunEngine(context.Background(), bench.EngineConfig{
		Cluster: cluster, Pool: bed.Pool, Sizes: sizes, Concurrency: []int{1, 3}, Count: count,
	})
	require.NoError(t, err)
	require.Len(t, res.Cells, 2*len(sizes)*2, "PUT and GET for each size and concurrency")
	require.Zero(t, res.Errors())
	for _, c := range res.Cells {
		for _, s := range []bench.Stats{c.Engine, c.Raw} {
			require.Equal(t, int64(count), s.Ops, "%s %d c%d", c.Workload, c.Size, c.Concurrency)
			require.Positive(t, s.OpsPerSec)
			require.Positive(t, s.P50ms)
			require.GreaterOrEqual(t, s.P99ms, s.P50ms)
		}
		switch c.Workload {
		case "PUT":
			require.Equal(t, int64(count), c.Engine.RadosWrites, "a small PUT is one write op")
			require.Zero(t, c.Engine.RadosReads)
		case "GET":
			require.Equal(t, int64(count), c.Engine.Verified, "every engine GET verified")
			require.Equal(t, int64(count), c.Raw.Verified, "every raw GET verified")
			reads := int64(count) // metadata and the first 64 KiB in one read op
			if c.Size > 64*bench.KiB {
				reads *= 2 // and the rest in a second one
			}
			require.Equal(t, reads, c.Engine.RadosReads, "GET %d", c.Size)
			require.Zero(t, c.Engine.RadosWrites)
		}
	}
	require.Equal(t, 2*count*len(sizes)*2, res.Removed, "engine and raw objects of every PUT removed")
	left, err := bench.CountObjects(cluster, bed.Pool, res.Namespace)
	require.NoError(t, err)
	require.Zero(t, left, "the run's namespace is empty afterwards")

	var md bytes.Buffer
	res.Markdown(&md)
	require.Contains(t, md.String(), "| workload | size | concurrency | engine ops/s | raw ops/s | ratio | engine p50/p99 ms | raw p50/p99 ms |")
	require.Contains(t, md.String(), "| GET | 100KiB | 3 |")

	_, err = bench.RunEngine(context.Background(), bench.EngineConfig{
		Cluster: cluster, Pool: bed.Pool, Namespace: res.Namespace, Sizes: sizes, Concurrency: []int{1}, Count: 1,
	})
	require.NoError(t, err, "an emptied namespace can be used again")
}

// The memory mode on a few stripes: written, read back verified, memory sampled, and
// the collector reclaims the tails and the tombstone.
func TestLargeObjectMemoryModeReclaimsItsTails(t *testing.T) {
	bed := testbed.Require(t)
	cluster := bed.Connect(t)
	res, err := bench.RunLarge(context.Background(), bench.LargeConfig{Cluster: cluster, Pool: bed.Pool, Size: 9*bench.MiB + 123})
	require.NoError(t, err)
	require.True(t, res.Verified)
	require.Len(t, res.ETag, 32)
	require.Positive(t, res.IdleRSS)
	for _, p := range []bench.Phase{res.Write, res.Read} {
		require.GreaterOrEqual(t, p.Samples, 2)
		require.Positive(t, p.PeakRSS)
		require.Positive(t, p.MiBPerSec)
	}
	require.Equal(t, int64(3+1), res.Write.RadosWrites-2, "three tails and the head, besides the two collector index updates")
	require.Equal(t, 1, res.GC.UploadsReclaimed)
	require.Equal(t, 1, res.GC.TombstonesReclaimed)
	require.Zero(t, res.GC.Errors)
	require.Equal(t, 3+1, res.ObjectsHeld, "three tails and the tombstone before the collector pass")
	require.Zero(t, res.ObjectsLeft)
	left, err := bench.CountObjects(cluster, bed.Pool, res.Namespace)
	require.NoError(t, err)
	require.Zero(t, left)
}
