package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"go.uber.org/zap"

	"github.com/radosswift/radosswift/accountdb"
	_ "github.com/radosswift/radosswift/accountdb/radosdb" // registers the "rados" backend
	"github.com/radosswift/radosswift/accountdb/server"
	_ "github.com/radosswift/radosswift/accountdb/sqlitedb" // registers the "sqlite" backend
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/middleware"
	"github.com/radosswift/radosswift/version"
)

// dbNode is what the container server, the account server and the container updater
// share: config, logger, swift.conf's policies and limits, the database backend.
type dbNode struct {
	cfg      server.Config
	log      *zap.Logger
	hash     swift.HashConf
	policies swift.StoragePolicies
	limits   swift.ListingLimits
	db       accountdb.Backend
	updater  *server.ContainerUpdater // container servers only, when the ring is there
}

func openDBNode(confPath string, kind server.Kind) (*dbNode, error) {
	cfg, err := server.LoadConfig(confPath, kind)
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
	n := &dbNode{cfg: cfg, log: log, hash: conf.Hash, policies: conf.Policies, limits: conf.Listing}
	if n.db, err = accountdb.Open(cfg.DBBackend, cfg.BackendSettings()); err != nil {
		return nil, fmt.Errorf("%s: db_backend = %s: %w", confPath, cfg.DBBackend, err)
	}
	return n, nil
}

// withUpdater loads the account ring and builds the container updater.
func (n *dbNode) withUpdater() error {
	ringPath := filepath.Join(n.cfg.SwiftDir, "account.ring.gz")
	ring, err := swift.LoadRing(ringPath)
	if err != nil {
		return fmt.Errorf("container updater: account ring: %w", err)
	}
	n.updater = &server.ContainerUpdater{Backend: n.db, Reporter: server.NewAccountReporter(n.cfg, n.db, n.log),
		Ring: ring, Hash: n.hash, Concurrency: n.cfg.UpdaterConcurrency, Batch: n.cfg.UpdaterBatch, Log: n.log}
	return nil
}

func (n *dbNode) Close() {
	n.db.Close()
	n.log.Sync()
}

func runContainerServer(args []string) error { return runDBServer(server.ContainerServer, args) }
func runAccountServer(args []string) error   { return runDBServer(server.AccountServer, args) }

// runDBServer serves one of the two protocols until SIGTERM or SIGINT, then lets the
// requests in flight finish.
func runDBServer(kind server.Kind, args []string) error {
	fs := flag.NewFlagSet(string(kind), flag.ContinueOnError)
	conf := fs.String("c", "/etc/radosswift/"+string(kind)+".conf", "config file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	node, err := openDBNode(*conf, kind)
	if err != nil {
		return err
	}
	defer node.Close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if kind == server.ContainerServer && node.cfg.UpdaterInterval > 0 {
		if err := node.withUpdater(); err != nil {
			return err
		}
	}
	wrap, err := middleware.Build(node.cfg.Pipeline, node.cfg.Filters,
		middleware.Deps{Server: node.serverKind(), Logger: node.log, Recon: dbReconSource{node}})
	if err != nil {
		return err
	}
	srv := server.New(node.cfg, server.Deps{Backend: node.db, Policies: node.policies, Limits: node.limits, Log: node.log, Wrap: wrap})
	addr := net.JoinHostPort(node.cfg.BindIP, strconv.Itoa(node.cfg.BindPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if err := startDebugPprof(node.cfg.DebugPprofAddr, node.log); err != nil {
		return err
	}
	updaterDone := make(chan struct{})
	if node.updater != nil {
		go func() {
			defer close(updaterDone)
			node.updater.Run(ctx, node.cfg.UpdaterInterval)
		}()
	} else {
		close(updaterDone)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	node.log.Info(string(kind)+" started", zap.String("addr", addr), zap.String("db_backend", node.cfg.DBBackend),
		zap.Duration("updater_interval", node.cfg.UpdaterInterval))
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	node.log.Info("stopping: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	<-updaterDone
	return err
}

// radosswift container-updater: Swift's container updater for databases in the
// backend; any number of nodes may run it (see server.ContainerUpdater).
func runContainerUpdater(args []string) error {
	fs := flag.NewFlagSet("container-updater", flag.ContinueOnError)
	conf := fs.String("c", "/etc/radosswift/container-server.conf", "container server config")
	once := fs.Bool("once", false, "one pass, then exit")
	interval := fs.Duration("interval", 30*time.Second, "time between passes")
	if err := fs.Parse(args); err != nil {
		return err
	}
	node, err := openDBNode(*conf, server.ContainerServer)
	if err != nil {
		return err
	}
	defer node.Close()
	if err := node.withUpdater(); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if !*once {
		node.updater.Run(ctx, *interval)
		return nil
	}
	start := time.Now()
	rep, err := node.updater.RunOnce(ctx)
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	node.log.Info("container updater pass", zap.Stringer("report", rep), zap.Duration("took", time.Since(start)))
	fmt.Printf("container updater: %s in %s\n", rep, time.Since(start).Round(time.Millisecond))
	return nil
}

// dbReconSource answers swift-recon's questions for a container or account server:
// no async pendings or quarantined databases, the pool's usage as the disk's.
type dbReconSource struct{ node *dbNode }

// serverKind is the node's kind as the pipeline's filters name it.
func (n *dbNode) serverKind() middleware.ServerKind {
	if n.cfg.Kind == server.ContainerServer {
		return middleware.ContainerServer
	}
	return middleware.AccountServer
}

func (r dbReconSource) AsyncPending() (int, error)        { return 0, nil }
func (r dbReconSource) Quarantined() (map[int]int, error) { return map[int]int{}, nil }

func (r dbReconSource) PoolUsage() (size, used, avail int64, err error) {
	if r.node.cfg.DBBackend != "rados" {
		return 0, 0, 0, fmt.Errorf("db_backend %s has no pool", r.node.cfg.DBBackend)
	}
	cluster, err := radosengine.ClusterFor(r.node.cfg.Section)
	if err != nil {
		return 0, 0, 0, err
	}
	return cluster.PoolUsage(r.node.cfg.Section.String("rados_pool", "radosswift"))
}

func (r dbReconSource) Version() string   { return version.Version }
func (r dbReconSource) SwiftDir() string  { return r.node.cfg.SwiftDir }
func (r dbReconSource) SwiftConf() string { return r.node.cfg.SwiftConf }

func (r dbReconSource) UpdaterSweep() float64 {
	if r.node.updater == nil {
		return 0
	}
	return r.node.updater.LastSweep().Seconds()
}
