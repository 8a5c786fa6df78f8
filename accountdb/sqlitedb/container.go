package sqlitedb

import (
	"context"
	"database/sql"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// objectSchema is a container's rows, one per name (MergeObjectRow decides which row a
// name keeps), with an index for listings, which read only live rows of one policy.
const objectSchema = `
CREATE TABLE object (
	name TEXT PRIMARY KEY,
	created_at TEXT NOT NULL,
	ctype_timestamp TEXT NOT NULL,
	meta_timestamp TEXT NOT NULL,
	size INTEGER NOT NULL,
	content_type TEXT NOT NULL,
	etag TEXT NOT NULL,
	deleted INTEGER NOT NULL,
	storage_policy_index INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX object_listing ON object (storage_policy_index, deleted, name);
`

type containerDB struct {
	backend            *Backend
	file               *dbFile
	account, container string
}

func (c *containerDB) Initialize(ctx context.Context, putTimestamp swift.Timestamp, policy int) error {
	return c.reportableChange(ctx, func(tx *sql.Tx) (bool, error) {
		return true, nil
	}, func(ctx context.Context, fn func(*sql.Tx) error) error {
		return c.file.initialize(ctx, objectSchema, func(tx *sql.Tx) error {
			put := putTimestamp.Internal()
			if _, err := tx.ExecContext(ctx, `INSERT INTO info (account, container, created_at, put_timestamp,
				status_changed_at, storage_policy_index) VALUES (?, ?, ?, ?, ?, ?)`,
				c.account, c.container, swift.Now().Internal(), put, put, policy); err != nil {
				return err
			}
			return fn(tx)
		})
	})
}

// reportableChange runs change in one transaction with the report mark: when change
// reports a change the account must hear of, the container's token is replaced in the
// same transaction. The pending index learns of the container before (so a crash after
// the commit cannot lose the mark) and again after the commit (so a ClearReport running
// in between cannot remove the entry of a mark it never saw).
func (c *containerDB) reportableChange(ctx context.Context, change func(tx *sql.Tx) (bool, error),
	run func(ctx context.Context, fn func(*sql.Tx) error) error) error {
	if err := c.backend.pending.add(ctx, c.account, c.container); err != nil {
		return err
	}
	marked := false
	err := run(ctx, func(tx *sql.Tx) error {
		changed, err := change(tx)
		if err != nil || !changed {
			return err
		}
		marked = true
		_, err = tx.ExecContext(ctx, `UPDATE info SET report_token = ?`, newToken())
		return err
	})
	if err != nil || !marked {
		return err
	}
	return c.backend.pending.add(ctx, c.account, c.container)
}

func (c *containerDB) change(ctx context.Context, change func(tx *sql.Tx) (bool, error)) error {
	return c.reportableChange(ctx, change, c.file.write)
}

func (c *containerDB) Info(ctx context.Context) (accountdb.ContainerInfo, error) {
	db, err := c.file.open(false)
	if err != nil {
		return accountdb.ContainerInfo{}, err
	}
	// One read transaction, so the stats belong to the status read with them.
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return accountdb.ContainerInfo{}, err
	}
	defer tx.Rollback()
	s, err := readStatus(ctx, tx)
	if err != nil {
		return accountdb.ContainerInfo{}, err
	}
	info := accountdb.ContainerInfo{
		Status: s.Status, Account: s.Account, Container: s.Container, StoragePolicyIndex: s.Policy,
		ReportedPutTimestamp: s.ReportedPut, ReportedDeleteTimestamp: s.ReportedDelete,
		ReportedObjectCount: s.ReportedCount, ReportedBytesUsed: s.ReportedBytes,
	}
	err = tx.QueryRowContext(ctx, `SELECT object_count, bytes_used FROM policy_stat WHERE storage_policy_index = ?`,
		s.Policy).Scan(&info.ObjectCount, &info.BytesUsed)
	if err != nil && err != sql.ErrNoRows {
		return accountdb.ContainerInfo{}, err
	}
	return info, nil
}

func (c *containerDB) UpdatePutTimestamp(ctx context.Context, ts swift.Timestamp) error {
	return c.change(ctx, func(tx *sql.Tx) (bool, error) {
		return raiseTimestamp(ctx, tx, "put_timestamp", ts)
	})
}

func (c *containerDB) UpdateStatusChangedAt(ctx context.Context, ts swift.Timestamp) error {
	return c.file.write(ctx, func(tx *sql.Tx) error {
		_, err := raiseTimestamp(ctx, tx, "status_changed_at", ts)
		return err
	})
}

func (c *containerDB) SetStoragePolicyIndex(ctx context.Context, policy int, ts swift.Timestamp) error {
	return c.change(ctx, func(tx *sql.Tx) (bool, error) {
		if _, err := raiseTimestamp(ctx, tx, "status_changed_at", ts); err != nil {
			return false, err
		}
		res, err := tx.ExecContext(ctx, `UPDATE info SET storage_policy_index = ?1 WHERE storage_policy_index != ?1`, policy)
		if err != nil {
			return false, err
		}
		n, err := res.RowsAffected()
		return n > 0, err
	})
}

func (c *containerDB) MarkDeleted(ctx context.Context, ts swift.Timestamp) error {
	return c.change(ctx, func(tx *sql.Tx) (bool, error) {
		return markDeleted(ctx, tx, ts)
	})
}

