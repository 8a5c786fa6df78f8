package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

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

// visitHeaders calls visit for every request header, in the order they came.
func (r *request) visitHeaders(visit func(key, value string)) {
	for k, v := range r.ctx.Request.Header.All() {
		visit(string(k), string(v))
	}
}

// rawPath is the request's path as the client quoted it (fasthttp's Path() collapses
// "//" and resolves "..", which would change names).
func rawPath(ctx *fasthttp.RequestCtx) string {
	raw := string(ctx.Request.Header.RequestURI())
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// splitPath is Swift's split_path followed by validate_device_partition: between
// minSegs and maxSegs segments, the first minSegs not empty; with restWithLast the last
// segment keeps any further slashes. Missing optional segments are "".
func splitPath(raw string, minSegs, maxSegs int, restWithLast bool) ([]string, error) {
	path, err := url.PathUnescape(raw)
	if err != nil {
		return nil, badRequestPlain("Invalid path: " + raw)
	}
	invalid := badRequestPlain("Invalid path: " + raw)
	var segs []string
	if restWithLast {
		segs = strings.SplitN(path, "/", maxSegs+1)
		if segs[0] != "" || len(segs) < minSegs+1 || len(segs) > maxSegs+1 {
			return nil, invalid
		}
	} else {
		segs = strings.SplitN(path, "/", maxSegs+2)
		n := len(segs)
		if segs[0] != "" || n < minSegs+1 || n > maxSegs+2 || (n == maxSegs+2 && segs[maxSegs+1] != "") {
			return nil, invalid
		}
	}
	for _, s := range segs[1 : minSegs+1] {
		if s == "" {
			return nil, invalid
		}
	}
	out := make([]string, maxSegs)
	copy(out, segs[1:min(len(segs), maxSegs+1)])
	for i, what := range []string{"device", "partition"} {
		if v := out[i]; v == "" || strings.Contains(v, "/") || v == "." || v == ".." {
			return nil, badRequestPlain("Invalid " + what + ": " + url.PathEscape(v))
		}
	}
	return out, nil
}

// validNames is Swift's check_utf8(path, internal=True) on the decoded path: NUL, the
// reserved byte, is allowed; invalid UTF-8 is not.
func validNames(parts ...string) bool {
	for _, p := range parts {
		if !utf8.ValidString(p) {
			return false
		}
	}
	return true
}

// reservedNamespace is Swift's RESERVED byte: names starting with it are internal.
const reservedNamespace = "\x00"

// validateInternalNames is validate_internal_container/obj: the reserved byte may only
// start a name, and objects and containers stay in the same namespace.
func validateInternalNames(account, container, object, autoCreatePrefix string) error {
	check := func(name, what string) error {
		if strings.Contains(name, reservedNamespace) && !strings.HasPrefix(name, reservedNamespace) {
			return badRequest("Invalid reserved-namespace " + what)
		}
		return nil
	}
	if err := check(account, "account"); err != nil {
		return err
	}
	if err := check(container, "container"); err != nil {
		return err
	}
	if object == "" || strings.HasPrefix(account, autoCreatePrefix) {
		return nil
	}
	if err := check(object, "object"); err != nil {
		return err
	}
	inReserved := strings.HasPrefix(container, reservedNamespace)
	switch {
	case inReserved && !strings.HasPrefix(object, reservedNamespace):
		return badRequest("Invalid user-namespace object in reserved-namespace container")
	case !inReserved && strings.HasPrefix(object, reservedNamespace):
		return badRequest("Invalid reserved-namespace object in user-namespace container")
	}
	return nil
}

// timestamp is valid_timestamp: every change carries X-Timestamp.
func (r *request) timestamp() (swift.Timestamp, error) {
	if !r.hasHeader("X-Timestamp") {
		return swift.Timestamp{}, badRequestPlain("Missing X-Timestamp header")
	}
	ts, err := swift.ParseTimestamp(r.header("X-Timestamp"))
	if err != nil {
		return ts, badRequestPlain("Invalid X-Timestamp header")
	}
	return ts, nil
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
		return 0, &httpError{status: http.StatusPreconditionFailed, body: "Maximum limit is " + strconv.Itoa(max)}
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
