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
	"net/http"
	"strconv"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	"github.com/radosswift/radosswift/accountdb"
	"github.com/radosswift/radosswift/internal/httpserve"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/version"
)

// Server is one container or account server process.
type Server struct {
	cfg      Config
	db       accountdb.Backend
	policies swift.StoragePolicies
	limits   swift.ListingLimits
	accounts *AccountReporter // container servers only
	log      *zap.Logger
	handler  fasthttp.RequestHandler
	http     *fasthttp.Server
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
	if cfg.Kind == ContainerServer {
		s.accounts = NewAccountReporter(cfg, deps.Backend, deps.Log)
		s.handler = s.handleContainer
	} else {
		s.handler = s.handleAccount
	}
	if deps.Wrap != nil {
		s.handler = deps.Wrap(s.handler)
	}
	s.handler = httpserve.RecoverPanics(deps.Log, s.handler)
	s.http = &fasthttp.Server{
		Handler:                      s.handler,
		Name:                         "radosswift-" + string(cfg.Kind),
		Concurrency:                  cfg.MaxClients,
		DisablePreParseMultipartForm: true,
		NoDefaultContentType:         true,
		ReadBufferSize:               16 << 10, // Swift allows 8 KiB header values
		IdleTimeout:                  cfg.ClientTimeout,
		TCPKeepalive:                 true,
		Logger:                       httpserve.ZapPrintf{Log: deps.Log},
	}
	return s
}

// Handler is the whole pipeline, for tests that serve it in-process.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handler }

// Serve accepts connections until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	return s.http.Serve(httpserve.Listener(ln, s.cfg.ClientTimeout, s.cfg.ClientTimeout))
}

// Shutdown stops accepting, lets requests in flight finish, then returns.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.ShutdownWithContext(ctx) }

// Allowed methods, as BaseStorageServer lists its public methods.
const (
	containerMethods = "DELETE, GET, HEAD, OPTIONS, POST, PUT, REPLICATE, UPDATE"
	accountMethods   = "DELETE, GET, HEAD, OPTIONS, POST, PUT, REPLICATE"
)

// common answers what both servers answer alike (OPTIONS, REPLICATE, unknown methods)
// and reports whether it did.
func (s *Server) common(ctx *fasthttp.RequestCtx, allowed string) bool {
	switch string(ctx.Method()) {
	case "OPTIONS":
		ctx.Response.Header.Set("Allow", allowed)
		ctx.Response.Header.Set("Server", string(s.cfg.Kind)+"/"+version.Version)
		respondStatus(ctx, http.StatusOK, "")
		return true
	case "REPLICATE":
		s.replicate(ctx)
		return true
	case "GET", "HEAD", "PUT", "POST", "DELETE":
		return false
	case "UPDATE":
		if s.cfg.Kind == ContainerServer {
			return false
		}
	}
	ctx.Response.Header.Set("Allow", allowed)
	respondStatus(ctx, http.StatusMethodNotAllowed, "")
	return true
}

// backendContext is the context of a request's database work. Not the fasthttp
// RequestCtx: that one is cancelled when shutdown starts, and a graceful shutdown lets
// requests in flight finish. The backends bound every call with their own timeouts.
func backendContext() context.Context { return context.Background() }

func itoa(n int) string { return strconv.Itoa(n) }
