package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"sort"
	"syscall"
	"time"

	"github.com/radosswift/radosswift/diskfile"
)

// radosswift gc: one collector pass over every policy's engine (or a pass every
// --interval). Any number of nodes may run it at the same time: every removal is
// guarded on the OSD.
func runGC(args []string) error {
	fs := flag.NewFlagSet("gc", flag.ContinueOnError)
	conf := fs.String("c", "/etc/radosswift/object-server.conf", "object server config")
	interval := fs.Duration("interval", 0, "run a pass every interval until stopped (0: one pass)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	policies, _, err := openPolicies(*conf)
	if err != nil {
		return err
	}
	defer policies.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	for {
		if err := collectOnce(ctx, policies); err != nil {
			return err
		}
		if *interval <= 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(*interval):
		}
	}
}

func collectOnce(ctx context.Context, policies diskfile.Policies) error {
	indexes := make([]int, 0, len(policies))
	for idx := range policies {
		indexes = append(indexes, idx)
	}
	sort.Ints(indexes)
	for _, idx := range indexes {
		collector, ok := policies[idx].(diskfile.Collector)
		if !ok {
			fmt.Printf("policy %d: engine keeps no garbage\n", idx)
			continue
		}
		start := time.Now()
		rep, err := collector.CollectGarbage(ctx)
		if err != nil {
			return fmt.Errorf("policy %d: %w", idx, err)
		}
		fmt.Printf("policy %d: %s in %s\n", idx, rep, time.Since(start).Round(time.Millisecond))
	}
	return nil
}
