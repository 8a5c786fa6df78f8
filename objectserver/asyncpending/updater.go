package asyncpending

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/objectserver"
)

// Deliverer sends one update to one container server (objectserver.Updater.Send).
type Deliverer func(host, device, partition string, p objectserver.PendingUpdate) error

// Updater delivers pending updates to the container servers the container ring names.
type Updater struct {
	Queue   *Queue
	Ring    *swift.Ring
	Hash    swift.HashConf
	Deliver Deliverer
	// LockFor bounds how long one pass may hold a shard; another node takes it over
	// after that if this one died.
	LockFor time.Duration
}

// PassReport says what one pass did.
type PassReport struct {
	Delivered, Superseded, Failed, ShardsBusy int
}

func (r PassReport) String() string {
	return fmt.Sprintf("%d delivered, %d superseded, %d failed, %d shards busy elsewhere",
		r.Delivered, r.Superseded, r.Failed, r.ShardsBusy)
}

const lockName = "radosswift-object-updater"

// RunOnce makes one pass over every shard it can lock. For each object only the
// newest entry is delivered; older ones are dropped, as Swift's updater does.
func (u *Updater) RunOnce(ctx context.Context) (PassReport, error) {
	var rep PassReport
	cookie := make([]byte, 8)
	rand.Read(cookie)
	lockFor := u.LockFor
	if lockFor <= 0 {
		lockFor = 5 * time.Minute
	}
	for i := 0; i < Shards; i++ {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		shard := fmt.Sprintf("async.%03d", i)
		ret, err := u.Queue.ioctx.LockExclusive(shard, lockName, hex.EncodeToString(cookie), "delivering pending updates", lockFor, nil)
		if err != nil {
			return rep, fmt.Errorf("locking %s: %w", shard, err)
		}
		if ret != 0 {
			rep.ShardsBusy++
			continue
		}
		err = u.passShard(ctx, shard, &rep)
		u.Queue.ioctx.Unlock(shard, lockName, hex.EncodeToString(cookie))
		if err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (u *Updater) passShard(ctx context.Context, shard string, rep *PassReport) error {
	type entry struct {
		key   string
		value []byte
	}
	var entries []entry
	if err := u.Queue.scan(shard, func(k string, v []byte) bool {
		entries = append(entries, entry{k, v})
		return true
	}); err != nil {
		return err
	}
	var done []string
	// Keys sort by object then timestamp: the last entry of each object is its newest.
	for i, e := range entries {
		if i+1 < len(entries) && objectOf(entries[i+1].key) == objectOf(e.key) {
			done = append(done, e.key)
			rep.Superseded++
			continue
		}
		if ctx.Err() != nil {
			break
		}
		var p objectserver.PendingUpdate
		if err := json.Unmarshal(e.value, &p); err != nil {
			done = append(done, e.key) // unreadable: nothing could ever deliver it
			rep.Failed++
			continue
		}
		if u.deliver(p) {
			done = append(done, e.key)
			rep.Delivered++
		} else {
			rep.Failed++
		}
	}
	return u.Queue.remove(shard, done)
}

// deliver sends to every primary container node; it succeeds when all took it.
func (u *Updater) deliver(p objectserver.PendingUpdate) bool {
	account, container := p.Account, p.Container
	if p.ContainerPath != "" {
		if a, c, ok := cutPath(p.ContainerPath); ok {
			account, container = a, c
		}
	}
	part := u.Ring.Partition(u.Hash, account, container, "")
	nodes := u.Ring.Nodes(part)
	if len(nodes) == 0 {
		return false
	}
	for _, node := range nodes {
		if err := u.Deliver(node.Host(), node.Device, fmt.Sprint(part), p); err != nil {
			return false
		}
	}
	return true
}

func cutPath(path string) (string, string, bool) {
	for i := 0; i < len(path); i++ {
		if path[i] == '/' {
			return path[:i], path[i+1:], i > 0 && i < len(path)-1
		}
	}
	return "", "", false
}
