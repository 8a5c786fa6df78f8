package main

import (
	"context"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/middleware"
	"github.com/radosswift/radosswift/version"
)

// buildPipeline turns [pipeline:main] into the middleware around the object server.
func buildPipeline(node *objectNode) (func(fasthttp.RequestHandler) fasthttp.RequestHandler, error) {
	return middleware.Build(node.cfg.Pipeline, node.cfg.Filters,
		middleware.Deps{Server: middleware.ObjectServer, Logger: node.log, Recon: reconSource{node}})
}

// reconSource answers swift-recon's questions from the node's queue, engines and pool.
type reconSource struct{ node *objectNode }

func (r reconSource) AsyncPending() (int, error) { return r.node.queue.Count(context.Background()) }

func (r reconSource) Quarantined() (map[int]int, error) {
	out := map[int]int{}
	for idx, e := range r.node.policies {
		n, err := e.QuarantineCount(context.Background())
		if err != nil {
			return nil, err
		}
		out[idx] = n
	}
	return out, nil
}

func (r reconSource) PoolUsage() (size, used, avail int64, err error) {
	cluster, err := radosengine.ClusterFor(r.node.cfg.Section)
	if err != nil {
		return 0, 0, 0, err
	}
	return cluster.PoolUsage(r.node.cfg.Section.String("rados_pool", "radosswift"))
}

func (r reconSource) Version() string   { return version.Version }
func (r reconSource) SwiftDir() string  { return r.node.cfg.SwiftDir }
func (r reconSource) SwiftConf() string { return r.node.cfg.SwiftConf }

// UpdaterSweep is unknown here: the object updater runs as its own process.
func (r reconSource) UpdaterSweep() float64 { return 0 }
