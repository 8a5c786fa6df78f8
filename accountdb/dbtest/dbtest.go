// Package dbtest is the conformance suite every accountdb backend passes: the contract
// written in accountdb/db.go, checked method by method. A backend's test calls
//
//	dbtest.Run(t, func(t *testing.T) accountdb.Backend { ... })
//
// open may return a fresh backend per call or share one: every test uses its own
// account names, and reads of PendingReports only look at those.
package dbtest

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// Run runs the whole suite against the backends open returns.
func Run(t *testing.T, open func(t *testing.T) accountdb.Backend) {
	tests := []struct {
		name string
		run  func(t *testing.T, b accountdb.Backend, account string)
	}{
		{"container Initialize creates once and Info reports it", containerInitialize},
		{"a missing container is not found", containerNotFound},
		{"container put, delete and status timestamps only move forward", containerTimestamps},
		{"MarkDeleted clears metadata but keeps the container and its rows", containerMarkDeleted},
		{"container metadata merges newest per key, deletions included", containerMetadata},
		{"object rows merge newest wins whatever order they arrive in", objectRowsNewestWins},
		{"content type and metadata times merge on their own", objectRowsCtypeAndMeta},
		{"stats stay exact through overwrites and deletions", statsThroughOverwrites},
		{"stats stay exact under 16 writers merging at once", statsUnderConcurrentMerges},
		{"stats and listings follow the container's current policy", policyChange},
		{"object listings agree with the listing algorithm for every parameter", objectListings},
		{"object listings return the rows' fields and hand-checked results", objectListingFields},
		{"SetReported is returned by Info", containerSetReported},
		{"account Initialize creates once and Info reports it", accountInitialize},
		{"account timestamps, MarkDeleted and metadata", accountStatusAndMetadata},
		{"account rows merge newest wins with exact totals per policy", accountRowsAndTotals},
		{"account totals stay exact under 16 writers merging at once", accountConcurrentMerges},
		{"container listings agree with the listing algorithm for every parameter", containerListings},
		{"every reportable change marks the container until its report is cleared", pendingReports},
		{"PendingReports returns at most limit marks", pendingReportsLimit},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := open(t)
			tc.run(t, b, fmt.Sprintf("AUTH_dbtest%d_%d", i, swift.Now().Ticks))
		})
	}
}

var ctx = context.Background()

// ts is a timestamp n seconds after a fixed base.
func ts(n int64) swift.Timestamp { return swift.Timestamp{Ticks: (1700000000 + n) * 100000} }

func newContainer(t *testing.T, b accountdb.Backend, account, container string, policy int) accountdb.ContainerDB {
	t.Helper()
	c := b.Container(account, container)
	require.NoError(t, c.Initialize(ctx, ts(1), policy))
	return c
}

func info(t *testing.T, c accountdb.ContainerDB) accountdb.ContainerInfo {
	t.Helper()
	i, err := c.Info(ctx)
	require.NoError(t, err)
	return i
}

func merge(t *testing.T, c accountdb.ContainerDB, rows ...accountdb.ObjectRow) {
	t.Helper()
	require.NoError(t, c.MergeObjects(ctx, rows))
}

func live(name string, at int64, size int64) accountdb.ObjectRow {
	return accountdb.ObjectRow{Name: name, Timestamp: ts(at), Size: size, ContentType: "text/plain", ETag: fmt.Sprintf("etag-%s-%d", name, at)}
}

func tombstone(name string, at int64) accountdb.ObjectRow {
	return accountdb.ObjectRow{Name: name, Timestamp: ts(at), Deleted: true}
}

// full is a row as a backend returns it: with all three timestamps set.
func full(r accountdb.ObjectRow) accountdb.ObjectRow {
	merged, _ := accountdb.MergeObjectRow(nil, r)
	return merged
}

func listAll(t *testing.T, c accountdb.ContainerDB) []accountdb.ObjectEntry {
	t.Helper()
	entries, err := c.ListObjects(ctx, accountdb.ListParams{Limit: 10000})
	require.NoError(t, err)
	return entries
}

func listedRows(entries []accountdb.ObjectEntry) []accountdb.ObjectRow {
	rows := []accountdb.ObjectRow{}
	for _, e := range entries {
		rows = append(rows, e.ObjectRow)
	}
	return rows
}

func requireStats(t *testing.T, c accountdb.ContainerDB, count, bytes int64) {
	t.Helper()
	i := info(t, c)
	require.Equal(t, [2]int64{count, bytes}, [2]int64{i.ObjectCount, i.BytesUsed}, "object count and bytes used")
}

