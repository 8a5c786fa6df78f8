package server

import (
	"context"
	"sort"
	"strconv"
	"sync"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// memBackend is a tiny in-memory accountdb.Backend for the protocol tests while the
// real backends are being written; one mutex, the shared merge and listing rules.
type memBackend struct {
	mu         sync.Mutex
	containers map[string]*memContainer
	accounts   map[string]*memAccount
	marks      map[[2]string]string
	token      int
}

type memContainer struct {
	info accountdb.ContainerInfo
	rows map[string]accountdb.ObjectRow
}

type memAccount struct {
	info accountdb.AccountInfo
	rows map[string]accountdb.ContainerRow
}

func newMemBackend() *memBackend {
	return &memBackend{containers: map[string]*memContainer{}, accounts: map[string]*memAccount{}, marks: map[[2]string]string{}}
}

func (b *memBackend) Container(a, c string) accountdb.ContainerDB { return memContainerDB{b, a, c} }
func (b *memBackend) Account(a string) accountdb.AccountDB        { return memAccountDB{b, a} }
func (b *memBackend) Close() error                                { return nil }

func (b *memBackend) mark(a, c string) {
	b.token++
	b.marks[[2]string{a, c}] = strconv.Itoa(b.token)
}

func (b *memBackend) PendingReports(_ context.Context, limit int) ([]accountdb.ReportMark, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []accountdb.ReportMark
	for k, t := range b.marks {
		out = append(out, accountdb.ReportMark{Account: k[0], Container: k[1], Token: t})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Account+"/"+out[i].Container < out[j].Account+"/"+out[j].Container })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

func (b *memBackend) ClearReport(_ context.Context, m accountdb.ReportMark) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.marks[[2]string{m.Account, m.Container}] == m.Token {
		delete(b.marks, [2]string{m.Account, m.Container})
	}
	return nil
}

type memContainerDB struct {
	b    *memBackend
	a, c string
}

// change runs f on the container under the lock; stats are recounted and the report
// mark set afterwards.
func (d memContainerDB) change(f func(c *memContainer) error) error {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	c := d.b.containers[d.a+"/"+d.c]
	if c == nil {
		return accountdb.ErrNotFound
	}
	if err := f(c); err != nil {
		return err
	}
	c.info.ObjectCount, c.info.BytesUsed = 0, 0
	for _, r := range c.rows {
		if !r.Deleted && r.StoragePolicyIndex == c.info.StoragePolicyIndex {
			c.info.ObjectCount++
			c.info.BytesUsed += r.Size
		}
	}
	d.b.mark(d.a, d.c)
	return nil
}

func raise(dst *swift.Timestamp, ts swift.Timestamp) {
	if ts.After(*dst) {
		*dst = ts
	}
}

func (d memContainerDB) Initialize(_ context.Context, ts swift.Timestamp, policy int) error {
	d.b.mu.Lock()
	if d.b.containers[d.a+"/"+d.c] != nil {
		d.b.mu.Unlock()
		return accountdb.ErrAlreadyExists
	}
	d.b.containers[d.a+"/"+d.c] = &memContainer{rows: map[string]accountdb.ObjectRow{}, info: accountdb.ContainerInfo{
		Status:  accountdb.Status{CreatedAt: swift.Now(), PutTimestamp: ts, StatusChangedAt: ts, Metadata: accountdb.Metadata{}},
		Account: d.a, Container: d.c, StoragePolicyIndex: policy}}
	d.b.mu.Unlock()
	return d.change(func(*memContainer) error { return nil })
}

func (d memContainerDB) Info(context.Context) (accountdb.ContainerInfo, error) {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	c := d.b.containers[d.a+"/"+d.c]
	if c == nil {
		return accountdb.ContainerInfo{}, accountdb.ErrNotFound
	}
	info := c.info
	info.Metadata, _ = accountdb.MergeMetadata(c.info.Metadata, nil)
	return info, nil
}

