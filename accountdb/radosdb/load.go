package radosdb

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// Load and page timing for big containers, for the Go benchmark here and for a CLI: the
// rows go through the database layer itself (MergeObjects), so a load is also a test of
// batched merges (one guarded op per shard per up to namesPerOp rows).

// LoadObjectName is the name of generated row i; names sort in index order, so row
// total/2 is the middle of the container.
func LoadObjectName(i int) string { return fmt.Sprintf("load/%08d", i) }

// LoadRows merges rows [from, to) into c, batch rows per MergeObjects call and up to
// parallel calls in flight; progress, when set, is called with the rows loaded so far.
func LoadRows(ctx context.Context, c accountdb.ContainerDB, from, to, batch, parallel int, progress func(loaded int)) error {
	ts := swift.Now()
	var (
		next     atomic.Int64
		loaded   atomic.Int64
		wg       sync.WaitGroup
		errOnce  sync.Once
		firstErr error
	)
	next.Store(int64(from))
	for range parallel {
		wg.Go(func() {
			for {
				start := int(next.Add(int64(batch))) - batch
				if start >= to {
					return
				}
				rows := make([]accountdb.ObjectRow, 0, batch)
				for i := start; i < min(start+batch, to); i++ {
					rows = append(rows, accountdb.ObjectRow{Name: LoadObjectName(i), Timestamp: ts,
						Size: int64(i % 65536), ContentType: "application/octet-stream", ETag: "d41d8cd98f00b204e9800998ecf8427e"})
				}
				if err := c.MergeObjects(ctx, rows); err != nil {
					errOnce.Do(func() { firstErr = err })
					return
				}
				n := loaded.Add(int64(len(rows)))
				if progress != nil {
					progress(int(n))
				}
			}
		})
	}
	wg.Wait()
	return firstErr
}

// PageTiming is one timed listing page.
type PageTiming struct {
	Where   string // start, middle or end of the container
	Reverse bool
	Entries int
	Took    time.Duration
}

func (p PageTiming) String() string {
	dir := "forward"
	if p.Reverse {
		dir = "reverse"
	}
	return fmt.Sprintf("%-6s %-7s %6d entries in %v", p.Where, dir, p.Entries, p.Took.Round(time.Microsecond))
}

// TimePages lists one page of page names at the start, the middle and the end of a
// container loaded with LoadRows(0, total), in both directions.
func TimePages(ctx context.Context, c accountdb.ContainerDB, total, page int) ([]PageTiming, error) {
	var timings []PageTiming
	for _, where := range []struct {
		name          string
		forwardMarker string // list ascending after this
		reverseMarker string // list descending before this
	}{
		{"start", "", LoadObjectName(page)},
		{"middle", LoadObjectName(total/2 - 1), LoadObjectName(total/2 + page)},
		{"end", LoadObjectName(total - page - 1), ""},
	} {
		for _, reverse := range []bool{false, true} {
			p := accountdb.ListParams{Limit: page, Reverse: reverse, Marker: where.forwardMarker}
			if reverse {
				p.Marker = where.reverseMarker
			}
			started := time.Now()
			entries, err := c.ListObjects(ctx, p)
			if err != nil {
				return nil, err
			}
			timings = append(timings, PageTiming{Where: where.name, Reverse: reverse, Entries: len(entries), Took: time.Since(started)})
		}
	}
	return timings, nil
}
