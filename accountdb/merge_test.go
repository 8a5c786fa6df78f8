package accountdb

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/swift"
)

func ts(seconds int64) swift.Timestamp { return swift.Timestamp{Ticks: seconds * 100000} }

func TestMergeMetadata(t *testing.T) {
	stored := Metadata{"X-Container-Meta-Color": {"red", ts(10)}, "X-Container-Meta-Gone": {"", ts(10)}}
	for _, tc := range []struct {
		name        string
		update      Metadata
		want        Metadata
		wantChanged bool
	}{
		{"adds a new key whatever its timestamp", Metadata{"X-Container-Meta-Size": {"L", ts(1)}},
			Metadata{"X-Container-Meta-Color": {"red", ts(10)}, "X-Container-Meta-Gone": {"", ts(10)}, "X-Container-Meta-Size": {"L", ts(1)}}, true},
		{"replaces a key with a newer value", Metadata{"X-Container-Meta-Color": {"blue", ts(11)}},
			Metadata{"X-Container-Meta-Color": {"blue", ts(11)}, "X-Container-Meta-Gone": {"", ts(10)}}, true},
		{"keeps a key against an older value", Metadata{"X-Container-Meta-Color": {"blue", ts(9)}}, stored, false},
		{"keeps a key against a value of the same time", Metadata{"X-Container-Meta-Color": {"blue", ts(10)}}, stored, false},
		{"records a deletion with its timestamp", Metadata{"X-Container-Meta-Color": {"", ts(12)}},
			Metadata{"X-Container-Meta-Color": {"", ts(12)}, "X-Container-Meta-Gone": {"", ts(10)}}, true},
		{"does not bring back a deleted key with an older value", Metadata{"X-Container-Meta-Gone": {"back", ts(9)}}, stored, false},
		{"brings back a deleted key with a newer value", Metadata{"X-Container-Meta-Gone": {"back", ts(11)}},
			Metadata{"X-Container-Meta-Color": {"red", ts(10)}, "X-Container-Meta-Gone": {"back", ts(11)}}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := Metadata{}
			for k, v := range stored {
				before[k] = v
			}
			got, changed := MergeMetadata(stored, tc.update)
			require.Equal(t, tc.want, got)
			require.Equal(t, tc.wantChanged, changed)
			require.Equal(t, before, stored, "stored must not be modified")
		})
	}
}

func TestMergeMetadataIntoNothing(t *testing.T) {
	got, changed := MergeMetadata(nil, Metadata{"X-Container-Read": {".r:*", ts(1)}})
	require.True(t, changed)
	require.Equal(t, Metadata{"X-Container-Read": {".r:*", ts(1)}}, got)
}

func TestClearedMetadataEmptiesEveryItemButTheShardRoot(t *testing.T) {
	stored := Metadata{"X-Container-Meta-A": {"1", ts(1)}, "X-Container-Sysmeta-Shard-Root": {"a/c", ts(1)}}
	require.Equal(t, Metadata{"X-Container-Meta-A": {"", ts(5)}}, ClearedMetadata(stored, ts(5)))
}

func TestMergeObjectRow(t *testing.T) {
	stored := ObjectRow{Name: "o", Timestamp: ts(10), Size: 5, ContentType: "text/plain", ETag: "e1", StoragePolicyIndex: 0}
	full := func(r ObjectRow) ObjectRow { return withEffectiveTimestamps(r) }
	for _, tc := range []struct {
		name      string
		stored    *ObjectRow
		update    ObjectRow
		want      ObjectRow
		wantApply bool
	}{
		{"takes a first row with its timestamps filled in", nil,
			ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), Size: 1},
			ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), MetaTimestamp: ts(12), Size: 1}, true},
		{"replaces a row with a newer PUT", &stored,
			ObjectRow{Name: "o", Timestamp: ts(11), Size: 7, ContentType: "image/png", ETag: "e2", StoragePolicyIndex: 1},
			full(ObjectRow{Name: "o", Timestamp: ts(11), Size: 7, ContentType: "image/png", ETag: "e2", StoragePolicyIndex: 1}), true},
		{"ignores an older PUT", &stored, ObjectRow{Name: "o", Timestamp: ts(9), Size: 7, ETag: "e0"}, stored, false},
		{"ignores a PUT of the same time", &stored, ObjectRow{Name: "o", Timestamp: ts(10), Size: 7, ETag: "e0"}, stored, false},
		{"applies a newer DELETE as a tombstone", &stored, ObjectRow{Name: "o", Timestamp: ts(11), Deleted: true},
			full(ObjectRow{Name: "o", Timestamp: ts(11), Deleted: true}), true},
		{"ignores a DELETE older than the PUT", &stored, ObjectRow{Name: "o", Timestamp: ts(9), Deleted: true}, stored, false},
		{"takes a newer content type from a POST and keeps the data", &stored,
			ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), MetaTimestamp: ts(12), ContentType: "text/html"},
			ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), MetaTimestamp: ts(12), Size: 5, ContentType: "text/html", ETag: "e1"}, true},
		{"takes a newer metadata time alone", &stored,
			ObjectRow{Name: "o", Timestamp: ts(10), MetaTimestamp: ts(13), ContentType: "ignored"},
			ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(10), MetaTimestamp: ts(13), Size: 5, ContentType: "text/plain", ETag: "e1"}, true},
		{"keeps a POST's content type when an older PUT's update arrives late",
			&ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), MetaTimestamp: ts(12), Size: 5, ContentType: "text/html", ETag: "e1"},
			ObjectRow{Name: "o", Timestamp: ts(11), Size: 6, ContentType: "text/plain", ETag: "e2"},
			ObjectRow{Name: "o", Timestamp: ts(11), CtypeTimestamp: ts(12), MetaTimestamp: ts(12), Size: 6, ContentType: "text/html", ETag: "e2"}, true},
		{"keeps swift_bytes with the data and the content type with its own time",
			&ObjectRow{Name: "o", Timestamp: ts(10), Size: 100, ContentType: "text/plain;swift_bytes=4096", ETag: "m"},
			ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), ContentType: "text/html"},
			ObjectRow{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), MetaTimestamp: ts(12), Size: 100, ContentType: "text/html;swift_bytes=4096", ETag: "m"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, apply := MergeObjectRow(tc.stored, tc.update)
			require.Equal(t, tc.wantApply, apply)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestMergeObjectRowIsOrderIndependent(t *testing.T) {
	rows := []ObjectRow{
		{Name: "o", Timestamp: ts(10), Size: 5, ContentType: "a", ETag: "1"},
		{Name: "o", Timestamp: ts(11), Size: 6, ContentType: "b", ETag: "2"},
		{Name: "o", Timestamp: ts(10), CtypeTimestamp: ts(12), MetaTimestamp: ts(13), ContentType: "c"},
		{Name: "o", Timestamp: ts(14), Deleted: true},
	}
	merge := func(order []int) ObjectRow {
		var stored *ObjectRow
		for _, i := range order {
			if r, apply := MergeObjectRow(stored, rows[i]); apply {
				stored = &r
			}
		}
		return *stored
	}
	want := merge([]int{0, 1, 2, 3})
	for _, order := range [][]int{{3, 2, 1, 0}, {2, 0, 3, 1}, {1, 3, 0, 2}} {
		require.Equal(t, want, merge(order), "order %v", order)
	}
	require.Equal(t, ObjectRow{Name: "o", Timestamp: ts(14), CtypeTimestamp: ts(14), MetaTimestamp: ts(14), Deleted: true}, want)
}

