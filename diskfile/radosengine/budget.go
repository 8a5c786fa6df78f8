package radosengine

import (
	"context"
	"sync"
)

// memoryBudget bounds the object data the engine holds in memory at once, across all
// requests: every upload and download reserves what it will buffer before it starts and
// gives it back when it ends. A request reserves everything it needs in one step and
// never waits while holding a reservation, so requests cannot deadlock one another;
// waiters are served in arrival order, so a large reservation is not starved by small
// ones. Without it, memory grew with concurrency (64 uploads of 1 MiB held 64 MiB in
// buffers, and as much again in librados' copies).
type memoryBudget struct {
	mu      sync.Mutex
	limit   int64 // 0: unlimited
	used    int64
	waiters []*budgetWaiter
}

type budgetWaiter struct {
	n     int64
	ready chan struct{}
}

func newMemoryBudget(limit int64) *memoryBudget { return &memoryBudget{limit: limit} }

// clamp is the most one reservation may take: the whole budget.
func (b *memoryBudget) clamp(n int64) int64 {
	if b.limit > 0 && n > b.limit {
		return b.limit
	}
	return n
}

// reserve waits until n bytes (at most the limit) are free and takes them; it returns
// what it took, to be given back with release.
func (b *memoryBudget) reserve(ctx context.Context, n int64) (int64, error) {
	n = b.clamp(n)
	if b.limit == 0 || n <= 0 {
		return 0, nil
	}
	b.mu.Lock()
	if len(b.waiters) == 0 && b.used+n <= b.limit {
		b.used += n
		b.mu.Unlock()
		return n, nil
	}
	w := &budgetWaiter{n: n, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	b.mu.Unlock()
	select {
	case <-w.ready:
		return n, nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready: // granted meanwhile: give it back
			b.used -= n
			b.wakeLocked()
		default:
			for i, other := range b.waiters {
				if other == w {
					b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
					break
				}
			}
			b.wakeLocked() // the queue's head may fit now that w is gone
		}
		return 0, ctx.Err()
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

// wakeLocked grants waiters in order while the first one fits.
func (b *memoryBudget) wakeLocked() {
	for len(b.waiters) > 0 && b.used+b.waiters[0].n <= b.limit {
		w := b.waiters[0]
		b.waiters = b.waiters[1:]
		b.used += w.n
		close(w.ready)
	}
}

// inUse is the reserved total, for tests and metrics.
func (b *memoryBudget) inUse() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.used
}

// stripePlan is what a transfer spanning span bytes beyond what is already in memory
// reserves: the bytes themselves when they fit one stripe, otherwise whole stripes, one
// being filled or consumed plus up to Parallel in flight; when the budget is smaller, fewer
// in flight (at least one). It returns the reservation and the stripes in flight.
func (e *Engine) stripePlan(span int64) (reserve int64, parallel int) {
	stripe := e.cfg.StripeSize
	if span <= stripe {
		return max(span, 0), 1
	}
	stripes := min(int64(e.cfg.Parallel)+1, (span+stripe-1)/stripe+1)
	if e.cfg.MemoryBudget > 0 {
		stripes = min(stripes, max(e.cfg.MemoryBudget/stripe, 2))
	}
	return stripes * stripe, int(stripes - 1)
}
