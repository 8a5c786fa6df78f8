// Package backend is what every Swift backend server of the product shares, as
// Swift's BaseStorageServer is to its object, container and account servers: the
// fasthttp server and its limits (how a request head is read, bodies announced but
// never sent, checks answered before the body), connection deadlines, the path and
// name rules, the request helpers, OPTIONS and 405, one error model that writes
// swob's pages and logs every 5xx with its cause, and the HTTP client that sends
// container and account updates. The object, container and account servers are
// built on it; none of this is written twice.
package backend

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"

	"github.com/radosswift/radosswift/internal/headconn"
)

// Kind is which server a process is; it names the server in OPTIONS answers, logs
// and metrics.
type Kind string

const (
	ObjectServer    Kind = "object-server"
	ContainerServer Kind = "container-server"
	AccountServer   Kind = "account-server"
)

// Swift's request head limits, as its servers (eventlet's wsgi with Swift's settings)
// enforce them: each header line shorter than MaxHeaderLine bytes, the header lines
// together at most MaxHeadersSize bytes, at most MaxHeaderCount headers (Swift's
// bufferedhttp raises http.client's limit to 1.6 × MAX_HEADER_COUNT: 201 lines are
// refused), a request line shorter than MaxRequestLine (414). Swift does not
// cap the head's total otherwise, so neither do we: the read buffer holds a whole
// head at these limits.
const (
	MaxRequestLine = 8192
	MaxHeaderLine  = 8192
	MaxHeadersSize = 65536
	MaxHeaderCount = 200
	readBufferSize = MaxRequestLine + MaxHeadersSize + 4096
)

// DefaultHeadTimeout: Swift's proxy sends a head in one write; a client that needs
// longer is trickling it.
const DefaultHeadTimeout = 10 * time.Second

// Options are what a server is built from.
type Options struct {
	Kind Kind
	App  fasthttp.RequestHandler                               // the protocol handler
	Wrap func(fasthttp.RequestHandler) fasthttp.RequestHandler // the pipeline's middleware; may be nil
	Log  *zap.Logger

	MaxClients    int           // requests served at once
	ClientTimeout time.Duration // a client that sends nothing this long is dropped
	// HeadTimeout bounds the time to read a whole request head from its first byte
	// (Swift has no such bound: a client trickling its head held a slot for ever);
	// 0 means DefaultHeadTimeout, and it never exceeds ClientTimeout.
	HeadTimeout time.Duration

	// BodyMethods are the methods whose request bodies the server reads; a body
	// announced on any other request is never read (see headReceived).
	BodyMethods []string
	// StreamBodies hands bodies to the handler as a stream (object PUTs of any size);
	// otherwise bodies are read whole, up to MaxBodySize.
	StreamBodies bool
	MaxBodySize  int
	// CheckHead runs Swift's checks that need no body (sizes, names, metadata) once
	// the head is read: a request it refuses is answered at once, before any
	// "100 Continue" and without waiting for the body. May be nil.
	CheckHead func(h *fasthttp.RequestHeader) error
	// Responder answers errors (CheckHead's among them).
	Responder Responder
}

// Server is one backend server process's HTTP side.
type Server struct {
	opts    Options
	handler fasthttp.RequestHandler
	http    *fasthttp.Server

	// Requests refused by CheckHead or the head limits, keyed by their header, until
	// the handler answers them: fasthttp's HeaderReceived cannot answer by itself.
	refused      sync.Map // *fasthttp.RequestHeader → error
	refusedCount atomic.Int64
}

