package radosengine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMemoryBudgetGrantsInArrivalOrderAndNeverOverbooks(t *testing.T) {
	b := newMemoryBudget(10)
	first, err := b.reserve(context.Background(), 8)
	require.NoError(t, err)
	require.Equal(t, int64(8), first)

	granted := make(chan string, 2)
	go func() { b.reserve(context.Background(), 6); granted <- "large" }()
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == 1 }, time.Second, time.Millisecond)
	go func() { b.reserve(context.Background(), 1); granted <- "small" }()
	require.Eventually(t, func() bool { b.mu.Lock(); defer b.mu.Unlock(); return len(b.waiters) == 2 }, time.Second, time.Millisecond)
	// 2 bytes are free, enough for the small one, but it queues behind the large one.
	select {
	case g := <-granted:
		t.Fatalf("%s granted while the budget was short or out of turn", g)
	case <-time.After(50 * time.Millisecond):
	}
	b.release(4) // 6 free: the large one fits, and then the small one no longer does
	require.Equal(t, "large", <-granted)
	select {
	case g := <-granted:
		t.Fatalf("%s granted beyond the budget", g)
	case <-time.After(50 * time.Millisecond):
	}
	require.Equal(t, int64(10), b.inUse())
	b.release(4)
	require.Equal(t, "small", <-granted)
	require.Equal(t, int64(7), b.inUse())
}

func TestMemoryBudgetClampsToTheLimitAndGivesUpOnCancel(t *testing.T) {
	b := newMemoryBudget(10)
	got, err := b.reserve(context.Background(), 50)
	require.NoError(t, err)
	require.Equal(t, int64(10), got, "one reservation may take the whole budget, not more")

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = b.reserve(ctx, 1)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	b.release(got)
	require.Zero(t, b.inUse())
	require.Empty(t, b.waiters)

	unlimited := newMemoryBudget(0)
	got, err = unlimited.reserve(context.Background(), 1<<40)
	require.NoError(t, err)
	require.Zero(t, got)
}

func TestStripePlanShrinksParallelismToTheBudget(t *testing.T) {
	e := &Engine{cfg: Config{StripeSize: 4, Parallel: 4, MemoryBudget: 32}}
	for _, tc := range []struct {
		span     int64
		reserve  int64
		parallel int
	}{
		{0, 0, 1},
		{3, 3, 1},
		{4, 4, 1},
		{5, 12, 2},   // two stripes of data: one filling and two in flight would be all of it
		{100, 20, 4}, // Parallel in flight plus the one being filled
	} {
		reserve, parallel := e.stripePlan(tc.span)
		require.Equal(t, tc.reserve, reserve, "span %d", tc.span)
		require.Equal(t, tc.parallel, parallel, "span %d", tc.span)
	}
	e.cfg.MemoryBudget = 8
	reserve, parallel := e.stripePlan(100)
	require.Equal(t, int64(8), reserve)
	require.Equal(t, 1, parallel)
}
