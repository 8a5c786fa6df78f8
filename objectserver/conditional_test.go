package objectserver

import (
	"strings"
	"testing"
	"time"
)

func TestEvaluateConditions(t *testing.T) {
	const etag = "the-etag"
	// Last-Modified of swob's TestConditionalIfModifiedSince fake app.
	lm := time.Date(2014, 2, 27, 3, 29, 37, 0, time.UTC)
	// An object server timestamp with a fraction: Last-Modified is its
	// ceiling, 03:29:37.
	lmFraction := time.Date(2014, 2, 27, 3, 29, 36, 500000000, time.UTC)
	const (
		before = "Thu, 27 Feb 2014 03:29:36 GMT"
		same   = "Thu, 27 Feb 2014 03:29:37 GMT"
		after  = "Thu, 27 Feb 2014 03:29:38 GMT"
	)
	type H = ConditionalHeaders
	tests := []struct {
		name   string
		h      H
		etag   string
		lm     time.Time
		exists bool
		want   int
	}{
		{"no conditional headers serve the object", H{}, etag, lm, true, 0},
		{"no conditional headers serve the 404 of a missing object", H{}, "", time.Time{}, false, 0},

		// If-None-Match (swob TestConditionalIfNoneMatch, obj server test_GET_if_none_match).
		{"If-None-Match with the etag is 304", H{IfNoneMatch: "the-etag"}, etag, lm, true, 304},
		{"If-None-Match with the quoted etag is 304", H{IfNoneMatch: `"the-etag"`}, etag, lm, true, 304},
		{"If-None-Match with a list holding the etag is 304", H{IfNoneMatch: `"bert", "the-etag", "ernie"`}, etag, lm, true, 304},
		{"If-None-Match with a list without the etag serves the object", H{IfNoneMatch: `"bert", "ernie"`}, etag, lm, true, 0},
		{"If-None-Match star is 304 on an existing object", H{IfNoneMatch: "*"}, etag, lm, true, 304},
		{"If-None-Match star on a missing object stays 404", H{IfNoneMatch: "*"}, "", time.Time{}, false, 0},
		{"If-None-Match with the etag on a missing object stays 404", H{IfNoneMatch: etag}, etag, lm, false, 0},
		{"If-None-Match without spaces after commas still matches", H{IfNoneMatch: `"a","the-etag"`}, etag, lm, true, 304},
		{"If-None-Match with lots of optional white space still matches", H{IfNoneMatch: `"a"   ,  ,   "the-etag"   `}, etag, lm, true, 304},
		{"If-None-Match with doubly quoted etag does not match", H{IfNoneMatch: `""the-etag""`}, etag, lm, true, 0},
		{"If-None-Match with a weak etag does not match", H{IfNoneMatch: `W/"the-etag"`}, etag, lm, true, 0},
		{"If-None-Match compares case-sensitively", H{IfNoneMatch: "THE-ETAG"}, etag, lm, true, 0},

		// If-Match (swob TestConditionalIfMatch, obj server test_GET_if_match).
		{"If-Match with the etag serves the object", H{IfMatch: "the-etag"}, etag, lm, true, 0},
		{"If-Match with the quoted etag serves the object", H{IfMatch: `"the-etag"`}, etag, lm, true, 0},
		{"If-Match with another etag is 412", H{IfMatch: "not-the-etag"}, etag, lm, true, 412},
		{"If-Match star serves an existing object", H{IfMatch: "*"}, etag, lm, true, 0},
		{"If-Match star on a missing object is 412", H{IfMatch: "*"}, "", time.Time{}, false, 412},
		{"If-Match star in a list on a missing object is 412", H{IfMatch: `"abc", *`}, "", time.Time{}, false, 412},
		{"If-Match with a quoted star on a missing object is 412", H{IfMatch: `"*"`}, "", time.Time{}, false, 412},
		{"If-Match with an etag on a missing object stays 404", H{IfMatch: "abc"}, "", time.Time{}, false, 0},
		{"If-Match with a list holding the etag serves the object", H{IfMatch: `"11111111111111111111111111111111", "the-etag"`}, etag, lm, true, 0},
		{"If-Match with a list without the etag is 412", H{IfMatch: `"11111111111111111111111111111111", "22222222222222222222222222222222"`}, etag, lm, true, 412},
		{"If-Match with only spaces is an empty list that nothing matches", H{IfMatch: "  "}, etag, lm, true, 412},
		{"If-Match with only commas is an empty list that nothing matches", H{IfMatch: ", ,"}, etag, lm, true, 412},
		{"If-Match with a doubly quoted etag is 412", H{IfMatch: `""the-etag""`}, etag, lm, true, 412},
		{"If-Match against a quoted stored etag matches the bare tag", H{IfMatch: "the-etag"}, `"the-etag"`, lm, true, 0},
		{"If-Match is skipped when there is no etag to compare", H{IfMatch: "abc"}, "", lm, true, 0},
		{"If-None-Match is skipped when there is no etag to compare", H{IfNoneMatch: "*"}, "", lm, true, 0},

		// If-Modified-Since (swob TestConditionalIfModifiedSince).
		{"If-Modified-Since before Last-Modified serves the object", H{IfModifiedSince: before}, etag, lm, true, 0},
		{"If-Modified-Since equal to Last-Modified is 304", H{IfModifiedSince: same}, etag, lm, true, 304},
		{"If-Modified-Since after Last-Modified is 304", H{IfModifiedSince: after}, etag, lm, true, 304},
		{"If-Modified-Since out of datetime's range is ignored", H{IfModifiedSince: "Sat, 31 Dec 10000 23:59:59 GMT"}, etag, lm, true, 0},
		{"If-Modified-Since that does not parse is ignored", H{IfModifiedSince: "something"}, etag, lm, true, 0},
		{"If-Modified-Since in RFC 850 form is understood", H{IfModifiedSince: "Thursday, 27-Feb-14 03:29:37 GMT"}, etag, lm, true, 304},
		{"If-Modified-Since in asctime form is understood", H{IfModifiedSince: "Thu Feb 27 03:29:37 2014"}, etag, lm, true, 304},
		{"If-Modified-Since ignores its time zone and reads UTC", H{IfModifiedSince: "Thu, 27 Feb 2014 03:29:37 +0500"}, etag, lm, true, 304},
		{"If-Modified-Since compares against Last-Modified rounded up to the second", H{IfModifiedSince: before}, etag, lmFraction, true, 0},
		{"If-Modified-Since equal to the rounded-up Last-Modified is 304", H{IfModifiedSince: same}, etag, lmFraction, true, 304},
		{"If-Modified-Since on a missing object stays 404", H{IfModifiedSince: after}, "", time.Time{}, false, 0},
		{"If-Modified-Since is skipped without a Last-Modified", H{IfModifiedSince: after}, etag, time.Time{}, true, 0},

		// If-Unmodified-Since (swob TestConditionalIfUnmodifiedSince).
		{"If-Unmodified-Since before Last-Modified is 412", H{IfUnmodifiedSince: before}, etag, lm, true, 412},
		{"If-Unmodified-Since equal to Last-Modified serves the object", H{IfUnmodifiedSince: same}, etag, lm, true, 0},
		{"If-Unmodified-Since after Last-Modified serves the object", H{IfUnmodifiedSince: after}, etag, lm, true, 0},
		{"If-Unmodified-Since out of datetime's range is ignored", H{IfUnmodifiedSince: "Sat, 31 Dec 10000 23:59:59 GMT"}, etag, lm, true, 0},
		{"If-Unmodified-Since that does not parse is ignored", H{IfUnmodifiedSince: "yesterday"}, etag, lm, true, 0},
		{"If-Unmodified-Since one second before the rounded-up Last-Modified is 412", H{IfUnmodifiedSince: before}, etag, lmFraction, true, 412},
		{"If-Unmodified-Since equal to the rounded-up Last-Modified serves the object", H{IfUnmodifiedSince: same}, etag, lmFraction, true, 0},
		{"If-Unmodified-Since on a missing object stays 404", H{IfUnmodifiedSince: before}, "", time.Time{}, false, 0},

		// Precedence: swob's order is If-None-Match, If-Match, If-Match * on
		// 404, If-Modified-Since, If-Unmodified-Since.
		{"a matching If-None-Match wins over a failing If-Match", H{IfNoneMatch: etag, IfMatch: "other"}, etag, lm, true, 304},
		{"a failing If-Match wins over a satisfied If-Modified-Since", H{IfMatch: "other", IfModifiedSince: after}, etag, lm, true, 412},
		{"If-Modified-Since still applies when If-None-Match does not match", H{IfNoneMatch: "other", IfModifiedSince: after}, etag, lm, true, 304},
		{"If-Unmodified-Since still applies when If-Match matches", H{IfMatch: etag, IfUnmodifiedSince: before}, etag, lm, true, 412},
		{"If-Modified-Since wins over a failing If-Unmodified-Since", H{IfModifiedSince: after, IfUnmodifiedSince: before}, etag, lm, true, 304},
		{"a modified object with a failing If-Unmodified-Since is 412", H{IfModifiedSince: before, IfUnmodifiedSince: before}, etag, lm, true, 412},
		{"all conditions satisfied serve the object", H{IfMatch: etag, IfNoneMatch: "other", IfModifiedSince: before, IfUnmodifiedSince: after}, etag, lm, true, 0},
		{"If-Match star on a missing object wins over dates", H{IfMatch: "*", IfModifiedSince: after}, "", time.Time{}, false, 412},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := EvaluateConditions(tc.h, tc.etag, tc.lm, tc.exists); got != tc.want {
				t.Fatalf("EvaluateConditions(%+v, %q, %v, %v) = %d, want %d", tc.h, tc.etag, tc.lm, tc.exists, got, tc.want)
			}
		})
	}
}

