package radosengine

import (
	"context"
	"sync"
	"time"
)

// memoryBudget bounds the object data that uploads and downloads buffer at once, across
// all requests. Without it memory grew with concurrency (64 uploads of 1 MiB held 64 MiB
// in buffers, and as much again in librados' copies).
//
// Why a transfer may never wait for it without bound: a transfer holds its share while
// it is blocked on the network, and what it waits for there may be another transfer of
// this same server. The proxy's copy middleware (X-Copy-From, S3 CopyObject) reads the
// source GET only as fast as the destination PUT takes the bytes: the GET of a 16 MiB
// object held the whole 16 MiB budget, its client (the proxy) waited for the PUT, and the
// PUT waited for the GET's share, until the proxy gave up. A slow upload held a GET back
// the same way, and an SLO's next segment its previous one. The dependency lives outside
// the server, so no bookkeeping here can see the cycle; the rule has to hold whatever
// holders wait on:
//
//   - A transfer asks once, before it buffers anything, for a floor (one buffer: its
//     data up to one stripe) and extras (more stripes in flight). It never asks again,
//     so nothing waits while holding a share.
//   - The floor is granted when it fits and nobody is queued ahead; extras come only
//     from what is then free beyond one stripe kept for the next transfer's floor (a
//     copy's PUT starts at once beside its GET).
//   - Waiters are served in arrival order, but each waits at most `wait`. Then it takes
//     its least working set anyway, beyond the budget: a download one 64 KiB piece, an
//     upload its floor (inline data is written whole in one op, a tail in one write).
//     This overdraft counts as in use, so newcomers queue until it is repaid.
//
// So the data buffered is at most limit + the overdrafts, and an overdraft is at most one
// floor per request in flight that waited `wait`: in the worst case, every request at
// once stuck on the network, limit + max_clients x stripe (uploads; downloads 64 KiB
// each), plus the first 64 KiB of each upload of unknown size, taken before it knows it
// needs more. Under load that keeps moving, grants come within `wait` and the budget holds.
type memoryBudget struct {
	mu         sync.Mutex
	limit      int64         // 0: unlimited (still counted)
	room       int64         // kept free for a next floor when granting extras; also their unit
	wait       time.Duration // the longest any transfer waits for its floor
	used       int64
	overdrafts int64 // grants taken beyond the budget after waiting, since the start
	waiters    []*budgetWaiter
}

// budgetRequest is what one transfer asks for, least <= floor.
type budgetRequest struct {
	floor int64 // what the transfer waits its turn for
	extra int64 // more, taken only if free when the floor is granted (whole units of room)
	least int64 // what it takes anyway once it has waited long enough
}

type budgetWaiter struct {
	req     budgetRequest
	granted int64
	ready   chan struct{}
}

func newMemoryBudget(limit, room int64, wait time.Duration) *memoryBudget {
	return &memoryBudget{limit: limit, room: max(room, 1), wait: wait}
}

// reserve returns the bytes granted for req, to be given back with release: at least
// the floor if it was granted in turn, otherwise req.least after waiting `wait`. It fails
// only when ctx ends first.
func (b *memoryBudget) reserve(ctx context.Context, req budgetRequest) (int64, error) {
	req.floor = max(req.floor, 0)
	req.least = min(max(req.least, 0), req.floor)
	req.extra = max(req.extra, 0)
	b.mu.Lock()
	if len(b.waiters) == 0 && b.fitsLocked(req.floor) {
		n := b.grantLocked(req)
		b.mu.Unlock()
		return n, nil
	}
	w := &budgetWaiter{req: req, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()

	timer := time.NewTimer(b.wait)
	defer timer.Stop()
	select {
	case <-w.ready:
		return w.granted, nil
	case <-timer.C:
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-w.ready: // granted meanwhile
		if ctx.Err() != nil {
			b.used -= w.granted
			b.wakeLocked()
			return 0, ctx.Err()
		}
		return w.granted, nil
	default:
	}
	b.removeLocked(w)
	defer b.wakeLocked() // the queue's head may fit now that w is gone
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	b.used += req.least
	b.overdrafts++
	return req.least, nil
}

func (b *memoryBudget) fitsLocked(n int64) bool { return b.limit == 0 || b.used+n <= b.limit }

// grantLocked takes the floor and the whole units of extras that leave room free.
func (b *memoryBudget) grantLocked(req budgetRequest) int64 {
	extra := req.extra
	if b.limit > 0 {
		free := b.limit - b.used - req.floor - b.room
		extra = max(min(extra, free), 0)
		extra -= extra % b.room
	}
	n := req.floor + extra
	b.used += n
	return n
}

func (b *memoryBudget) removeLocked(w *budgetWaiter) {
	for i, other := range b.waiters {
		if other == w {
			b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
			return
		}
	}
}

func (b *memoryBudget) release(n int64) {
	if n <= 0 {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.used -= n
	b.wakeLocked()
}

// wakeLocked grants waiters in order while the first one's floor fits.
func (b *memoryBudget) wakeLocked() {
	for len(b.waiters) > 0 && b.fitsLocked(b.waiters[0].req.floor) {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		w.granted = b.grantLocked(w.req)
		close(w.ready)
	}
}

// MemoryStats is the state of the engine's memory budget.
type MemoryStats struct {
	Limit      int64 // rados_memory_budget; 0: unbounded
	InUse      int64 // bytes granted to transfers right now, overdrafts included
	Overdrafts int64 // grants taken beyond the budget after waiting, since the start
	Waiting    int   // transfers queued right now
}

func (b *memoryBudget) stats() MemoryStats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return MemoryStats{Limit: b.limit, InUse: b.used, Overdrafts: b.overdrafts, Waiting: len(b.waiters)}
}

// inUse is the reserved total, for tests and metrics.
func (b *memoryBudget) inUse() int64 { return b.stats().InUse }

// downloadRequest is what a download of span bytes beyond what is already in memory
// asks for: its chunks are at most a stripe (floor: one), up to Parallel of them in
// flight; after the wait, one 64 KiB piece at a time.
func (e *Engine) downloadRequest(span int64) budgetRequest {
	stripe := e.cfg.StripeSize
	span = max(span, 0)
	req := budgetRequest{floor: min(span, stripe), least: min(span, stripe, smallestDataBuffer)}
	if span > stripe {
		chunks := min(int64(e.cfg.Parallel), (span+stripe-1)/stripe+1) // +1: unaligned ranges
		req.extra = (chunks - 1) * stripe
	}
	return req
}

// uploadRequest is what an upload of size bytes asks for: the data itself when it fits
// one stripe, otherwise one stripe being filled (floor; tails are then written one at a
// time from it) plus up to Parallel more in flight.
func (e *Engine) uploadRequest(size int64) budgetRequest {
	stripe := e.cfg.StripeSize
	if size <= stripe {
		size = max(size, 0)
		return budgetRequest{floor: size, least: size}
	}
	stripes := min(int64(e.cfg.Parallel)+1, (size+stripe-1)/stripe+1)
	return budgetRequest{floor: stripe, least: stripe, extra: (stripes - 1) * stripe}
}