func (c *containerDB) UpdateMetadata(ctx context.Context, items accountdb.Metadata) error {
	return c.file.write(ctx, func(tx *sql.Tx) error {
		return updateMetadata(ctx, tx, items)
	})
}

func (c *containerDB) MergeObjects(ctx context.Context, rows []accountdb.ObjectRow) error {
	return c.change(ctx, func(tx *sql.Tx) (bool, error) {
		if _, err := readStatus(ctx, tx); err != nil {
			return false, err
		}
		statsChanged := false
		for _, update := range rows {
			stored, err := readObject(ctx, tx, update.Name)
			if err != nil {
				return false, err
			}
			merged, apply := accountdb.MergeObjectRow(stored, update)
			if !apply {
				continue
			}
			if err := writeObject(ctx, tx, merged); err != nil {
				return false, err
			}
			policies := []int{merged.StoragePolicyIndex}
			if stored != nil && stored.StoragePolicyIndex != merged.StoragePolicyIndex {
				policies = append(policies, stored.StoragePolicyIndex)
			}
			for _, policy := range policies {
				dCount, dBytes := accountdb.StatsDelta(stored, merged, policy)
				if dCount == 0 && dBytes == 0 {
					continue
				}
				statsChanged = true
				if _, err := tx.ExecContext(ctx, `INSERT INTO policy_stat (storage_policy_index, object_count, bytes_used)
					VALUES (?1, ?2, ?3) ON CONFLICT (storage_policy_index) DO UPDATE
					SET object_count = object_count + ?2, bytes_used = bytes_used + ?3`, policy, dCount, dBytes); err != nil {
					return false, err
				}
			}
		}
		return statsChanged, nil
	})
}

func readObject(ctx context.Context, tx *sql.Tx, name string) (*accountdb.ObjectRow, error) {
	r := accountdb.ObjectRow{Name: name}
	var created, ctype, meta string
	err := tx.QueryRowContext(ctx, `SELECT created_at, ctype_timestamp, meta_timestamp, size, content_type, etag,
		deleted, storage_policy_index FROM object WHERE name = ?`, name).Scan(
		&created, &ctype, &meta, &r.Size, &r.ContentType, &r.ETag, &r.Deleted, &r.StoragePolicyIndex)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := parseTimestamps([]string{created, ctype, meta}, &r.Timestamp, &r.CtypeTimestamp, &r.MetaTimestamp); err != nil {
		return nil, err
	}
	return &r, nil
}

// parseTimestamps parses texts[i] into targets[i].
func parseTimestamps(texts []string, targets ...*swift.Timestamp) error {
	for i, text := range texts {
		parsed, err := swift.ParseTimestamp(text)
		if err != nil {
			return err
		}
		*targets[i] = parsed
	}
	return nil
}

func writeObject(ctx context.Context, tx *sql.Tx, r accountdb.ObjectRow) error {
	_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO object (name, created_at, ctype_timestamp, meta_timestamp,
		size, content_type, etag, deleted, storage_policy_index) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.Name, r.Timestamp.Internal(), r.CtypeTimestamp.Internal(), r.MetaTimestamp.Internal(),
		r.Size, r.ContentType, r.ETag, r.Deleted, r.StoragePolicyIndex)
	return err
}

func (c *containerDB) ListObjects(ctx context.Context, p accountdb.ListParams) ([]accountdb.ObjectEntry, error) {
	db, err := c.file.open(false)
	if err != nil {
		return nil, err
	}
	s, err := readStatus(ctx, db)
	if err != nil {
		return nil, err
	}
	scan := func(ctx context.Context, after, before string, reverse bool, limit int) ([]accountdb.ObjectRow, error) {
		query, args := scanQuery(`SELECT name, created_at, ctype_timestamp, meta_timestamp, size, content_type, etag
			FROM object WHERE storage_policy_index = ? AND deleted = 0`, []any{s.Policy}, after, before, reverse, limit)
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []accountdb.ObjectRow
		for rows.Next() {
			r := accountdb.ObjectRow{StoragePolicyIndex: s.Policy}
			var created, ctype, meta string
			if err := rows.Scan(&r.Name, &created, &ctype, &meta, &r.Size, &r.ContentType, &r.ETag); err != nil {
				return nil, err
			}
			if err := parseTimestamps([]string{created, ctype, meta}, &r.Timestamp, &r.CtypeTimestamp, &r.MetaTimestamp); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	return accountdb.ListObjects(ctx, p, scan)
}

// scanQuery completes a listing query with the scan's bounds, order and limit.
func scanQuery(query string, args []any, after, before string, reverse bool, limit int) (string, []any) {
	if after != "" {
		query += ` AND name > ?`
		args = append(args, after)
	}
	if before != "" {
		query += ` AND name < ?`
		args = append(args, before)
	}
	if reverse {
		query += ` ORDER BY name DESC LIMIT ?`
	} else {
		query += ` ORDER BY name LIMIT ?`
	}
	return query, append(args, limit)
}

func (c *containerDB) SetReported(ctx context.Context, put, del swift.Timestamp, objectCount, bytesUsed int64) error {
	return c.file.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE info SET reported_put_timestamp = ?, reported_delete_timestamp = ?,
			reported_object_count = ?, reported_bytes_used = ?`, put.Internal(), del.Internal(), objectCount, bytesUsed)
		return err
	})
}
