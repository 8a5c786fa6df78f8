package objectserver

// Conditional GET and HEAD, following swift/common/swob.py at 2.30.1
// (Match, normalize_etag, _datetime_property,
// Response._get_conditional_response_status, which _response_iter runs
// before anything else, HEAD and Range included) and
// swift/common/request_helpers.py (resolve_etag_is_at_header). The object
// server builds both its GET/HEAD 200s and its 404s with
// conditional_response=True; a 404 carries no ETag and no Last-Modified.

import (
	"strings"
	"time"
)

// ConditionalHeaders are the request's precondition headers, verbatim. An
// empty string means the header is absent.
//
// Known difference: swob treats a present-but-empty If-Match as an empty
// list that nothing matches (412 on an existing object); here an empty
// value cannot be told from an absent header and is ignored. A value of
// only spaces or commas is still a present, empty list, as in swob, so a
// caller that can see the header is present but empty gets swob's answer by
// passing "," instead.
type ConditionalHeaders struct {
	IfMatch, IfNoneMatch, IfModifiedSince, IfUnmodifiedSince string
}

// EvaluateConditions returns 0 when the response should go ahead (200, 206,
// 416 or, when !exists, the 404), or 304 or 412, whose body is empty
// (Content-Length: 0). It is the same for GET and HEAD. swob checks, in this
// order, and the first hit wins:
//
//  1. If-None-Match lists the etag, or "*": 304.
//  2. If-Match is present and lists neither the etag nor "*": 412.
//  3. The object does not exist and If-Match lists "*": 412.
//  4. If-Modified-Since parses and Last-Modified <= it: 304.
//  5. If-Unmodified-Since parses and Last-Modified > it: 412.
//
// Checks 1 and 2 are skipped when etag is empty, and checks 4 and 5 when
// lastModified is zero; when !exists both are skipped (swob's 404 has no
// ETag and no Last-Modified), so a missing object only ever gets 412 from
// "If-Match: *" and otherwise stays 404 (If-Match: "abc" and
// If-None-Match: * included). If-Modified-Since is still honoured when
// If-None-Match is present and does not match (swob does not implement RFC
// 7232's rule that If-None-Match overrides it), and If-Unmodified-Since
// when If-Match matched.
//
// etag is the value conditions are checked against: ConditionalETag's
// result. Etags are compared after stripping one pair of surrounding double
// quotes from both sides; weak etags (W/"...") get no special treatment.
//
// lastModified is the object's timestamp; like the object server's
// Last-Modified (math.ceil of X-Timestamp) it is rounded up to a whole
// second before comparing. Dates are parsed like Python's
// email.utils.parsedate (RFC 1123 "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
// "Sunday, 06-Nov-94 08:49:37 GMT", asctime "Sun Nov  6 08:49:37 1994" and
// looser variants) and are taken as UTC whatever zone they name; a date that
// does not parse or is out of datetime's range (years 1-9999) is ignored.
func EvaluateConditions(h ConditionalHeaders, etag string, lastModified time.Time, exists bool) int {
	if !exists {
		etag = ""
		lastModified = time.Time{}
	}
	ifMatch, hasIfMatch := swobParseMatch(h.IfMatch)
	ifNoneMatch, hasIfNoneMatch := swobParseMatch(h.IfNoneMatch)

	if etag != "" && hasIfNoneMatch && ifNoneMatch.contains(etag) {
		return 304
	}
	if etag != "" && hasIfMatch && !ifMatch.contains(etag) {
		return 412
	}
	if !exists && hasIfMatch && ifMatch.star {
		return 412
	}

	if lastModified.IsZero() {
		return 0
	}
	lm := lastModified.Unix()
	if lastModified.Nanosecond() != 0 {
		lm++ // ceil, like Timestamp.ceil()
	}
	if since, ok := swobParseDate(h.IfModifiedSince); ok && lm <= since {
		return 304
	}
	if since, ok := swobParseDate(h.IfUnmodifiedSince); ok && lm > since {
		return 412
	}
	return 0
}