func containerInitialize(t *testing.T, b accountdb.Backend, account string) {
	c := b.Container(account, "c")
	require.NoError(t, c.Initialize(ctx, ts(5), 1))
	require.ErrorIs(t, c.Initialize(ctx, ts(6), 1), accountdb.ErrAlreadyExists)
	i := info(t, c)
	require.Equal(t, account, i.Account)
	require.Equal(t, "c", i.Container)
	require.Equal(t, ts(5), i.PutTimestamp)
	require.True(t, i.DeleteTimestamp.IsZero())
	require.False(t, i.CreatedAt.IsZero())
	require.Equal(t, 1, i.StoragePolicyIndex)
	require.Zero(t, i.ObjectCount)
	require.Zero(t, i.BytesUsed)
	require.Empty(t, i.Metadata)
	require.False(t, i.Deleted())

	require.NoError(t, c.MarkDeleted(ctx, ts(7)))
	require.ErrorIs(t, c.Initialize(ctx, ts(8), 0), accountdb.ErrAlreadyExists, "a deleted container still exists")

	unicode := b.Container(account, "ünïcode ☃ container/with slash")
	require.NoError(t, unicode.Initialize(ctx, ts(1), 0))
	require.Equal(t, "ünïcode ☃ container/with slash", info(t, unicode).Container)
	_, err := b.Container(account, "c2").Info(ctx)
	require.ErrorIs(t, err, accountdb.ErrNotFound, "a container's name is not another's")
}

func containerNotFound(t *testing.T, b accountdb.Backend, account string) {
	c := b.Container(account, "never-created")
	_, err := c.Info(ctx)
	require.ErrorIs(t, err, accountdb.ErrNotFound)
	require.ErrorIs(t, c.MergeObjects(ctx, []accountdb.ObjectRow{live("o", 1, 1)}), accountdb.ErrNotFound)
	_, err = c.Info(ctx)
	require.ErrorIs(t, err, accountdb.ErrNotFound, "a failed merge must not create the container")

	a := b.Account(account + "-never")
	_, err = a.Info(ctx)
	require.ErrorIs(t, err, accountdb.ErrNotFound)
	require.ErrorIs(t, a.MergeContainers(ctx, []accountdb.ContainerRow{{Name: "c", PutTimestamp: ts(1)}}), accountdb.ErrNotFound)
}

func containerTimestamps(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)

	require.NoError(t, c.UpdatePutTimestamp(ctx, ts(10)))
	require.NoError(t, c.UpdatePutTimestamp(ctx, ts(3)))
	require.Equal(t, ts(10), info(t, c).PutTimestamp, "an older PUT does not lower the PUT timestamp")

	require.NoError(t, c.UpdateStatusChangedAt(ctx, ts(20)))
	require.NoError(t, c.UpdateStatusChangedAt(ctx, ts(15)))
	require.Equal(t, ts(20), info(t, c).StatusChangedAt)

	require.NoError(t, c.MarkDeleted(ctx, ts(30)))
	i := info(t, c)
	require.Equal(t, ts(30), i.DeleteTimestamp)
	require.Equal(t, ts(30), i.StatusChangedAt, "a delete changes the status")
	require.True(t, i.Deleted())

	require.NoError(t, c.MarkDeleted(ctx, ts(25)))
	require.Equal(t, ts(30), info(t, c).DeleteTimestamp, "an older delete does not lower the delete timestamp")

	require.NoError(t, c.UpdatePutTimestamp(ctx, ts(40)))
	i = info(t, c)
	require.Equal(t, ts(40), i.PutTimestamp)
	require.False(t, i.Deleted(), "a PUT after the delete recreates the container")

	require.NoError(t, c.MarkDeleted(ctx, ts(50)))
	merge(t, c, live("late", 45, 3))
	i = info(t, c)
	require.False(t, i.Deleted(), "a container that holds objects is not deleted")
	require.Equal(t, int64(1), i.ObjectCount)
}

func containerMarkDeleted(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	require.NoError(t, c.UpdateMetadata(ctx, accountdb.Metadata{
		"X-Container-Meta-Old":   {Value: "1", Timestamp: ts(5)},
		"X-Container-Read":       {Value: ".r:*", Timestamp: ts(5)},
		"X-Container-Meta-Newer": {Value: "2", Timestamp: ts(20)},
	}))
	merge(t, c, live("o", 6, 10))
	require.NoError(t, c.MarkDeleted(ctx, ts(10)))
	i := info(t, c)
	require.Equal(t, accountdb.Metadata{
		"X-Container-Meta-Old":   {Value: "", Timestamp: ts(10)},
		"X-Container-Read":       {Value: "", Timestamp: ts(10)},
		"X-Container-Meta-Newer": {Value: "2", Timestamp: ts(20)},
	}, i.Metadata, "every item is cleared at the delete's time; a newer one wins")
	require.Equal(t, []accountdb.ObjectRow{full(live("o", 6, 10))}, listedRows(listAll(t, c)), "object rows are untouched")
	requireStats(t, c, 1, 10)
}

func containerMetadata(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	requireMetadataMerges(t, c.UpdateMetadata, func() accountdb.Metadata { return info(t, c).Metadata })
}

