package radosdb

import (
	"context"
	"fmt"
	"strconv"
	"sync"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/cmpomap"
)

// rowKind is what the sharded table needs to know about its rows: a container's object
// rows or an account's container rows. The rules themselves are accountdb's (merge.go).
type rowKind[R any] struct {
	name   func(R) string
	encode func(R) []byte
	decode func(name string, value []byte) (R, error)
	listed func(R) bool // stored under the listed prefixes, or hidden
	merge  func(stored *R, update R) (R, bool)
	policy func(R) int
	delta  func(old *R, new R, policy int) accountdb.PolicyStats
}

var objectRows = rowKind[accountdb.ObjectRow]{
	name:   func(r accountdb.ObjectRow) string { return r.Name },
	encode: encodeObjectRow,
	decode: decodeObjectRow,
	listed: func(r accountdb.ObjectRow) bool { return !r.Deleted },
	merge:  accountdb.MergeObjectRow,
	policy: func(r accountdb.ObjectRow) int { return r.StoragePolicyIndex },
	delta: func(old *accountdb.ObjectRow, new accountdb.ObjectRow, policy int) accountdb.PolicyStats {
		count, bytes := accountdb.StatsDelta(old, new, policy)
		return accountdb.PolicyStats{ObjectCount: count, BytesUsed: bytes}
	},
}

var containerRows = rowKind[accountdb.ContainerRow]{
	name:   func(r accountdb.ContainerRow) string { return r.Name },
	encode: encodeContainerRow,
	decode: decodeContainerRow,
	listed: accountdb.ContainerRowLive,
	merge:  accountdb.MergeContainerRow,
	policy: func(r accountdb.ContainerRow) int { return r.StoragePolicyIndex },
	delta:  accountdb.TotalsDelta,
}

// table is one database's rows, sharded over shards RADOS objects by shardOf(name).
// Each shard object holds its rows, a reverse-ordered copy of its listed rows, and its
// share of the stats per policy; the database's stats are the sum over shards.
type table[R any] struct {
	b        *Backend
	kind     *rowKind[R]
	base     string // object name of the status object; shards are base.<i>
	fullName string
	shards   int
}

// namesPerOp bounds the rows of one guarded write op: each row guards two keys, and a
// cmpomap call stays within cmpomap.MaxKeys comparisons.
const namesPerOp = 400

// merge applies rows with the kind's merge rule, shard by shard in parallel, each shard
// in guarded steps of at most namesPerOp names. It reports whether any stats changed.
func (t *table[R]) merge(ctx context.Context, rows []R) (statsChanged bool, err error) {
	byShard := make([][]R, t.shards)
	for _, row := range rows {
		name := t.kind.name(row)
		if name == "" {
			return false, fmt.Errorf("radosdb: invalid row name %q", name)
		}
		s := shardOf(name, t.shards)
		byShard[s] = append(byShard[s], row)
	}
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
	)
	for shard, shardRows := range byShard {
		for len(shardRows) > 0 {
			chunk := takeNames(t.kind, &shardRows, namesPerOp)
			wg.Go(func() {
				changed, err := t.mergeShard(ctx, shard, chunk)
				mu.Lock()
				defer mu.Unlock()
				statsChanged = statsChanged || changed
				if err != nil && firstErr == nil {
					firstErr = err
				}
			})
		}
	}
	wg.Wait()
	return statsChanged, firstErr
}

// takeNames removes from rows the leading rows that carry at most n distinct names and
// returns them (updates of one name stay together, in order).
func takeNames[R any](kind *rowKind[R], rows *[]R, n int) []R {
	seen := map[string]bool{}
	i := 0
	for ; i < len(*rows); i++ {
		name := kind.name((*rows)[i])
		if !seen[name] && len(seen) == n {
			break
		}
		seen[name] = true
	}
	chunk := (*rows)[:i]
	*rows = (*rows)[i:]
	return chunk
}

// shardState is what one guarded step read from a shard object.
type shardState struct {
	values map[string]string // the keys asked for; missing keys are absent
	stats  map[string]string // every stats key of the shard
}

func (t *table[R]) readShard(ctx context.Context, oid string, keys []string) (shardState, error) {
	st := shardState{values: map[string]string{}, stats: map[string]string{}}
	op := rados.CreateReadOp()
	defer op.Release()
	byKeys := op.GetOmapValuesByKeys(keys)
	stats := op.GetOmapValues("", prefixStats, 1000)
	err := t.b.operateRead(ctx, oid, op)
	if err == errNoObject {
		return st, nil // a shard object appears with its first row
	}
	if err != nil {
		return st, err
	}
	for {
		kv, err := byKeys.Next()
		if err != nil {
			return st, err
		}
		if kv == nil {
			break
		}
		st.values[kv.Key] = string(kv.Value)
	}
	for {
		kv, err := stats.Next()
		if err != nil {
			return st, err
		}
		if kv == nil {
			break
		}
		st.stats[kv.Key] = string(kv.Value)
	}
	return st, nil
}