// The object server's own tests: Last-Modified is ceil(X-Timestamp), and
// dates are formatted with strftime from the raw timestamp +/- 1 second.
func TestEvaluateConditionsAgainstObjectServerTimestamps(t *testing.T) {
	ts := time.Unix(1393471776, 123450000).UTC() // X-Timestamp 1393471776.12345
	format := func(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC1123) }
	floor, ceil := ts.Unix(), ts.Unix()+1
	tests := []struct {
		name string
		h    ConditionalHeaders
		want int
	}{
		{"If-Modified-Since a second after the timestamp is 304", ConditionalHeaders{IfModifiedSince: format(floor + 1)}, 304},
		{"If-Modified-Since a second before the timestamp serves the object", ConditionalHeaders{IfModifiedSince: format(floor - 1)}, 0},
		{"If-Modified-Since equal to Last-Modified is 304", ConditionalHeaders{IfModifiedSince: format(ceil)}, 304},
		{"If-Modified-Since at the truncated timestamp serves the object", ConditionalHeaders{IfModifiedSince: format(floor)}, 0},
		{"If-Unmodified-Since a second after Last-Modified serves the object", ConditionalHeaders{IfUnmodifiedSince: format(ceil + 1)}, 0},
		{"If-Unmodified-Since equal to Last-Modified serves the object", ConditionalHeaders{IfUnmodifiedSince: format(ceil)}, 0},
		{"If-Unmodified-Since a second before Last-Modified is 412", ConditionalHeaders{IfUnmodifiedSince: format(ceil - 1)}, 412},
		{"If-Unmodified-Since nine seconds before the timestamp is 412", ConditionalHeaders{IfUnmodifiedSince: format(floor - 9)}, 412},
		{"If-Unmodified-Since nine seconds after the timestamp serves the object", ConditionalHeaders{IfUnmodifiedSince: format(floor + 9)}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := EvaluateConditions(tc.h, "etag", ts, true); got != tc.want {
				t.Fatalf("EvaluateConditions(%+v) = %d, want %d", tc.h, got, tc.want)
			}
		})
	}
	t.Run("a whole-second timestamp equal to If-Modified-Since is 304", func(t *testing.T) {
		whole := time.Unix(1393471776, 0)
		if got := EvaluateConditions(ConditionalHeaders{IfModifiedSince: format(1393471776)}, "etag", whole, true); got != 304 {
			t.Fatalf("got %d, want 304", got)
		}
	})
}

