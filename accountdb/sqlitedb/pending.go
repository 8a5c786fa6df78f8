package sqlitedb

import (
	"context"
	"database/sql"
	"errors"
	"sync"

	"github.com/radosswift/radosswift/accountdb"
)

// pendingSchema is pending.db's index of containers that may carry a report mark. The
// mark itself (its token) lives in the container's own file, changed in the same
// transaction as the change it reports; the index only says where to look, so an entry
// without a mark is harmless and is dropped when found.
const pendingSchema = `
CREATE TABLE IF NOT EXISTS pending (
	account TEXT NOT NULL,
	container TEXT NOT NULL,
	PRIMARY KEY (account, container)
) WITHOUT ROWID;
`

type pendingIndex struct {
	db *sql.DB
	mu sync.Mutex // writers in this process queue here instead of in SQLite's busy handler
}

func (p *pendingIndex) add(ctx context.Context, account, container string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, err := p.db.ExecContext(ctx, `INSERT OR IGNORE INTO pending (account, container) VALUES (?, ?)`, account, container)
	return err
}

// dropIfUnmarked removes a container's entry if its file holds no mark. It reads the mark
// while holding pending.db's write lock, and a change adds its entry again after its
// commit, which needs that lock: so a mark committed after the read always finds its
// entry back.
func (b *Backend) dropIfUnmarked(ctx context.Context, account, container string) error {
	b.pending.mu.Lock()
	defer b.pending.mu.Unlock()
	return inTransaction(ctx, b.pending.db, func(tx *sql.Tx) error {
		token, err := b.reportToken(ctx, account, container)
		if err != nil || token != "" {
			return err
		}
		_, err = tx.ExecContext(ctx, `DELETE FROM pending WHERE account = ? AND container = ?`, account, container)
		return err
	})
}

// reportToken is a container's mark; "" when it has none or does not exist.
func (b *Backend) reportToken(ctx context.Context, account, container string) (string, error) {
	db, err := b.file("container", account, container).open(false)
	if errors.Is(err, accountdb.ErrNotFound) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	s, err := readStatus(ctx, db)
	if errors.Is(err, accountdb.ErrNotFound) {
		return "", nil
	}
	return s.ReportToken, err
}

// PendingReports returns up to limit marked containers, in name order.
func (b *Backend) PendingReports(ctx context.Context, limit int) ([]accountdb.ReportMark, error) {
	var marks []accountdb.ReportMark
	lastAccount, lastContainer := "", ""
	for len(marks) < limit {
		rows, err := b.pending.db.QueryContext(ctx, `SELECT account, container FROM pending
			WHERE (account, container) > (?, ?) ORDER BY account, container LIMIT ?`, lastAccount, lastContainer, limit)
		if err != nil {
			return nil, err
		}
		var page [][2]string
		for rows.Next() {
			var entry [2]string
			if err := rows.Scan(&entry[0], &entry[1]); err != nil {
				rows.Close()
				return nil, err
			}
			page = append(page, entry)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		for _, entry := range page {
			lastAccount, lastContainer = entry[0], entry[1]
			token, err := b.reportToken(ctx, entry[0], entry[1])
			if err != nil {
				return nil, err
			}
			if token == "" {
				if err := b.dropIfUnmarked(ctx, entry[0], entry[1]); err != nil {
					return nil, err
				}
				continue
			}
			marks = append(marks, accountdb.ReportMark{Account: entry[0], Container: entry[1], Token: token})
			if len(marks) == limit {
				break
			}
		}
		if len(page) < limit {
			break
		}
	}
	return marks, nil
}

// ClearReport removes the container's mark if it is still m.Token, then its index entry
// if no newer mark took its place.
func (b *Backend) ClearReport(ctx context.Context, m accountdb.ReportMark) error {
	f := b.file("container", m.Account, m.Container)
	err := f.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE info SET report_token = '' WHERE report_token = ?`, m.Token)
		return err
	})
	if err != nil && !errors.Is(err, accountdb.ErrNotFound) {
		return err
	}
	return b.dropIfUnmarked(ctx, m.Account, m.Container)
}
