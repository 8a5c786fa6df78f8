package sqlitedb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// infoSchema is the one-row status table of both kinds of database (Swift's *_stat).
// Timestamps are stored in their internal form, which sorts as the timestamps do, so
// SQL can compare them. report_token is the container's report mark ("" = none).
const infoSchema = `
CREATE TABLE info (
	account TEXT NOT NULL,
	container TEXT NOT NULL DEFAULT '',
	created_at TEXT NOT NULL,
	put_timestamp TEXT NOT NULL,
	delete_timestamp TEXT NOT NULL DEFAULT '0',
	status_changed_at TEXT NOT NULL,
	metadata TEXT NOT NULL DEFAULT '{}',
	storage_policy_index INTEGER NOT NULL DEFAULT 0,
	reported_put_timestamp TEXT NOT NULL DEFAULT '0',
	reported_delete_timestamp TEXT NOT NULL DEFAULT '0',
	reported_object_count INTEGER NOT NULL DEFAULT 0,
	reported_bytes_used INTEGER NOT NULL DEFAULT 0,
	report_token TEXT NOT NULL DEFAULT ''
);
CREATE TABLE policy_stat (
	storage_policy_index INTEGER PRIMARY KEY,
	container_count INTEGER NOT NULL DEFAULT 0,
	object_count INTEGER NOT NULL DEFAULT 0,
	bytes_used INTEGER NOT NULL DEFAULT 0
);
`

// initialize creates a database's tables and status row in one transaction, or answers
// ErrAlreadyExists when another Initialize committed first.
func (f *dbFile) initialize(ctx context.Context, schema string, insertInfo func(tx *sql.Tx) error) error {
	db, err := f.open(true)
	if err != nil {
		return err
	}
	f.writeMu.Lock()
	defer f.writeMu.Unlock()
	return inTransaction(ctx, db, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE name = 'info'`).Scan(&exists); err != nil {
			return err
		}
		if exists > 0 {
			return accountdb.ErrAlreadyExists
		}
		if _, err := tx.ExecContext(ctx, infoSchema+schema); err != nil {
			return err
		}
		return insertInfo(tx)
	})
}

// queryer is what both *sql.DB and *sql.Tx offer for reads.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// statusRow is the info table's row.
type statusRow struct {
	accountdb.Status
	Account, Container string
	Policy             int
	ReportedPut        swift.Timestamp
	ReportedDelete     swift.Timestamp
	ReportedCount      int64
	ReportedBytes      int64
	ReportToken        string
}

func readStatus(ctx context.Context, q queryer) (statusRow, error) {
	var s statusRow
	var created, put, del, changed, metadata, reportedPut, reportedDel string
	err := q.QueryRowContext(ctx, `SELECT account, container, created_at, put_timestamp, delete_timestamp,
		status_changed_at, metadata, storage_policy_index, reported_put_timestamp, reported_delete_timestamp,
		reported_object_count, reported_bytes_used, report_token FROM info`).Scan(
		&s.Account, &s.Container, &created, &put, &del, &changed, &metadata, &s.Policy,
		&reportedPut, &reportedDel, &s.ReportedCount, &s.ReportedBytes, &s.ReportToken)
	if err == sql.ErrNoRows || isMissingTable(err) {
		return s, accountdb.ErrNotFound
	}
	if err != nil {
		return s, err
	}
	for _, field := range []struct {
		text string
		ts   *swift.Timestamp
	}{{created, &s.CreatedAt}, {put, &s.PutTimestamp}, {del, &s.DeleteTimestamp}, {changed, &s.StatusChangedAt},
		{reportedPut, &s.ReportedPut}, {reportedDel, &s.ReportedDelete}} {
		if *field.ts, err = swift.ParseTimestamp(field.text); err != nil {
			return s, fmt.Errorf("corrupt status row: %w", err)
		}
	}
	if s.Metadata, err = decodeMetadata(metadata); err != nil {
		return s, err
	}
	return s, nil
}

// Metadata is stored as JSON {"name": ["value", "timestamp"]}, as Swift stores it.
func encodeMetadata(m accountdb.Metadata) string {
	pairs := make(map[string][2]string, len(m))
	for k, item := range m {
		pairs[k] = [2]string{item.Value, item.Timestamp.Internal()}
	}
	out, _ := json.Marshal(pairs)
	return string(out)
}

func decodeMetadata(s string) (accountdb.Metadata, error) {
	var pairs map[string][2]string
	if err := json.Unmarshal([]byte(s), &pairs); err != nil {
		return nil, fmt.Errorf("corrupt metadata: %w", err)
	}
	m := make(accountdb.Metadata, len(pairs))
	for k, pair := range pairs {
		ts, err := swift.ParseTimestamp(pair[1])
		if err != nil {
			return nil, fmt.Errorf("corrupt metadata: %w", err)
		}
		m[k] = accountdb.MetaItem{Value: pair[0], Timestamp: ts}
	}
	return m, nil
}

// updateMetadata merges items into the stored metadata (MergeMetadata).
func updateMetadata(ctx context.Context, tx *sql.Tx, items accountdb.Metadata) error {
	s, err := readStatus(ctx, tx)
	if err != nil {
		return err
	}
	merged, changed := accountdb.MergeMetadata(s.Metadata, items)
	if !changed {
		return nil
	}
	_, err = tx.ExecContext(ctx, `UPDATE info SET metadata = ?`, encodeMetadata(merged))
	return err
}

// raiseTimestamp sets column to ts where ts is newer; it reports whether it did.
func raiseTimestamp(ctx context.Context, tx *sql.Tx, column string, ts swift.Timestamp) (bool, error) {
	res, err := tx.ExecContext(ctx, `UPDATE info SET `+column+` = ?1 WHERE `+column+` < ?1`, ts.Internal())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// markDeleted is Swift's delete_db: metadata cleared at ts, then the delete timestamp and
// status_changed_at raised to ts. It reports whether the delete timestamp moved.
func markDeleted(ctx context.Context, tx *sql.Tx, ts swift.Timestamp) (bool, error) {
	s, err := readStatus(ctx, tx)
	if err != nil {
		return false, err
	}
	if err := updateMetadata(ctx, tx, accountdb.ClearedMetadata(s.Metadata, ts)); err != nil {
		return false, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE info SET delete_timestamp = ?1, status_changed_at = max(status_changed_at, ?1)
		WHERE delete_timestamp < ?1`, ts.Internal())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
