package radosdb_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/accountdb/radosdb"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

// BenchmarkListPageOfBigContainer loads a container of RADOSDB_BENCH_ROWS rows (default
// 1 000 000) through MergeObjects once per bed (a fixed namespace, so a rerun reuses it),
// then times pages of 10 000 names at its start, middle and end in both directions.
// It prints the timings; it asserts only that every page is full.
//
//	go test -run '^$' -bench ListPage -benchtime 1x ./accountdb/radosdb/
func BenchmarkListPageOfBigContainer(b *testing.B) {
	bed := testbed.Require(b)
	total := 1_000_000
	if v := os.Getenv("RADOSDB_BENCH_ROWS"); v != "" {
		total, _ = strconv.Atoi(v)
	}
	const page = 10_000
	ctx := context.Background()
	backend := openBackendIn(b, bed, "bench", radosdb.DefaultShards)
	c := backend.Container("AUTH_bench", "rows-"+strconv.Itoa(total))
	err := c.Initialize(ctx, swift.Now(), 0)
	if errors.Is(err, accountdb.ErrAlreadyExists) {
		info, err := c.Info(ctx)
		require.NoError(b, err)
		if info.ObjectCount != int64(total) {
			b.Fatalf("container has %d rows, not %d: an earlier load was cut short; use a new bed", info.ObjectCount, total)
		}
	} else {
		require.NoError(b, err)
		started := time.Now()
		require.NoError(b, radosdb.LoadRows(ctx, c, 0, total, 16*400, 4, nil))
		took := time.Since(started)
		b.Logf("loaded %d rows in %v (%.0f rows/s)", total, took.Round(time.Millisecond), float64(total)/took.Seconds())
	}
	info, err := c.Info(ctx)
	require.NoError(b, err)
	require.Equal(b, int64(total), info.ObjectCount)

	b.ResetTimer()
	for b.Loop() {
		timings, err := radosdb.TimePages(ctx, c, total, page)
		require.NoError(b, err)
		for _, pt := range timings {
			require.Equal(b, page, pt.Entries, pt.String())
			b.Log(pt.String())
		}
	}
}

// BenchmarkMergeOneRow is the container update path: one object server's row per
// MergeObjects call (a read and a guarded write on one shard, then the report mark).
func BenchmarkMergeOneRow(b *testing.B) {
	ctx := context.Background()
	c := openBackend(b, radosdb.DefaultShards).Container("AUTH_bench", "one-row")
	require.NoError(b, c.Initialize(ctx, swift.Now(), 0))
	i := 0
	for b.Loop() {
		row := accountdb.ObjectRow{Name: radosdb.LoadObjectName(i), Timestamp: swift.Now(), Size: 1, ETag: "x"}
		require.NoError(b, c.MergeObjects(ctx, []accountdb.ObjectRow{row}))
		i++
	}
}
