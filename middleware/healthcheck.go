package middleware

import (
	"net/http"
	"os"

	"github.com/valyala/fasthttp"
)

// Healthcheck is Swift's healthcheck filter: a request for /healthcheck (any method,
// as in Swift) is answered 200 "OK", or 503 "DISABLED BY FILE" while the file named by
// the disable_path setting exists; every other path goes to next.
func Healthcheck(settings map[string]string) Middleware {
	disablePath := setting(settings, "disable_path", "")
	return func(next fasthttp.RequestHandler) fasthttp.RequestHandler {
		return func(ctx *fasthttp.RequestCtx) {
			if string(ctx.Path()) != "/healthcheck" {
				next(ctx)
				return
			}
			if disablePath != "" && fileExists(disablePath) {
				respondPlain(ctx, http.StatusServiceUnavailable, "DISABLED BY FILE")
				return
			}
			respondPlain(ctx, http.StatusOK, "OK")
		}
	}
}

// fileExists is os.path.exists: anything that stats (following symlinks).
func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
