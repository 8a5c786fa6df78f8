package backend

import (
	"strconv"
	"strings"

	"github.com/valyala/fasthttp"

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
// is absent; ok is false when it is not an integer (each server answers that its way:
// the object server 503 "No policy with index", the container server 400).
func PolicyIndex(h *fasthttp.RequestHeader) (index int, present, ok bool) {
	v := h.Peek(PolicyIndexHeader)
	if v == nil {
		return 0, false, true
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(v)))
	return n, true, err == nil
}
