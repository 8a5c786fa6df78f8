package objectserver

// Byte ranges for GET, following swift/common/swob.py at 2.30.1: Range
// (header parsing), Range.ranges_for_length (clipping and the RFC 7233
// section 6.1 denial-of-service limits), Response._response_iter (which
// outcome becomes 200, 206 or 416), Response._prepare_for_ranges (the
// Content-Length of a multi-range answer) and multi_range_iterator (the
// multipart/byteranges body).
//
// How a GET handler uses this file, in swob's order:
//
//  1. Conditional headers first (EvaluateConditions): 304 and 412 win over
//     416 and 206.
//  2. HEAD ignores Range entirely: swob returns before looking at it, so a
//     HEAD with any Range header is a plain 200 with the whole Content-Length.
//  3. ranges, err := ParseRange(rangeHeader, size):
//     - err == ErrRangeUnsatisfiable: 416 with
//       "Content-Range: bytes */SIZE" (UnsatisfiableContentRange);
//     - len(ranges) == 0: 200 with the whole object (no Range header, a
//       syntactically invalid one, or a zero-byte object);
//     - len(ranges) == 1: 206 with "Content-Range: bytes S-E/SIZE"
//       (ContentRangeValue) and Content-Length End-Start;
//     - len(ranges) > 1: 206 with Content-Type
//       MultipartByterangesContentType(boundary), Content-Length
//       MultipartByterangesLength(...), body WriteMultipartByteranges(...),
//       where contentType is the object's own Content-Type.

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ByteRange is one satisfiable range of an object, half-open like swob's
// (start, end) tuples: it covers bytes Start through End-1, so its length is
// End-Start and its Content-Range is "bytes Start-(End-1)/SIZE". ParseRange
// only returns ranges with 0 <= Start < End <= size.
type ByteRange struct {
	Start int64 // first byte, inclusive
	End   int64 // one past the last byte (exclusive)
}

// Len is the number of bytes in the range.
func (r ByteRange) Len() int64 { return r.End - r.Start }

// ErrRangeUnsatisfiable means the Range header was syntactically valid but
// none of its ranges can be served for this object, or it asked for an
// egregious set of ranges; the answer is 416 with
// "Content-Range: bytes */SIZE".
var ErrRangeUnsatisfiable = errors.New("requested range not satisfiable")

// The limits of swob.Range.ranges_for_length (MAX_RANGES,
// MAX_RANGE_OVERLAPS, MAX_NONASCENDING_RANGES in swob.py).
const (
	swobMaxRanges             = 50
	swobMaxRangeOverlaps      = 2
	swobMaxNonascendingRanges = 8
)

// rangeSpec is one byte-range-spec of the header before it meets the object
// size; a missing bound is flagged by hasStart/hasEnd. Values that do not fit
// in an int64 saturate at math.MaxInt64, which does not change any outcome
// since sizes are int64 too.
type rangeSpec struct {
	start, end       int64
	hasStart, hasEnd bool
}

// ParseRange applies Swift's rules for a GET's Range header against an
// object of size bytes.
//
//   - An empty or syntactically invalid header (not "bytes=", a spec without
//     '-', "bytes=-", a non-numeric bound, "--1", an end before its start such
//     as "bytes=5-3", ...) is ignored: nil, nil, and the whole object is
//     served with 200.
//   - "S-E" is clipped to the object ([S, min(E+1, size))), "S-" runs to the
//     end, "-N" is the last N bytes (the whole object when N >= size);
//     ranges starting at or beyond size and "-0" are dropped.
//   - If nothing is left, or more than 50 ranges remain, or more than 2 pairs
//     of them overlap, or 8 or more remain and they are not in ascending
//     order, the error is ErrRangeUnsatisfiable (416).
//   - A zero-byte object with a satisfiable suffix range ("bytes=-10") is
//     served whole with 200 (nil, nil), as swob does.
//
// Ranges are returned in request order and are neither merged nor sorted
// (swob does not coalesce them either).
func ParseRange(header string, size int64) ([]ByteRange, error) {
	if size < 0 {
		return nil, nil
	}
	specs, ok := parseRangeHeader(header)
	if !ok || len(specs) == 0 {
		return nil, nil
	}
	ranges := rangesForLength(specs, size)
	if len(ranges) == 0 {
		return nil, ErrRangeUnsatisfiable
	}
	if size == 0 {
		// swob: ranges were found but there are no bytes to index, so the
		// (empty) object is returned whole with 200.
		return nil, nil
	}
	return ranges, nil
}

