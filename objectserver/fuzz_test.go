package objectserver

// Fuzz targets over the parsers that read what clients send: the object path, Range,
// X-Timestamp, multipart MIME PUT bodies, and the PUT creation checks over headers
// parsed by fasthttp. Without -fuzz they run their seed corpora as ordinary tests.
//
//	go test -run '^$' -fuzz '^FuzzParseObjectPath$' -fuzztime 30s ./objectserver

import (
	"bufio"
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/internal/backend"
	"github.com/radosswift/radosswift/internal/swift"
)

func FuzzParseObjectPath(f *testing.F) {
	for _, s := range []string{
		"/sda1/p/a/c/o", "/sda1/p/a/c/x//y/./z", "/sda1/p/a/c/o/", "/sda1/p/a/c", "/sda1/p/a/c/",
		"/./p/a/c/o", "/sda1/../a/c/o", "/sda1/p//c/o", "/sda1/p/a/c/o?x=y&z", "/sda1/p/a/c/%2F%2e%2E",
		"/sda1/p/a/c/%zz", "/sda1/p/a/c/%", "/sda1/p/a/c/%FF", "", "/", "?", "sda1/p/a/c/o", "//////",
		"/d/p/a/c/o?", "/%2F/p/a/c/o", "/sda1/p/a/c/o#frag", "/sda1/p/%00/c/o",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		device, partition, account, container, object, err := parseObjectPath(raw)
		if err != nil {
			if statusFor(err) != http.StatusBadRequest {
				t.Fatalf("%q: error %v answers %d, not 400", raw, err, statusFor(err))
			}
			return
		}
		parts := []string{device, partition, account, container, object}
		for i, p := range parts {
			if p == "" {
				t.Fatalf("%q: empty part %d in %q", raw, i, parts)
			}
			if i < 4 && strings.Contains(p, "/") {
				t.Fatalf("%q: part %d %q holds a slash", raw, i, p)
			}
		}
		for _, p := range parts[:2] {
			if p == "." || p == ".." {
				t.Fatalf("%q: device or partition %q accepted", raw, p)
			}
		}
		path, _, _ := strings.Cut(string(raw), "?")
		decoded, uerr := url.PathUnescape(path)
		if uerr != nil {
			t.Fatalf("%q accepted but does not unescape: %v", raw, uerr)
		}
		if joined := "/" + strings.Join(parts, "/"); joined != decoded {
			t.Fatalf("%q: parts %q do not join back to %q", raw, parts, decoded)
		}
	})
}

