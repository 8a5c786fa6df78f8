package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"go.uber.org/zap"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/swift"
)

// ContainerUpdater is Swift's swift-container-updater for databases that no local
// disk holds: it drains the backend's marks of containers whose account has not heard
// of their last change, sends each container's state to its account's nodes (found in
// the account ring), records what was reported and clears the mark, unless the
// container changed meanwhile. Any number of nodes may run it at once: a report is
// idempotent, and a mark whose token changed is left for the next pass.
type ContainerUpdater struct {
	Backend     accountdb.Backend
	Reporter    *AccountReporter
	Ring        *swift.Ring
	Hash        swift.HashConf
	Concurrency int // containers reported at once
	Batch       int // marks read at once
	Log         *zap.Logger

	lastSweep atomic.Int64 // nanoseconds of the last pass, for recon
}

// UpdaterReport counts one pass.
type UpdaterReport struct {
	Reported  int // sent to the account and acknowledged by a majority
	Unchanged int // already reported as they are (by the container server itself)
	Missing   int // marks of containers that no longer exist
	Failed    int // left for the next pass
}

func (r UpdaterReport) String() string {
	return fmt.Sprintf("%d reported, %d unchanged, %d missing, %d failed", r.Reported, r.Unchanged, r.Missing, r.Failed)
}

// RunOnce drains the marks there are, each container at most once per pass (one
// that fails, or changes again meanwhile, keeps its mark for the next pass).
func (u *ContainerUpdater) RunOnce(ctx context.Context) (UpdaterReport, error) {
	start := time.Now()
	var rep UpdaterReport
	var mu sync.Mutex
	type containerName struct{ account, container string }
	seen := map[containerName]bool{}
	for {
		marks, err := u.Backend.PendingReports(ctx, u.Batch+len(seen))
		if err != nil {
			return rep, err
		}
		var todo []accountdb.ReportMark
		for _, m := range marks {
			if name := (containerName{m.Account, m.Container}); !seen[name] {
				seen[name] = true
				todo = append(todo, m)
			}
		}
		if len(todo) == 0 {
			break
		}
		work := make(chan accountdb.ReportMark)
		var wg sync.WaitGroup
		for range max(1, u.Concurrency) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for m := range work {
					outcome := u.reportOne(ctx, m)
					mu.Lock()
					switch outcome {
					case outcomeReported:
						rep.Reported++
					case outcomeUnchanged:
						rep.Unchanged++
					case outcomeMissing:
						rep.Missing++
					default:
						rep.Failed++
					}
					mu.Unlock()
				}
			}()
		}
		for _, m := range todo {
			work <- m
		}
		close(work)
		wg.Wait()
		if err := ctx.Err(); err != nil {
			return rep, err
		}
	}
	u.lastSweep.Store(int64(time.Since(start)))
	return rep, nil
}

// LastSweep is how long the last pass took (0 before the first).
func (u *ContainerUpdater) LastSweep() time.Duration { return time.Duration(u.lastSweep.Load()) }

type outcome int

const (
	outcomeFailed outcome = iota
	outcomeReported
	outcomeUnchanged
	outcomeMissing
)

func (u *ContainerUpdater) reportOne(ctx context.Context, m accountdb.ReportMark) outcome {
	db := u.Backend.Container(m.Account, m.Container)
	info, err := db.Info(ctx)
	if errors.Is(err, accountdb.ErrNotFound) {
		if err := u.Backend.ClearReport(ctx, m); err != nil {
			u.Log.Warn("clearing the mark of a missing container", zap.String("container", m.Account+"/"+m.Container), zap.Error(err))
		}
		return outcomeMissing
	}
	if err != nil {
		u.Log.Warn("reading a container to report", zap.String("container", m.Account+"/"+m.Container), zap.Error(err))
		return outcomeFailed
	}
	result := outcomeUnchanged
	if !alreadyReported(info) {
		part := u.Ring.Partition(u.Hash, m.Account, "", "")
		var nodes []AccountNode
		for _, d := range u.Ring.Nodes(part) {
			nodes = append(nodes, AccountNode{Host: d.Host(), Device: d.Device, Partition: strconv.Itoa(part)})
		}
		if !u.Reporter.Report(ctx, m.Account, m.Container, info, nodes) {
			return outcomeFailed
		}
		if err := db.SetReported(ctx, info.PutTimestamp, info.DeleteTimestamp, info.ObjectCount, info.BytesUsed); err != nil {
			u.Log.Warn("recording a report", zap.String("container", m.Account+"/"+m.Container), zap.Error(err))
			return outcomeFailed
		}
		result = outcomeReported
	}
	if err := u.Backend.ClearReport(ctx, m); err != nil {
		u.Log.Warn("clearing a report mark", zap.String("container", m.Account+"/"+m.Container), zap.Error(err))
		return outcomeFailed
	}
	return result
}

// alreadyReported is the container updater's test for a container its account knows
// as it is: nothing newer than what was last reported.
func alreadyReported(info accountdb.ContainerInfo) bool {
	return !info.PutTimestamp.After(info.ReportedPutTimestamp) &&
		!info.DeleteTimestamp.After(info.ReportedDeleteTimestamp) &&
		info.ObjectCount == info.ReportedObjectCount &&
		info.BytesUsed == info.ReportedBytesUsed
}

// Run makes a pass every interval until ctx ends, logging each.
func (u *ContainerUpdater) Run(ctx context.Context, interval time.Duration) {
	for {
		start := time.Now()
		rep, err := u.RunOnce(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			u.Log.Warn("container updater pass failed", zap.Error(err))
		case rep != UpdaterReport{}:
			u.Log.Info("container updater pass", zap.Stringer("report", rep), zap.Duration("took", time.Since(start)))
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