// NewServer builds a server around opts.App.
func NewServer(opts Options) *Server {
	if opts.Log == nil {
		opts.Log = zap.NewNop()
	}
	if opts.Responder.Log == nil {
		opts.Responder.Log = opts.Log
	}
	if opts.Responder.Kind == "" {
		opts.Responder.Kind = opts.Kind
	}
	if opts.HeadTimeout <= 0 {
		opts.HeadTimeout = DefaultHeadTimeout
	}
	if opts.ClientTimeout > 0 {
		opts.HeadTimeout = min(opts.HeadTimeout, opts.ClientTimeout)
	}
	s := &Server{opts: opts}
	h := s.answerRefused(opts.App)
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	s.handler = RecoverPanics(opts.Log, s.checkFraming(h))
	s.http = &fasthttp.Server{
		Handler:                      s.handler,
		Name:                         "radosswift-" + string(opts.Kind),
		Concurrency:                  opts.MaxClients,
		StreamRequestBody:            opts.StreamBodies,
		MaxRequestBodySize:           opts.MaxBodySize,
		DisablePreParseMultipartForm: true,
		NoDefaultContentType:         true,
		ReadBufferSize:               readBufferSize,
		// Large bodies leave in writes of this size (4 KiB by default: 256 syscalls per MiB).
		WriteBufferSize: 64 << 10,
		IdleTimeout:     opts.ClientTimeout,
		TCPKeepalive:    true,
		Logger:          ZapPrintf{Log: opts.Log},
		HeaderReceived:  s.headReceived,
		ErrorHandler:    answerUnreadable,
	}
	return s
}

// Handler is the whole pipeline, for tests that serve it in-process.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handler }

// Serve accepts connections until Shutdown. Connections are read through headconn,
// which lets fasthttp take UTF-8 header names, bounds the time to read a head, and
// gives each read and write client_timeout as its deadline (Swift's per-chunk
// timeouts): a slow but live upload is fine, a silent client is dropped.
func (s *Server) Serve(ln net.Listener) error {
	return s.http.Serve(headconn.Listen(ln, headconn.Config{
		ReadTimeout:  s.opts.ClientTimeout,
		WriteTimeout: s.opts.ClientTimeout,
		HeadTimeout:  s.opts.HeadTimeout,
		BodyMethods:  s.opts.BodyMethods,
		UnsentBodies: true, // as headReceived frames them
	}))
}

// checkFraming closes, with a 500, a connection whose request fasthttp framed other
// than headconn did: past that point the two would disagree on where bodies end.
func (s *Server) checkFraming(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if f, tracked := headconn.FramingOf(ctx.Conn(), ctx.ConnRequestNum()); tracked && !f.Passthrough &&
			!f.Agrees(&ctx.Request.Header) && !s.isRefused(ctx) {
			s.opts.Log.Error("request framing: fasthttp and the head reader disagree; closing the connection",
				zap.String("method", f.Method), zap.Int64("head_length", int64(f.ContentLength)),
				zap.Int("fasthttp_length", ctx.Request.Header.ContentLength()))
			ctx.SetConnectionClose()
			WriteStatus(ctx, http.StatusInternalServerError, "", false)
			return
		}
		next(ctx)
	}
}

// Shutdown stops accepting, lets requests in flight finish, then returns.
func (s *Server) Shutdown(ctx context.Context) error { return s.http.ShutdownWithContext(ctx) }

// headReceived runs once a request head is read, before fasthttp reads any body or
// sends "100 Continue":
//   - a head over Swift's limits, or one CheckHead refuses, is answered at once: its
//     body is not read, no "100 Continue" goes out, and the connection closes after
//     the answer (a body the client sends anyway cannot be taken for a request);
//   - a body announced on a request whose body the server never reads is not waited
//     for, and the connection stays usable: the Swift proxy copies the client's
//     Content-Length (or chunked framing) onto the HEADs, GETs and DELETEs of its
//     subrequests (s3api's HEAD of a bucket carries the upload's length) and never
//     sends those bodies; Swift's daemons send none either.
func (s *Server) headReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	announcesBody := h.ContentLength() > 0 || h.ContentLength() == -1 // -1: chunked
	readsBody := s.readsBody(h.Method())
	if expect := h.Peek("Expect"); expect != nil && string(expect) != "100-continue" && strings.EqualFold(string(expect), "100-continue") {
		h.Set("Expect", "100-continue") // fasthttp knows only the lower-case spelling; Swift any
	}
	err := checkHeadLimits(h)
	if err == nil && readsBody && s.opts.CheckHead != nil {
		err = s.opts.CheckHead(h)
	}
	if err != nil {
		s.refused.Store(h, err)
		s.refusedCount.Add(1)
		h.Del("Expect")
		var e *Error
		if announcesBody || errors.As(err, &e) && e.closes {
			h.SetContentLength(0)
			h.SetConnectionClose()
		}
		return fasthttp.RequestConfig{}
	}
	if announcesBody && !readsBody {
		h.SetContentLength(0)
	}
	return fasthttp.RequestConfig{}
}