// Expected values computed with Python 3.11:
// datetime(*(email.utils.parsedate(value)[:7] + (UTC,))).
func TestSwobParseDate(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  int64
		ok    bool
	}{
		{"an RFC 1123 date parses", "Thu, 27 Feb 2014 03:29:37 GMT", 1393471777, true},
		{"an RFC 850 date with a two-digit year parses", "Sunday, 06-Nov-94 08:49:37 GMT", 784111777, true},
		{"an asctime date parses", "Sun Nov  6 08:49:37 1994", 784111777, true},
		{"a lowercase date parses", "sun, 06 nov 1994 08:49:37 gmt", 784111777, true},
		{"a date without a day name parses", "06 Nov 1994 08:49:37 GMT", 784111777, true},
		{"a full month name parses", "Sun, 06 November 1994 08:49:37 GMT", 784111777, true},
		{"May maps to the fifth month", "Sun, 06 May 1994 08:49:37 GMT", 768214177, true},
		{"a numeric zone is ignored", "Sun, 06 Nov 1994 08:49:37 +0500", 784111777, true},
		{"a named zone is ignored", "Sun, 06 Nov 1994 08:49:37 EST", 784111777, true},
		{"a zone glued to the time is ignored", "Sun, 06 Nov 1994 08:49:37-0500", 784111777, true},
		{"a missing zone reads as UTC", "Sun, 06 Nov 1994 08:49:37", 784111777, true},
		{"a time without seconds parses", "Sun, 06 Nov 1994 08:49 GMT", 784111740, true},
		{"a time with dots parses", "Sun, 06 Nov 1994 08.49.37 GMT", 784111777, true},
		{"no space after the day name's comma parses", "Sun,06 Nov 1994 08:49:37 GMT", 784111777, true},
		{"month before day parses", "Nov 06 1994 08:49:37 GMT", 784111777, true},
		{"two-digit year 69 is 1969", "Sun, 06 Nov 69 08:49:37 GMT", -4806623, true},
		{"two-digit year 68 is 2068", "Sun, 06 Nov 68 08:49:37 GMT", 3119417377, true},
		{"year 0001 is read as a two-digit year", "Sun, 06 Nov 0001 00:00:00 GMT", 1005004800, true},
		{"the last second of year 9999 parses", "Fri, 31 Dec 9999 23:59:59 GMT", 253402300799, true},
		{"the epoch parses", "Thu, 01 Jan 1970 00:00:00 GMT", 0, true},
		{"a leap day parses", "Sun, 29 Feb 2016 00:00:00 GMT", 1456704000, true},
		{"a comma after the year parses", "Sun, 06 Nov 1994, 08:49:37 GMT", 784111777, true},
		{"a comma after the day parses", "Sun, 06, Nov 1994 08:49:37 GMT", 784111777, true},
		{"a short day name without comma parses", "Sun 06 Nov 1994 08:49:37 GMT", 784111777, true},
		{"single-digit fields parse", "Sun, 6 Nov 1994 8:9:7 GMT", 784109347, true},
		{"an hour of minus zero parses", "Sun, 06 Nov 1994 -0:49:37 GMT", 784082977, true},
		{"underscores in the year parse like Python int()", "Sun, 06 Nov 1_994 08:49:37 GMT", 784111777, true},
		{"trailing words are ignored", "Sun, 06 Nov 1994 08:49:37 GMT extra stuff", 784111777, true},
		{"tabs separate fields", "\tSun,\t06 Nov 1994 08:49:37 GMT\t", 784111777, true},
		{"year 10000 is out of range", "Sat, 31 Dec 10000 23:59:59 GMT", 0, false},
		{"February 30 is invalid", "Mon, 30 Feb 2015 00:00:00 GMT", 0, false},
		{"hour 24 is invalid", "Sun, 06 Nov 1994 24:00:00 GMT", 0, false},
		{"minute 60 is invalid", "Sun, 06 Nov 1994 08:60:00 GMT", 0, false},
		{"second 60 is invalid", "Sun, 06 Nov 1994 08:49:60 GMT", 0, false},
		{"day zero is invalid", "Sun, 00 Nov 1994 08:49:37 GMT", 0, false},
		{"a negative hour is invalid", "Sun, 06 Nov 1994 -8:49:37 GMT", 0, false},
		{"an unknown month is invalid", "Sun, 06 Foo 1994 08:49:37 GMT", 0, false},
		{"a time with four parts is invalid", "Sun, 06 Nov 1994 08:49:37:12 GMT", 0, false},
		{"a date without a time is invalid", "Sun, 06 Nov 1994", 0, false},
		{"a long day name without comma is invalid", "Sunday 06 Nov 1994 08:49:37 GMT", 0, false},
		{"a signed year is invalid", "Sun, 06 Nov +1994 08:49:37 GMT", 0, false},
		{"a word is invalid", "something", 0, false},
		{"blanks are invalid", "   ", 0, false},
		{"a Unix timestamp is invalid", "1393471777", 0, false},
		{"an empty value is absent", "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := swobParseDate(tc.value)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("swobParseDate(%q) = %d, %v; want %d, %v", tc.value, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSwobNormalizeEtag(t *testing.T) {
	// swob's TestEtag.test_normalize_etag.
	tests := []struct {
		name, given, want string
	}{
		{"an empty etag stays empty", "", ""},
		{"a lone quote stays", `"`, `"`},
		{"two quotes become empty", `""`, ""},
		{"a bare etag stays", "foo", "foo"},
		{"a quoted etag loses its quotes", `"bar"`, "bar"},
		{"an opening quote alone stays", `"baz`, `"baz`},
		{"a closing quote alone stays", `buz"`, `buz"`},
		{"only one pair of quotes is removed", `"fuz""`, `fuz"`},
		{"a non-ASCII etag stays", "\u2661", "\u2661"},
		{"a quoted non-ASCII etag loses its quotes", "\"\u2661\"", "\u2661"},
		{"a non-ASCII etag with an opening quote stays", "\"\u2661", "\"\u2661"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := swobNormalizeEtag(tc.given); got != tc.want {
				t.Fatalf("swobNormalizeEtag(%q) = %q, want %q", tc.given, got, tc.want)
			}
		})
	}
}

