// Package swift holds the rules of OpenStack Swift's wire protocol that several servers
// share, written once: timestamps here, constraints beside them.
package swift

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Timestamp is Swift's X-Timestamp: seconds with five decimals, plus an optional offset
// that orders events carrying the same time (swift.common.utils.Timestamp).
type Timestamp struct {
	Ticks  int64  // 1e-5 seconds since the epoch
	Offset uint64 // tie-breaker for equal Ticks
}

const ticksPerSecond = 100000

// maxTicks keeps the normal form at its 16 characters (Swift caps at 9999999999.99999).
const maxTicks = 9999999999*ticksPerSecond + 99999

// ParseTimestamp accepts what Swift accepts: "1700000000.12345", "1700000000.1",
// "1700000000", and the internal form with an offset "1700000000.12345_000000000000000a".
func ParseTimestamp(s string) (Timestamp, error) {
	var ts Timestamp
	main, offset, hasOffset := strings.Cut(s, "_")
	if hasOffset {
		if len(offset) == 0 || len(offset) > 16 {
			return ts, fmt.Errorf("invalid timestamp %q", s)
		}
		o, err := strconv.ParseUint(offset, 16, 64)
		if err != nil {
			return ts, fmt.Errorf("invalid timestamp %q", s)
		}
		ts.Offset = o
	}
	secs, frac, _ := strings.Cut(main, ".")
	if secs == "" || strings.TrimLeft(secs, "0123456789") != "" || strings.TrimLeft(frac, "0123456789") != "" {
		return ts, fmt.Errorf("invalid timestamp %q", s)
	}
	whole, err := strconv.ParseInt(secs, 10, 64)
	if err != nil || whole > 9999999999 {
		return ts, fmt.Errorf("invalid timestamp %q", s)
	}
	// Swift rounds to five decimals.
	ticks := whole * ticksPerSecond
	if frac != "" {
		f, err := strconv.ParseFloat("0."+frac, 64)
		if err != nil {
			return ts, fmt.Errorf("invalid timestamp %q", s)
		}
		ticks += int64(f*ticksPerSecond + 0.5)
	}
	if ticks > maxTicks {
		return ts, fmt.Errorf("invalid timestamp %q", s)
	}
	ts.Ticks = ticks
	return ts, nil
}

// Now is the current time as a Swift timestamp.
func Now() Timestamp { return FromTime(time.Now()) }

// FromTime converts a time, rounding down to Swift's 10 µs resolution.
func FromTime(t time.Time) Timestamp { return Timestamp{Ticks: t.UnixNano() / 10000} }

// Time is the wall-clock time of the timestamp.
func (t Timestamp) Time() time.Time { return time.Unix(0, t.Ticks*10000) }

// IsZero reports whether no timestamp was given.
func (t Timestamp) IsZero() bool { return t.Ticks == 0 && t.Offset == 0 }

// Normal is the 16-character form "1700000000.12345" sent in X-Timestamp headers.
func (t Timestamp) Normal() string {
	return fmt.Sprintf("%010d.%05d", t.Ticks/ticksPerSecond, t.Ticks%ticksPerSecond)
}

// Internal is Normal plus "_%016x" when there is an offset. Internal forms sort as
// strings in the same order as the timestamps, which the OSD-side guards rely on.
func (t Timestamp) Internal() string {
	if t.Offset == 0 {
		return t.Normal()
	}
	return fmt.Sprintf("%s_%016x", t.Normal(), t.Offset)
}

func (t Timestamp) String() string { return t.Internal() }

// Compare returns -1, 0 or +1 as t is older than, equal to or newer than u.
func (t Timestamp) Compare(u Timestamp) int {
	switch {
	case t.Ticks < u.Ticks:
		return -1
	case t.Ticks > u.Ticks:
		return 1
	case t.Offset < u.Offset:
		return -1
	case t.Offset > u.Offset:
		return 1
	}
	return 0
}

// After reports whether t is newer than u.
func (t Timestamp) After(u Timestamp) bool { return t.Compare(u) > 0 }

// HTTPDate is the Last-Modified form: Swift rounds the timestamp up to whole seconds.
func (t Timestamp) HTTPDate() string {
	secs := (t.Ticks + ticksPerSecond - 1) / ticksPerSecond
	return time.Unix(secs, 0).UTC().Format(time.RFC1123[:len(time.RFC1123)-3] + "GMT")
}
