package radosengine

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// exact asks for n bytes, no extras, nothing less.
func exact(n int64) budgetRequest { return budgetRequest{floor: n, least: n} }

func waiting(b *memoryBudget) int { return b.stats().Waiting }

func TestMemoryBudgetGrantsInArrivalOrderAndNeverOverbooksWithinTheWait(t *testing.T) {
	b := newMemoryBudget(10, 1, time.Hour)
	first, err := b.reserve(context.Background(), exact(8))
	require.NoError(t, err)
	require.Equal(t, int64(8), first)

	granted := make(chan string, 2)
	go func() { b.reserve(context.Background(), exact(6)); granted <- "large" }()
	require.Eventually(t, func() bool { return waiting(b) == 1 }, time.Second, time.Millisecond)
	go func() { b.reserve(context.Background(), exact(1)); granted <- "small" }()
	require.Eventually(t, func() bool { return waiting(b) == 2 }, time.Second, time.Millisecond)
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
	require.Zero(t, b.stats().Overdrafts)
}

// The cycle of a server-side copy, built directly: the GET holds the whole budget and is
// blocked until the PUT has taken its bytes; the PUT needs memory. The PUT must get its
// least working set after the wait, without the GET giving anything back, and the GET
// then completes.
func TestATransferBlockedWhileHoldingTheBudgetDoesNotStopAnother(t *testing.T) {
	const stripe = 4
	b := newMemoryBudget(4*stripe, stripe, 100*time.Millisecond)
	get, err := b.reserve(context.Background(), budgetRequest{floor: stripe, least: 1, extra: 3 * stripe})
	require.NoError(t, err)
	require.Equal(t, int64(3*stripe), get, "extras leave one stripe free for the next floor")
	other, err := b.reserve(context.Background(), exact(stripe)) // e.g. a small GET beside the copy
	require.NoError(t, err)

	putAccepted := make(chan struct{}) // the GET's client (the proxy) waits for this
	getDone := make(chan struct{})
	go func() {
		<-putAccepted // blocked on the network while holding its share
		b.release(get)
		close(getDone)
	}()

	start := time.Now()
	put, err := b.reserve(context.Background(), budgetRequest{floor: stripe, least: stripe, extra: 4 * stripe})
	require.NoError(t, err)
	waited := time.Since(start)
	require.Equal(t, int64(stripe), put, "the least working set, beyond the budget")
	require.GreaterOrEqual(t, waited, 100*time.Millisecond, "it waited its turn first")
	require.Less(t, waited, 2*time.Second)
	require.Equal(t, int64(5*stripe), b.inUse(), "the overdraft counts as in use")
	require.Equal(t, int64(1), b.stats().Overdrafts)

	// While the overdraft is out, a newcomer queues: memory stays bounded.
	late := make(chan int64, 1)
	go func() { n, _ := b.reserve(context.Background(), exact(2)); late <- n }()
	require.Eventually(t, func() bool { return waiting(b) == 1 }, time.Second, time.Millisecond)

	close(putAccepted)
	<-getDone
	require.Equal(t, int64(2), <-late, "granted in turn once the GET gave its share back")
	b.release(put)
	b.release(other)
	b.release(2)
	require.Zero(t, b.inUse())
	require.Equal(t, int64(1), b.stats().Overdrafts)
}

func TestMemoryBudgetWaitsAtMostTheWaitAndGivesUpOnCancel(t *testing.T) {
	b := newMemoryBudget(10, 1, time.Hour)
	got, err := b.reserve(context.Background(), exact(10))
	require.NoError(t, err)
	require.Equal(t, int64(10), got)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err = b.reserve(ctx, exact(1))
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Zero(t, waiting(b))
	require.Zero(t, b.stats().Overdrafts, "a cancelled wait takes nothing")
	b.release(got)
	require.Zero(t, b.inUse())

	unlimited := newMemoryBudget(0, 1, time.Hour)
	got, err = unlimited.reserve(context.Background(), budgetRequest{floor: 1 << 40, extra: 1 << 41})
	require.NoError(t, err)
	require.Equal(t, int64(3<<40), got, "unbounded: everything asked for, counted")
	unlimited.release(got)
	require.Zero(t, unlimited.inUse())
}

func TestTransferRequestsShrinkToTheBudgetNotBelowOneBuffer(t *testing.T) {
	e := &Engine{cfg: Config{StripeSize: 4, Parallel: 4, MemoryBudget: 32}}
	for _, tc := range []struct {
		name             string
		req              budgetRequest
		floor, least, ex int64
	}{
		{"an empty upload", e.uploadRequest(0), 0, 0, 0},
		{"an inline upload is held whole", e.uploadRequest(3), 3, 3, 0},
		{"a one-stripe upload", e.uploadRequest(4), 4, 4, 0},
		{"two stripes: one filling, up to two in flight", e.uploadRequest(5), 4, 4, 8},
		{"a large upload: Parallel in flight", e.uploadRequest(100), 4, 4, 16},
		{"a small download", e.downloadRequest(3), 3, 3, 0},
		{"a large download: Parallel chunks", e.downloadRequest(100), 4, 4, 12},
	} {
		require.Equal(t, budgetRequest{floor: tc.floor, least: tc.least, extra: tc.ex}, tc.req, tc.name)
	}
	e.cfg.StripeSize = 4 << 20
	require.Equal(t, int64(smallestDataBuffer), e.downloadRequest(100<<20).least, "after the wait, a download goes on in 64 KiB pieces")

	b := newMemoryBudget(32, 4, time.Hour)
	n, err := b.reserve(context.Background(), budgetRequest{floor: 4, least: 4, extra: 40})
	require.NoError(t, err)
	require.Equal(t, int64(28), n, "extras in whole stripes, one stripe left free")
	n, err = b.reserve(context.Background(), budgetRequest{floor: 4, least: 4, extra: 40})
	require.NoError(t, err)
	require.Equal(t, int64(4), n, "the next transfer gets its floor at once, no extras")
}
