package backend

import (
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/internal/headconn"
	"github.com/radosswift/radosswift/internal/swift"
)

// Timestamp is Swift's valid_timestamp: every change carries X-Timestamp.
func Timestamp(h *fasthttp.RequestHeader) (swift.Timestamp, error) {
	v := h.Peek("X-Timestamp")
	if v == nil {
		return swift.Timestamp{}, BadRequest("Missing X-Timestamp header")
	}
	ts, err := swift.ParseTimestamp(string(v))
	if err != nil {
		return ts, BadRequest("Invalid X-Timestamp header")
	}
	return ts, nil
}

// PolicyIndexHeader is the name of the header that says which storage policy a
// request is for.
const PolicyIndexHeader = "X-Backend-Storage-Policy-Index"

// PolicyIndex reads X-Backend-Storage-Policy-Index: present is false when the header
// is absent or empty (Swift takes an empty one as policy 0); ok is false when it is not an integer (each server answers that its way:
// the object server 503 "No policy with index", the container server 400).
func PolicyIndex(h *fasthttp.RequestHeader) (index int, present, ok bool) {
	v := h.Peek(PolicyIndexHeader)
	if len(v) == 0 {
		return 0, false, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(v)))
	return n, true, err == nil
}

// VisitHeaders calls visit for every request header, each name as the client sent it:
// headconn escapes the UTF-8 bytes of names (fasthttp refuses them, Swift takes them)
// and this undoes it, for the heads headconn tracked.
func VisitHeaders(ctx *fasthttp.RequestCtx, visit func(key, value string)) {
	f, tracked := headconn.FramingOf(ctx.Conn(), ctx.ConnRequestNum())
	visitHeaders(&ctx.Request.Header, tracked && !f.Passthrough && f.EscapedNameBytes > 0, visit)
}

// VisitHead is VisitHeaders for a head before its handler runs (Options.CheckHead),
// which cannot tell a tracked head: names are always unescaped (a literal "%" in a
// name of an untracked head is then misread, which only shifts a length check).
func VisitHead(h *fasthttp.RequestHeader, visit func(key, value string)) {
	visitHeaders(h, true, visit)
}

func visitHeaders(h *fasthttp.RequestHeader, decode bool, visit func(key, value string)) {
	for k, v := range h.All() {
		if decode {
			k = headconn.DecodeName(k)
		}
		visit(string(k), string(v))
	}
}
