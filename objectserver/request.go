package objectserver

import (
	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// objectRequest is a request whose path names an object of a policy this node serves.
type objectRequest struct {
	ctx       *fasthttp.RequestCtx
	device    string
	partition string
	ref       diskfile.ObjectRef
	engine    diskfile.Engine
	bodyRead  bool        // a PUT's body was read to its end
	headers   [][2]string // the request's headers as Swift names them, read once (visitHeaders)
}

// header returns a request header (case-insensitive).
func (r *objectRequest) header(name string) string {
	return string(r.ctx.Request.Header.Peek(name))
}

// hasHeader tells an absent header from an empty one.
func (r *objectRequest) hasHeader(name string) bool {
	return r.ctx.Request.Header.Peek(name) != nil
}

// visitHeaders calls visit for every request header, names as the client sent them.
// A PUT visits them three times (checks, metadata, listing overrides): they are read
// from fasthttp, and their names unescaped, once.
func (r *objectRequest) visitHeaders(visit func(key, value string)) {
	if r.headers == nil {
		r.headers = make([][2]string, 0, r.ctx.Request.Header.Len())
		backend.VisitHeaders(r.ctx, func(k, v string) { r.headers = append(r.headers, [2]string{k, v}) })
	}
	for _, kv := range r.headers {
		visit(kv[0], kv[1])
	}
}

// timestamp is the request's X-Timestamp, which Swift requires for every change.
func (r *objectRequest) timestamp() (swift.Timestamp, error) {
	return backend.Timestamp(&r.ctx.Request.Header)
}

// parseObjectPath splits "/device/partition/account/container/object" as Swift's
// split_and_validate_path(req, 5, 5, True) does: the object keeps any further slashes.
// The raw request URI is decoded here, so that names with "//", "." or ".." segments
// reach the engine exactly as the proxy quoted them.
func parseObjectPath(rawURI []byte) (device, partition, account, container, object string, err error) {
	segs, err := backend.SplitPath(backend.RequestPath(rawURI), 5, 5, true)
	if err != nil {
		return "", "", "", "", "", err
	}
	return segs[0], segs[1], segs[2], segs[3], segs[4], nil
}
