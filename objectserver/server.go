package objectserver

import (
	"context"
	"net"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/backend"
)

// Server is one object server process.
type Server struct {
	cfg      Config
	policies diskfile.Policies
	updates  *Updater
	log      *zap.Logger
	respond  backend.Responder
	http     *backend.Server
}

// objectMethods are the methods Swift's object server answers.
var objectMethods = backend.Methods{"DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "REPLICATE", "SSYNC"}

// New assembles a server; wrap decorates the object handler with the pipeline's middleware.
func New(cfg Config, policies diskfile.Policies, updates *Updater, log *zap.Logger, wrap func(fasthttp.RequestHandler) fasthttp.RequestHandler) *Server {
	s := &Server{cfg: cfg, policies: policies, updates: updates, log: log}
	s.respond = backend.Responder{Kind: backend.ObjectServer, Log: log, Mapper: engineStatus}
	s.http = backend.NewServer(backend.Options{
		Kind:          backend.ObjectServer,
		App:           s.handleObject,
		Wrap:          wrap,
		Log:           log,
		MaxClients:    cfg.MaxClients,
		ClientTimeout: cfg.ClientTimeout,
		HeadTimeout:   cfg.HeadTimeout,
		BodyMethods:   []string{"PUT", "REPLICATE", "SSYNC"},
		StreamBodies:  true,
		CheckHead:     s.checkHead,
		Responder:     s.respond,
	})
	return s
}

// Handler is the whole pipeline, for tests that serve it in-process.
func (s *Server) Handler() fasthttp.RequestHandler { return s.http.Handler() }

// Serve accepts connections until Shutdown.
func (s *Server) Serve(ln net.Listener) error { return s.http.Serve(ln) }

// Shutdown stops accepting, lets requests in flight finish, then returns.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.Shutdown(ctx) }

func (s *Server) handleObject(ctx *fasthttp.RequestCtx) {
	var req *objectRequest
	if err := s.serveObject(ctx, &req); err != nil {
		if ctx.IsPut() && (req == nil || !req.bodyRead) {
			// The body is left unread, and fasthttp does not skip it: the next request
			// must not be read from it.
			ctx.SetConnectionClose()
		}
		s.respond.Respond(ctx, err)
	}
}

func (s *Server) serveObject(ctx *fasthttp.RequestCtx, served **objectRequest) error {
	if backend.AnswerOptionsOr405(ctx, backend.ObjectServer, objectMethods) {
		return nil
	}
	switch string(ctx.Method()) {
	case "REPLICATE":
		s.replicate(ctx)
		return nil
	case "SSYNC":
		s.ssync(ctx)
		return nil
	}
	req, err := s.parseRequest(&ctx.Request.Header)
	if err != nil {
		return err
	}
	req.ctx = ctx
	*served = req
	switch string(ctx.Method()) {
	case "GET", "HEAD":
		return s.get(req)
	case "PUT":
		return s.put(req)
	case "POST":
		return s.post(req)
	}
	return s.delete(req)
}

// parseRequest validates what every object request names, in Swift's order: the
// path's UTF-8 (412), the storage policy (503), the path's shape (400), the reserved
// namespace (400).
func (s *Server) parseRequest(h *fasthttp.RequestHeader) (*objectRequest, error) {
	device, partition, account, container, object, err := parseObjectPath(h.RequestURI())
	if err == nil && !backend.ValidUTF8Path(device, partition, account, container, object) {
		return nil, backend.ErrInvalidUTF8()
	}
	idx, _, ok := backend.PolicyIndex(h)
	engine, perr := s.policies.Engine(idx)
	if !ok || perr != nil {
		return nil, backend.Plain(http.StatusServiceUnavailable, "No policy with index "+string(h.Peek(backend.PolicyIndexHeader)))
	}
	if err != nil {
		return nil, err
	}
	if err := backend.ValidateInternalNames(account, container, object, backend.AutoCreateAccountPrefix); err != nil {
		return nil, err
	}
	return &objectRequest{device: device, partition: partition, engine: engine,
		ref: diskfile.ObjectRef{Policy: idx, Account: account, Container: container, Object: object}}, nil
}

// checkHead refuses, before the body is read (and before "100 Continue"), a PUT that
// Swift's checks refuse from its head alone.
func (s *Server) checkHead(h *fasthttp.RequestHeader) error {
	if !h.IsPut() {
		return nil
	}
	r, err := s.parseRequest(h)
	if err != nil {
		return err
	}
	ts, err := backend.Timestamp(h)
	if err != nil {
		return err
	}
	visit := func(v func(k, v string)) { backend.VisitHead(h, v) }
	if _, _, err = s.checkObjectCreation(h, visit, r.ref.Object, ts); err != nil {
		return err
	}
	// An If-None-Match is decided by the stored version, read here as Swift reads it
	// before the body; a PUT without one is not slowed by a read (its timestamp is
	// guarded when it commits).
	if inm := h.Peek("If-None-Match"); len(inm) > 0 {
		if _, stored, err := s.currentVersion(r); err == nil && ifNoneMatchFails(string(inm), stored) {
			return backend.Status(http.StatusPreconditionFailed)
		}
	}
	return nil
}

// requestContext is the context of a request's backend work. Not the fasthttp
// RequestCtx itself: that one is cancelled when the server starts shutting down, and
// a graceful shutdown lets requests in flight finish. Every backend op is bounded by
// the librados timeouts instead.
func requestContext(*fasthttp.RequestCtx) context.Context { return context.Background() }

// replicate answers Swift's replicator: Ceph replicates, so this node reports no
// suffix hashes (a pickled empty dict, which is what Swift's REPLICATE returns for a
// partition with nothing in it), and the replicator has nothing to sync.
func (s *Server) replicate(ctx *fasthttp.RequestCtx) {
	if ctx.Request.Header.ContentLength() != 0 {
		ctx.SetConnectionClose() // its body is not read
	}
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("application/octet-stream")
	ctx.SetBody(emptyPickledDict)
}

// emptyPickledDict is pickle protocol 2 for {}: "\x80\x02" PROTO, "}" EMPTY_DICT, "." STOP.
var emptyPickledDict = []byte("\x80\x02}.")

// ssync answers Swift's ssync sender with empty missing-check and updates sections:
// nothing is missing here, because every node reads the same pool.
func (s *Server) ssync(ctx *fasthttp.RequestCtx) {
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetConnectionClose()
	ctx.SetBodyString(":MISSING_CHECK: START\r\n:MISSING_CHECK: END\r\n:UPDATES: START\r\n:UPDATES: END\r\n")
}

var zeroTime time.Time
