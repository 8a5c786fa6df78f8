package backend

import (
	"context"
	"errors"
	"net/http"

	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
)

// Error is an answer the protocol decided (Swift raises an HTTPException for these):
// a status, Swift's body text, the headers that go with it, and the cause, if any,
// that the log should carry.
type Error struct {
	Status  int
	Body    string            // "" for swob's standard page of the status
	Headers map[string]string // set on the response as they are
	Plain   bool              // the body is text/plain (Swift's content_type="text/plain"); swob's pages are HTML
	Empty   bool              // no body at all, not even swob's page (Swift passed body='')
	Cause   error             // why, for the log of a 5xx
	closes  bool              // the connection closes after the answer
}

func (e *Error) Error() string {
	switch {
	case e.Body != "" && e.Cause != nil:
		return e.Body + ": " + e.Cause.Error()
	case e.Body != "":
		return e.Body
	case e.Cause != nil:
		return http.StatusText(e.Status) + ": " + e.Cause.Error()
	}
	return http.StatusText(e.Status)
}

func (e *Error) Unwrap() error { return e.Cause }

// Status is an answer with swob's standard page for the status.
func Status(status int) *Error { return &Error{Status: status} }

// Plain is an answer whose body is Swift's text, as text/plain.
func Plain(status int, body string) *Error { return &Error{Status: status, Body: body, Plain: true} }

// BadRequest is a 400 with Swift's text/plain reason.
func BadRequest(body string) *Error { return Plain(http.StatusBadRequest, body) }

// BadRequestHTML is a 400 whose reason swob sends as text/html (Swift passed no
// content type).
func BadRequestHTML(body string) *Error { return &Error{Status: http.StatusBadRequest, Body: body} }

// StatusClientDisconnect is what Swift answers and logs for a client that went away
// mid-request.
const StatusClientDisconnect = 499

// StatusMapper maps a server's own errors (engine, database) to a status; ok is false
// for an error it does not know, which is then a 500.
type StatusMapper func(err error) (status int, ok bool)

// Responder writes every error answer of a server: one place for swob's status pages,
// the headers, and a log line with the cause of every 5xx.
type Responder struct {
	Kind   Kind
	Log    *zap.Logger
	Mapper StatusMapper
}

// StatusOf is the status err is answered with.
func (r Responder) StatusOf(err error) int {
	var e *Error
	switch {
	case err == nil:
		return http.StatusOK
	case errors.As(err, &e):
		return e.Status
	}
	if r.Mapper != nil {
		if status, ok := r.Mapper(err); ok {
			return status
		}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// Respond answers err as swob would: its status, headers and body (swob's page for
// the status when there is none); a HEAD answer has the body's length and no body.
// Every 5xx is logged with its cause, the method, path and transaction id.
func (r Responder) Respond(ctx *fasthttp.RequestCtx, err error) {
	status := r.StatusOf(err)
	var e *Error
	if !errors.As(err, &e) || e.Status != status {
		e = &Error{Status: status, Cause: err}
	}
	if status >= 500 && status != StatusClientDisconnect && r.Log != nil {
		r.Log.Error("request failed",
			zap.String("server", string(r.Kind)),
			zap.ByteString("method", ctx.Method()),
			zap.ByteString("path", ctx.Request.Header.RequestURI()),
			zap.Int("status", status),
			zap.ByteString("txn", ctx.Request.Header.Peek("X-Trans-Id")),
			zap.NamedError("cause", causeOf(err)))
	}
	for k, v := range e.Headers {
		ctx.Response.Header.Set(k, v)
	}
	if e.Empty {
		ctx.SetStatusCode(status)
		ctx.Response.Header.SetContentLength(0)
		return
	}
	WriteStatus(ctx, status, e.Body, e.Plain)
}

func causeOf(err error) error {
	var e *Error
	if errors.As(err, &e) && e.Cause != nil {
		return e.Cause
	}
	return err
}

// WriteStatus writes a status with body (text/plain when plain, else text/html), or
// swob's standard page when body is empty and the status has one. A HEAD answer has
// no body; its Content-Length is a given body's length, and 0 for a standard page
// (swob computes that page only for requests other than HEAD).
func WriteStatus(ctx *fasthttp.RequestCtx, status int, body string, plain bool) {
	ctx.SetStatusCode(status)
	contentType := "text/html; charset=UTF-8"
	if plain {
		contentType = "text/plain" // swob sets no charset with content_type="text/plain"
	}
	headLength := len(body)
	if body == "" {
		body = SwobPage(status)
		contentType = "text/html; charset=UTF-8"
	}
	if body == "" {
		ctx.Response.Header.SetContentLength(0)
		return
	}
	ctx.SetContentType(contentType)
	if ctx.IsHead() {
		ctx.Response.Header.SetContentLength(headLength)
		ctx.Response.SkipBody = true
		return
	}
	ctx.SetBodyString(body)
}

// SwobPage is swob's body for a response given none (its RESPONSE_REASONS), "" for
// the statuses that have no explanation.
func SwobPage(status int) string {
	r, ok := responseReasons[status]
	if !ok || r[1] == "" {
		return ""
	}
	return "<html><h1>" + r[0] + "</h1><p>" + r[1] + "</p></html>"
}

// responseReasons are swob's titles and explanations (507 names no drive here: the
// pool is the drive).
var responseReasons = map[int][2]string{
	202: {"Accepted", "The request is accepted for processing."},
	400: {"Bad Request", "The server could not comply with the request since it is either malformed or otherwise incorrect."},
	401: {"Unauthorized", "This server could not verify that you are authorized to access the document you requested."},
	403: {"Forbidden", "Access was denied to this resource."},
	404: {"Not Found", "The resource could not be found."},
	405: {"Method Not Allowed", "The method is not allowed for this resource."},
	406: {"Not Acceptable", "The resource is not available in a format acceptable to your browser."},
	408: {"Request Timeout", "The server has waited too long for the request to be sent by the client."},
	409: {"Conflict", "There was a conflict when trying to complete your request."},
	410: {"Gone", "This resource is no longer available."},
	411: {"Length Required", "Content-Length header required."},
	412: {"Precondition Failed", "A precondition for this request was not met."},
	413: {"Request Entity Too Large", "The body of your request was too large for this server."},
	414: {"Request URI Too Long", "The request URI was too long for this server."},
	415: {"Unsupported Media Type", "The request media type is not supported by this server."},
	416: {"Requested Range Not Satisfiable", "The Range requested is not available."},
	417: {"Expectation Failed", "Expectation failed."},
	422: {"Unprocessable Entity", "Unable to process the contained instructions"},
	499: {"Client Disconnect", "The client was disconnected during request."},
	500: {"Internal Error", "The server has either erred or is incapable of performing the requested operation."},
	501: {"Not Implemented", "The requested method is not implemented by this server."},
	502: {"Bad Gateway", "Bad gateway."},
	503: {"Service Unavailable", "The server is currently unavailable. Please try again at a later time."},
	504: {"Gateway Timeout", "A timeout has occurred speaking to a backend server."},
	507: {"Insufficient Storage", "There was not enough space to save the resource. Drive: unknown"},
}
