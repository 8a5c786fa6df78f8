package radosdb

import (
	"context"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// accountDB is a handle on one account's database: the same status object layout as a
// container's, and container rows sharded the same way as object rows.
type accountDB struct {
	b        *Backend
	account  string
	fullName string
	base     string
}

// Account returns a handle on an account's database; it does no I/O.
func (b *Backend) Account(account string) accountdb.AccountDB {
	return &accountDB{b: b, account: account, fullName: account, base: accountBase(account)}
}

func (a *accountDB) Initialize(ctx context.Context, putTimestamp swift.Timestamp) error {
	if err := a.b.createStatus(ctx, a.base, newStatusValues(a.fullName, a.b.cfg.Shards, putTimestamp)); err != nil {
		return mapNotFound(err)
	}
	a.b.shardCounts.Store(a.fullName, a.b.cfg.Shards)
	return nil
}

func (a *accountDB) Info(ctx context.Context) (accountdb.AccountInfo, error) {
	rec, stats, err := readStatusAndStats(ctx, a.b, a.base, a.fullName, &containerRows)
	if err != nil {
		return accountdb.AccountInfo{}, err
	}
	info := accountdb.AccountInfo{Status: rec.Status, Account: a.account, Policies: map[int]accountdb.PolicyStats{}}
	for policy, s := range stats {
		info.ContainerCount += s.ContainerCount
		info.ObjectCount += s.ObjectCount
		info.BytesUsed += s.BytesUsed
		if s != (accountdb.PolicyStats{}) {
			info.Policies[policy] = s
		}
	}
	return info, nil
}

func (a *accountDB) change(ctx context.Context, change statusChange) error {
	_, err := a.b.changeStatus(ctx, a.base, a.fullName, change)
	return mapNotFound(err)
}

func (a *accountDB) UpdatePutTimestamp(ctx context.Context, ts swift.Timestamp) error {
	return a.change(ctx, func(rec *statusRecord) map[string]string {
		changes := map[string]string{}
		raise(changes, keyPutTimestamp, rec.PutTimestamp, ts)
		return changes
	})
}

func (a *accountDB) UpdateStatusChangedAt(ctx context.Context, ts swift.Timestamp) error {
	return a.change(ctx, func(rec *statusRecord) map[string]string {
		changes := map[string]string{}
		raise(changes, keyStatusChangedAt, rec.StatusChangedAt, ts)
		return changes
	})
}

func (a *accountDB) MarkDeleted(ctx context.Context, ts swift.Timestamp) error {
	return a.change(ctx, markDeleted(ts))
}

func (a *accountDB) UpdateMetadata(ctx context.Context, items accountdb.Metadata) error {
	return a.change(ctx, func(rec *statusRecord) map[string]string {
		changes := map[string]string{}
		metadataChanges(rec, items, changes)
		return changes
	})
}

func (a *accountDB) rows(ctx context.Context) (*table[accountdb.ContainerRow], error) {
	shards, err := a.b.shardCount(ctx, a.base, a.fullName)
	if err != nil {
		return nil, err
	}
	return &table[accountdb.ContainerRow]{b: a.b, kind: &containerRows, base: a.base, fullName: a.fullName, shards: shards}, nil
}

func (a *accountDB) MergeContainers(ctx context.Context, rows []accountdb.ContainerRow) error {
	if len(rows) == 0 {
		return nil
	}
	t, err := a.rows(ctx)
	if err != nil {
		return err
	}
	_, err = t.merge(ctx, rows)
	return err
}

func (a *accountDB) ListContainers(ctx context.Context, p accountdb.ListParams) ([]accountdb.ContainerEntry, error) {
	t, err := a.rows(ctx)
	if err != nil {
		return nil, err
	}
	return accountdb.ListContainers(ctx, p, func(ctx context.Context, after, before string, reverse bool, limit int) ([]accountdb.ContainerRow, error) {
		return t.scan(ctx, after, before, reverse, limit, nil)
	})
}