func FuzzParseRange(f *testing.F) {
	for _, seed := range []struct {
		header string
		size   int64
	}{
		{"bytes=1-3", 6}, {"bytes=1-", 6}, {"bytes=-2", 6}, {"bytes=100-", 6}, {"bytes=0-1,4-5", 6},
		{"bytes=3-1", 6}, {"bytes=-0", 6}, {"bytes=-512", 0}, {"bytes=0-0,0-0,0-0", 10}, {"bytes= 1 - 2 , 4-", 10},
		{"Bytes=1-2", 10}, {"bytes=1-2,", 10}, {"bytes=,1-2", 10}, {"bytes=99999999999999999999-", 10},
		{"bytes=0-" + strings.Repeat("9", 40), 1 << 40}, {"pages=1-2", 10}, {"bytes=", 10}, {"bytes=-", 10},
		{"bytes=" + strings.Repeat("1-2,", 60) + "1-2", 100}, {"bytes=10-19,0-9,30-39,20-29,50-59,40-49,70-79,60-69,90-99", 100},
	} {
		f.Add(seed.header, seed.size)
	}
	f.Fuzz(func(t *testing.T, header string, size int64) {
		if size < 0 {
			size = ^size // keep the sign bit out, MinInt64 included
		}
		size %= 1 << 40
		ranges, err := ParseRange(header, size)
		if err != nil {
			if !errors.Is(err, ErrRangeUnsatisfiable) {
				t.Fatalf("%q/%d: unexpected error %v", header, size, err)
			}
			if got, want := UnsatisfiableContentRange(size), fmt.Sprintf("bytes */%d", size); got != want {
				t.Fatalf("416 Content-Range %q, want %q", got, want)
			}
			return
		}
		if len(ranges) > swobMaxRanges {
			t.Fatalf("%q/%d: %d ranges, swob allows %d", header, size, len(ranges), swobMaxRanges)
		}
		var total int64
		for _, r := range ranges {
			if r.Start < 0 || r.Start >= r.End || r.End > size {
				t.Fatalf("%q/%d: range %+v out of bounds", header, size, r)
			}
			if got, want := ContentRangeValue(r, size), fmt.Sprintf("bytes %d-%d/%d", r.Start, r.End-1, size); got != want {
				t.Fatalf("Content-Range %q, want %q", got, want)
			}
			total += r.Len()
		}
		if len(ranges) > 1 && total <= 1<<20 {
			const boundary = "0123456789abcdef0123456789abcdef"
			var body bytes.Buffer
			err := WriteMultipartByteranges(&body, boundary, "text/plain", size, ranges, func(r ByteRange, w io.Writer) error {
				_, err := w.Write(make([]byte, r.Len()))
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			if want := MultipartByterangesLength(boundary, "text/plain", size, ranges); int64(body.Len()) != want {
				t.Fatalf("%q/%d: multipart body is %d bytes, Content-Length says %d", header, size, body.Len(), want)
			}
		}
	})
}

func FuzzParseTimestamp(f *testing.F) {
	for _, s := range []string{
		"1700000000.12345", "1700000000.1", "1700000000", "1700000000.12345_000000000000000a", "0", "1",
		"9999999999.99999", "9999999999.999995", "10000000000", "-1", "1e9", " 1", "1.", ".5", "1_", "1_g",
		"1_00000000000000001", "0000000001.00000", "1700000000.123456789", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ts, err := swift.ParseTimestamp(s)
		if err != nil {
			return
		}
		if ts.Ticks < 0 || ts.Ticks > 9999999999*100000+99999 {
			t.Fatalf("%q: ticks %d out of Swift's range", s, ts.Ticks)
		}
		if n := len(ts.Normal()); n != 16 {
			t.Fatalf("%q: normal form %q is %d characters", s, ts.Normal(), n)
		}
		back, err := swift.ParseTimestamp(ts.Internal())
		if err != nil || back != ts {
			t.Fatalf("%q: internal form %q parses back as %+v, %v", s, ts.Internal(), back, err)
		}
		if normal, err := swift.ParseTimestamp(ts.Normal()); err != nil || normal.Ticks != ts.Ticks {
			t.Fatalf("%q: normal form %q parses back as %+v, %v", s, ts.Normal(), normal, err)
		}
	})
}

// FuzzTimestampOrder: internal forms sort as strings as the timestamps do, which the
// OSD-side guards and the async-pending keys rely on.
func FuzzTimestampOrder(f *testing.F) {
	f.Add("1700000000.12345", "1700000000.12345_0000000000000001")
	f.Add("1700000000.1", "1700000000.09999")
	f.Add("1", "0000000001.00000_00000000000000ff")
	f.Add("999999999", "1000000000")
	f.Fuzz(func(t *testing.T, a, b string) {
		ta, errA := swift.ParseTimestamp(a)
		tb, errB := swift.ParseTimestamp(b)
		if errA != nil || errB != nil {
			return
		}
		if got, want := strings.Compare(ta.Internal(), tb.Internal()), ta.Compare(tb); got != want {
			t.Fatalf("%q vs %q: strings compare %d, timestamps %d", ta.Internal(), tb.Internal(), got, want)
		}
	})
}

// fzChunks feeds a body to a reader a few bytes at a time, like a network would.
type fzChunks struct {
	data []byte
	size int
}

func (c *fzChunks) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.size, len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

const fzBoundary = "6f1c0e55a3b2d4c7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5"

func fzMD5(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// fzProxyBody is a PUT body as Swift's proxy MIMEPutter writes it.
func fzProxyBody(data []byte, footer []byte) []byte {
	var b bytes.Buffer
	b.WriteString("--" + fzBoundary + "\r\nX-Document: object body\r\n\r\n")
	b.Write(data)
	b.WriteString("\r\n--" + fzBoundary + "\r\nX-Document: object metadata\r\nContent-MD5: " + fzMD5(footer) + "\r\n\r\n")
	b.Write(footer)
	b.WriteString("\r\n--" + fzBoundary + "--\r\n")
	return b.Bytes()
}

// FuzzMIMEPutReader reads arbitrary bodies: no panic, no more data than was sent, and
// every failure is a MIME error carrying one of the statuses Swift answers.
func FuzzMIMEPutReader(f *testing.F) {
	footer := []byte(`{"Etag": "` + fzMD5([]byte("obj data")) + `", "X-Object-Sysmeta-Crypto-Body-Meta": "x"}`)
	for _, seed := range [][]byte{
		fzProxyBody([]byte("obj data"), footer),
		fzProxyBody(nil, []byte("{}")),
		fzProxyBody([]byte("\r\n--"+fzBoundary[:10]), footer),
		[]byte("--" + fzBoundary + "\r\n\r\nobj data\r\n--" + fzBoundary + "--"),
		[]byte("--" + fzBoundary + "\r\nX-Document: object body\r\n\r\nshort"),
		[]byte("not mime at all"),
		[]byte("\r\n\r\n  --" + fzBoundary + "  \r\n\r\nx\r\n--" + fzBoundary + "\r\nContent-MD5: 00\r\n\r\n{}\r\n--" + fzBoundary + "--"),
		{},
	} {
		for _, chunk := range []uint8{1, 7, 255} {
			f.Add(seed, chunk, false)
		}
		f.Add(seed, uint8(3), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, chunk uint8, otherBoundary bool) {
		boundary := fzBoundary
		if otherBoundary {
			boundary = "b"
		}
		m := NewMIMEPutReader(&fzChunks{data: body, size: int(chunk) + 1}, boundary)
		checkErr := func(step string, err error) {
			if err == nil || err == io.EOF {
				return
			}
			var me *MIMEError
			if !errors.As(err, &me) {
				t.Fatalf("%s: %v is not a MIMEError", step, err)
			}
			switch me.Status {
			case 400, 408, 422, 499:
			default:
				t.Fatalf("%s: status %d for %v", step, me.Status, err)
			}
		}
		data, err := io.ReadAll(io.LimitReader(m, int64(len(body))+1))
		checkErr("Read", err)
		if len(data) > len(body) {
			t.Fatalf("read %d bytes of data from a %d-byte body", len(data), len(body))
		}
		if err != nil {
			return
		}
		_, err = m.Footers()
		checkErr("Footers", err)
		checkErr("Drain", m.Drain())
	})
}

// FuzzMIMEPutRoundTrip: whatever the object data, a body the proxy writes gives back
// exactly that data and the footers it carried.
func FuzzMIMEPutRoundTrip(f *testing.F) {
	f.Add([]byte("obj data"), "X-Object-Sysmeta-Crypto-Etag", "abc; swift_meta=%7B%7D", uint8(0))
	f.Add([]byte{}, "x-object-meta-a1b", "v", uint8(1))
	f.Add([]byte("\r\n--\r\n--"+fzBoundary[:63]), "X-Object-Sysmeta-Container-Update-Override-Etag", `"quoted"`, uint8(5))
	f.Add(bytes.Repeat([]byte("--"+fzBoundary[:32]+"\r\n"), 3000), "X-Object-Meta-Big", "", uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, key, value string, chunk uint8) {
		if bytes.Contains(data, []byte("--"+fzBoundary)) || key == "" || strings.EqualFold(key, "etag") {
			return // the proxy's boundary is random: it never occurs in the data
		}
		for _, r := range key + value {
			if r < 0x20 || r > 0x7e {
				return // header names and values the proxy can send are latin-1; keep to ASCII
			}
		}
		footer, err := json.Marshal(map[string]string{"Etag": fzMD5(data), key: value})
		if err != nil {
			t.Fatal(err)
		}
		m := NewMIMEPutReader(&fzChunks{data: fzProxyBody(data, footer), size: int(chunk) + 1}, fzBoundary)
		got, err := io.ReadAll(m)
		if err != nil {
			t.Fatalf("reading the data: %v", err)
		}
		if !bytes.Equal(got, data) {
			t.Fatalf("data: got %d bytes, sent %d", len(got), len(data))
		}
		footers, err := m.Footers()
		if err != nil {
			t.Fatalf("footers: %v", err)
		}
		if footers["Etag"] != fzMD5(data) {
			t.Fatalf("footer Etag %q, want %q (all: %q)", footers["Etag"], fzMD5(data), footers)
		}
		found := false
		for k, v := range footers {
			if strings.EqualFold(k, key) && v == value {
				found = true
			}
		}
		if !found {
			t.Fatalf("footer %q: %q missing from %q", key, value, footers)
		}
		if err := m.Drain(); err != nil {
			t.Fatalf("drain: %v", err)
		}
	})
}

// FuzzCheckObjectCreation parses a PUT's headers as the server does (fasthttp, with
// streamed bodies) and runs Swift's check_object_creation over them.
func FuzzCheckObjectCreation(f *testing.F) {
	f.Add("6", "text/plain", "", "", "X-Object-Meta-Color", "blue", false, true)
	f.Add("", "text/plain", "", "", "", "", true, true)
	f.Add("", "text/plain", "", "", "", "", false, false)
	f.Add("abc", "text/plain", "", "", "", "", false, true)
	f.Add("-1", "text/plain", "", "", "", "", false, true)
	f.Add("5368709123", "text/plain", "", "", "", "", false, true)
	f.Add("0", "", "", "", "", "", false, true)
	f.Add("0", "text/\xff", "", "", "", "", false, true)
	f.Add("0", "text/plain", "1", "", "", "", false, true)
	f.Add("0", "text/plain", "9999999999", "", "", "", false, true)
	f.Add("0", "text/plain", "x", "", "", "", false, true)
	f.Add("0", "text/plain", "", "0", "", "", false, true)
	f.Add("0", "text/plain", "", "60", "", "", false, true)
	f.Add("0", "text/plain", "", "9223372036854775807", "", "", false, true)
	f.Add("0", "text/plain", "", "", "X-Object-Meta-", "v", false, true)
	f.Add("0", "text/plain", "", "", "X-Object-Meta-"+strings.Repeat("n", 129), "v", false, true)
	f.Add("0", "text/plain", "", "", "X-Object-Meta-N", strings.Repeat("v", 257), false, true)
	f.Add("0", "text/plain", "", "", "X-Foo", strings.Repeat("v", 8193), false, true)
	now := swift.Timestamp{Ticks: 1700000000_00000}
	srv := &Server{cfg: Config{Constraints: swift.DefaultConstraints, AllowedHeaders: map[string]bool{"x-delete-at": true}}}
	f.Fuzz(func(t *testing.T, contentLength, contentType, deleteAt, deleteAfter, metaName, metaValue string, chunked, withContentLength bool) {
		clean := func(s string) string { return strings.NewReplacer("\r", "", "\n", "").Replace(s) }
		var req bytes.Buffer
		req.WriteString("PUT /sda1/p/a/c/o HTTP/1.1\r\nHost: x\r\n")
		if withContentLength {
			fmt.Fprintf(&req, "Content-Length: %s\r\n", clean(contentLength))
		}
		if chunked {
			req.WriteString("Transfer-Encoding: chunked\r\n")
		}
		if contentType != "" {
			fmt.Fprintf(&req, "Content-Type: %s\r\n", clean(contentType))
		}
		if deleteAt != "" {
			fmt.Fprintf(&req, "X-Delete-At: %s\r\n", clean(deleteAt))
		}
		if deleteAfter != "" {
			fmt.Fprintf(&req, "X-Delete-After: %s\r\n", clean(deleteAfter))
		}
		if metaName != "" {
			fmt.Fprintf(&req, "%s: %s\r\n", clean(metaName), clean(metaValue))
		}
		req.WriteString("\r\n")
		if chunked {
			req.WriteString("0\r\n\r\n")
		}
		var ctx fasthttp.RequestCtx
		br := bufio.NewReader(&req)
		if err := ctx.Request.Header.Read(br); err != nil {
			return // fasthttp refuses it before any handler runs
		}
		if err := ctx.Request.ContinueReadBodyStream(br, 4<<20, false); err != nil {
			return
		}
		r := &objectRequest{ctx: &ctx, device: "sda1", partition: "p"}
		r.ref.Account, r.ref.Container, r.ref.Object = "a", "c", "o"
		size, at, err := srv.checkObjectCreation(&ctx.Request.Header, r.visitHeaders, r.ref.Object, now)
		var answer *backend.Error
		switch {
		case err == nil:
		case !errors.As(err, &answer):
			t.Fatalf("error %v is not an answer", err)
		case answer.Status == http.StatusBadRequest || answer.Status == http.StatusLengthRequired || answer.Status == http.StatusRequestEntityTooLarge:
			if answer.Body == "" {
				t.Fatalf("status %d without a reason", answer.Status)
			}
			return
		default:
			t.Fatalf("status %d (%q) is not one check_object_creation answers", answer.Status, answer.Body)
		}
		if size < -1 || size > swift.DefaultConstraints.MaxFileSize {
			t.Fatalf("accepted size %d", size)
		}
		if size == -1 && !strings.EqualFold(r.header("Transfer-Encoding"), "chunked") {
			t.Fatalf("size unknown without chunked encoding")
		}
		if !r.hasHeader("Content-Type") || !utf8.ValidString(r.header("Content-Type")) {
			t.Fatalf("accepted Content-Type %q", r.header("Content-Type"))
		}
		if at != 0 && at*100000 <= now.Ticks {
			t.Fatalf("accepted X-Delete-At %d, not after %s", at, now.Normal())
		}
		if at == 0 && (r.header("X-Delete-At") != "" || r.header("X-Delete-After") != "") {
			t.Fatalf("X-Delete-At %q / X-Delete-After %q accepted without an expiry", r.header("X-Delete-At"), r.header("X-Delete-After"))
		}
		r.visitHeaders(func(k, v string) {
			if swift.IsUserMeta("object", k) {
				name := k[len("x-object-meta-"):]
				if name == "" || len(name) > 128 || len(v) > 256 {
					t.Fatalf("accepted metadata %q: %q", k, v)
				}
			}
			if len(v) > swift.DefaultConstraints.MaxHeaderSize {
				t.Fatalf("accepted a %d-byte header %s", len(v), k)
			}
		})
	})
}