// requireMetadataMerges checks MergeMetadata's rule through a database's UpdateMetadata.
func requireMetadataMerges(t *testing.T, update func(context.Context, accountdb.Metadata) error, read func() accountdb.Metadata) {
	t.Helper()
	require.NoError(t, update(ctx, accountdb.Metadata{
		"X-Meta-Color": {Value: "red", Timestamp: ts(10)},
		"X-Meta-Size":  {Value: "L", Timestamp: ts(10)},
		"X-Meta-Ünï":   {Value: "☃", Timestamp: ts(10)},
	}))
	require.NoError(t, update(ctx, accountdb.Metadata{
		"X-Meta-Color": {Value: "blue", Timestamp: ts(9)},  // older: loses
		"X-Meta-Size":  {Value: "", Timestamp: ts(11)},     // newer deletion: wins
		"X-Meta-Shape": {Value: "round", Timestamp: ts(1)}, // new key: wins whatever its time
	}))
	require.NoError(t, update(ctx, accountdb.Metadata{
		"X-Meta-Size": {Value: "XL", Timestamp: ts(10)}, // older than the deletion: loses
	}))
	require.Equal(t, accountdb.Metadata{
		"X-Meta-Color": {Value: "red", Timestamp: ts(10)},
		"X-Meta-Size":  {Value: "", Timestamp: ts(11)},
		"X-Meta-Ünï":   {Value: "☃", Timestamp: ts(10)},
		"X-Meta-Shape": {Value: "round", Timestamp: ts(1)},
	}, read())
	require.NoError(t, update(ctx, accountdb.Metadata{"X-Meta-Size": {Value: "S", Timestamp: ts(12)}}))
	require.Equal(t, accountdb.MetaItem{Value: "S", Timestamp: ts(12)}, read()["X-Meta-Size"], "a newer value brings a deleted key back")
}

func objectRowsNewestWins(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	// Arrive newest first, in one batch and one by one.
	merge(t, c, live("a", 30, 300), live("a", 10, 100), live("a", 20, 200))
	merge(t, c, live("b", 30, 3))
	merge(t, c, tombstone("b", 20))
	merge(t, c, live("b", 10, 1))
	// A tombstone newer than the PUT deletes; a PUT older than the tombstone stays deleted.
	merge(t, c, live("c", 10, 7))
	merge(t, c, tombstone("c", 20))
	merge(t, c, live("c", 15, 9))
	// A tombstone arriving before the PUT it deletes.
	merge(t, c, tombstone("d", 20), live("d", 10, 4))
	// Recreated after its deletion.
	merge(t, c, tombstone("e", 20), live("e", 25, 5))
	// Only tombstones, and a row with the same time as the stored one.
	merge(t, c, tombstone("f", 5))
	merge(t, c, live("g", 10, 1))
	merge(t, c, accountdb.ObjectRow{Name: "g", Timestamp: ts(10), Size: 99, ETag: "other"})

	require.Equal(t, []accountdb.ObjectRow{
		full(live("a", 30, 300)), full(live("b", 30, 3)), full(live("e", 25, 5)), full(live("g", 10, 1)),
	}, listedRows(listAll(t, c)))
	requireStats(t, c, 4, 309)
}

func objectRowsCtypeAndMeta(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	put := accountdb.ObjectRow{Name: "o", Timestamp: ts(10), Size: 5, ContentType: "text/plain", ETag: "e1"}
	post := accountdb.ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), MetaTimestamp: ts(12), Size: 5, ContentType: "text/html", ETag: "e1"}
	metaOnly := accountdb.ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(10), MetaTimestamp: ts(14), Size: 5, ContentType: "text/plain", ETag: "e1"}
	newerPut := accountdb.ObjectRow{Name: "o", Timestamp: ts(11), Size: 8, ContentType: "image/png", ETag: "e2"}
	// The POST's updates arrive before the PUT's, and a PUT between them arrives last.
	merge(t, c, metaOnly)
	merge(t, c, post)
	merge(t, c, put)
	merge(t, c, newerPut)
	want := accountdb.ObjectRow{Name: "o", Timestamp: ts(11), CtypeTimestamp: ts(12), MetaTimestamp: ts(14), Size: 8, ContentType: "text/html", ETag: "e2"}
	require.Equal(t, []accountdb.ObjectRow{want}, listedRows(listAll(t, c)))
	requireStats(t, c, 1, 8)

	// swift_bytes belongs to the data, the rest of the content type to its own time.
	merge(t, c, accountdb.ObjectRow{Name: "slo", Timestamp: ts(10), Size: 100, ContentType: "text/plain;swift_bytes=4096", ETag: "m"})
	merge(t, c, accountdb.ObjectRow{Name: "slo", Timestamp: ts(10), CtypeTimestamp: ts(11), ContentType: "text/csv"})
	entries, err := c.ListObjects(ctx, accountdb.ListParams{Prefix: "slo", Limit: 10})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	require.Equal(t, "text/csv;swift_bytes=4096", entries[0].ContentType)
	require.Equal(t, int64(100), entries[0].Size)
}

