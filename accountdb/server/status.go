package server

import (
	"context"
	"errors"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/accountdb"
)

// httpError is an answer decided by the protocol (Swift raises HTTPException for
// these): a status, Swift's body text and any headers that go with it.
type httpError struct {
	status  int
	body    string
	headers map[string]string
}

func (e *httpError) Error() string {
	if e.body != "" {
		return e.body
	}
	return http.StatusText(e.status)
}

func badRequest(body string) error { return &httpError{status: http.StatusBadRequest, body: body} }

// statusFor maps every error a handler returns to the status Swift answers with:
// the one place where accountdb's errors become status codes.
func statusFor(err error) int {
	var h *httpError
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &h):
		return h.status
	case errors.Is(err, accountdb.ErrNotFound):
		return http.StatusNotFound
	case errors.Is(err, accountdb.ErrAlreadyExists):
		return http.StatusConflict
	case errors.Is(err, accountdb.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// respondError answers err with its status, body and headers (Swift's plain error
// bodies; HEAD answers carry the length without the body).
func respondError(ctx *fasthttp.RequestCtx, err error) {
	status := statusFor(err)
	body := ""
	var h *httpError
	if errors.As(err, &h) {
		body = h.body
		for k, v := range h.headers {
			ctx.Response.Header.Set(k, v)
		}
	}
	respondStatus(ctx, status, body)
}

// respondStatus answers with a status and a plain text body (the status text for an
// error without one); a HEAD answer carries the length without the body.
func respondStatus(ctx *fasthttp.RequestCtx, status int, body string) {
	ctx.SetStatusCode(status)
	if body == "" && status >= 400 {
		body = http.StatusText(status)
	}
	if body == "" {
		ctx.Response.Header.SetContentLength(0)
		return
	}
	ctx.SetContentType("text/plain; charset=UTF-8")
	if ctx.IsHead() {
		ctx.Response.Header.SetContentLength(len(body))
		ctx.Response.SkipBody = true
		return
	}
	ctx.SetBodyString(body)
}