// mergeShard is one guarded read-modify-write on one shard: read the rows (listed and
// hidden keys) and the stats; merge in Go; write the changed rows, moved keys and new
// stats in one op whose cmpomap guard requires every key read to be unchanged, and
// redo the step when it is not (ECANCELED). Stats therefore change exactly once per
// applied row, whatever other processes do at the same time.
func (t *table[R]) mergeShard(ctx context.Context, shard int, rows []R) (statsChanged bool, err error) {
	oid := shardObject(t.base, shard)
	keys := []string{keyShardName, keyShardCount}
	for _, row := range rows {
		name := t.kind.name(row)
		keys = append(keys, listedKey(name), hiddenKey(name))
	}
	for attempt := 0; ; attempt++ {
		st, err := t.readShard(ctx, oid, keys)
		if err != nil {
			return false, err
		}
		if err := t.checkShard(st.values); err != nil {
			return false, err
		}
		guard, set, remove, statsChanged, err := t.plan(st, rows)
		if err != nil || len(set) == 0 {
			return false, err
		}
		op := rados.CreateWriteOp()
		op.Exec(cmpomap.Class, cmpomap.MethodCmpVals, cmpomap.GuardUnchanged(guard))
		op.SetOmap(set)
		if len(remove) > 0 {
			op.RmOmapKeys(remove)
		}
		err = t.b.operateWrite(ctx, oid, op)
		op.Release()
		if err != errConflict {
			return statsChanged && err == nil, err
		}
		if err := t.b.backoff(ctx, attempt); err != nil {
			return false, err
		}
	}
}

// checkShard refuses a shard object written for another database or shard count.
func (t *table[R]) checkShard(values map[string]string) error {
	if name, ok := values[keyShardName]; ok && name != t.fullName {
		return fmt.Errorf("radosdb: shard object of %q holds %q (hash collision)", t.fullName, name)
	}
	if n, ok := values[keyShardCount]; ok && n != strconv.Itoa(t.shards) {
		return fmt.Errorf("radosdb: shard object of %q was placed with %s shards, not %d", t.fullName, n, t.shards)
	}
	return nil
}

// plan merges rows into the state read and returns the op's parts: the guard (every key
// the outcome depends on, with its value as read, "" for missing), the keys to set and
// the keys to remove.
func (t *table[R]) plan(st shardState, rows []R) (guard map[string]string, set map[string][]byte, remove []string, statsChanged bool, err error) {
	stored := map[string]*R{}
	current := map[string]*R{}
	for _, row := range rows {
		name := t.kind.name(row)
		if _, seen := stored[name]; !seen {
			var old *R
			if v, ok := st.values[listedKey(name)]; ok {
				r, err := t.kind.decode(name, []byte(v))
				if err != nil {
					return nil, nil, nil, false, err
				}
				old = &r
			} else if v, ok := st.values[hiddenKey(name)]; ok {
				r, err := t.kind.decode(name, []byte(v))
				if err != nil {
					return nil, nil, nil, false, err
				}
				old = &r
			}
			stored[name], current[name] = old, old
		}
		if merged, apply := t.kind.merge(current[name], row); apply {
			current[name] = &merged
		}
	}

	guard = map[string]string{keyShardCount: st.values[keyShardCount]}
	set = map[string][]byte{}
	deltas := map[int]accountdb.PolicyStats{}
	for name, now := range current {
		old := stored[name]
		if now == old {
			continue // no update applied
		}
		listed, hidden := listedKey(name), hiddenKey(name)
		guard[listed], guard[hidden] = st.values[listed], st.values[hidden]
		value := t.kind.encode(*now)
		if t.kind.listed(*now) {
			set[listed] = value
			set[reversedKey(name)] = value
			if _, ok := st.values[hidden]; ok {
				remove = append(remove, hidden)
			}
		} else {
			set[hidden] = value
			if _, ok := st.values[listed]; ok {
				remove = append(remove, listed, reversedKey(name))
			}
		}
		policies := []int{t.kind.policy(*now)}
		if old != nil && t.kind.policy(*old) != policies[0] {
			policies = append(policies, t.kind.policy(*old))
		}
		for _, p := range policies {
			deltas[p] = addStats(deltas[p], t.kind.delta(old, *now, p))
		}
	}
	if len(set) == 0 {
		return nil, nil, nil, false, nil
	}
	if _, ok := st.values[keyShardCount]; !ok {
		set[keyShardName] = []byte(t.fullName)
		set[keyShardCount] = []byte(strconv.Itoa(t.shards))
	}
	for policy, d := range deltas {
		if d == (accountdb.PolicyStats{}) {
			continue
		}
		key := statsKey(policy)
		var sum accountdb.PolicyStats
		if v, ok := st.stats[key]; ok {
			if sum, err = decodeStats(v); err != nil {
				return nil, nil, nil, false, err
			}
		}
		guard[key] = st.stats[key]
		set[key] = []byte(encodeStats(addStats(sum, d)))
		statsChanged = true
	}
	return guard, set, remove, statsChanged, nil
}

// stats sums every shard's stats per policy, reading the shards in parallel.
func (t *table[R]) stats(ctx context.Context) (map[int]accountdb.PolicyStats, error) {
	perShard := make([]map[string]string, t.shards)
	err := forEachShard(t.shards, func(shard int) error {
		values, err := t.b.readAllOmap(ctx, shardObject(t.base, shard), prefixStats)
		if err == errNoObject {
			err = nil
		}
		perShard[shard] = values
		return err
	})
	if err != nil {
		return nil, err
	}
	totals := map[int]accountdb.PolicyStats{}
	for _, values := range perShard {
		for key, v := range values {
			policy, err := policyOfStatsKey(key)
			if err != nil {
				return nil, fmt.Errorf("radosdb: corrupt stats key %q in %q", key, t.fullName)
			}
			s, err := decodeStats(v)
			if err != nil {
				return nil, err
			}
			totals[policy] = addStats(totals[policy], s)
		}
	}
	return totals, nil
}

// forEachShard runs fn for every shard in parallel and returns the first error.
func forEachShard(shards int, fn func(shard int) error) error {
	errs := make([]error, shards)
	var wg sync.WaitGroup
	for shard := range shards {
		wg.Go(func() { errs[shard] = fn(shard) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