func (s *Server) readsBody(method []byte) bool {
	for _, m := range s.opts.BodyMethods {
		if string(method) == m {
			return true
		}
	}
	return false
}

// answerRefused answers the requests headReceived refused, before the app sees them
// (the middleware does see them: they are logged and counted like any other).
func (s *Server) answerRefused(app fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		if s.refusedCount.Load() > 0 {
			if err, ok := s.refused.LoadAndDelete(&ctx.Request.Header); ok {
				s.refusedCount.Add(-1)
				s.opts.Responder.Respond(ctx, err.(error))
				return
			}
		}
		app(ctx)
	}
}

// isRefused: headReceived refused the request, dropped the body it announced and
// closes the connection after the answer.
func (s *Server) isRefused(ctx *fasthttp.RequestCtx) bool {
	if s.refusedCount.Load() == 0 {
		return false
	}
	_, ok := s.refused.Load(&ctx.Request.Header)
	return ok
}

// checkHeadLimits applies Swift's head limits to the raw request line and header
// lines; eventlet answers them with an empty 400 (431 for too many headers, 414 for
// the request line) and closes the connection.
func checkHeadLimits(h *fasthttp.RequestHeader) error {
	if len(h.Method())+len(h.RequestURI())+len(" HTTP/1.1\r\n")+1 >= MaxRequestLine {
		return headLimit(http.StatusRequestURITooLong)
	}
	raw := h.RawHeaders()
	count, size := 0, 2 // the blank line ends the head
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i+1], raw[i+1:]
		} else {
			raw = nil
		}
		// headconn escapes a UTF-8 name byte as %XX: count it as the one byte sent.
		if name, _, ok := bytes.Cut(line, []byte(":")); ok {
			line = line[:len(line)-2*bytes.Count(name, []byte("%"))]
		}
		if len(line) >= MaxHeaderLine {
			return headLimit(http.StatusBadRequest)
		}
		if len(bytes.TrimSpace(line)) > 0 {
			count++
		}
		size += len(line)
	}
	if size > MaxHeadersSize {
		return headLimit(http.StatusBadRequest)
	}
	if count > MaxHeaderCount {
		return headLimit(http.StatusRequestHeaderFieldsTooLarge)
	}
	return nil
}

// headLimit is eventlet's answer to a head over a limit: no body, and the connection
// closed (headReceived closes it).
func headLimit(status int) *Error { return &Error{Status: status, Empty: true, closes: true} }

// answerUnreadable answers a request fasthttp could not read: a head bigger than the
// read buffer is over Swift's limits (Swift answers 400 "Headers Too Large", where
// fasthttp would say 431, a status the proxy does not expect); a body that stopped
// coming is 408; anything else is malformed, 400.
func answerUnreadable(ctx *fasthttp.RequestCtx, err error) {
	var small *fasthttp.ErrSmallBuffer
	var netErr net.Error
	switch {
	case errors.As(err, &small):
		ctx.SetStatusCode(http.StatusBadRequest) // eventlet's "Headers Too Large": no body
		ctx.Response.Header.SetContentLength(0)
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		WriteStatus(ctx, http.StatusRequestEntityTooLarge, "", false)
	case errors.As(err, &netErr) && netErr.Timeout():
		WriteStatus(ctx, http.StatusRequestTimeout, "", false)
	default:
		WriteStatus(ctx, http.StatusBadRequest, "", false)
	}
}