func statsThroughOverwrites(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	merge(t, c, live("o", 1, 10))
	requireStats(t, c, 1, 10)
	merge(t, c, live("o", 2, 25))
	requireStats(t, c, 1, 25)
	merge(t, c, live("o", 2, 25))
	requireStats(t, c, 1, 25)
	merge(t, c, live("o", 1, 1000))
	requireStats(t, c, 1, 25)
	merge(t, c, live("p", 3, 5), live("p", 4, 6), live("q", 3, 7))
	requireStats(t, c, 3, 38)
	merge(t, c, tombstone("o", 5))
	requireStats(t, c, 2, 13)
	merge(t, c, tombstone("o", 6))
	requireStats(t, c, 2, 13)
	merge(t, c, live("o", 7, 0))
	requireStats(t, c, 3, 13)
	merge(t, c, tombstone("p", 8), tombstone("q", 8), tombstone("o", 8))
	requireStats(t, c, 0, 0)
	require.Empty(t, listAll(t, c))
}

func statsUnderConcurrentMerges(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	const writers, names, rounds = 16, 40, 6
	// Every writer writes every name several times with its own timestamps, so the same
	// rows are overwritten concurrently; the expected state is the newest row per name.
	row := func(writer, name, round int) accountdb.ObjectRow {
		at := int64(10 + round*writers + writer)
		if (name+writer+round)%5 == 0 {
			return tombstone(fmt.Sprintf("obj-%03d", name), at)
		}
		return live(fmt.Sprintf("obj-%03d", name), at, int64(writer*1000+name*10+round))
	}
	want := map[string]accountdb.ObjectRow{}
	for w := range writers {
		for n := range names {
			for r := range rounds {
				candidate := row(w, n, r)
				if stored, ok := want[candidate.Name]; !ok || candidate.Timestamp.After(stored.Timestamp) {
					want[candidate.Name] = candidate
				}
			}
		}
	}
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				var batch []accountdb.ObjectRow
				for n := range names {
					batch = append(batch, row(w, (n+w)%names, r))
					if len(batch) == 8 {
						if err := c.MergeObjects(ctx, batch); err != nil {
							errs <- err
							return
						}
						batch = nil
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	var count, bytes int64
	var wantListed []accountdb.ObjectRow
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if r := want[name]; !r.Deleted {
			count++
			bytes += r.Size
			wantListed = append(wantListed, full(r))
		}
	}
	require.Positive(t, count)
	requireStats(t, c, count, bytes)
	require.Equal(t, wantListed, listedRows(listAll(t, c)))
}

func policyChange(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	merge(t, c, live("zero-a", 2, 10), live("zero-b", 2, 20))
	merge(t, c, tombstone("zero-b", 3))
	require.NoError(t, c.MarkDeleted(ctx, ts(4)))
	require.NoError(t, c.UpdatePutTimestamp(ctx, ts(5)))
	require.NoError(t, c.SetStoragePolicyIndex(ctx, 1, ts(5)))
	i := info(t, c)
	require.Equal(t, 1, i.StoragePolicyIndex)
	require.Equal(t, ts(5), i.StatusChangedAt)
	require.Zero(t, i.ObjectCount, "policy 0's rows do not count for policy 1")

	one := live("one-a", 6, 7)
	one.StoragePolicyIndex = 1
	merge(t, c, one)
	requireStats(t, c, 1, 7)
	require.Equal(t, []accountdb.ObjectRow{full(one)}, listedRows(listAll(t, c)), "only the current policy's rows are listed")

	// Back to policy 0: its stats were kept all along.
	require.NoError(t, c.SetStoragePolicyIndex(ctx, 0, ts(7)))
	requireStats(t, c, 1, 10)
	require.Equal(t, []accountdb.ObjectRow{full(live("zero-a", 2, 10))}, listedRows(listAll(t, c)))

	// A newer row moves a name between policies.
	moved := live("zero-a", 8, 11)
	moved.StoragePolicyIndex = 1
	merge(t, c, moved)
	requireStats(t, c, 0, 0)
	require.NoError(t, c.SetStoragePolicyIndex(ctx, 1, ts(9)))
	requireStats(t, c, 2, 18)
}

func containerSetReported(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	require.NoError(t, c.SetReported(ctx, ts(3), ts(4), 5, 6))
	i := info(t, c)
	require.Equal(t, ts(3), i.ReportedPutTimestamp)
	require.Equal(t, ts(4), i.ReportedDeleteTimestamp)
	require.Equal(t, int64(5), i.ReportedObjectCount)
	require.Equal(t, int64(6), i.ReportedBytesUsed)
}

func accountInitialize(t *testing.T, b accountdb.Backend, account string) {
	a := b.Account(account)
	_, err := a.Info(ctx)
	require.ErrorIs(t, err, accountdb.ErrNotFound)
	require.NoError(t, a.Initialize(ctx, ts(5)))
	require.ErrorIs(t, a.Initialize(ctx, ts(6)), accountdb.ErrAlreadyExists)
	i, err := a.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, account, i.Account)
	require.Equal(t, ts(5), i.PutTimestamp)
	require.False(t, i.CreatedAt.IsZero())
	require.Zero(t, i.ContainerCount)
	require.Zero(t, i.ObjectCount)
	require.Zero(t, i.BytesUsed)
	require.False(t, i.Deleted())
	require.NoError(t, a.MarkDeleted(ctx, ts(7)))
	require.ErrorIs(t, a.Initialize(ctx, ts(8)), accountdb.ErrAlreadyExists, "a deleted account still exists")

	other := b.Account(account + "☃")
	_, err = other.Info(ctx)
	require.ErrorIs(t, err, accountdb.ErrNotFound, "an account's name is not another's")
}

