package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/config"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/objectserver"
	"github.com/radosswift/radosswift/objectserver/asyncpending"
)

// objectNode is what the object server and the object updater share: config, policies'
// engines, the async-pending queue and the update sender.
type objectNode struct {
	cfg      objectserver.Config
	log      *zap.Logger
	hash     swift.HashConf
	policies diskfile.Policies
	queue    *asyncpending.Queue
	updater  *objectserver.Updater
}

func openObjectNode(confPath string) (*objectNode, error) {
	cfg, err := objectserver.LoadConfig(confPath)
	if err != nil {
		return nil, err
	}
	log, err := newLogger(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	hash, err := swift.LoadHashConf(cfg.SwiftConf)
	if err != nil {
		return nil, fmt.Errorf("swift_conf %s: %w", cfg.SwiftConf, err)
	}
	policies, err := diskfile.OpenPolicies(cfg.Section.Values)
	if err != nil {
		return nil, err
	}
	cluster, err := radosengine.ClusterFor(cfg.Section.Values)
	if err != nil {
		policies.Close()
		return nil, err
	}
	pool := cfg.Section.String("async_pending_pool", cfg.Section.String("rados_pool", "radosswift"))
	queue, err := asyncpending.Open(cluster, pool, cfg.Section.Values["rados_namespace"])
	if err != nil {
		policies.Close()
		return nil, fmt.Errorf("async pending queue: %w", err)
	}
	return &objectNode{cfg: cfg, log: log, hash: hash, policies: policies, queue: queue,
		updater: objectserver.NewUpdater(cfg, hash, queue, log)}, nil
}

func (n *objectNode) Close() {
	n.updater.Wait()
	n.queue.Close()
	n.policies.Close()
	n.log.Sync()
}

func newLogger(level string) (*zap.Logger, error) {
	var lvl zap.AtomicLevel
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("log_level %q: %w", level, err)
	}
	enc := zap.NewProductionEncoderConfig()
	enc.TimeKey = "time"
	enc.EncodeTime = zapcore.ISO8601TimeEncoder
	// Lines are buffered and written at most a second late: one write per access-log
	// line cost a server about 7% of its CPU on small GETs. Close syncs the logger.
	out := &zapcore.BufferedWriteSyncer{WS: zapcore.Lock(os.Stderr), Size: 256 << 10, FlushInterval: time.Second}
	core := zapcore.NewCore(zapcore.NewJSONEncoder(enc), out, lvl)
	return zap.New(core, zap.AddCaller(), zap.AddStacktrace(zapcore.ErrorLevel), zap.ErrorOutput(zapcore.Lock(os.Stderr))), nil
}

func runObjectServer(args []string) error {
	fs := flag.NewFlagSet("object-server", flag.ContinueOnError)
	conf := fs.String("c", "/etc/radosswift/object-server.conf", "config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	node, err := openObjectNode(*conf)
	if err != nil {
		return err
	}
	defer node.Close()
	wrap, err := buildPipeline(node)
	if err != nil {
		return err
	}
	srv := objectserver.New(node.cfg, node.policies, node.updater, node.log, wrap)
	addr := net.JoinHostPort(node.cfg.BindIP, strconv.Itoa(node.cfg.BindPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	gcInterval, err := node.cfg.Section.Seconds("gc_interval", 5*time.Minute)
	if err != nil {
		return err
	}
	if gcInterval > 0 {
		startCollectors(ctx, node, gcInterval)
	}
	if err := startDebugPprof(node.cfg.Section.String("debug_pprof_addr", ""), node.log); err != nil {
		return err
	}
	if err := setGoMemoryLimit(node.cfg.Section, node.log); err != nil {
		return err
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	node.log.Info("object server started", zap.String("addr", addr), zap.Int("policies", len(node.policies)))
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	node.log.Info("stopping: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return srv.Shutdown(shutdownCtx)
}

// startCollectors runs a collector pass per policy every interval, in the background.
func startCollectors(ctx context.Context, node *objectNode, interval time.Duration) {
	for idx, e := range node.policies {
		collector, ok := e.(diskfile.Collector)
		if !ok {
			continue
		}
		go diskfile.RunCollector(ctx, collector, interval, func(rep diskfile.GCReport, err error) {
			if err != nil {
				node.log.Warn("collector pass failed", zap.Int("policy", idx), zap.Error(err))
				return
			}
			node.log.Info("collector pass", zap.Int("policy", idx), zap.Stringer("report", rep))
		})
	}
}

// defaultGoMemoryLimit is the Go heap's soft limit: the engine's default memory budget
// (16 MiB of object data) plus room for connections and metadata. Without it the
// collector let the heap grow to twice its live size under 64 uploads of 1 MiB.
const defaultGoMemoryLimit = 40 << 20

// setGoMemoryLimit applies go_memory_limit (bytes; 0: none) unless GOMEMLIMIT is set in
// the environment, which wins as in any Go program. It is a soft limit: the collector
// works harder near it, it never fails an allocation.
func setGoMemoryLimit(section config.Section, log *zap.Logger) error {
	if os.Getenv("GOMEMLIMIT") != "" {
		return nil
	}
	limit, err := section.Int("go_memory_limit", defaultGoMemoryLimit)
	if err != nil {
		return err
	}
	if limit > 0 {
		debug.SetMemoryLimit(int64(limit))
		log.Info("Go heap soft limit", zap.Int("bytes", limit))
	}
	return nil
}