func (d memContainerDB) UpdatePutTimestamp(_ context.Context, ts swift.Timestamp) error {
	return d.change(func(c *memContainer) error { raise(&c.info.PutTimestamp, ts); return nil })
}

func (d memContainerDB) UpdateStatusChangedAt(_ context.Context, ts swift.Timestamp) error {
	return d.change(func(c *memContainer) error { raise(&c.info.StatusChangedAt, ts); return nil })
}

func (d memContainerDB) SetStoragePolicyIndex(_ context.Context, policy int, ts swift.Timestamp) error {
	return d.change(func(c *memContainer) error {
		c.info.StoragePolicyIndex = policy
		raise(&c.info.StatusChangedAt, ts)
		return nil
	})
}

func (d memContainerDB) MarkDeleted(_ context.Context, ts swift.Timestamp) error {
	return d.change(func(c *memContainer) error {
		c.info.Metadata, _ = accountdb.MergeMetadata(c.info.Metadata, accountdb.ClearedMetadata(c.info.Metadata, ts))
		if ts.After(c.info.DeleteTimestamp) {
			c.info.DeleteTimestamp = ts
			raise(&c.info.StatusChangedAt, ts)
		}
		return nil
	})
}

func (d memContainerDB) UpdateMetadata(_ context.Context, items accountdb.Metadata) error {
	return d.change(func(c *memContainer) error {
		c.info.Metadata, _ = accountdb.MergeMetadata(c.info.Metadata, items)
		return nil
	})
}

func (d memContainerDB) MergeObjects(_ context.Context, rows []accountdb.ObjectRow) error {
	return d.change(func(c *memContainer) error {
		for _, r := range rows {
			var stored *accountdb.ObjectRow
			if old, ok := c.rows[r.Name]; ok {
				stored = &old
			}
			if merged, apply := accountdb.MergeObjectRow(stored, r); apply {
				c.rows[r.Name] = merged
			}
		}
		return nil
	})
}

func (d memContainerDB) ListObjects(ctx context.Context, p accountdb.ListParams) ([]accountdb.ObjectEntry, error) {
	return accountdb.ListObjects(ctx, p, func(_ context.Context, after, before string, reverse bool, limit int) ([]accountdb.ObjectRow, error) {
		d.b.mu.Lock()
		defer d.b.mu.Unlock()
		c := d.b.containers[d.a+"/"+d.c]
		var rows []accountdb.ObjectRow
		for _, r := range c.rows {
			if !r.Deleted && r.StoragePolicyIndex == c.info.StoragePolicyIndex && r.Name > after && (before == "" || r.Name < before) {
				rows = append(rows, r)
			}
		}
		return sortLimit(rows, func(r accountdb.ObjectRow) string { return r.Name }, reverse, limit), nil
	})
}

func (d memContainerDB) SetReported(_ context.Context, put, del swift.Timestamp, count, bytes int64) error {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	c := d.b.containers[d.a+"/"+d.c]
	if c == nil {
		return accountdb.ErrNotFound
	}
	c.info.ReportedPutTimestamp, c.info.ReportedDeleteTimestamp = put, del
	c.info.ReportedObjectCount, c.info.ReportedBytesUsed = count, bytes
	return nil
}

func sortLimit[T any](rows []T, name func(T) string, reverse bool, limit int) []T {
	sort.Slice(rows, func(i, j int) bool { return (name(rows[i]) < name(rows[j])) != reverse })
	if len(rows) > limit {
		rows = rows[:limit]
	}
	return rows
}

type memAccountDB struct {
	b *memBackend
	a string
}

func (d memAccountDB) change(f func(a *memAccount) error) error {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	a := d.b.accounts[d.a]
	if a == nil {
		return accountdb.ErrNotFound
	}
	return f(a)
}

