package radosdb

import (
	"context"
	"sync"

	"github.com/ceph/go-ceph/rados"
)

// scan is the table's accountdb.ScanFunc: up to limit listed rows strictly between after
// and before ("" = unbounded) that keep accepts, ascending or descending, merged from
// every shard in name order. Each shard is read from its forward keys ("o." + name) or,
// descending, from its reverse keys ("r." + reverseKey(name)), so both directions read
// pages forward from the right place: a page costs the same at the start, the middle
// and the end of a huge container, in both directions.
func (t *table[R]) scan(ctx context.Context, after, before string, reverse bool, limit int, keep func(R) bool) ([]R, error) {
	if limit <= 0 {
		return nil, nil
	}
	// Names spread evenly over the shards, so each gives about limit/shards rows to a
	// page; reading a quarter more (and a few for small pages) makes a second round
	// trip to a shard rare.
	page := min(limit, limit/t.shards+limit/(4*t.shards)+16)
	cursors := make([]*shardCursor[R], t.shards)
	for shard := range cursors {
		c := &shardCursor[R]{t: t, oid: shardObject(t.base, shard), reverse: reverse, after: after, before: before, keep: keep}
		switch {
		case !reverse:
			c.startAfter = listedKey(after)
		case before != "":
			c.startAfter = reversedKey(before)
		}
		cursors[shard] = c
	}
	var out []R
	for len(out) < limit {
		if err := refill(ctx, cursors, page); err != nil {
			return nil, err
		}
		var best *shardCursor[R]
		for _, c := range cursors {
			if c.pos == len(c.rows) {
				continue // exhausted: refill fetched whatever was left
			}
			if best == nil || c.names[c.pos] < best.names[best.pos] != reverse {
				best = c
			}
		}
		if best == nil {
			break
		}
		out = append(out, best.rows[best.pos])
		best.pos++
	}
	return out, nil
}

// shardCursor walks one shard's listed rows in one direction, a page at a time.
type shardCursor[R any] struct {
	t             *table[R]
	oid           string
	reverse       bool
	after, before string // the scan's bounds on names
	keep          func(R) bool
	startAfter    string // the omap key to continue after
	done          bool   // nothing more in range
	rows          []R    // the current page, kept rows only
	names         []string
	pos           int
}

// refill fetches the next page of every cursor that has used up its page, in parallel.
func refill[R any](ctx context.Context, cursors []*shardCursor[R], page int) error {
	var empty []*shardCursor[R]
	for _, c := range cursors {
		// A page may keep no rows at all (other policies): fetch until rows or the end.
		if c.pos == len(c.rows) && !c.done {
			empty = append(empty, c)
		}
	}
	for len(empty) > 0 {
		errs := make([]error, len(empty))
		var wg sync.WaitGroup
		for i, c := range empty {
			wg.Go(func() { errs[i] = c.fetch(ctx, page) })
		}
		wg.Wait()
		next := empty[:0]
		for i, c := range empty {
			if errs[i] != nil {
				return errs[i]
			}
			if c.pos == len(c.rows) && !c.done {
				next = append(next, c)
			}
		}
		empty = next
	}
	return nil
}

func (c *shardCursor[R]) fetch(ctx context.Context, page int) error {
	prefix := prefixListed
	if c.reverse {
		prefix = prefixReversed
	}
	op := rados.CreateReadOp()
	defer op.Release()
	step := op.GetOmapValues(c.startAfter, prefix, uint64(page))
	err := c.t.b.operateRead(ctx, c.oid, op)
	c.rows, c.names, c.pos = c.rows[:0], c.names[:0], 0
	if err == errNoObject {
		c.done = true
		return nil
	}
	if err != nil {
		return err
	}
	for {
		kv, err := step.Next()
		if err != nil {
			return err
		}
		if kv == nil {
			break
		}
		c.startAfter = kv.Key
		var name string
		if c.reverse {
			name = nameOfReverseKey(kv.Key[len(prefixReversed):])
		} else {
			name = unescapeName(kv.Key[len(prefixListed):])
		}
		if (!c.reverse && c.before != "" && name >= c.before) || (c.reverse && c.after != "" && name <= c.after) {
			c.done = true
			return nil
		}
		row, err := c.t.kind.decode(name, kv.Value)
		if err != nil {
			return err
		}
		if c.keep == nil || c.keep(row) {
			c.rows = append(c.rows, row)
			c.names = append(c.names, name)
		}
	}
	c.done = !step.More()
	return nil
}