// parseRangeHeader is swob.Range.__init__: ok is false when the header must
// be ignored.
func parseRangeHeader(header string) (specs []rangeSpec, ok bool) {
	if header == "" {
		return nil, false
	}
	// Only spaces are removed (not tabs): headerval.replace(' ', '').
	header = strings.ReplaceAll(header, " ", "")
	if len(header) < 6 || !swobASCIIEqualFold(header[:6], "bytes=") {
		return nil, false
	}
	for _, rng := range strings.Split(header[6:], ",") {
		i := strings.IndexByte(rng, '-')
		if i < 0 {
			return nil, false
		}
		startStr, endStr := rng[:i], rng[i+1:]
		var spec rangeSpec
		var startDigits string
		if startStr != "" {
			// int(start): surrounding whitespace, a '+' sign and
			// underscores between digits are accepted.
			d, ok := swobPyIntDigits(startStr)
			if !ok {
				return nil, false
			}
			spec.start, spec.hasStart, startDigits = swobSaturatingInt(d), true, d
		}
		if endStr != "" {
			// end.isdigit(): plain digits only (no sign, no "--0").
			if !swobAllDigits(endStr) {
				return nil, false
			}
			d := strings.TrimLeft(endStr, "0")
			if spec.hasStart && swobCompareDecimal(d, startDigits) < 0 {
				return nil, false
			}
			spec.end, spec.hasEnd = swobSaturatingInt(d), true
		} else if !spec.hasStart {
			return nil, false // "bytes=-"
		}
		specs = append(specs, spec)
	}
	return specs, true
}

// rangesForLength is swob.Range.ranges_for_length for a known length; an
// empty result means 416.
func rangesForLength(specs []rangeSpec, length int64) []ByteRange {
	var all []ByteRange
	for _, s := range specs {
		switch {
		case !s.hasStart:
			if s.end == 0 {
				continue // "bytes=-0"
			}
			if s.end > length {
				all = append(all, ByteRange{0, length})
			} else {
				all = append(all, ByteRange{length - s.end, length})
			}
		case !s.hasEnd:
			if s.start < length {
				all = append(all, ByteRange{s.start, length})
			}
		case s.start < length:
			end := length
			if s.end < length-1 {
				end = s.end + 1
			}
			all = append(all, ByteRange{s.start, end})
		}
	}

	if len(all) > swobMaxRanges {
		return nil
	}

	overlaps := 0
	for i := range all {
		for j := i + 1; j < len(all); j++ {
			if rangesOverlap(all[i], all[j]) {
				overlaps++
				if overlaps > swobMaxRangeOverlaps {
					return nil
				}
			}
		}
	}

	ascending := true
	for i := 0; i+1 < len(all); i++ {
		// Python compares the (start, end) tuples.
		a, b := all[i], all[i+1]
		if a.Start > b.Start || (a.Start == b.Start && a.End > b.End) {
			ascending = false
			break
		}
	}
	if !ascending && len(all) >= swobMaxNonascendingRanges {
		return nil
	}
	return all
}

// rangesOverlap is swob's test, with strict comparisons: adjacent ranges do
// not overlap, and neither do two identical ones.
func rangesOverlap(a, b ByteRange) bool {
	return (a.Start < b.Start && b.Start < a.End) ||
		(a.Start < b.End && b.End < a.End) ||
		(b.Start < a.Start && a.Start < b.End) ||
		(b.Start < a.End && a.End < b.End)
}

// swobPyIntDigits accepts what Python's int() accepts for a string that has no
// '-' in it (the start of a spec is cut at the first '-'): optional
// whitespace around, an optional '+', and ASCII digits with single
// underscores between them. It returns the digits without underscores and
// leading zeros ("" for zero).
func swobPyIntDigits(s string) (string, bool) {
	s = strings.TrimPrefix(swobTrimSpace(s), "+")
	if s == "" {
		return "", false
	}
	var b strings.Builder
	prevDigit := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			b.WriteByte(c)
			prevDigit = true
		case c == '_' && prevDigit && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			prevDigit = false
		default:
			return "", false
		}
	}
	return strings.TrimLeft(b.String(), "0"), true
}

