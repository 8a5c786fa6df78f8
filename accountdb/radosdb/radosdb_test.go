package radosdb_test

import (
	"context"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/accountdb/radosdb"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
)

// openBackend opens the backend on the test bed in a namespace of its own, so tests
// never see each other's databases.
func openBackend(t testing.TB, shards int) *radosdb.Backend {
	t.Helper()
	bed := testbed.Require(t)
	return openBackendIn(t, bed, fmt.Sprintf("t%d", time.Now().UnixNano()), shards)
}

func openBackendIn(t testing.TB, bed testbed.Bed, namespace string, shards int) *radosdb.Backend {
	t.Helper()
	b, err := radosdb.New(bed.Connect(t), radosdb.Config{Pool: bed.Pool, Namespace: namespace, Shards: shards})
	require.NoError(t, err)
	t.Cleanup(func() { b.Close() })
	return b
}

func ts(secs float64) swift.Timestamp {
	return swift.Timestamp{Ticks: int64(secs * 100000)}
}

func object(name string, at float64, size int64) accountdb.ObjectRow {
	return accountdb.ObjectRow{Name: name, Timestamp: ts(at), Size: size, ContentType: "text/plain", ETag: "etag-" + name}
}

func names(entries []accountdb.ObjectEntry) []string {
	out := make([]string, len(entries))
	for i, e := range entries {
		out[i] = e.Name
	}
	return out
}

func TestContainerRowsMergeNewestWinsWithExactStats(t *testing.T) {
	ctx := context.Background()
	c := openBackend(t, 4).Container("AUTH_a", "c")
	_, err := c.Info(ctx)
	require.ErrorIs(t, err, accountdb.ErrNotFound)
	require.ErrorIs(t, c.MergeObjects(ctx, []accountdb.ObjectRow{object("x", 1, 1)}), accountdb.ErrNotFound)
	require.NoError(t, c.Initialize(ctx, ts(100), 0))
	require.ErrorIs(t, c.Initialize(ctx, ts(101), 0), accountdb.ErrAlreadyExists)

	require.NoError(t, c.MergeObjects(ctx, []accountdb.ObjectRow{object("a", 10, 5), object("b", 10, 7), object("c", 10, 11)}))
	require.NoError(t, c.MergeObjects(ctx, []accountdb.ObjectRow{object("a", 9, 1000)}), "older row is ignored")
	require.NoError(t, c.MergeObjects(ctx, []accountdb.ObjectRow{object("b", 11, 70)}))
	del := object("c", 12, 0)
	del.Deleted = true
	require.NoError(t, c.MergeObjects(ctx, []accountdb.ObjectRow{del}))

	info, err := c.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2), info.ObjectCount)
	require.Equal(t, int64(75), info.BytesUsed)
	require.Equal(t, ts(100), info.PutTimestamp)

	list, err := c.ListObjects(ctx, accountdb.ListParams{Limit: 100})
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, names(list))
	require.Equal(t, int64(70), list[1].Size)

	// The tombstone is kept: an older PUT does not bring the object back.
	require.NoError(t, c.MergeObjects(ctx, []accountdb.ObjectRow{object("c", 11, 3)}))
	list, err = c.ListObjects(ctx, accountdb.ListParams{Limit: 100, Reverse: true})
	require.NoError(t, err)
	require.Equal(t, []string{"b", "a"}, names(list))
}

func TestStatusMetadataAndDeletion(t *testing.T) {
	ctx := context.Background()
	c := openBackend(t, 4).Container("AUTH_a", "c")
	require.NoError(t, c.Initialize(ctx, ts(100), 1))
	require.NoError(t, c.UpdateMetadata(ctx, accountdb.Metadata{"X-Container-Meta-Color": {Value: "blue", Timestamp: ts(101)}}))
	require.NoError(t, c.UpdateMetadata(ctx, accountdb.Metadata{"X-Container-Meta-Color": {Value: "red", Timestamp: ts(100.5)}}))
	info, err := c.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, "blue", info.Metadata["X-Container-Meta-Color"].Value)
	require.Equal(t, 1, info.StoragePolicyIndex)

	require.NoError(t, c.MarkDeleted(ctx, ts(102)))
	info, err = c.Info(ctx)
	require.NoError(t, err)
	require.True(t, info.Deleted())
	require.Equal(t, accountdb.MetaItem{Value: "", Timestamp: ts(102)}, info.Metadata["X-Container-Meta-Color"])
	require.Equal(t, ts(102), info.StatusChangedAt)

	require.NoError(t, c.UpdatePutTimestamp(ctx, ts(103)))
	require.NoError(t, c.SetStoragePolicyIndex(ctx, 0, ts(103)))
	require.NoError(t, c.SetReported(ctx, ts(103), ts(102), 4, 5))
	info, err = c.Info(ctx)
	require.NoError(t, err)
	require.False(t, info.Deleted())
	require.Equal(t, 0, info.StoragePolicyIndex)
	require.Equal(t, ts(103), info.StatusChangedAt)
	require.Equal(t, int64(4), info.ReportedObjectCount)
	require.Equal(t, ts(102), info.ReportedDeleteTimestamp)
}

