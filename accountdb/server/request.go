package server

import (
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

// request is one account or container request with its validated path.
type request struct {
	ctx       *fasthttp.RequestCtx
	device    string
	partition string
	account   string
	container string // "" for an account request
	object    string // "" unless an object server's row update
}

func (r *request) header(name string) string { return string(r.ctx.Request.Header.Peek(name)) }

func (r *request) hasHeader(name string) bool { return r.ctx.Request.Header.Peek(name) != nil }

// visitHeaders calls visit for every request header, in the order they came, names as
// the client sent them.
func (r *request) visitHeaders(visit func(key, value string)) { backend.VisitHeaders(r.ctx, visit) }

// rawPath is the request's path as the client quoted it.
func rawPath(ctx *fasthttp.RequestCtx) string {
	return backend.RequestPath(ctx.Request.Header.RequestURI())
}

// timestamp is valid_timestamp: every change carries X-Timestamp.
func (r *request) timestamp() (swift.Timestamp, error) {
	return backend.Timestamp(&r.ctx.Request.Header)
}

// optionalTimestamp parses a timestamp header that may be absent (zero then).
func (r *request) optionalTimestamp(name string) (swift.Timestamp, error) {
	v := r.header(name)
	if v == "" {
		return swift.Timestamp{}, nil
	}
	ts, err := swift.ParseTimestamp(v)
	if err != nil {
		return ts, badRequest("Invalid " + name + " header")
	}
	return ts, nil
}

// policyIndex is get_and_validate_policy_index: nil when the header is absent, 400
// when it names no configured policy.
func (r *request) policyIndex(policies swift.StoragePolicies) (*int, error) {
	const name = "X-Backend-Storage-Policy-Index"
	if !r.hasHeader(name) {
		return nil, nil
	}
	v := r.header(name)
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return nil, badRequestPlain("Invalid " + name + " " + pyRepr(v))
	}
	if _, ok := policies.Name(n); !ok {
		return nil, badRequestPlain("Invalid " + name + " " + strconv.Itoa(n))
	}
	return &n, nil
}

// param is get_param: a query parameter (the last of repeated ones, as swob's dict of
// parse_qsl keeps), which must be UTF-8.
func (r *request) param(name string) (string, bool, error) {
	values := r.ctx.QueryArgs().PeekMulti(name)
	if len(values) == 0 {
		return "", false, nil
	}
	v := string(values[len(values)-1])
	if !utf8.ValidString(v) {
		return "", true, badRequestPlain(`"` + name + `" parameter not valid UTF-8`)
	}
	return v, true, nil
}

// limit is constrain_req_limit: digits only count (anything else means the maximum),
// and more than the maximum is 412.
func (r *request) limit(max int) (int, error) {
	v, _, err := r.param("limit")
	if err != nil || v == "" || strings.TrimLeft(v, "0123456789") != "" {
		return max, err
	}
	n, perr := strconv.Atoi(v)
	if perr != nil || n > max {
		return 0, &backend.Error{Status: http.StatusPreconditionFailed, Body: "Maximum limit is " + strconv.Itoa(max)}
	}
	return n, nil
}

// pyRepr is Python's repr of a plain string, as Swift's error texts quote values.
func pyRepr(s string) string {
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + s + `"`
	}
	return "'" + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), "'", `\'`) + "'"
}

// allowReservedNames: the proxy's object versioning lists names in Swift's reserved
// namespace (starting with NUL); other clients never see them.
func (r *request) allowReservedNames() bool {
	return swift.TrueValue(r.header("X-Backend-Allow-Reserved-Names"))
}
