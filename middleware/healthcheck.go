package middleware

import (
	"net/http"
	"os"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/internal/config"
)

// healthcheckSettings are the keys of a [filter:...] with use = egg:swift#healthcheck.
type healthcheckSettings struct{ DisablePath string }

func (s *healthcheckSettings) keys() []config.Key {
	return []config.Key{
		config.String("disable_path", &s.DisablePath, "", "while this file exists, /healthcheck answers 503 DISABLED BY FILE"),
	}
}

// Healthcheck is Swift's healthcheck filter: a request for /healthcheck (any method,
// as in Swift) is answered 200 "OK", or 503 "DISABLED BY FILE" while the file named by
// the disable_path setting exists; every other path goes to next.
func Healthcheck(settings map[string]string) Middleware {
	var hs healthcheckSettings
	_ = config.SectionOf("filter:healthcheck", settings).Decode(hs.keys()) // text only: nothing to refuse
	disablePath := hs.DisablePath
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