// ConditionalETag implements resolve_etag_is_at_header plus the fallback of
// swob's Response.conditional_etag. etagIsAt is the request's
// X-Backend-Etag-Is-At value: a comma-separated list of metadata names, tried
// from left to right; the value of the first name present in metadata is the
// etag (used as stored, even if empty, in which case etag checks are
// skipped). Names are matched case-insensitively, like HeaderKeyDict (an
// exact-case key wins over other spellings). When none is present, or
// etagIsAt is empty, the result is etag (the object's ETag metadata) with
// every double quote removed, as swob's Response.etag getter does.
func ConditionalETag(etagIsAt string, metadata map[string]string, etag string) string {
	for _, name := range strings.Split(etagIsAt, ",") {
		name = swobTrimSpace(name)
		if name == "" {
			continue
		}
		if v, ok := swobLookupHeader(metadata, name); ok {
			return v
		}
	}
	return strings.ReplaceAll(etag, `"`, "")
}

// swobLookupHeader finds name in metadata case-insensitively; an exact key
// wins, otherwise the smallest matching key (for determinism).
func swobLookupHeader(metadata map[string]string, name string) (string, bool) {
	if v, ok := metadata[name]; ok {
		return v, true
	}
	found, value := "", ""
	ok := false
	for k, v := range metadata {
		if strings.EqualFold(k, name) && (!ok || k < found) {
			found, value, ok = k, v, true
		}
	}
	return value, ok
}

// swobMatch is swob.Match: the set of tags of an If-Match or If-None-Match
// header, each stripped of one pair of surrounding quotes.
type swobMatch struct {
	tags map[string]struct{}
	star bool
}

// swobParseMatch parses an If-[None-]Match value; present is false for "".
func swobParseMatch(header string) (m swobMatch, present bool) {
	if header == "" {
		return m, false
	}
	m.tags = make(map[string]struct{})
	for _, tag := range strings.Split(header, ",") {
		tag = swobTrimSpace(tag)
		if tag == "" {
			continue
		}
		tag = swobNormalizeEtag(tag)
		if tag == "*" {
			m.star = true
		}
		m.tags[tag] = struct{}{}
	}
	return m, true
}

// contains is Match.__contains__: "*" matches everything.
func (m swobMatch) contains(etag string) bool {
	if m.star {
		return true
	}
	_, ok := m.tags[swobNormalizeEtag(etag)]
	return ok
}

// swobNormalizeEtag strips one pair of surrounding double quotes.
func swobNormalizeEtag(tag string) string {
	if len(tag) >= 2 && tag[0] == '"' && tag[len(tag)-1] == '"' {
		return tag[1 : len(tag)-1]
	}
	return tag
}

var swobMonthNames = []string{
	"jan", "feb", "mar", "apr", "may", "jun", "jul",
	"aug", "sep", "oct", "nov", "dec",
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december",
}

var swobDayNames = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

func swobIndex(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}

