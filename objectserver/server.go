package objectserver

import (
	"context"
	"net"
	"net/http"
	"time"
	"unicode/utf8"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/httpserve"
	"github.com/radosswift/radosswift/version"
)

// Server is one object server process.
type Server struct {
	cfg      Config
	policies diskfile.Policies
	updates  *Updater
	log      *zap.Logger
	handler  fasthttp.RequestHandler
	http     *fasthttp.Server
}

// New assembles a server; wrap decorates the object handler with the pipeline's middleware.
func New(cfg Config, policies diskfile.Policies, updates *Updater, log *zap.Logger, wrap func(fasthttp.RequestHandler) fasthttp.RequestHandler) *Server {
	s := &Server{cfg: cfg, policies: policies, updates: updates, log: log}
	s.handler = s.handleObject
	if wrap != nil {
		s.handler = wrap(s.handler)
	}
	s.handler = httpserve.RecoverPanics(log, s.handler)
	s.http = &fasthttp.Server{
		Handler:                       s.handler,
		Name:                          "radosswift-object-server",
		Concurrency:                   cfg.MaxClients,
		StreamRequestBody:             true,
		DisablePreParseMultipartForm:  true,
		DisableHeaderNamesNormalizing: false,
		NoDefaultContentType:          true,
		NoDefaultDate:                 false,
		ReadBufferSize:                16 << 10, // Swift allows 8 KiB header values
		// Large bodies leave in writes of this size (4 KiB by default: 256 syscalls per MiB).
		WriteBufferSize: 64 << 10,
		IdleTimeout:     cfg.ClientTimeout,
		TCPKeepalive:    true,
		Logger:          httpserve.ZapPrintf{Log: log},
		HeaderReceived:  ignoreBodiesNotSent,
	}
	return s
}

// ignoreBodiesNotSent: the Swift proxy copies the client's Content-Length onto the
// backend requests of its subrequests (s3api's HEAD of an upload marker carries the
// part's length), but it only ever sends a body with PUT (and the replication verbs).
// fasthttp would wait for those bytes before calling the handler; Swift's server
// never reads them. The connection is closed after such a request, so that a body a
// client did send cannot be taken for the next request. A request without any length
// (fasthttp's -2) keeps its connection: closing it would cost every GET a new connection.
func ignoreBodiesNotSent(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	announcesBody := h.ContentLength() > 0 || h.ContentLength() == -1 // -1: chunked
	if announcesBody && !h.IsPut() && string(h.Method()) != "REPLICATE" && string(h.Method()) != "SSYNC" {
		h.SetContentLength(0)
		h.SetConnectionClose()
	}
	return fasthttp.RequestConfig{}
}

// Handler is the whole pipeline, for tests that serve it in-process.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handler }

// Serve accepts connections until Shutdown. Each connection gets client_timeout as a
// per-read idle limit (a slow but live upload is fine, a silent client is dropped)
// and node_timeout... as Swift's per-chunk timeouts.
func (s *Server) Serve(ln net.Listener) error {
	return s.http.Serve(httpserve.Listener(ln, s.cfg.ClientTimeout, s.cfg.ClientTimeout))
}

// Shutdown stops accepting, lets requests in flight finish, then returns.
func (s *Server) Shutdown(ctx context.Context) error {
	return s.http.ShutdownWithContext(ctx)
}

func (s *Server) handleObject(ctx *fasthttp.RequestCtx) {
	method := string(ctx.Method())
	switch method {
	case "REPLICATE":
		s.replicate(ctx)
		return
	case "SSYNC":
		s.ssync(ctx)
		return
	case "OPTIONS":
		// Swift's BaseStorageServer: 200 with the methods served and the server type.
		ctx.Response.Header.Set("Allow", allowedMethods)
		ctx.Response.Header.Set("Server", "object-server/"+version.Version)
		ctx.SetStatusCode(http.StatusOK)
		return
	case "GET", "HEAD", "PUT", "POST", "DELETE":
	default:
		ctx.Response.Header.Set("Allow", allowedMethods)
		respondError(ctx, http.StatusMethodNotAllowed, "")
		return
	}
	device, partition, account, container, object, err := parseObjectPath(ctx.Request.Header.RequestURI())
	if err != nil {
		respondError(ctx, statusFor(err), err.Error())
		return
	}
	// Swift's check_utf8(path, internal=True): NUL (the reserved byte) is allowed,
	// invalid UTF-8 is not (pending updates, kept as JSON, could not name it either).
	for _, part := range []string{device, partition, account, container, object} {
		if !utf8.ValidString(part) {
			respondError(ctx, http.StatusPreconditionFailed, "Invalid UTF8 or contains NULL")
			return
		}
	}
	idx, ok := policyIndex(ctx)
	engine, perr := s.policies.Engine(idx)
	if !ok || perr != nil {
		respondError(ctx, http.StatusServiceUnavailable, "No policy with index "+string(ctx.Request.Header.Peek("X-Backend-Storage-Policy-Index")))
		return
	}
	req := &objectRequest{ctx: ctx, device: device, partition: partition, engine: engine,
		ref: diskfile.ObjectRef{Policy: idx, Account: account, Container: container, Object: object}}
	switch method {
	case "GET", "HEAD":
		s.get(req)
	case "PUT":
		s.put(req)
	case "POST":
		s.post(req)
	case "DELETE":
		s.delete(req)
	}
}

const allowedMethods = "DELETE, GET, HEAD, OPTIONS, POST, PUT, REPLICATE, SSYNC"

// requestContext is the context of a request's backend work. Not the fasthttp
// RequestCtx itself: that one is cancelled when the server starts shutting down, and
// a graceful shutdown lets requests in flight finish. Every backend op is bounded by
// the librados timeouts instead.
func requestContext(*fasthttp.RequestCtx) context.Context { return context.Background() }

// respondError answers with Swift's plain error bodies.
func respondError(ctx *fasthttp.RequestCtx, status int, body string) {
	ctx.SetStatusCode(status)
	if body == "" {
		body = http.StatusText(status)
	}
	if ctx.IsHead() {
		ctx.Response.Header.SetContentLength(len(body))
		ctx.Response.SkipBody = true
		return
	}
	ctx.SetContentType("text/plain; charset=UTF-8")
	ctx.SetBodyString(body)
}

// replicate answers Swift's replicator: Ceph replicates, so this node reports no
// suffix hashes (a pickled empty dict, which is what Swift's REPLICATE returns for a
// partition with nothing in it), and the replicator has nothing to sync.
func (s *Server) replicate(ctx *fasthttp.RequestCtx) {
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