func accountInfo(t *testing.T, a accountdb.AccountDB) accountdb.AccountInfo {
	t.Helper()
	i, err := a.Info(ctx)
	require.NoError(t, err)
	return i
}

func accountStatusAndMetadata(t *testing.T, b accountdb.Backend, account string) {
	a := b.Account(account)
	require.NoError(t, a.Initialize(ctx, ts(1)))
	requireMetadataMerges(t, a.UpdateMetadata, func() accountdb.Metadata { return accountInfo(t, a).Metadata })

	require.NoError(t, a.UpdatePutTimestamp(ctx, ts(20)))
	require.NoError(t, a.UpdatePutTimestamp(ctx, ts(2)))
	require.Equal(t, ts(20), accountInfo(t, a).PutTimestamp)
	require.NoError(t, a.UpdateStatusChangedAt(ctx, ts(21)))
	require.NoError(t, a.UpdateStatusChangedAt(ctx, ts(3)))
	require.Equal(t, ts(21), accountInfo(t, a).StatusChangedAt)

	require.NoError(t, a.MarkDeleted(ctx, ts(30)))
	require.NoError(t, a.MarkDeleted(ctx, ts(25)))
	i := accountInfo(t, a)
	require.True(t, i.Deleted())
	require.Equal(t, ts(30), i.DeleteTimestamp)
	require.Equal(t, ts(30), i.StatusChangedAt)
	for key, item := range i.Metadata {
		require.Equal(t, "", item.Value, key)
		require.Equal(t, ts(30), item.Timestamp, key)
	}
	require.NoError(t, a.UpdatePutTimestamp(ctx, ts(40)))
	require.False(t, accountInfo(t, a).Deleted())
}

// requireTotals checks an account's totals and its per-policy stats; a policy without
// live containers may be absent or all zero.
func requireTotals(t *testing.T, a accountdb.AccountDB, containers, objects, bytes int64, policies map[int]accountdb.PolicyStats) {
	t.Helper()
	i := accountInfo(t, a)
	require.Equal(t, [3]int64{containers, objects, bytes}, [3]int64{i.ContainerCount, i.ObjectCount, i.BytesUsed}, "containers, objects, bytes")
	got := map[int]accountdb.PolicyStats{}
	for policy, stats := range i.Policies {
		if stats != (accountdb.PolicyStats{}) {
			got[policy] = stats
		}
	}
	require.Equal(t, policies, got)
}

func stats(containers, objects, bytes int64) accountdb.PolicyStats {
	return accountdb.PolicyStats{ContainerCount: containers, ObjectCount: objects, BytesUsed: bytes}
}

