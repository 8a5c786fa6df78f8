package backend

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// RequestPath is the request's path as the client quoted it, without the query
// (fasthttp's Path() collapses "//" and resolves "..", which would change names).
func RequestPath(requestURI []byte) string {
	raw := string(requestURI)
	if i := strings.IndexByte(raw, '?'); i >= 0 {
		raw = raw[:i]
	}
	return raw
}

// SplitPath is Swift's split_and_validate_path: split_path of the unquoted path (between
// minSegs and maxSegs segments, the first minSegs not empty; with restWithLast the
// last segment keeps any further slashes) and validate_device_partition. Missing
// optional segments are "". Every failure is Swift's 400 with its text.
func SplitPath(raw string, minSegs, maxSegs int, restWithLast bool) ([]string, error) {
	invalid := BadRequest("Invalid path: " + raw)
	path, err := url.PathUnescape(raw)
	if err != nil {
		return nil, invalid
	}
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
			return nil, BadRequest("Invalid " + what + ": " + url.PathEscape(v))
		}
	}
	return out, nil
}

// ValidUTF8Path is Swift's check_utf8(path, internal=True) on the unquoted path: NUL,
// the reserved byte, is allowed (the internal namespace); invalid UTF-8 is not.
// Servers answer 412 "Invalid UTF8 or contains NULL" when it fails.
func ValidUTF8Path(parts ...string) bool {
	for _, p := range parts {
		if !utf8.ValidString(p) {
			return false
		}
	}
	return true
}

// ErrInvalidUTF8 is the answer to a path that fails ValidUTF8Path.
func ErrInvalidUTF8() *Error { return &Error{Status: 412, Body: "Invalid UTF8 or contains NULL"} }

// Reserved is Swift's RESERVED byte: names starting with it are internal (object
// versioning's hidden containers and objects).
const Reserved = "\x00"

// AutoCreateAccountPrefix starts the names of Swift's own accounts
// (".expiring_objects", ".misplaced_objects", ".shards_*"): Swift 2.30.1 deprecates
// configuring it, and so it is fixed here.
const AutoCreateAccountPrefix = "."

// ValidateInternalNames is Swift's validate_internal_container and
// validate_internal_obj: the reserved byte may only start a name, and objects stay in
// their container's namespace; objects of Swift's own accounts (autoCreatePrefix:
// ".expiring_objects", ".misplaced_objects") are exempt. container and object may be
// "" (an account or a container request).
func ValidateInternalNames(account, container, object, autoCreatePrefix string) error {
	check := func(name, what string) error {
		if strings.Contains(name, Reserved) && !strings.HasPrefix(name, Reserved) {
			return BadRequestHTML("Invalid reserved-namespace " + what)
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
	inReserved := strings.HasPrefix(container, Reserved)
	switch {
	case inReserved && !strings.HasPrefix(object, Reserved):
		return BadRequestHTML("Invalid user-namespace object in reserved-namespace container")
	case !inReserved && strings.HasPrefix(object, Reserved):
		return BadRequestHTML("Invalid reserved-namespace object in user-namespace container")
	}
	return nil
}