func (d memAccountDB) Initialize(_ context.Context, ts swift.Timestamp) error {
	d.b.mu.Lock()
	defer d.b.mu.Unlock()
	if d.b.accounts[d.a] != nil {
		return accountdb.ErrAlreadyExists
	}
	d.b.accounts[d.a] = &memAccount{rows: map[string]accountdb.ContainerRow{}, info: accountdb.AccountInfo{
		Status:  accountdb.Status{CreatedAt: swift.Now(), PutTimestamp: ts, StatusChangedAt: ts, Metadata: accountdb.Metadata{}},
		Account: d.a, Policies: map[int]accountdb.PolicyStats{}}}
	return nil
}

func (d memAccountDB) Info(context.Context) (accountdb.AccountInfo, error) {
	var info accountdb.AccountInfo
	err := d.change(func(a *memAccount) error {
		info = a.info
		info.Metadata, _ = accountdb.MergeMetadata(a.info.Metadata, nil)
		info.Policies = map[int]accountdb.PolicyStats{}
		for _, r := range a.rows {
			if !accountdb.ContainerRowLive(r) {
				continue
			}
			info.ContainerCount++
			info.ObjectCount += r.ObjectCount
			info.BytesUsed += r.BytesUsed
			p := info.Policies[r.StoragePolicyIndex]
			p.ContainerCount++
			p.ObjectCount += r.ObjectCount
			p.BytesUsed += r.BytesUsed
			info.Policies[r.StoragePolicyIndex] = p
		}
		return nil
	})
	return info, err
}

func (d memAccountDB) UpdatePutTimestamp(_ context.Context, ts swift.Timestamp) error {
	return d.change(func(a *memAccount) error { raise(&a.info.PutTimestamp, ts); return nil })
}

func (d memAccountDB) UpdateStatusChangedAt(_ context.Context, ts swift.Timestamp) error {
	return d.change(func(a *memAccount) error { raise(&a.info.StatusChangedAt, ts); return nil })
}

func (d memAccountDB) MarkDeleted(_ context.Context, ts swift.Timestamp) error {
	return d.change(func(a *memAccount) error {
		a.info.Metadata, _ = accountdb.MergeMetadata(a.info.Metadata, accountdb.ClearedMetadata(a.info.Metadata, ts))
		if ts.After(a.info.DeleteTimestamp) {
			a.info.DeleteTimestamp = ts
			raise(&a.info.StatusChangedAt, ts)
		}
		return nil
	})
}

func (d memAccountDB) UpdateMetadata(_ context.Context, items accountdb.Metadata) error {
	return d.change(func(a *memAccount) error {
		a.info.Metadata, _ = accountdb.MergeMetadata(a.info.Metadata, items)
		return nil
	})
}

func (d memAccountDB) MergeContainers(_ context.Context, rows []accountdb.ContainerRow) error {
	return d.change(func(a *memAccount) error {
		for _, r := range rows {
			var stored *accountdb.ContainerRow
			if old, ok := a.rows[r.Name]; ok {
				stored = &old
			}
			if merged, apply := accountdb.MergeContainerRow(stored, r); apply {
				a.rows[r.Name] = merged
			}
		}
		return nil
	})
}

func (d memAccountDB) ListContainers(ctx context.Context, p accountdb.ListParams) ([]accountdb.ContainerEntry, error) {
	return accountdb.ListContainers(ctx, p, func(_ context.Context, after, before string, reverse bool, limit int) ([]accountdb.ContainerRow, error) {
		d.b.mu.Lock()
		defer d.b.mu.Unlock()
		var rows []accountdb.ContainerRow
		for _, r := range d.b.accounts[d.a].rows {
			if accountdb.ContainerRowLive(r) && r.Name > after && (before == "" || r.Name < before) {
				rows = append(rows, r)
			}
		}
		return sortLimit(rows, func(r accountdb.ContainerRow) string { return r.Name }, reverse, limit), nil
	})
}