func accountRowsAndTotals(t *testing.T, b accountdb.Backend, account string) {
	a := b.Account(account)
	require.NoError(t, a.Initialize(ctx, ts(1)))
	row := func(name string, put, del int64, objects, bytes int64, policy int) accountdb.ContainerRow {
		r := accountdb.ContainerRow{Name: name, PutTimestamp: ts(put), ObjectCount: objects, BytesUsed: bytes, StoragePolicyIndex: policy}
		if del != 0 {
			r.DeleteTimestamp = ts(del)
		}
		return r
	}
	require.NoError(t, a.MergeContainers(ctx, []accountdb.ContainerRow{
		row("a", 10, 0, 1, 10, 0), row("b", 10, 0, 2, 20, 0), row("c", 10, 0, 3, 30, 1),
	}))
	requireTotals(t, a, 3, 6, 60, map[int]accountdb.PolicyStats{0: stats(2, 3, 30), 1: stats(1, 3, 30)})

	// New counts for a, b deleted, a report from c's older life arriving late.
	require.NoError(t, a.MergeContainers(ctx, []accountdb.ContainerRow{
		row("a", 10, 0, 5, 50, 0), row("b", 10, 11, 0, 0, 0), row("c", 5, 0, 99, 990, 0),
	}))
	requireTotals(t, a, 2, 8, 80, map[int]accountdb.PolicyStats{0: stats(1, 5, 50), 1: stats(1, 3, 30)})

	// A report of b from before its deletion changes nothing; b recreated in policy 1 counts.
	require.NoError(t, a.MergeContainers(ctx, []accountdb.ContainerRow{row("b", 10, 0, 2, 20, 0)}))
	requireTotals(t, a, 2, 8, 80, map[int]accountdb.PolicyStats{0: stats(1, 5, 50), 1: stats(1, 3, 30)})
	require.NoError(t, a.MergeContainers(ctx, []accountdb.ContainerRow{row("b", 12, 0, 1, 1, 1)}))
	requireTotals(t, a, 3, 9, 81, map[int]accountdb.PolicyStats{0: stats(1, 5, 50), 1: stats(2, 4, 31)})

	// A deleted container that still reports objects is live (Swift's rule).
	require.NoError(t, a.MergeContainers(ctx, []accountdb.ContainerRow{row("d", 10, 11, 1, 4, 0)}))
	requireTotals(t, a, 4, 10, 85, map[int]accountdb.PolicyStats{0: stats(2, 6, 54), 1: stats(2, 4, 31)})
	// A row that arrives deleted is stored but neither counted nor listed.
	require.NoError(t, a.MergeContainers(ctx, []accountdb.ContainerRow{row("e", 10, 11, 0, 0, 0)}))
	requireTotals(t, a, 4, 10, 85, map[int]accountdb.PolicyStats{0: stats(2, 6, 54), 1: stats(2, 4, 31)})

	entries, err := a.ListContainers(ctx, accountdb.ListParams{Limit: 100})
	require.NoError(t, err)
	require.Equal(t, []accountdb.ContainerEntry{
		{ContainerRow: row("a", 10, 0, 5, 50, 0)},
		{ContainerRow: row("b", 12, 11, 1, 1, 1)},
		{ContainerRow: row("c", 10, 0, 3, 30, 1)},
		{ContainerRow: row("d", 10, 11, 1, 4, 0)},
	}, entries)
}

