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

// VisitHeaders calls visit for every request header, each name as Swift's servers see
// it (SwiftHeaderName of the name the client sent: headconn escapes the bytes
// fasthttp refuses in names, and this undoes it, for the heads headconn tracked).
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
		visit(SwiftHeaderName(k), string(v))
	}
}

// SwiftHeaderName is a request header's name as Swift's servers read it through WSGI:
// eventlet makes it HTTP_NAME (upper case, "-" as "_") and swob gives it back with
// "_" as "-" and title-cased ("x-object-meta-foo_bar" is "X-Object-Meta-Foo-Bar";
// "Foo=5fbar" is "Foo=5Fbar", as s3api's encoding of "_" needs). Bytes above ASCII
// are kept as sent (Python would title-case them as Latin-1 letters and break UTF-8).
func SwiftHeaderName(name []byte) string {
	out := make([]byte, len(name))
	prevCased := false
	for i, c := range name {
		switch {
		case c == '_':
			c = '-'
		case c >= 'a' && c <= 'z' && !prevCased:
			c -= 'a' - 'A'
		case c >= 'A' && c <= 'Z' && prevCased:
			c += 'a' - 'A'
		}
		out[i] = c
		prevCased = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	return string(out)
}
