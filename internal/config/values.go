package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// TrueValue is Swift's config_true_value: true, 1, yes, on, t and y, in any case, are
// true; anything else is false. Request headers are read this way; config values are
// read with ParseBool, which refuses what is neither true nor false.
func TrueValue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "1", "yes", "on", "t", "y":
		return true
	}
	return false
}

// FalseValue is Swift's config_false_value: false, 0, no, off, f and n, in any case.
func FalseValue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "false", "0", "no", "off", "f", "n":
		return true
	}
	return false
}

const wantBool = "true or false (true, 1, yes, on, t, y / false, 0, no, off, f, n, any case)"

// ParseBool reads a boolean setting: Swift's true values, its false values, and an
// error for anything else (Swift would take a typo for false).
func ParseBool(v string) (bool, error) {
	switch {
	case TrueValue(v):
		return true, nil
	case FalseValue(v):
		return false, nil
	}
	return false, fmt.Errorf("want %s", wantBool)
}

// ParseInt reads an integer setting (Python's int(): decimal, optional sign).
func ParseInt(v string) (int64, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want an integer")
	}
	return n, nil
}

// ParseSeconds reads a duration setting written in seconds, fractions allowed, as
// Swift's float(conf.get(...)); negative, infinite and NaN values are refused.
func ParseSeconds(v string) (time.Duration, error) {
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || f < 0 || math.IsInf(f, 0) || math.IsNaN(f) || f > math.MaxInt64/float64(time.Second) {
		return 0, fmt.Errorf("want a number of seconds, 0 or more")
	}
	return time.Duration(f * float64(time.Second)), nil
}

// ParseList is Swift's list_from_csv: comma-separated items, trimmed, empty ones dropped.
func ParseList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
