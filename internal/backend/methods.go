package backend

import (
	"net/http"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/version"
)

// Methods are the methods a server answers, as BaseStorageServer lists its public ones.
type Methods []string

// Allow is the Allow header's value.
func (m Methods) Allow() string { return strings.Join(m, ", ") }

// Has reports whether the server answers method.
func (m Methods) Has(method string) bool {
	for _, x := range m {
		if x == method {
			return true
		}
	}
	return false
}

// AnswerOptionsOr405 answers what every backend server answers alike and reports
// whether it did: OPTIONS (200 with Allow and the server's type, as BaseStorageServer)
// and a method the server does not have (405 with Allow).
func AnswerOptionsOr405(ctx *fasthttp.RequestCtx, kind Kind, methods Methods) bool {
	method := string(ctx.Method())
	switch {
	case method == "OPTIONS":
		ctx.Response.Header.Set("Allow", methods.Allow())
		ctx.Response.Header.Set("Server", string(kind)+"/"+version.Version)
		ctx.SetStatusCode(http.StatusOK)
		ctx.Response.Header.SetContentLength(0)
		return true
	case !methods.Has(method):
		ctx.Response.Header.Set("Allow", methods.Allow())
		WriteStatus(ctx, http.StatusMethodNotAllowed, "", false)
		return true
	}
	return false
}