// swobTrimSpace strips what str.strip() strips from a header value that
// WSGI decoded as Latin-1 (one byte per character).
func swobTrimSpace(s string) string {
	for len(s) > 0 && swobIsSpace(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && swobIsSpace(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

// swobIsSpace is Python's str.isspace() for a Latin-1 character.
func swobIsSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f, 0x85, 0xa0:
		return true
	}
	return false
}

func swobAllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// swobCompareDecimal compares two digit strings without leading zeros.
func swobCompareDecimal(a, b string) int {
	if len(a) != len(b) {
		if len(a) < len(b) {
			return -1
		}
		return 1
	}
	return strings.Compare(a, b)
}

// swobSaturatingInt converts a digit string without leading zeros, saturating
// at math.MaxInt64.
func swobSaturatingInt(d string) int64 {
	if d == "" {
		return 0
	}
	if len(d) > 19 {
		return math.MaxInt64
	}
	v, err := strconv.ParseUint(d, 10, 64)
	if err != nil || v > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(v)
}

func swobASCIIEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if 'A' <= ca && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if 'A' <= cb && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}

// ContentRangeValue is the Content-Range of a single-range 206:
// "bytes S-E/SIZE" with E inclusive (swob.content_range_header_value).
func ContentRangeValue(r ByteRange, size int64) string {
	return "bytes " + strconv.FormatInt(r.Start, 10) + "-" +
		strconv.FormatInt(r.End-1, 10) + "/" + strconv.FormatInt(size, 10)
}

// UnsatisfiableContentRange is the Content-Range of a 416: "bytes */SIZE".
func UnsatisfiableContentRange(size int64) string {
	return "bytes */" + strconv.FormatInt(size, 10)
}

// NewMultipartBoundary returns a boundary like swob's ("%.32x" of a random
// 128-bit number): 32 lowercase hex digits.
func NewMultipartBoundary() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("objectserver: reading random boundary: %v", err))
	}
	return hex.EncodeToString(b[:])
}

// MultipartByterangesContentType is the Content-Type of a multi-range 206,
// spelled as swob spells it (no space after the semicolon).
func MultipartByterangesContentType(boundary string) string {
	return "multipart/byteranges;boundary=" + boundary
}

// multipartPartHeader is one part's header: "--boundary\r\nContent-Type:
// TYPE\r\nContent-Range: bytes S-E/SIZE\r\n\r\n".
func multipartPartHeader(boundary, contentType string, size int64, r ByteRange) string {
	return "--" + boundary + "\r\nContent-Type: " + contentType + "\r\nContent-Range: " +
		ContentRangeValue(r, size) + "\r\n\r\n"
}

// MultipartByterangesLength is the exact number of bytes
// WriteMultipartByteranges writes for the same arguments, i.e. the
// Content-Length swob's _prepare_for_ranges announces.
func MultipartByterangesLength(boundary, contentType string, size int64, ranges []ByteRange) int64 {
	var n int64
	for _, r := range ranges {
		n += int64(len(multipartPartHeader(boundary, contentType, size, r)))
		n += r.Len()
		n += 2 // "\r\n" after the data
	}
	n += int64(len(boundary)) + 4 // "--boundary--"
	return n
}

// WriteMultipartByteranges writes swob's multipart/byteranges body
// (multi_range_iterator): for each range "--boundary\r\n", "Content-Type:
// contentType\r\n", "Content-Range: bytes S-E/SIZE\r\n", "\r\n", the range's
// bytes, "\r\n"; then "--boundary--" with no trailing CRLF.
//
// part must write exactly r.Len() bytes of the object to its writer: writing
// more fails with an error before anything extra reaches w, writing fewer
// fails after part returns, since the Content-Length was announced up front.
func WriteMultipartByteranges(w io.Writer, boundary, contentType string, size int64,
	ranges []ByteRange, part func(r ByteRange, w io.Writer) error) error {
	for _, r := range ranges {
		if _, err := io.WriteString(w, multipartPartHeader(boundary, contentType, size, r)); err != nil {
			return err
		}
		pw := &rangePartWriter{w: w, remaining: r.Len()}
		if err := part(r, pw); err != nil {
			return err
		}
		if pw.remaining != 0 {
			return fmt.Errorf("objectserver: range %d-%d: %d bytes short",
				r.Start, r.End-1, pw.remaining)
		}
		if _, err := io.WriteString(w, "\r\n"); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "--"+boundary+"--")
	return err
}

// rangePartWriter passes at most remaining bytes through to w.
type rangePartWriter struct {
	w         io.Writer
	remaining int64
}

var errRangePartTooLong = errors.New("objectserver: multipart range part wrote more than its length")

func (e *rangePartWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > e.remaining {
		return 0, errRangePartTooLong
	}
	n, err := e.w.Write(p)
	e.remaining -= int64(n)
	return n, err
}
