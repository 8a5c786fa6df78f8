package objectserver

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// objectRequest is a request whose path names an object of a policy this node serves.
type objectRequest struct {
	ctx       *fasthttp.RequestCtx
	device    string
	partition string
	ref       diskfile.ObjectRef
	engine    diskfile.Engine
}

// header returns a request header (case-insensitive).
func (r *objectRequest) header(name string) string {
	return string(r.ctx.Request.Header.Peek(name))
}

// hasHeader tells an absent header from an empty one.
func (r *objectRequest) hasHeader(name string) bool {
	return r.ctx.Request.Header.Peek(name) != nil
}

// visitHeaders calls visit for every request header.
func (r *objectRequest) visitHeaders(visit func(key, value string)) {
	for k, v := range r.ctx.Request.Header.All() {
		visit(string(k), string(v))
	}
}

// timestamp is the request's X-Timestamp, which Swift requires for every change.
func (r *objectRequest) timestamp() (swift.Timestamp, error) {
	v := r.header("X-Timestamp")
	if v == "" {
		return swift.Timestamp{}, &swift.BadRequest{Reason: "Missing X-Timestamp header"}
	}
	ts, err := swift.ParseTimestamp(v)
	if err != nil {
		return ts, &swift.BadRequest{Reason: "Invalid X-Timestamp header"} // swob's text
	}
	return ts, nil
}

// parseObjectPath splits "/device/partition/account/container/object" as Swift's
// split_and_validate_path(req, 5, 5, True) does: the object keeps any further slashes.
// The raw request URI is decoded here, so that names with "//", "." or ".." segments
// reach the engine exactly as the proxy quoted them.
func parseObjectPath(rawURI []byte) (device, partition, account, container, object string, err error) {
	raw := string(rawURI)
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	path, uerr := url.PathUnescape(raw)
	if uerr != nil || !strings.HasPrefix(path, "/") {
		return "", "", "", "", "", &swift.BadRequest{Reason: "Invalid path: " + raw}
	}
	parts := strings.SplitN(path[1:], "/", 5)
	if len(parts) != 5 {
		return "", "", "", "", "", &swift.BadRequest{Reason: "Invalid path: " + path}
	}
	for _, p := range parts {
		if p == "" {
			return "", "", "", "", "", &swift.BadRequest{Reason: "Invalid path: " + path}
		}
	}
	for _, p := range parts[:2] {
		if p == "." || p == ".." {
			return "", "", "", "", "", &swift.BadRequest{Reason: "Invalid device or partition: " + p}
		}
	}
	return parts[0], parts[1], parts[2], parts[3], parts[4], nil
}

// policyIndex reads X-Backend-Storage-Policy-Index (0 when absent).
func policyIndex(ctx *fasthttp.RequestCtx) (int, bool) {
	v := string(ctx.Request.Header.Peek("X-Backend-Storage-Policy-Index"))
	if v == "" {
		return 0, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	return n, err == nil
}