func accountConcurrentMerges(t *testing.T, b accountdb.Backend, account string) {
	a := b.Account(account)
	require.NoError(t, a.Initialize(ctx, ts(1)))
	const writers, containers = 16, 30
	var wg sync.WaitGroup
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range containers {
				// Every writer reports every container; the last put time, from writer 15,
				// carries the counts that must win.
				r := accountdb.ContainerRow{Name: fmt.Sprintf("c%02d", (n+w)%containers), PutTimestamp: ts(int64(10 + w)),
					ObjectCount: int64(w), BytesUsed: int64(w * 100), StoragePolicyIndex: (n + w) % containers % 2}
				if err := a.MergeContainers(ctx, []accountdb.ContainerRow{r}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	requireTotals(t, a, containers, containers*15, containers*1500, map[int]accountdb.PolicyStats{
		0: stats(containers/2, containers/2*15, containers/2*1500),
		1: stats(containers/2, containers/2*15, containers/2*1500),
	})
}

// listingNames are names that exercise listings: nested directories, names ending in
// the delimiter, unicode, names next to the delimiter in byte order ('.' < '/' < '0'), and
// names in Swift's reserved namespace (starting with NUL, as object versioning makes them).
var listingNames = []string{
	"a", "a.", "a/", "a/b", "a/b/", "a/b/c", "a/b/d", "a/c", "a0", "b", "b/", "b/x/y/z",
	"dir/sub0", "dir/sub/", "dir/sub/x", "dir/sub.", "é", "é/1", "é/2", "日本/語/x", "😀", "z-z", "z-z-", "z-y-x",
	"\x00versions\x00a", "\x00versions\x00a\x00", "\x00x/y",
}

// listingCases is every combination of the listing parameters over listingNames.
func listingCases() []accountdb.ListParams {
	var cases []accountdb.ListParams
	paths := []*string{nil, ptr(""), ptr("a"), ptr("a/b/"), ptr("dir/sub"), ptr("nothing")}
	for _, prefix := range []string{"", "a", "a/", "dir/", "é", "q", "\x00versions"} {
		for _, delimiter := range []string{"", "/", "-"} {
			for _, marker := range []string{"", "a/", "a/b", "b", "é/1"} {
				for _, endMarker := range []string{"", "a/b/d", "b/", "z"} {
					for _, limit := range []int{1, 3, 1000} {
						for _, reverse := range []bool{false, true} {
							cases = append(cases, accountdb.ListParams{Prefix: prefix, Delimiter: delimiter, Marker: marker, EndMarker: endMarker, Limit: limit, Reverse: reverse,
								AllowReserved: (len(cases)/2)%3 == 0})
						}
					}
				}
			}
		}
	}
	for _, path := range paths[1:] {
		for _, marker := range []string{"", "a/b", "dir/sub/"} {
			for _, limit := range []int{1, 1000} {
				for _, reverse := range []bool{false, true} {
					cases = append(cases, accountdb.ListParams{Path: path, Marker: marker, Limit: limit, Reverse: reverse})
				}
			}
		}
	}
	return cases
}

func ptr(s string) *string { return &s }

// referenceScan is the scan of an in-memory set of names, for the listing reference.
func referenceScan[T any](rows []T, nameOf func(T) string) accountdb.ScanFunc[T] {
	sort.Slice(rows, func(i, j int) bool { return nameOf(rows[i]) < nameOf(rows[j]) })
	return func(_ context.Context, after, before string, reverse bool, limit int) ([]T, error) {
		var out []T
		for i := range rows {
			r := rows[i]
			if reverse {
				r = rows[len(rows)-1-i]
			}
			name := nameOf(r)
			if (after == "" || name > after) && (before == "" || name < before) {
				out = append(out, r)
				if len(out) == limit {
					break
				}
			}
		}
		return out, nil
	}
}

func objectListings(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	var rows, listable []accountdb.ObjectRow
	for i, name := range listingNames {
		r := live(name, int64(10+i), int64(i))
		rows = append(rows, r)
		listable = append(listable, full(r))
	}
	// Rows that must never be listed: tombstones, another policy's rows.
	gone := tombstone("a/b/e", 10)
	elsewhere := live("a/b/f", 10, 1)
	elsewhere.StoragePolicyIndex = 3
	rows = append(rows, gone, elsewhere, live("deleted-later", 10, 1), tombstone("deleted-later", 11))
	merge(t, c, rows...)

	reference := referenceScan(listable, func(r accountdb.ObjectRow) string { return r.Name })
	for _, p := range listingCases() {
		want, err := accountdb.ListObjects(ctx, p, reference)
		require.NoError(t, err)
		got, err := c.ListObjects(ctx, p)
		require.NoError(t, err, "%+v", p)
		if len(want) == 0 {
			require.Empty(t, got, "%s", describe(p))
			continue
		}
		require.Equal(t, want, got, "%s", describe(p))
	}
}

func describe(p accountdb.ListParams) string {
	path := "<none>"
	if p.Path != nil {
		path = fmt.Sprintf("%q", *p.Path)
	}
	return fmt.Sprintf("prefix=%q delimiter=%q marker=%q end_marker=%q path=%s limit=%d reverse=%v",
		p.Prefix, p.Delimiter, p.Marker, p.EndMarker, path, p.Limit, p.Reverse)
}

func objectListingFields(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	for i, name := range listingNames {
		merge(t, c, live(name, int64(10+i), int64(i)))
	}
	names := func(p accountdb.ListParams) []string {
		entries, err := c.ListObjects(ctx, p)
		require.NoError(t, err)
		out := []string{}
		for _, e := range entries {
			if e.Subdir {
				out = append(out, e.Name+" (subdir)")
				require.Zero(t, e.Size)
				require.True(t, e.Timestamp.IsZero())
			} else {
				out = append(out, e.Name)
			}
		}
		return out
	}
	// What Swift 2.30.1's SQL returns for these (worked by hand through list_objects_iter).
	require.Equal(t, []string{"a", "a.", "a/ (subdir)", "a0", "b", "b/ (subdir)", "dir/ (subdir)", "z-y-x", "z-z", "z-z-", "é", "é/ (subdir)", "日本/ (subdir)", "😀"},
		names(accountdb.ListParams{Delimiter: "/", Limit: 100}))
	require.Equal(t, []string{"a/", "a/b", "a/b/ (subdir)", "a/c"}, names(accountdb.ListParams{Prefix: "a/", Delimiter: "/", Limit: 100}),
		"a name equal to the prefix has no delimiter after it")
	require.Equal(t, []string{"a/b", "a/b/", "a/c"}, names(accountdb.ListParams{Path: ptr("a"), Limit: 100}))
	require.Equal(t, []string{"dir/sub/x"}, names(accountdb.ListParams{Path: ptr("dir/sub/"), Limit: 100}))
	require.Equal(t, []string{"b/ (subdir)", "b", "a0", "a/ (subdir)"}, names(accountdb.ListParams{Delimiter: "/", Marker: "dir/", EndMarker: "a.", Reverse: true, Limit: 100}))
	require.Equal(t, []string{"z-y- (subdir)", "z-z"}, names(accountdb.ListParams{Prefix: "z-", Delimiter: "-", Marker: "z-", Limit: 2}),
		"the delimiter counts only after the prefix")

	entries, err := c.ListObjects(ctx, accountdb.ListParams{Prefix: "é/1", Limit: 10})
	require.NoError(t, err)
	require.Equal(t, []accountdb.ObjectEntry{{ObjectRow: full(live("é/1", 27, 17))}}, entries)
}

func containerListings(t *testing.T, b accountdb.Backend, account string) {
	a := b.Account(account)
	require.NoError(t, a.Initialize(ctx, ts(1)))
	var rows, listable []accountdb.ContainerRow
	for i, name := range listingNames {
		r := accountdb.ContainerRow{Name: name, PutTimestamp: ts(int64(10 + i)), ObjectCount: int64(i), BytesUsed: int64(i * 10), StoragePolicyIndex: i % 2}
		rows = append(rows, r)
		listable = append(listable, r)
	}
	rows = append(rows, accountdb.ContainerRow{Name: "a/b/e", PutTimestamp: ts(1), DeleteTimestamp: ts(2)})
	require.NoError(t, a.MergeContainers(ctx, rows))

	reference := referenceScan(listable, func(r accountdb.ContainerRow) string { return r.Name })
	for _, p := range listingCases() {
		want, err := accountdb.ListContainers(ctx, p, reference)
		require.NoError(t, err)
		got, err := a.ListContainers(ctx, p)
		require.NoError(t, err, "%+v", p)
		if len(want) == 0 {
			require.Empty(t, got, "%s", describe(p))
			continue
		}
		require.Equal(t, want, got, "%s", describe(p))
	}
}

// pendingMark returns the container's mark, if PendingReports has one.
func pendingMark(t *testing.T, b accountdb.Backend, account, container string) (accountdb.ReportMark, bool) {
	t.Helper()
	marks, err := b.PendingReports(ctx, 100000)
	require.NoError(t, err)
	for _, m := range marks {
		if m.Account == account && m.Container == container {
			return m, true
		}
	}
	return accountdb.ReportMark{}, false
}

func requirePending(t *testing.T, b accountdb.Backend, account, container string) accountdb.ReportMark {
	t.Helper()
	m, ok := pendingMark(t, b, account, container)
	require.True(t, ok, "%s/%s must be pending", account, container)
	require.NotEmpty(t, m.Token)
	return m
}

func requireNotPending(t *testing.T, b accountdb.Backend, account, container string) {
	t.Helper()
	_, ok := pendingMark(t, b, account, container)
	require.False(t, ok, "%s/%s must not be pending", account, container)
}

func pendingReports(t *testing.T, b accountdb.Backend, account string) {
	c := newContainer(t, b, account, "c", 0)
	first := requirePending(t, b, account, "c")
	require.NoError(t, b.ClearReport(ctx, first))
	requireNotPending(t, b, account, "c")

	changes := []struct {
		name   string
		change func() error
	}{
		{"an object row", func() error { return c.MergeObjects(ctx, []accountdb.ObjectRow{live("o", 5, 10)}) }},
		{"an overwrite", func() error { return c.MergeObjects(ctx, []accountdb.ObjectRow{live("o", 6, 20)}) }},
		{"a deletion", func() error { return c.MergeObjects(ctx, []accountdb.ObjectRow{tombstone("o", 7)}) }},
		{"a newer PUT", func() error { return c.UpdatePutTimestamp(ctx, ts(8)) }},
		{"MarkDeleted", func() error { return c.MarkDeleted(ctx, ts(9)) }},
		{"a policy change", func() error { return c.SetStoragePolicyIndex(ctx, 1, ts(10)) }},
	}
	seen := map[string]bool{first.Token: true}
	for _, ch := range changes {
		require.NoError(t, ch.change(), ch.name)
		m := requirePending(t, b, account, "c")
		require.False(t, seen[m.Token], "%s sets a new token", ch.name)
		seen[m.Token] = true
		require.NoError(t, b.ClearReport(ctx, m))
		requireNotPending(t, b, account, "c")
	}

	// A change made after the mark was read keeps the container pending.
	merge(t, c, live("p", 11, 1))
	read := requirePending(t, b, account, "c")
	merge(t, c, live("q", 12, 1))
	require.NoError(t, b.ClearReport(ctx, read))
	again := requirePending(t, b, account, "c")
	require.NotEqual(t, read.Token, again.Token)
	require.NoError(t, b.ClearReport(ctx, again))
	requireNotPending(t, b, account, "c")

	// Clearing a mark twice, or one that is gone, is not an error.
	require.NoError(t, b.ClearReport(ctx, again))
	require.NoError(t, b.ClearReport(ctx, accountdb.ReportMark{Account: account, Container: "never", Token: "x"}))

	// Containers are marked independently.
	newContainer(t, b, account, "d", 0)
	newContainer(t, b, account, "e", 0)
	d := requirePending(t, b, account, "d")
	requirePending(t, b, account, "e")
	requireNotPending(t, b, account, "c")
	require.NoError(t, b.ClearReport(ctx, d))
	requireNotPending(t, b, account, "d")
	requirePending(t, b, account, "e")
}

func pendingReportsLimit(t *testing.T, b accountdb.Backend, account string) {
	for i := range 3 {
		newContainer(t, b, account, fmt.Sprintf("c%d", i), 0)
	}
	marks, err := b.PendingReports(ctx, 2)
	require.NoError(t, err)
	require.Len(t, marks, 2)
	for _, m := range marks {
		require.NotEmpty(t, m.Token)
	}
}