func TestStatsDelta(t *testing.T) {
	live := ObjectRow{Name: "o", Size: 10}
	bigger := ObjectRow{Name: "o", Size: 25}
	tomb := ObjectRow{Name: "o", Deleted: true}
	other := ObjectRow{Name: "o", Size: 10, StoragePolicyIndex: 1}
	for _, tc := range []struct {
		name          string
		old           *ObjectRow
		new           ObjectRow
		count, nbytes int64
	}{
		{"counts a new live row", nil, live, 1, 10},
		{"counts a new tombstone as nothing", nil, tomb, 0, 0},
		{"counts an overwrite as the size difference", &live, bigger, 0, 15},
		{"uncounts a deleted row", &bigger, tomb, -1, -25},
		{"counts a row of another policy as nothing", nil, other, 0, 0},
		{"uncounts a row that moves to another policy", &live, other, -1, -10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			count, nbytes := StatsDelta(tc.old, tc.new, 0)
			require.Equal(t, [2]int64{tc.count, tc.nbytes}, [2]int64{count, nbytes})
		})
	}
}

func TestMergeContainerRow(t *testing.T) {
	stored := ContainerRow{Name: "c", PutTimestamp: ts(10), ObjectCount: 3, BytesUsed: 30}
	for _, tc := range []struct {
		name      string
		update    ContainerRow
		want      ContainerRow
		wantApply bool
	}{
		{"takes counts from a new report", ContainerRow{Name: "c", PutTimestamp: ts(10), ObjectCount: 4, BytesUsed: 40},
			ContainerRow{Name: "c", PutTimestamp: ts(10), ObjectCount: 4, BytesUsed: 40}, true},
		{"changes nothing for the same report", stored, stored, false},
		{"keeps the newest PUT timestamp", ContainerRow{Name: "c", PutTimestamp: ts(5), DeleteTimestamp: ts(11)},
			ContainerRow{Name: "c", PutTimestamp: ts(10), DeleteTimestamp: ts(11)}, true},
		{"ignores counts from a report of an older life", ContainerRow{Name: "c", PutTimestamp: ts(5), ObjectCount: 99, BytesUsed: 990, StoragePolicyIndex: 1},
			stored, false},
		{"takes the policy of a recreated container", ContainerRow{Name: "c", PutTimestamp: ts(20), DeleteTimestamp: ts(15), StoragePolicyIndex: 1},
			ContainerRow{Name: "c", PutTimestamp: ts(20), DeleteTimestamp: ts(15), StoragePolicyIndex: 1}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, apply := MergeContainerRow(&stored, tc.update)
			require.Equal(t, tc.wantApply, apply)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestTotalsDelta(t *testing.T) {
	live := ContainerRow{Name: "c", PutTimestamp: ts(1), ObjectCount: 2, BytesUsed: 20}
	deleted := ContainerRow{Name: "c", PutTimestamp: ts(1), DeleteTimestamp: ts(2)}
	deletedWithObjects := ContainerRow{Name: "c", PutTimestamp: ts(1), DeleteTimestamp: ts(2), ObjectCount: 1, BytesUsed: 5}
	require.Equal(t, PolicyStats{1, 2, 20}, TotalsDelta(nil, live, 0))
	require.Equal(t, PolicyStats{-1, -2, -20}, TotalsDelta(&live, deleted, 0))
	require.Equal(t, PolicyStats{0, -1, -15}, TotalsDelta(&live, deletedWithObjects, 0), "a deleted container that still holds objects is live")
	require.Equal(t, PolicyStats{}, TotalsDelta(nil, live, 1))
}
