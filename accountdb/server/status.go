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
	plain   bool // Swift says content_type="text/plain" for this one; swob's default is HTML
}

func (e *httpError) Error() string {
	if e.body != "" {
		return e.body
	}
	return http.StatusText(e.status)
}

func badRequest(body string) error { return &httpError{status: http.StatusBadRequest, body: body} }

// badRequestPlain is a 400 that Swift answers as text/plain (path, parameter, timestamp
// and policy errors).
func badRequestPlain(body string) error {
	return &httpError{status: http.StatusBadRequest, body: body, plain: true}
}

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

// respondError answers err as swob would: its status, headers and body, in HTML (or
// plain text where Swift asks for it), swob's standard page when there is no body.
func respondError(ctx *fasthttp.RequestCtx, err error) {
	status := statusFor(err)
	var h *httpError
	if !errors.As(err, &h) {
		h = &httpError{status: status}
	}
	for k, v := range h.headers {
		ctx.Response.Header.Set(k, v)
	}
	body, contentType := h.body, "text/html; charset=UTF-8"
	if h.plain {
		contentType = "text/plain; charset=UTF-8"
	}
	if body == "" {
		body = swobErrorPage(status)
	}
	ctx.SetStatusCode(status)
	if body == "" {
		ctx.Response.Header.SetContentLength(0)
		return
	}
	ctx.SetContentType(contentType)
	if ctx.IsHead() {
		ctx.Response.Header.SetContentLength(len(body))
		ctx.Response.SkipBody = true
		return
	}
	ctx.SetBodyString(body)
}

// swobErrorPage is swob's body for an error response given none (RESPONSE_REASONS).
func swobErrorPage(status int) string {
	reasons := map[int][2]string{
		400: {"Bad Request", "The server could not comply with the request since it is either malformed or otherwise incorrect."},
		403: {"Forbidden", "Access was denied to this resource."},
		404: {"Not Found", "The resource could not be found."},
		405: {"Method Not Allowed", "The method is not allowed for this resource."},
		406: {"Not Acceptable", "The resource is not available in a format acceptable to your browser."},
		409: {"Conflict", "There was a conflict when trying to complete your request."},
		412: {"Precondition Failed", "A precondition for this request was not met."},
		500: {"Internal Error", "The server has either erred or is incapable of performing the requested operation."},
		503: {"Service Unavailable", "The server is currently unavailable. Please try again at a later time."},
	}
	r, ok := reasons[status]
	if !ok {
		return ""
	}
	return "<html><h1>" + r[0] + "</h1><p>" + r[1] + "</p></html>"
}

// respondStatus answers a success (or a 405) with a status and a plain text body;
// a HEAD answer carries the length without the body.
func respondStatus(ctx *fasthttp.RequestCtx, status int, body string) {
	ctx.SetStatusCode(status)
	if body == "" && status >= 400 {
		body = swobErrorPage(status)
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
