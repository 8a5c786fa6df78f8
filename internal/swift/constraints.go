package swift

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/radosswift/radosswift/internal/config"
)

// Swift's default constraints (swift/common/constraints.py); a [swift-constraints]
// section in swift.conf may override them.
type Constraints struct {
	MaxFileSize         int64
	MaxMetaNameLength   int
	MaxMetaValueLength  int
	MaxMetaCount        int
	MaxMetaOverallSize  int
	MaxHeaderSize       int
	MaxObjectNameLength int
}

// DefaultConstraints are Swift's built-in values.
var DefaultConstraints = Constraints{
	MaxFileSize:         5368709122,
	MaxMetaNameLength:   128,
	MaxMetaValueLength:  256,
	MaxMetaCount:        90,
	MaxMetaOverallSize:  4096,
	MaxHeaderSize:       8192,
	MaxObjectNameLength: 1024,
}

// BadRequest is a client error with the body text Swift sends.
type BadRequest struct{ Reason string }

func (e *BadRequest) Error() string { return e.Reason }

func badRequest(format string, args ...any) error {
	return &BadRequest{Reason: fmt.Sprintf(format, args...)}
}

// CheckMetadata applies Swift's check_metadata to request headers, for the target
// ("object", "container" or "account"): name and value lengths, count, total size.
func (c Constraints) CheckMetadata(headers func(visit func(key, value string)), target string) error {
	prefix := "x-" + target + "-meta-"
	count, size := 0, 0
	var err error
	headers(func(key, value string) {
		if err != nil {
			return
		}
		if len(value) > c.MaxHeaderSize {
			err = badRequest("Header value too long: %s", truncate(key, c.MaxMetaNameLength))
			return
		}
		if !strings.HasPrefix(strings.ToLower(key), prefix) {
			return
		}
		name := key[len(prefix):]
		if name == "" {
			err = badRequest("Metadata name cannot be empty")
			return
		}
		if target != "object" && (!utf8.ValidString(name) || !utf8.ValidString(value)) {
			err = badRequest("Metadata must be valid UTF-8")
			return
		}
		count++
		size += len(name) + len(value)
		switch {
		case len(name) > c.MaxMetaNameLength:
			err = badRequest("Metadata name too long: %s%s", prefix, name)
		case len(value) > c.MaxMetaValueLength:
			err = badRequest("Metadata value longer than %d: %s%s", c.MaxMetaValueLength, prefix, name)
		case count > c.MaxMetaCount:
			err = badRequest("Too many metadata items; max %d", c.MaxMetaCount)
		case size > c.MaxMetaOverallSize:
			err = badRequest("Total metadata too large; max %d", c.MaxMetaOverallSize)
		}
	})
	return err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// DeleteAt applies check_delete_headers: X-Delete-After becomes an X-Delete-At, which
// must be an integer after now (unless replicating). It returns 0 when neither is set.
func DeleteAt(deleteAfter, deleteAt string, now Timestamp, replication bool) (int64, error) {
	nowSecs := float64(now.Ticks) / ticksPerSecond
	if deleteAfter != "" {
		after, err := strconv.ParseInt(deleteAfter, 10, 64)
		if err != nil {
			return 0, badRequest("Non-integer X-Delete-After")
		}
		at := clampDeleteAt(int64(nowSecs) + min(max(after, -1<<40), 1<<40))
		if float64(at) <= nowSecs {
			return 0, badRequest("X-Delete-After in past")
		}
		return at, nil
	}
	if deleteAt == "" {
		return 0, nil
	}
	at, err := strconv.ParseInt(deleteAt, 10, 64)
	if err != nil {
		return 0, badRequest("Non-integer X-Delete-At")
	}
	at = clampDeleteAt(at)
	if float64(at) <= nowSecs && !replication {
		return 0, badRequest("X-Delete-At in past")
	}
	return at, nil
}

// clampDeleteAt is normalize_delete_at_timestamp's range: 0 to 9999999999.
func clampDeleteAt(at int64) int64 { return min(max(at, 0), 9999999999) }

// Header classes of Swift's request_helpers.
func IsUserMeta(target, key string) bool {
	return hasPrefixFold(key, "x-"+target+"-meta-")
}

func IsSysMeta(target, key string) bool {
	return hasPrefixFold(key, "x-"+target+"-sysmeta-")
}

func IsObjectTransientSysmeta(key string) bool {
	return hasPrefixFold(key, "x-object-transient-sysmeta-")
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// TrueValue is Swift's config_true_value (for request headers; see config.TrueValue).
func TrueValue(v string) bool { return config.TrueValue(v) }

// TitleHeader capitalises a header name as Swift's .title() does ("content-type" →
// "Content-Type").
func TitleHeader(key string) string {
	b := []byte(strings.ToLower(key))
	upper := true
	for i, c := range b {
		if upper && c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
		upper = !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z')
	}
	return string(b)
}
