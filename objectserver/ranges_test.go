package objectserver

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand"
	"regexp"
	"strings"
	"testing"
)

// rangeOf is shorthand for a half-open ByteRange in the tables below.
func rangeOf(start, end int64) ByteRange { return ByteRange{Start: start, End: end} }

func TestParseRange(t *testing.T) {
	// fiftyRanges is swob's test_ranges_for_length_too_many: 50 ranges is
	// at the limit, 51 is too many.
	var fifty []string
	for x := 0; x < 50; x++ {
		fifty = append(fifty, fmt.Sprintf("%d-%d", x*1000, x*1000+10))
	}
	fiftyRanges := "bytes=" + strings.Join(fifty, ",")
	var fiftyWant []ByteRange
	for x := int64(0); x < 50; x++ {
		fiftyWant = append(fiftyWant, rangeOf(x*1000, x*1000+11))
	}
	sevenOutOfOrder := "bytes=100-109,200-209,300-309,500-509,400-409,600-609,700-709"

	tests := []struct {
		name   string
		header string
		size   int64
		want   []ByteRange
		unsat  bool
	}{
		// Whole object (200): no header or a syntactically invalid one.
		{"no Range header serves the whole object", "", 10, nil, false},
		{"a header not starting with bytes= is ignored", "nonbytes=0-", 10, nil, false},
		{"a non-bytes unit with garbage specs is ignored", "nonbytes=foobar,10-2", 10, nil, false},
		{"free text is ignored", "bad range", 10, nil, false},
		{"an end before the start is ignored rather than unsatisfiable", "bytes=5-3", 10, nil, false},
		{"a reversed range among valid ones makes the whole header ignored", "bytes=0-1,3-2", 10, nil, false},
		{"a spec with neither start nor end is ignored", "bytes=-", 10, nil, false},
		{"a spec without a hyphen is ignored", "bytes=45", 10, nil, false},
		{"non-numeric bounds are ignored", "bytes=foo-bar,3-5", 10, nil, false},
		{"one hyphenless spec after a valid one makes the header ignored", "bytes=4-10,45", 10, nil, false},
		{"a non-numeric spec before a valid one makes the header ignored", "bytes=foobar,3-5", 10, nil, false},
		{"a non-numeric start is ignored", "bytes=nonumber-5", 10, nil, false},
		{"a non-numeric spec alone is ignored", "bytes=nonumber", 10, nil, false},
		{"a double hyphen with one is ignored", "bytes=--1", 10, nil, false},
		{"a double hyphen with zero is ignored", "bytes=--0", 10, nil, false},
		{"a trailing comma leaves an empty spec and is ignored", "bytes=1-2,", 10, nil, false},
		{"a signed end is ignored", "bytes=1-+5", 10, nil, false},
		{"a tab after the end is ignored because only spaces are removed", "bytes=1-2\t", 10, nil, false},
		{"a huge end before a huger start is ignored", "bytes=99999999999999999999999-99999999999999999999998", 10, nil, false},
		{"just the unit is ignored", "bytes=", 10, nil, false},

		// Satisfiable (206).
		{"a closed range is inclusive of its end", "bytes=1-7", 10, []ByteRange{rangeOf(1, 8)}, false},
		{"a closed range past the end is clipped to the size", "bytes=1-7", 5, []ByteRange{rangeOf(1, 5)}, false},
		{"the first byte alone is one byte", "bytes=0-0", 10, []ByteRange{rangeOf(0, 1)}, false},
		{"the last byte alone is one byte", "bytes=9-9", 10, []ByteRange{rangeOf(9, 10)}, false},
		{"an open range runs to the end", "bytes=1-", 10, []ByteRange{rangeOf(1, 10)}, false},
		{"an open range from zero is the whole object as a 206", "bytes=0-", 10, []ByteRange{rangeOf(0, 10)}, false},
		{"an open range on a smaller object runs to its end", "bytes=1-", 5, []ByteRange{rangeOf(1, 5)}, false},
		{"an open range beyond the end is dropped while others stay", "bytes=4-6,100-", 5, []ByteRange{rangeOf(4, 5)}, false},
		{"a suffix range is the last N bytes", "bytes=-7", 10, []ByteRange{rangeOf(3, 10)}, false},
		{"a suffix range longer than the object is the whole object", "bytes=-7", 5, []ByteRange{rangeOf(0, 5)}, false},
		{"a suffix range equal to the size is the whole object", "bytes=-10", 10, []ByteRange{rangeOf(0, 10)}, false},
		{"a huge suffix range is the whole object", "bytes=-100000000000000000000000", 100, []ByteRange{rangeOf(0, 100)}, false},
		{"a huge end is clipped to the size", "bytes=5-100000000000000000000000", 10, []ByteRange{rangeOf(5, 10)}, false},
		{"a closed range and a long suffix range both survive", "bytes=4-6,-100", 5, []ByteRange{rangeOf(4, 5), rangeOf(0, 5)}, false},
		{"a suffix and an open range keep request order", "bytes=-20,4-", 200, []ByteRange{rangeOf(180, 200), rangeOf(4, 200)}, false},
		{"the size can land inside a range", "bytes=30-150,-10", 90, []ByteRange{rangeOf(30, 90), rangeOf(80, 90)}, false},
		{"ranges smaller than the size are kept whole", "bytes=30-150,-10", 200, []ByteRange{rangeOf(30, 151), rangeOf(190, 200)}, false},
		{"a closed range then a suffix range", "bytes=0-1, -7", 10, []ByteRange{rangeOf(0, 2), rangeOf(3, 10)}, false},
		{"a suffix range then a closed range", "bytes=-7, 0-1", 10, []ByteRange{rangeOf(3, 10), rangeOf(0, 2)}, false},
		{"a suffix range covering a closed range is not merged", "bytes=-7, 0-1", 5, []ByteRange{rangeOf(0, 5), rangeOf(0, 2)}, false},
		{"the unit is case-insensitive", "BYTES=1-2", 10, []ByteRange{rangeOf(1, 3)}, false},
		{"spaces anywhere are removed", "bytes = 1 - 2 , 4 - 5", 10, []ByteRange{rangeOf(1, 3), rangeOf(4, 6)}, false},
		{"a start with a plus sign is accepted like Python int()", "bytes=+1-2", 10, []ByteRange{rangeOf(1, 3)}, false},
		{"a start with underscores is accepted like Python int()", "bytes=1_0-20", 100, []ByteRange{rangeOf(10, 21)}, false},
		{"a start with surrounding tabs is accepted like Python int()", "bytes=\t1-2", 10, []ByteRange{rangeOf(1, 3)}, false},
		{"leading zeros are fine", "bytes=001-002", 10, []ByteRange{rangeOf(1, 3)}, false},
		{"one satisfiable range among unsatisfiable ones is served alone", "bytes=50-60,2-3,-0", 10, []ByteRange{rangeOf(2, 4)}, false},

		// Unsatisfiable (416).
		{"a range starting beyond the end is unsatisfiable", "bytes=5-10", 2, nil, true},
		{"an open range starting at the size is unsatisfiable", "bytes=10-", 10, nil, true},
		{"an open range starting beyond the size is unsatisfiable", "bytes=100-", 5, nil, true},
		{"a zero-length suffix is unsatisfiable", "bytes=-0", 10, nil, true},
		{"a huge start is unsatisfiable", "bytes=99999999999999999999999-", 10, nil, true},

		// Zero-byte objects.
		{"a suffix range on a zero-byte object serves it whole with 200", "bytes=-10", 0, nil, false},
		{"an open range on a zero-byte object is unsatisfiable", "bytes=0-", 0, nil, true},
		{"a closed range on a zero-byte object is unsatisfiable", "bytes=0-0", 0, nil, true},
		{"a zero-length suffix on a zero-byte object is unsatisfiable", "bytes=-0", 0, nil, true},

		// Denial-of-service limits.
		{"two overlapping ranges are allowed", "bytes=10-19,15-24", 100, []ByteRange{rangeOf(10, 20), rangeOf(15, 25)}, false},
		{"two overlaps among three ranges are allowed", "bytes=10-19,15-24,20-29", 100, []ByteRange{rangeOf(10, 20), rangeOf(15, 25), rangeOf(20, 30)}, false},
		{"adjacent ranges do not overlap", "bytes=10-19,20-29,30-39", 100, []ByteRange{rangeOf(10, 20), rangeOf(20, 30), rangeOf(30, 40)}, false},
		{"three ranges sharing a byte pairwise are too many overlaps", "bytes=10-20,20-30,30-40,40-50", 100, nil, true},
		{"overlap of suffix ranges is judged on the clipped ranges", "bytes=10-15,15-20,30-39,-9", 100, []ByteRange{rangeOf(10, 16), rangeOf(15, 21), rangeOf(30, 40), rangeOf(91, 100)}, false},
		{"a suffix range that grows on a small object adds overlaps", "bytes=10-15,15-20,30-39,-9", 20, nil, true},
		{"identical ranges do not count as overlapping", "bytes=0-9,0-9,0-9,0-9", 100, []ByteRange{rangeOf(0, 10), rangeOf(0, 10), rangeOf(0, 10), rangeOf(0, 10)}, false},
		{"seven ranges out of order are allowed", sevenOutOfOrder, 100000, []ByteRange{rangeOf(100, 110), rangeOf(200, 210), rangeOf(300, 310), rangeOf(500, 510), rangeOf(400, 410), rangeOf(600, 610), rangeOf(700, 710)}, false},
		{"eight ranges out of order are refused", sevenOutOfOrder + ",800-809", 100000, nil, true},
		{"eight ranges in order are allowed", "bytes=0-0,2-2,4-4,6-6,8-8,10-10,12-12,14-14", 100, []ByteRange{rangeOf(0, 1), rangeOf(2, 3), rangeOf(4, 5), rangeOf(6, 7), rangeOf(8, 9), rangeOf(10, 11), rangeOf(12, 13), rangeOf(14, 15)}, false},
		{"ranges with one start but shrinking ends count as out of order", "bytes=0-9,0-8,0-7,0-6,0-5,0-4,0-3,0-2", 100, nil, true},
		{"fifty ranges are allowed", fiftyRanges, 1000000000, fiftyWant, false},
		{"fifty-one ranges are refused", fiftyRanges + ",10000000-10000009", 1000000000, nil, true},
		{"ranges dropped for the size do not count towards the limit", fiftyRanges + ",10000000-10000009", 1000000, fiftyWant, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseRange(tc.header, tc.size)
			if tc.unsat {
				if !errors.Is(err, ErrRangeUnsatisfiable) || got != nil {
					t.Fatalf("ParseRange(%q, %d) = %v, %v; want ErrRangeUnsatisfiable", tc.header, tc.size, got, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseRange(%q, %d) error %v", tc.header, tc.size, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("ParseRange(%q, %d) = %v; want %v", tc.header, tc.size, got, tc.want)
			}
		})
	}
}

func TestContentRangeHeaders(t *testing.T) {
	tests := []struct {
		name, got, want string
	}{
		{"a single range shows its end inclusively", ContentRangeValue(rangeOf(1, 4), 10), "bytes 1-3/10"},
		{"a one-byte range shows the same start and end", ContentRangeValue(rangeOf(0, 1), 1), "bytes 0-0/1"},
		{"a 416 shows a star and the size", UnsatisfiableContentRange(10), "bytes */10"},
		{"a 416 on an empty object shows size zero", UnsatisfiableContentRange(0), "bytes */0"},
		{"the multipart content type has no space after the semicolon", MultipartByterangesContentType("abc"), "multipart/byteranges;boundary=abc"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.got != tc.want {
				t.Fatalf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

func TestNewMultipartBoundaryIsThirtyTwoHexDigitsLikeSwob(t *testing.T) {
	b1, b2 := NewMultipartBoundary(), NewMultipartBoundary()
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(b1) {
		t.Fatalf("boundary %q is not 32 lowercase hex digits", b1)
	}
	if b1 == b2 {
		t.Fatalf("two boundaries are equal: %q", b1)
	}
}

// mpSliceParts serves parts from an in-memory object.
func mpSliceParts(obj []byte) func(ByteRange, io.Writer) error {
	return func(br ByteRange, w io.Writer) error {
		_, err := w.Write(obj[br.Start:br.End])
		return err
	}
}

func TestWriteMultipartByteranges(t *testing.T) {
	// swob's test_multi_range_body, with a fixed boundary.
	obj := []byte("012345678911234567892123456789" + strings.Repeat("x", 70))
	boundary := "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name        string
		contentType string
		size        int64
		ranges      []ByteRange
		want        string
	}{
		{
			name:        "three parts match swob's multipart body byte for byte",
			contentType: "text/plain; charset=utf8",
			size:        100,
			ranges:      []ByteRange{rangeOf(0, 10), rangeOf(10, 20), rangeOf(20, 30)},
			want: "--" + boundary + "\r\n" +
				"Content-Type: text/plain; charset=utf8\r\n" +
				"Content-Range: bytes 0-9/100\r\n\r\n0123456789\r\n" +
				"--" + boundary + "\r\n" +
				"Content-Type: text/plain; charset=utf8\r\n" +
				"Content-Range: bytes 10-19/100\r\n\r\n1123456789\r\n" +
				"--" + boundary + "\r\n" +
				"Content-Type: text/plain; charset=utf8\r\n" +
				"Content-Range: bytes 20-29/100\r\n\r\n2123456789\r\n" +
				"--" + boundary + "--",
		},
		{
			name:        "overlapping and out-of-order parts are written as requested",
			contentType: "application/octet-stream",
			size:        100,
			ranges:      []ByteRange{rangeOf(5, 7), rangeOf(0, 6)},
			want: "--" + boundary + "\r\n" +
				"Content-Type: application/octet-stream\r\n" +
				"Content-Range: bytes 5-6/100\r\n\r\n56\r\n" +
				"--" + boundary + "\r\n" +
				"Content-Type: application/octet-stream\r\n" +
				"Content-Range: bytes 0-5/100\r\n\r\n012345\r\n" +
				"--" + boundary + "--",
		},
		{
			name:        "no ranges give only the closing delimiter",
			contentType: "text/plain",
			size:        100,
			ranges:      nil,
			want:        "--" + boundary + "--",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := WriteMultipartByteranges(&buf, boundary, tc.contentType, tc.size, tc.ranges, mpSliceParts(obj)); err != nil {
				t.Fatal(err)
			}
			if buf.String() != tc.want {
				t.Fatalf("body\n%q\nwant\n%q", buf.String(), tc.want)
			}
			if n := MultipartByterangesLength(boundary, tc.contentType, tc.size, tc.ranges); n != int64(buf.Len()) {
				t.Fatalf("MultipartByterangesLength = %d, body has %d bytes", n, buf.Len())
			}
		})
	}
}

func TestMultipartByterangesLengthEqualsBytesWritten(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	contentTypes := []string{"", "application/octet-stream", "text/plain; charset=utf-8", "image/jpeg;swift_bytes=10", "tëxt/ünïcode"}
	for i := 0; i < 500; i++ {
		// Sizes of every magnitude, so that Content-Range numbers have
		// from 1 to 19 digits; parts stay short.
		size := 1 + rng.Int63n(int64(math.Pow10(i%19)))
		var ranges []ByteRange
		for n := 2 + rng.Intn(10); n > 0; n-- {
			start := rng.Int63n(size)
			ranges = append(ranges, rangeOf(start, start+1+rng.Int63n(min(size-start, 1000))))
		}
		boundary := NewMultipartBoundary()
		if i%7 == 0 {
			boundary = "b"
		}
		ct := contentTypes[i%len(contentTypes)]
		cw := &mpCountingWriter{}
		err := WriteMultipartByteranges(cw, boundary, ct, size, ranges, func(br ByteRange, w io.Writer) error {
			_, err := w.Write(make([]byte, br.Len()))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if want := MultipartByterangesLength(boundary, ct, size, ranges); cw.n != want {
			t.Fatalf("size %d ranges %v type %q: wrote %d bytes, length says %d", size, ranges, ct, cw.n, want)
		}
	}
}

type mpCountingWriter struct{ n int64 }

func (c *mpCountingWriter) Write(p []byte) (int, error) { c.n += int64(len(p)); return len(p), nil }

func TestWriteMultipartByterangesErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name    string
		part    func(ByteRange, io.Writer) error
		wantErr func(error) bool
		wantOut string
	}{
		{
			name: "a part writing too few bytes is an error",
			part: func(br ByteRange, w io.Writer) error {
				_, err := w.Write([]byte("0"))
				return err
			},
			wantErr: func(err error) bool { return err != nil && strings.Contains(err.Error(), "short") },
			wantOut: "--b\r\nContent-Type: t\r\nContent-Range: bytes 0-1/10\r\n\r\n0",
		},
		{
			name: "a part writing too many bytes is refused before they reach the writer",
			part: func(br ByteRange, w io.Writer) error {
				_, err := w.Write([]byte("012"))
				return err
			},
			wantErr: func(err error) bool { return errors.Is(err, errRangePartTooLong) },
			wantOut: "--b\r\nContent-Type: t\r\nContent-Range: bytes 0-1/10\r\n\r\n",
		},
		{
			name:    "a part's own error is returned as is",
			part:    func(ByteRange, io.Writer) error { return boom },
			wantErr: func(err error) bool { return errors.Is(err, boom) },
			wantOut: "--b\r\nContent-Type: t\r\nContent-Range: bytes 0-1/10\r\n\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteMultipartByteranges(&buf, "b", "t", 10, []ByteRange{rangeOf(0, 2), rangeOf(4, 6)}, tc.part)
			if !tc.wantErr(err) {
				t.Fatalf("unexpected error %v", err)
			}
			if buf.String() != tc.wantOut {
				t.Fatalf("wrote %q, want %q", buf.String(), tc.wantOut)
			}
		})
	}
}

func TestWriteMultipartByterangesStopsOnWriterError(t *testing.T) {
	err := WriteMultipartByteranges(mpFailingWriter{}, "b", "t", 10, []ByteRange{rangeOf(0, 2), rangeOf(4, 6)}, mpSliceParts([]byte("0123456789")))
	if err == nil {
		t.Fatal("expected the writer's error")
	}
}

type mpFailingWriter struct{}

func (mpFailingWriter) Write([]byte) (int, error) { return 0, errors.New("closed") }

// A GET of a parsed multi-range header gives the body swob gives.
func TestParsedRangesProduceSwobsMultipartBody(t *testing.T) {
	obj := []byte("0123456789ab")
	ranges, err := ParseRange("bytes=1-5,8-11", int64(len(obj)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteMultipartByteranges(&buf, "bnd", "application/xml", int64(len(obj)), ranges, mpSliceParts(obj)); err != nil {
		t.Fatal(err)
	}
	want := "--bnd\r\nContent-Type: application/xml\r\nContent-Range: bytes 1-5/12\r\n\r\n12345\r\n" +
		"--bnd\r\nContent-Type: application/xml\r\nContent-Range: bytes 8-11/12\r\n\r\n89ab\r\n--bnd--"
	if buf.String() != want {
		t.Fatalf("body %q, want %q", buf.String(), want)
	}
}
