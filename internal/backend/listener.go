package backend

import (
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
)

// Listener gives every read and write on a connection its own deadline: Swift's
// client_timeout is per chunk, not per request, so a slow but live client is served
// while one that stops sending is dropped.
func Listener(ln net.Listener, read, write time.Duration) net.Listener {
	return &deadlineListener{Listener: ln, read: read, write: write}
}

type deadlineListener struct {
	net.Listener
	read, write time.Duration
}

func (l *deadlineListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		tcp.SetNoDelay(true) // small responses must not wait for Nagle
	}
	return &deadlineConn{Conn: c, read: l.read, write: l.write}, nil
}

type deadlineConn struct {
	net.Conn
	read, write time.Duration
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	if c.read > 0 {
		c.Conn.SetReadDeadline(time.Now().Add(c.read))
	}
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	if c.write > 0 {
		c.Conn.SetWriteDeadline(time.Now().Add(c.write))
	}
	return c.Conn.Write(p)
}

// RecoverPanics turns a panic in one request into a 500 for that request: fasthttp
// does not recover handlers, and one bad request must not take the node down.
func RecoverPanics(log *zap.Logger, next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		defer func() {
			if p := recover(); p != nil {
				log.Error("request handler panicked", zap.Any("panic", p), zap.Stack("stack"),
					zap.ByteString("method", ctx.Method()), zap.ByteString("uri", ctx.Request.Header.RequestURI()))
				ctx.ResetBody()
				ctx.Response.Header.Reset()
				ctx.SetStatusCode(http.StatusInternalServerError)
				ctx.SetContentType("text/plain; charset=UTF-8")
				ctx.SetBodyString(http.StatusText(http.StatusInternalServerError))
				ctx.SetConnectionClose()
			}
		}()
		next(ctx)
	}
}

// ZapPrintf adapts zap to fasthttp's Logger.
type ZapPrintf struct{ Log *zap.Logger }

func (z ZapPrintf) Printf(format string, args ...any) { z.Log.Warn(fmt.Sprintf(format, args...)) }