func TestConditionalETag(t *testing.T) {
	// The object server's test_GET_if_match_etag_is_at.
	metadata := map[string]string{
		"ETag":                   "098f6bcd4621d373cade4e832627b4f6",
		"X-Object-Meta-Xtag":     "madeup",
		"X-Object-Sysmeta-Xtag":  "alternate madeup",
		"X-Object-Sysmeta-Empty": "",
	}
	realEtag := metadata["ETag"]
	tests := []struct {
		name     string
		etagIsAt string
		etag     string
		want     string
	}{
		{"without X-Backend-Etag-Is-At the object's etag is used", "", realEtag, realEtag},
		{"the named metadata holds the etag", "X-Object-Meta-Xtag", realEtag, "madeup"},
		{"the first of several present names wins", "X-Object-Meta-Xtag,X-Object-Sysmeta-Z", realEtag, "madeup"},
		{"absent names are skipped", "X-Object-Sysmeta-Y,X-Object-Meta-Xtag,X-Object-Sysmeta-Z", realEtag, "madeup"},
		{"the leftmost present name wins over later ones", "X-Object-Sysmeta-Y,X-Object-Meta-Xtag,X-Object-Sysmeta-Xtag", realEtag, "madeup"},
		{"the leftmost present name wins in the other order too", "X-Object-Sysmeta-Y,X-Object-Sysmeta-Xtag,X-Object-Meta-Xtag", realEtag, "alternate madeup"},
		{"when no name is present the object's etag is used", "X-Object-Meta-Missing", realEtag, realEtag},
		{"names match case-insensitively", "x-object-meta-xtag", realEtag, "madeup"},
		{"spaces around names are ignored", "  X-Object-Sysmeta-Y ,  X-Object-Meta-Xtag  ", realEtag, "madeup"},
		{"empty list entries are ignored", ",,X-Object-Meta-Xtag", realEtag, "madeup"},
		{"a present but empty alternate is used as the empty etag", "X-Object-Sysmeta-Empty,X-Object-Meta-Xtag", realEtag, ""},
		{"quotes in the object's etag are removed", "", `"abc"`, "abc"},
		{"every quote in the object's etag is removed", "", `a"b"c`, "abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ConditionalETag(tc.etagIsAt, metadata, tc.etag); got != tc.want {
				t.Fatalf("ConditionalETag(%q) = %q, want %q", tc.etagIsAt, got, tc.want)
			}
		})
	}
	t.Run("an exact-case key wins over another spelling", func(t *testing.T) {
		md := map[string]string{"x-object-meta-tag": "lower", "X-Object-Meta-Tag": "exact"}
		if got := ConditionalETag("X-Object-Meta-Tag", md, "e"); got != "exact" {
			t.Fatalf("got %q", got)
		}
	})
	t.Run("a nil metadata map falls back to the object's etag", func(t *testing.T) {
		if got := ConditionalETag("X-Object-Meta-Tag", nil, "e"); got != "e" {
			t.Fatalf("got %q", got)
		}
	})
}

