// Package middleware holds the pipeline filters of the object, container and account servers, each a fasthttp
// middleware configured from its [filter:NAME] section, as Swift's paste filters are:
//
//   - Healthcheck: Swift's healthcheck (GET /healthcheck, disable_path);
//   - Recon: Swift's recon endpoints that swift-recon asks an object server for,
//     answered from the Ceph pool and the node's async-pending queue;
//   - AccessLog: one line per request in Swift's object-server log format;
//   - Metrics: a Prometheus text exposition at /metrics.
//
// Build composes them from a [pipeline:main] line.
package middleware

import (
	"encoding/json"
	"net/http"

	"github.com/valyala/fasthttp"
)

// Middleware wraps a handler, the shape every constructor in this package returns.
type Middleware = func(next fasthttp.RequestHandler) fasthttp.RequestHandler

// respondPlain answers with a text/plain body, as swob's Response(body=..., content_type="text/plain").
func respondPlain(ctx *fasthttp.RequestCtx, status int, body string) {
	ctx.SetStatusCode(status)
	ctx.SetContentType("text/plain")
	ctx.SetBodyString(body)
}

// respondJSON answers 200 with content encoded as JSON, or 500 as Swift's recon does
// when it has nothing to encode.
func respondJSON(ctx *fasthttp.RequestCtx, content any) {
	body, err := json.Marshal(content)
	if err != nil {
		respondPlain(ctx, http.StatusInternalServerError, "Internal server error.")
		return
	}
	ctx.SetStatusCode(http.StatusOK)
	ctx.SetContentType("application/json")
	ctx.SetBody(body)
}