func TestListingsMergeShardsInBothDirections(t *testing.T) {
	ctx := context.Background()
	c := openBackend(t, 7).Container("AUTH_a", "many")
	require.NoError(t, c.Initialize(ctx, ts(100), 0))
	rng := rand.New(rand.NewSource(2))
	const alphabet = "ab/cé\xf0\x9f\x98\x80xyz" // bytes of multi-byte characters too: order is by bytes
	var rows []accountdb.ObjectRow
	seen := map[string]bool{}
	for len(rows) < 3000 {
		b := make([]byte, 1+rng.Intn(6))
		for i := range b {
			b[i] = alphabet[rng.Intn(len(alphabet))]
		}
		if name := string(b); !seen[name] {
			seen[name] = true
			rows = append(rows, object(name, 10, int64(len(rows))))
		}
	}
	require.NoError(t, c.MergeObjects(ctx, rows))
	all := make([]string, 0, len(rows))
	for _, r := range rows {
		all = append(all, r.Name)
	}
	sort.Strings(all)
	reversed := slices.Clone(all)
	slices.Reverse(reversed)

	for _, tc := range []struct {
		name string
		p    accountdb.ListParams
		want []string
	}{
		{"everything ascending", accountdb.ListParams{Limit: 10000}, all},
		{"everything descending", accountdb.ListParams{Limit: 10000, Reverse: true}, reversed},
		{"a page from a marker", accountdb.ListParams{Limit: 50, Marker: all[1000]}, all[1001:1051]},
		{"a reverse page from a marker", accountdb.ListParams{Limit: 50, Reverse: true, Marker: all[1000]}, reversed[len(all)-1000 : len(all)-950]},
		{"reverse down to an end marker", accountdb.ListParams{Limit: 5000, Reverse: true, Marker: all[2000], EndMarker: all[1990]}, reversed[len(all)-2000 : len(all)-1991]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := c.ListObjects(ctx, tc.p)
			require.NoError(t, err)
			require.Equal(t, tc.want, names(got))
		})
	}
	info, err := c.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(len(rows)), info.ObjectCount)
	require.Equal(t, int64(len(rows)*(len(rows)-1)/2), info.BytesUsed)
}

func TestPendingReportsFollowChanges(t *testing.T) {
	ctx := context.Background()
	b := openBackend(t, 4)
	c := b.Container("AUTH_a", "c")
	require.NoError(t, c.Initialize(ctx, ts(100), 0))
	marks, err := b.PendingReports(ctx, 10)
	require.NoError(t, err)
	require.Len(t, marks, 1)
	require.Equal(t, "c", marks[0].Container)

	require.NoError(t, c.MergeObjects(ctx, []accountdb.ObjectRow{object("o", 10, 1)}))
	require.NoError(t, b.ClearReport(ctx, marks[0]), "a stale token clears nothing")
	again, err := b.PendingReports(ctx, 10)
	require.NoError(t, err)
	require.Len(t, again, 1)
	require.NotEqual(t, marks[0].Token, again[0].Token)

	require.NoError(t, b.ClearReport(ctx, again[0]))
	none, err := b.PendingReports(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, none)

	require.NoError(t, c.UpdateMetadata(ctx, accountdb.Metadata{"X-Container-Meta-A": {Value: "1", Timestamp: ts(101)}}))
	none, err = b.PendingReports(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, none, "metadata is not reported to the account")
}

func TestAccountTotalsAndListing(t *testing.T) {
	ctx := context.Background()
	a := openBackend(t, 4).Account("AUTH_a")
	require.ErrorIs(t, a.MergeContainers(ctx, []accountdb.ContainerRow{{Name: "c"}}), accountdb.ErrNotFound)
	require.NoError(t, a.Initialize(ctx, ts(100)))
	require.NoError(t, a.MergeContainers(ctx, []accountdb.ContainerRow{
		{Name: "c1", PutTimestamp: ts(10), ObjectCount: 3, BytesUsed: 30},
		{Name: "c2", PutTimestamp: ts(10), ObjectCount: 1, BytesUsed: 5, StoragePolicyIndex: 1},
		{Name: "c3", PutTimestamp: ts(10)},
	}))
	require.NoError(t, a.MergeContainers(ctx, []accountdb.ContainerRow{{Name: "c3", PutTimestamp: ts(10), DeleteTimestamp: ts(11)}}))
	info, err := a.Info(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(2), info.ContainerCount)
	require.Equal(t, int64(4), info.ObjectCount)
	require.Equal(t, int64(35), info.BytesUsed)
	require.Equal(t, accountdb.PolicyStats{ContainerCount: 1, ObjectCount: 1, BytesUsed: 5}, info.Policies[1])
	list, err := a.ListContainers(ctx, accountdb.ListParams{Limit: 10, Reverse: true})
	require.NoError(t, err)
	require.Len(t, list, 2)
	require.Equal(t, "c2", list[0].Name)
}

// An object server retries a container update whose first try failed after its rows
// landed (a lost reply, a failed mark): the retry changes no row, yet the container must
// be marked, or its account would never hear of the rows.
func TestARetriedUpdateThatChangesNothingStillMarksTheContainer(t *testing.T) {
	ctx := context.Background()
	b := openBackend(t, 4)
	c := b.Container("AUTH_a", "retried")
	require.NoError(t, c.Initialize(ctx, ts(1), 0))
	row := object("o", 2, 10)
	require.NoError(t, c.MergeObjects(ctx, []accountdb.ObjectRow{row}))
	clearAll := func() {
		marks, err := b.PendingReports(ctx, 100)
		require.NoError(t, err)
		for _, m := range marks {
			require.NoError(t, b.ClearReport(ctx, m))
		}
		marks, err = b.PendingReports(ctx, 100)
		require.NoError(t, err)
		require.Empty(t, marks)
	}
	clearAll()
	require.NoError(t, c.MergeObjects(ctx, []accountdb.ObjectRow{row}))
	marks, err := b.PendingReports(ctx, 100)
	require.NoError(t, err)
	require.Len(t, marks, 1)
	require.Equal(t, "retried", marks[0].Container)
}