// End to end with the object server's etag-is-at cases: the resolved etag
// drives If-Match.
func TestConditionalETagDrivesIfMatch(t *testing.T) {
	metadata := map[string]string{
		"ETag":                  "098f6bcd4621d373cade4e832627b4f6",
		"X-Object-Meta-Xtag":    "madeup",
		"X-Object-Sysmeta-Xtag": "alternate madeup",
	}
	realEtag := metadata["ETag"]
	lm := time.Unix(1393471777, 0)
	tests := []struct {
		name, ifMatch, etagIsAt string
		want                    int
	}{
		{"If-Match on the alternate etag serves the object", "madeup", "X-Object-Meta-Xtag", 0},
		{"If-Match on the second listed alternate serves the object", "madeup", "X-Object-Sysmeta-Y,X-Object-Meta-Xtag,X-Object-Sysmeta-Z", 0},
		{"If-Match on the leftmost present alternate serves the object", "alternate madeup", "X-Object-Sysmeta-Y,X-Object-Sysmeta-Xtag,X-Object-Meta-Xtag", 0},
		{"If-Match on the realEtag etag fails when an alternate is present", realEtag, "X-Object-Meta-Xtag", 412},
		{"If-Match on the realEtag etag works when the alternate is missing", realEtag, "X-Object-Meta-Missing", 0},
		{"If-Match on a made-up etag fails without X-Backend-Etag-Is-At", "madeup", "", 412},
		{"If-Match on the realEtag etag works without X-Backend-Etag-Is-At", realEtag, "", 0},
		{"no If-Match serves the object whatever the alternate", "", "X-Object-Meta-Xtag", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			etag := ConditionalETag(tc.etagIsAt, metadata, realEtag)
			if got := EvaluateConditions(ConditionalHeaders{IfMatch: tc.ifMatch}, etag, lm, true); got != tc.want {
				t.Fatalf("got %d, want %d (etag %q)", got, tc.want, etag)
			}
		})
	}
}

