package sqlitedb

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/accountdb/dbtest"
	"github.com/radosswift/radosswift/internal/swift"
)

func TestSQLiteBackendConforms(t *testing.T) {
	dbtest.Run(t, func(t *testing.T) accountdb.Backend {
		b, err := accountdb.Open("sqlite", map[string]string{"db_dir": t.TempDir()})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, b.Close()) })
		return b
	})
}

func TestTwoBackendsShareOneDirectory(t *testing.T) {
	// Two processes on one db_dir behave as one backend: here two Backends stand in for them.
	dir := t.TempDir()
	open := func() accountdb.Backend {
		b, err := Open(map[string]string{"db_dir": dir, "busy_timeout_ms": "5000"})
		require.NoError(t, err)
		t.Cleanup(func() { b.Close() })
		return b
	}
	first, second := open(), open()
	ctx := t.Context()
	require.NoError(t, first.Container("a", "c").Initialize(ctx, swiftTS(1), 0))
	require.ErrorIs(t, second.Container("a", "c").Initialize(ctx, swiftTS(2), 0), accountdb.ErrAlreadyExists)
	require.NoError(t, second.Container("a", "c").MergeObjects(ctx, []accountdb.ObjectRow{{Name: "o", Timestamp: swiftTS(3), Size: 4}}))
	info, err := first.Container("a", "c").Info(ctx)
	require.NoError(t, err)
	require.Equal(t, int64(4), info.BytesUsed)
	marks, err := first.PendingReports(ctx, 10)
	require.NoError(t, err)
	require.Len(t, marks, 1)
	require.NoError(t, second.ClearReport(ctx, marks[0]))
	marks, err = first.PendingReports(ctx, 10)
	require.NoError(t, err)
	require.Empty(t, marks)
}

func TestOpenNeedsADirectory(t *testing.T) {
	_, err := accountdb.Open("sqlite", map[string]string{})
	require.ErrorContains(t, err, "db_dir")
}

func swiftTS(seconds int64) swift.Timestamp { return swift.Timestamp{Ticks: seconds * 100000} }
