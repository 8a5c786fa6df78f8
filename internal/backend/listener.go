package backend

import (
	"fmt"
	"net/http"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
)

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
