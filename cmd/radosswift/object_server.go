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
	"strings"
	"syscall"
	"time"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/backend"
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
	conf, err := withSwiftConf(cfg.BaseConfig, err)
	if err != nil {
		return nil, err
	}
	cfg.Constraints = conf.Constraints
	log, err := newLogger(cfg.LogLevel)
	if err != nil {
		return nil, err
	}
	logConfigNotes(log, cfg.BaseConfig)
	policies, err := diskfile.OpenPolicies(cfg.Section)
	if err != nil {
		return nil, err
	}
	cluster, err := radosengine.ClusterFor(cfg.Section)
	if err != nil {
		policies.Close()
		return nil, err
	}
	queue, err := asyncpending.Open(cluster, cfg.AsyncPendingPool, cfg.Section.Values["rados_namespace"])
	if err != nil {
		policies.Close()
		return nil, fmt.Errorf("async pending queue: %w", err)
	}
	return &objectNode{cfg: cfg, log: log, hash: conf.Hash, policies: policies, queue: queue,
		updater: objectserver.NewUpdater(cfg, conf.Hash, queue, log)}, nil
}

// withSwiftConf reads the swift.conf of a server config that could be read, so that a
// start reports the problems of both files together (loadErr: the config's own).
func withSwiftConf(cfg backend.BaseConfig, loadErr error) (swift.SwiftConf, error) {
	var errs config.Errors
	errs.Add(loadErr)
	var conf swift.SwiftConf
	if cfg.File != nil {
		var err error
		conf, err = swift.LoadSwiftConf(cfg.SwiftConf)
		errs.Add(err)
	}
	return conf, errs.Err()
}

// logConfigNotes logs what Swift would silently ignore in a config: a plain key of
// the app section that [DEFAULT] also has (paste.deploy keeps DEFAULT's; "set" is the
// way to override it), at warning level, and keys no table declares, at debug level.
func logConfigNotes(log *zap.Logger, cfg backend.BaseConfig) {
	for _, v := range cfg.Section.Shadowed {
		log.Warn("config key ignored: [DEFAULT] has it, and only \"set KEY = VALUE\" overrides [DEFAULT] (as in Swift)",
			zap.String("file", v.File), zap.Int("line", v.Line), zap.String("section", v.Section), zap.String("key", v.Key))
	}
	if len(cfg.Unknown) > 0 {
		log.Debug("config keys no component reads (ignored, as Swift does)", zap.String("section", cfg.Section.Name), zap.Strings("keys", cfg.Unknown))
	}
}

func (n *objectNode) Close() {
	n.updater.Wait()
	n.queue.Close()
	n.policies.Close()
	n.log.Sync()
}

// swiftLogLevels are zap's names of Swift's log levels (the base table's log_level).
var swiftLogLevels = map[string]string{"DEBUG": "debug", "INFO": "info", "NOTICE": "info", "WARNING": "warn", "WARN": "warn",
	"ERROR": "error", "CRITICAL": "error"}

func newLogger(level string) (*zap.Logger, error) {
	var lvl zap.AtomicLevel
	if err := lvl.UnmarshalText([]byte(swiftLogLevels[strings.ToUpper(level)])); err != nil {
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
	if node.cfg.GCInterval > 0 {
		startCollectors(ctx, node, node.cfg.GCInterval)
	}
	if err := startDebugPprof(node.cfg.DebugPprofAddr, node.log); err != nil {
		return err
	}
	setGoMemoryLimit(node.cfg.GoMemoryLimit, node.log)
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

// setGoMemoryLimit applies go_memory_limit (bytes; 0: none) unless GOMEMLIMIT is set in
// the environment, which wins as in any Go program. It is a soft limit: the collector
// works harder near it, it never fails an allocation.
func setGoMemoryLimit(limit int64, log *zap.Logger) {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if limit > 0 {
		debug.SetMemoryLimit(limit)
		log.Info("Go heap soft limit", zap.Int64("bytes", limit))
	}
}
