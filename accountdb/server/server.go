// Package server is Swift 2.30.1's backend container and account protocols over
// fasthttp (after swift/container/server.py and swift/account/server.py), on an
// accountdb.Backend: the proxy and the object servers cannot tell it from Swift's own
// servers. Container changes reach the account servers right away (as Swift's
// container server sends them) and again through the container updater, which drains
// the backend's list of containers whose account has not heard of their last change.
package server

import (
	"context"
	"net"
	"strconv"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// Server is one container or account server process.
type Server struct {
	cfg      Config
	db       accountdb.Backend
	policies swift.StoragePolicies
	limits   swift.ListingLimits
	accounts *AccountReporter // container servers only
	log      *zap.Logger
	respond  backend.Responder
	http     *backend.Server
}

// Deps are what a server works with besides its config.
type Deps struct {
	Backend  accountdb.Backend
	Policies swift.StoragePolicies
	Limits   swift.ListingLimits
	Log      *zap.Logger
	// Wrap decorates the protocol handler with the pipeline's middleware (may be nil).
	Wrap func(fasthttp.RequestHandler) fasthttp.RequestHandler
}

// New assembles a server of cfg.Kind.
func New(cfg Config, deps Deps) *Server {
	if deps.Log == nil {
		deps.Log = zap.NewNop()
	}
	if deps.Limits == (swift.ListingLimits{}) {
		deps.Limits = swift.DefaultListingLimits
	}
	if deps.Policies.Names == nil {
		deps.Policies = swift.StoragePolicies{Names: map[int]string{0: "Policy-0"}}
	}
	s := &Server{cfg: cfg, db: deps.Backend, policies: deps.Policies, limits: deps.Limits, log: deps.Log}
	s.respond = backend.Responder{Kind: cfg.Kind, Log: deps.Log, Mapper: dbStatus}
	app := s.handleAccount
	if cfg.Kind == ContainerServer {
		s.accounts = NewAccountReporter(cfg, deps.Backend, deps.Log)
		app = s.handleContainer
	}
	s.http = backend.NewServer(backend.Options{
		Kind:          cfg.Kind,
		App:           app,
		Wrap:          deps.Wrap,
		Log:           deps.Log,
		MaxClients:    cfg.MaxClients,
		ClientTimeout: cfg.ClientTimeout,
		HeadTimeout:   cfg.HeadTimeout,
		// The methods that carry a body in Swift's protocol: the replicator's REPLICATE
		// and the proxy's UPDATE (JSON items: the expirer queue of async deletes) and
		// PUT (a sharded container's JSON shard ranges); POST, DELETE, HEAD and GET
		// read none.
		BodyMethods: []string{"PUT", "UPDATE", "REPLICATE"},
		MaxBodySize: 16 << 20,
		Responder:   s.respond,
	})
	return s
}

// Handler is the whole pipeline, for tests that serve it in-process.
func (s *Server) Handler() fasthttp.RequestHandler { return s.http.Handler() }

// Serve accepts connections until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.http.Serve(ln) }

// Shutdown stops accepting, lets requests in flight finish, then returns.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

// The methods each server answers, as BaseStorageServer lists its public methods.
var (
	containerMethods = backend.Methods{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "REPLICATE", "UPDATE"}
	accountMethods   = backend.Methods{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "REPLICATE"}
)

// common answers what both servers answer alike (OPTIONS, REPLICATE, unknown methods)
// and reports whether it did.
func (s *Server) common(ctx *fasthttp.RequestCtx, methods backend.Methods) bool {
	if backend.AnswerOptionsOr405(ctx, s.cfg.Kind, methods) {
		return true
	}
	if string(ctx.Method()) == "REPLICATE" {
		s.replicate(ctx)
		return true
	}
	return false
}

// backendContext is the context of a request's database work. Not the fasthttp
// RequestCtx: that one is cancelled when shutdown starts, and a graceful shutdown lets
// requests in flight finish. The backends bound every call with their own timeouts.
func backendContext() context.Context { return context.Background() }

func itoa(n int) string { return strconv.Itoa(n) }