// swobParseDate is swob's _datetime_property getter: Python's
// email.utils.parsedate (the time zone is parsed but dropped, so every date
// is read as UTC) followed by datetime(..., UTC), which rejects fields out of
// range. It returns Unix seconds.
func swobParseDate(value string) (int64, bool) {
	if value == "" {
		return 0, false
	}
	data := swobSplitSpace(value)
	if len(data) == 0 {
		return 0, false
	}
	if strings.HasSuffix(data[0], ",") || swobIndex(swobDayNames, strings.ToLower(data[0])) >= 0 {
		data = data[1:] // a day name
	} else if i := strings.LastIndexByte(data[0], ','); i >= 0 {
		data[0] = data[0][i+1:]
	}
	if len(data) == 3 { // RFC 850: 06-Nov-94
		if stuff := strings.Split(data[0], "-"); len(stuff) == 3 {
			data = append(stuff, data[1:]...)
		}
	}
	if len(data) == 4 {
		s := data[3]
		i := strings.IndexByte(s, '+')
		if i == -1 {
			i = strings.IndexByte(s, '-')
		}
		if i > 0 {
			data = append(data[:3:3], s[:i], s[i:])
		} else {
			data = append(data, "") // dummy tz
		}
	}
	if len(data) < 5 {
		return 0, false
	}
	dd, mm, yy, tm, tz := data[0], data[1], data[2], data[3], data[4]
	if dd == "" || mm == "" || yy == "" {
		return 0, false
	}
	mm = strings.ToLower(mm)
	if swobIndex(swobMonthNames, mm) < 0 {
		dd, mm = mm, strings.ToLower(dd)
		if swobIndex(swobMonthNames, mm) < 0 {
			return 0, false
		}
	}
	month := swobIndex(swobMonthNames, mm) + 1
	if month > 12 {
		month -= 12
	}
	dd = strings.TrimSuffix(dd, ",")
	if strings.IndexByte(yy, ':') > 0 {
		yy, tm = tm, yy
	}
	if strings.HasSuffix(yy, ",") {
		yy = yy[:len(yy)-1]
		if yy == "" {
			return 0, false
		}
	}
	if !swobIsDigitChar(yy[0]) {
		yy, tz = tz, yy
	}
	_ = tz // parsedate drops the zone
	tm = strings.TrimSuffix(tm, ",")
	var thh, tmm, tss string
	parts := strings.Split(tm, ":")
	switch {
	case len(parts) == 2:
		thh, tmm, tss = parts[0], parts[1], "0"
	case len(parts) == 3:
		thh, tmm, tss = parts[0], parts[1], parts[2]
	case len(parts) == 1 && strings.Contains(tm, "."):
		parts = strings.Split(tm, ".")
		switch len(parts) {
		case 2:
			thh, tmm, tss = parts[0], parts[1], "0"
		case 3:
			thh, tmm, tss = parts[0], parts[1], parts[2]
		default:
			return 0, false
		}
	default:
		return 0, false
	}
	year, ok1 := swobPyInt(yy)
	day, ok2 := swobPyInt(dd)
	hour, ok3 := swobPyInt(thh)
	minute, ok4 := swobPyInt(tmm)
	sec, ok5 := swobPyInt(tss)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return 0, false
	}
	if year < 100 {
		if year > 68 {
			year += 1900
		} else {
			year += 2000
		}
	}
	// datetime(year, month, day, hour, minute, sec)
	if year < 1 || year > 9999 || day < 1 || hour < 0 || hour > 23 ||
		minute < 0 || minute > 59 || sec < 0 || sec > 59 {
		return 0, false
	}
	if day > int64(time.Date(int(year), time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()) {
		return 0, false
	}
	return time.Date(int(year), time.Month(month), int(day), int(hour), int(minute), int(sec), 0, time.UTC).Unix(), true
}

// swobSplitSpace is Python's str.split() for a Latin-1 string.
func swobSplitSpace(s string) []string {
	var out []string
	start := -1
	for i := 0; i < len(s); i++ {
		if swobIsSpace(s[i]) {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		} else if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// swobIsDigitChar is str.isdigit() for one Latin-1 character (which counts
// the superscripts ¹ ² ³, that int() then rejects).
func swobIsDigitChar(c byte) bool {
	return (c >= '0' && c <= '9') || c == 0xb2 || c == 0xb3 || c == 0xb9
}

// swobPyInt is Python's int() for a token without whitespace: an optional
// sign and ASCII digits with single underscores between them. The magnitude
// saturates far above any valid date field.
func swobPyInt(s string) (int64, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	d, ok := swobPyIntDigits(s)
	if !ok || strings.ContainsAny(s, "+ ") {
		return 0, false
	}
	v := swobSaturatingInt(d)
	if v > 1<<40 {
		v = 1 << 40
	}
	if neg {
		v = -v
	}
	return v, true
}
