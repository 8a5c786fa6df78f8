package diskfile

import (
	"context"
	"fmt"
	"time"
)

// Collector is implemented by engines that leave garbage behind on purpose (superseded
// data kept for readers in flight, tombstones kept for reclaim_age) and reclaim it later.
type Collector interface {
	CollectGarbage(ctx context.Context) (GCReport, error)
}

// RunCollector runs c every interval until ctx ends, reporting each pass: the
// background loop of a server.
func RunCollector(ctx context.Context, c Collector, interval time.Duration, report func(GCReport, error)) {
	ticker := time.NewTicker(interval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			rep, err := c.CollectGarbage(ctx)
			report(rep, err)
		}
	}
}

// GCReport says what one collector pass did.
type GCReport struct {
	Entries             int // index entries examined
	UploadsReclaimed    int // uploads whose data no version needs any more
	TombstonesReclaimed int // tombstones older than reclaim_age
	Errors              int
}

func (r GCReport) String() string {
	return fmt.Sprintf("%d entries, %d uploads and %d tombstones reclaimed, %d errors",
		r.Entries, r.UploadsReclaimed, r.TombstonesReclaimed, r.Errors)
}
