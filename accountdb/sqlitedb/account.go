package sqlitedb

import (
	"context"
	"database/sql"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// containerSchema is an account's rows, one per container; live is ContainerRowLive,
// kept as a column so listings read only live rows through the index.
const containerSchema = `
CREATE TABLE container (
	name TEXT PRIMARY KEY,
	put_timestamp TEXT NOT NULL,
	delete_timestamp TEXT NOT NULL,
	object_count INTEGER NOT NULL,
	bytes_used INTEGER NOT NULL,
	storage_policy_index INTEGER NOT NULL,
	live INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX container_listing ON container (live, name);
`

type accountDB struct {
	file    *dbFile
	account string
}

func (a *accountDB) Initialize(ctx context.Context, putTimestamp swift.Timestamp) error {
	return a.file.initialize(ctx, containerSchema, func(tx *sql.Tx) error {
		put := putTimestamp.Internal()
		_, err := tx.ExecContext(ctx, `INSERT INTO info (account, created_at, put_timestamp, status_changed_at)
			VALUES (?, ?, ?, ?)`, a.account, swift.Now().Internal(), put, put)
		return err
	})
}

func (a *accountDB) Info(ctx context.Context) (accountdb.AccountInfo, error) {
	db, err := a.file.open(false)
	if err != nil {
		return accountdb.AccountInfo{}, err
	}
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return accountdb.AccountInfo{}, err
	}
	defer tx.Rollback()
	s, err := readStatus(ctx, tx)
	if err != nil {
		return accountdb.AccountInfo{}, err
	}
	info := accountdb.AccountInfo{Status: s.Status, Account: s.Account, Policies: map[int]accountdb.PolicyStats{}}
	rows, err := tx.QueryContext(ctx, `SELECT storage_policy_index, container_count, object_count, bytes_used FROM policy_stat`)
	if err != nil {
		return accountdb.AccountInfo{}, err
	}
	defer rows.Close()
	for rows.Next() {
		var policy int
		var p accountdb.PolicyStats
		if err := rows.Scan(&policy, &p.ContainerCount, &p.ObjectCount, &p.BytesUsed); err != nil {
			return accountdb.AccountInfo{}, err
		}
		info.Policies[policy] = p
		info.ContainerCount += p.ContainerCount
		info.ObjectCount += p.ObjectCount
		info.BytesUsed += p.BytesUsed
	}
	return info, rows.Err()
}

func (a *accountDB) UpdatePutTimestamp(ctx context.Context, ts swift.Timestamp) error {
	return a.file.write(ctx, func(tx *sql.Tx) error {
		_, err := raiseTimestamp(ctx, tx, "put_timestamp", ts)
		return err
	})
}

func (a *accountDB) UpdateStatusChangedAt(ctx context.Context, ts swift.Timestamp) error {
	return a.file.write(ctx, func(tx *sql.Tx) error {
		_, err := raiseTimestamp(ctx, tx, "status_changed_at", ts)
		return err
	})
}

func (a *accountDB) MarkDeleted(ctx context.Context, ts swift.Timestamp) error {
	return a.file.write(ctx, func(tx *sql.Tx) error {
		_, err := markDeleted(ctx, tx, ts)
		return err
	})
}

func (a *accountDB) UpdateMetadata(ctx context.Context, items accountdb.Metadata) error {
	return a.file.write(ctx, func(tx *sql.Tx) error {
		return updateMetadata(ctx, tx, items)
	})
}

func (a *accountDB) MergeContainers(ctx context.Context, rows []accountdb.ContainerRow) error {
	return a.file.write(ctx, func(tx *sql.Tx) error {
		if _, err := readStatus(ctx, tx); err != nil {
			return err
		}
		for _, update := range rows {
			stored, err := readContainerRow(ctx, tx, update.Name)
			if err != nil {
				return err
			}
			merged, apply := accountdb.MergeContainerRow(stored, update)
			if !apply {
				continue
			}
			if _, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO container (name, put_timestamp, delete_timestamp,
				object_count, bytes_used, storage_policy_index, live) VALUES (?, ?, ?, ?, ?, ?, ?)`,
				merged.Name, merged.PutTimestamp.Internal(), merged.DeleteTimestamp.Internal(), merged.ObjectCount,
				merged.BytesUsed, merged.StoragePolicyIndex, accountdb.ContainerRowLive(merged)); err != nil {
				return err
			}
			policies := []int{merged.StoragePolicyIndex}
			if stored != nil && stored.StoragePolicyIndex != merged.StoragePolicyIndex {
				policies = append(policies, stored.StoragePolicyIndex)
			}
			for _, policy := range policies {
				d := accountdb.TotalsDelta(stored, merged, policy)
				if d == (accountdb.PolicyStats{}) {
					continue
				}
				if _, err := tx.ExecContext(ctx, `INSERT INTO policy_stat (storage_policy_index, container_count,
					object_count, bytes_used) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (storage_policy_index) DO UPDATE
					SET container_count = container_count + ?2, object_count = object_count + ?3, bytes_used = bytes_used + ?4`,
					policy, d.ContainerCount, d.ObjectCount, d.BytesUsed); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func readContainerRow(ctx context.Context, q queryer, name string) (*accountdb.ContainerRow, error) {
	r := accountdb.ContainerRow{Name: name}
	var put, del string
	err := q.QueryRowContext(ctx, `SELECT put_timestamp, delete_timestamp, object_count, bytes_used, storage_policy_index
		FROM container WHERE name = ?`, name).Scan(&put, &del, &r.ObjectCount, &r.BytesUsed, &r.StoragePolicyIndex)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := parseTimestamps([]string{put, del}, &r.PutTimestamp, &r.DeleteTimestamp); err != nil {
		return nil, err
	}
	return &r, nil
}

func (a *accountDB) ListContainers(ctx context.Context, p accountdb.ListParams) ([]accountdb.ContainerEntry, error) {
	db, err := a.file.open(false)
	if err != nil {
		return nil, err
	}
	if _, err := readStatus(ctx, db); err != nil {
		return nil, err
	}
	scan := func(ctx context.Context, after, before string, reverse bool, limit int) ([]accountdb.ContainerRow, error) {
		query, args := scanQuery(`SELECT name, put_timestamp, delete_timestamp, object_count, bytes_used,
			storage_policy_index FROM container WHERE live = 1`, nil, after, before, reverse, limit)
		rows, err := db.QueryContext(ctx, query, args...)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		var out []accountdb.ContainerRow
		for rows.Next() {
			var r accountdb.ContainerRow
			var put, del string
			if err := rows.Scan(&r.Name, &put, &del, &r.ObjectCount, &r.BytesUsed, &r.StoragePolicyIndex); err != nil {
				return nil, err
			}
			if err := parseTimestamps([]string{put, del}, &r.PutTimestamp, &r.DeleteTimestamp); err != nil {
				return nil, err
			}
			out = append(out, r)
		}
		return out, rows.Err()
	}
	return accountdb.ListContainers(ctx, p, scan)
}
