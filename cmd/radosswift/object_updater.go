package main

import (
	"context"
	"flag"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/objectserver/asyncpending"
)

// radosswift object-updater: delivers the container updates the object servers could
// not, from the queue in RADOS. Any number of nodes may run it: each shard of the
// queue is worked by one at a time (a RADOS lock).
func runObjectUpdater(args []string) error {
	fs := flag.NewFlagSet("object-updater", flag.ContinueOnError)
	conf := fs.String("c", "/etc/radosswift/object-server.conf", "object server config")
	once := fs.Bool("once", false, "one pass, then exit")
	interval := fs.Duration("interval", 30*time.Second, "time between passes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	node, err := openObjectNode(*conf)
	if err != nil {
		return err
	}
	defer node.Close()
	ring, err := swift.LoadRing(filepath.Join(node.cfg.SwiftDir, "container.ring.gz"))
	if err != nil {
		return err
	}
	updater := &asyncpending.Updater{Queue: node.queue, Ring: ring, Hash: node.hash, Deliver: node.updater.Send}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		start := time.Now()
		rep, err := updater.RunOnce(ctx)
		if err != nil {
			return err
		}
		node.log.Info("object updater pass", zap.Stringer("report", rep), zap.Duration("took", time.Since(start)))
		if *once {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*interval):
		}
	}
}
