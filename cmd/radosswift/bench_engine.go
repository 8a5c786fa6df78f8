package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/radosswift/radosswift/bench"
	"github.com/radosswift/radosswift/radosconn"
)

func runBenchEngine(args []string) error {
	fs := flag.NewFlagSet("bench-engine", flag.ContinueOnError)
	conf := fs.String("ceph-conf", envOr("RADOSSWIFT_CEPH_CONF", "/etc/ceph/ceph.conf"), "ceph.conf of the cluster")
	user := fs.String("user", envOr("RADOSSWIFT_RADOS_USER", "radosswift"), "cephx user (without client.)")
	pool := fs.String("pool", envOr("RADOSSWIFT_POOL", "radosswift"), "pool to benchmark")
	namespace := fs.String("namespace", "", "RADOS namespace of this run; must be empty, everything in it is removed at the end (default: a fresh one)")
	sizes := fs.String("sizes", "4KiB,64KiB,1MiB", "object sizes, comma-separated (B, KiB, MiB, GiB)")
	concurrency := fs.String("concurrency", "1,16", "requests in flight, comma-separated")
	duration := fs.Duration("duration", 5*time.Second, "length of each measurement")
	count := fs.Int("count", 0, "requests per measurement instead of --duration")
	large := fs.String("large", "", "memory mode instead: stream one object of this size (e.g. 1GiB) through the engine and back, sampling resident memory")
	jsonFile := fs.String("json", "", "also write the results as JSON to this file")
	timeout := fs.Duration("timeout", radosconn.DefaultOpTimeout, "librados op and mon timeout")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "Usage: radosswift bench-engine [options]")
		fmt.Fprintln(fs.Output(), "\nSmall-object PUT and GET through the diskfile RADOS engine and through raw go-ceph on the same")
		fmt.Fprintln(fs.Output(), "pool, printed as a markdown table; or, with --large, the engine's memory on one large object.")
		fmt.Fprintln(fs.Output(), "\nOptions:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err // main treats flag.ErrHelp as success
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cluster, err := radosconn.Connect(radosconn.Config{CephConf: *conf, User: *user, OpTimeout: *timeout, MonTimeout: *timeout})
	if err != nil {
		return err
	}
	defer cluster.Shutdown()

	var out struct {
		Engine *bench.EngineResults `json:"engine,omitempty"`
		Large  *bench.LargeResults  `json:"large,omitempty"`
	}
	if *large != "" {
		size, err := bench.ParseSize(*large)
		if err != nil {
			return fmt.Errorf("--large: %w", err)
		}
		res, err := bench.RunLarge(ctx, bench.LargeConfig{Cluster: cluster, Pool: *pool, Namespace: *namespace, Size: size, Progress: os.Stderr})
		if err != nil {
			return err
		}
		res.Markdown(os.Stdout)
		out.Large = res
	} else {
		cfg := bench.EngineConfig{Cluster: cluster, Pool: *pool, Namespace: *namespace, Duration: *duration, Count: *count, Progress: os.Stderr}
		for _, s := range strings.Split(*sizes, ",") {
			size, err := bench.ParseSize(s)
			if err != nil {
				return fmt.Errorf("--sizes: %w", err)
			}
			cfg.Sizes = append(cfg.Sizes, size)
		}
		for _, s := range strings.Split(*concurrency, ",") {
			c, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil || c <= 0 {
				return fmt.Errorf("--concurrency: %q is not a positive integer", s)
			}
			cfg.Concurrency = append(cfg.Concurrency, c)
		}
		res, err := bench.RunEngine(ctx, cfg)
		if res != nil && len(res.Cells) > 0 {
			res.Markdown(os.Stdout)
		}
		if err != nil {
			return err
		}
		out.Engine = res
	}
	if *jsonFile != "" {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(*jsonFile, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}