func TestSwobParseMatchReadsHeadersLikeSwobMatch(t *testing.T) {
	// swob's TestMatch: which values a parsed header contains.
	tests := []struct {
		name   string
		header string
		in     []string
		notIn  []string
	}{
		{"quoted tags with a space after the comma", `"a", "b"`, []string{"a", `"a"`, "b"}, []string{`""a""`, "c", ""}},
		{"a star matches anything", `"a", "*"`, []string{"a", `"a"`, `""a""`, "b", "c", ""}, nil},
		{"unquoted tags", "a, b", []string{"a", `"a"`, "b"}, []string{`""a""`, "c"}},
		{"no optional white space", `"a","b"`, []string{"a", `"a"`, "b"}, []string{`""a""`, "c"}},
		{"lots of optional white space and empty entries", `"a"   ,  ,   "b"   `, []string{"a", `"a"`, "b"}, []string{`""a""`, "c", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, present := swobParseMatch(tc.header)
			if !present {
				t.Fatal("header not present")
			}
			for _, v := range tc.in {
				if !m.contains(v) {
					t.Errorf("%q should contain %q", tc.header, v)
				}
			}
			for _, v := range tc.notIn {
				if m.contains(v) {
					t.Errorf("%q should not contain %q", tc.header, v)
				}
			}
			if !m.star && len(m.tags) != 2 {
				t.Errorf("tags %v, want two", m.tags)
			}
		})
	}
	if _, present := swobParseMatch(""); present {
		t.Error("an empty header should be absent")
	}
	if m, _ := swobParseMatch(strings.Repeat(",", 3)); len(m.tags) != 0 {
		t.Error("commas alone should give no tags")
	}
}
