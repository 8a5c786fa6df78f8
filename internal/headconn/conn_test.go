package headconn

import (
	"bytes"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

// scriptConn hands out its data in the given segment sizes, as a socket would.
type scriptConn struct {
	net.Conn
	data     []byte
	segments []int
}

func (s *scriptConn) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := len(s.data)
	if len(s.segments) > 0 {
		n = min(n, s.segments[0])
		s.segments = s.segments[1:]
	}
	n = copy(p, s.data[:n])
	s.data = s.data[n:]
	return n, nil
}
func (s *scriptConn) SetReadDeadline(time.Time) error  { return nil }
func (s *scriptConn) SetWriteDeadline(time.Time) error { return nil }

// readAll drains a Conn over script with Reads of at most readSize bytes.
func readAll(t *testing.T, c *Conn, readSize int) []byte {
	t.Helper()
	var got []byte
	p := make([]byte, readSize)
	for range 1 << 20 {
		n, err := c.Read(p)
		got = append(got, p[:n]...)
		if err == io.EOF {
			return got
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
	}
	t.Fatal("no EOF")
	return nil
}

func through(t *testing.T, in string, segments []int, readSize int) (string, *Conn) {
	t.Helper()
	c := newConn(&scriptConn{data: []byte(in), segments: segments}, &Config{MaxHeadBytes: 4096, BodyMethods: DefaultBodyMethods})
	return string(readAll(t, c, readSize)), c
}

func TestTheStreamIsRewrittenOnlyInHeaderNames(t *testing.T) {
	const bodyLike = "X-Object-Meta-\xc3\xa9: v\r\n\x80\xff%\r\n\r\n" // 28 bytes
	tests := []struct {
		name, in, want string
	}{
		{"a GET with ASCII names passes unchanged",
			"GET /a HTTP/1.1\r\nHost: x\r\n\r\n",
			"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"},
		{"a UTF-8 name is escaped and its value, the request line and the body are not",
			"PUT /\xc3\xa9%41 HTTP/1.1\r\nX-Object-Meta-k\xc3\xa9: \xc3\xa9%\r\nContent-Length: 5\r\n\r\n\xc3\xa9:%\x80",
			"PUT /\xc3\xa9%41 HTTP/1.1\r\nX-Object-Meta-k%C3%A9: \xc3\xa9%\r\nContent-Length: 5\r\n\r\n\xc3\xa9:%\x80"},
		{"a percent in a name is escaped so that it round-trips",
			"GET / HTTP/1.1\r\nX-A%41: 1\r\n\r\n",
			"GET / HTTP/1.1\r\nX-A%2541: 1\r\n\r\n"},
		{"leading empty lines before a request line belong to its head",
			"\r\n\r\nGET / HTTP/1.1\r\nX-\xff: 1\r\n\r\n",
			"\r\n\r\nGET / HTTP/1.1\r\nX-%FF: 1\r\n\r\n"},
		{"a Content-Length body with head-like bytes is not rewritten and the next head is",
			"PUT / HTTP/1.1\r\nContent-Length: 28\r\n\r\n" + bodyLike + "GET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n",
			"PUT / HTTP/1.1\r\nContent-Length: 28\r\n\r\n" + bodyLike + "GET / HTTP/1.1\r\nX-%C3%A9: 1\r\n\r\n"},
		{"a chunked body with extensions and trailers is not rewritten and the next head is",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1c;a=\xc3\xa9;b\r\n" + bodyLike + "\r\n0A\r\n\xc3\xa9\r\n\r\n: \x80\x80\r\n0;x\r\nX-Trailer: \xc3\xa9\r\n\r\nGET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1c;a=\xc3\xa9;b\r\n" + bodyLike + "\r\n0A\r\n\xc3\xa9\r\n\r\n: \x80\x80\r\n0;x\r\nX-Trailer: \xc3\xa9\r\n\r\nGET / HTTP/1.1\r\nX-%C3%A9: 1\r\n\r\n"},
		{"a GET announcing a body turns the connection to passthrough",
			"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nX-\xc3\xa9:GET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n",
			"GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\nX-\xc3\xa9:GET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n"},
		{"an invalid Content-Length leaves its head unchanged",
			"PUT / HTTP/1.1\r\nX-\xc3\xa9: 1\r\nContent-Length: 5x\r\n\r\nabcde",
			"PUT / HTTP/1.1\r\nX-\xc3\xa9: 1\r\nContent-Length: 5x\r\n\r\nabcde"},
		{"a duplicate Content-Length leaves its head unchanged",
			"PUT / HTTP/1.1\r\nContent-Length: 1\r\nX-\xc3\xa9: 1\r\nContent-Length: 1\r\n\r\na",
			"PUT / HTTP/1.1\r\nContent-Length: 1\r\nX-\xc3\xa9: 1\r\nContent-Length: 1\r\n\r\na"},
		{"a Transfer-Encoding other than chunked leaves its head unchanged",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nX-\xc3\xa9: 1\r\n\r\n",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nX-\xc3\xa9: 1\r\n\r\n"},
		{"both Content-Length and chunked leave their head unchanged",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nX-\xc3\xa9: 1\r\n\r\n0\r\n\r\n",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\nX-\xc3\xa9: 1\r\n\r\n0\r\n\r\n"},
		{"HTTP/1.0 is passed through",
			"GET / HTTP/1.0\r\nX-\xc3\xa9: 1\r\n\r\n",
			"GET / HTTP/1.0\r\nX-\xc3\xa9: 1\r\n\r\n"},
		{"bare LF line ends are delivered as CRLF (fasthttp would wait for ever), and the next head is tracked",
			"GET / HTTP/1.1\r\nA: b\n\nGET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n",
			"GET / HTTP/1.1\r\nA: b\r\n\r\nGET / HTTP/1.1\r\nX-%C3%A9: 1\r\n\r\n"},
		{"a head of bare LFs only, with an escaped name",
			"\nGET / HTTP/1.1\nX-\xc3\xa9: 1\n\n",
			"\r\nGET / HTTP/1.1\r\nX-%C3%A9: 1\r\n\r\n"},
		{"a folded header line is passed through",
			"GET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n 2\r\n\r\n",
			"GET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n 2\r\n\r\n"},
		{"a malformed chunk size stops the tracking before the next head",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nGET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n"},
		{"chunk data without its CRLF stops the tracking",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXGET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\naXGET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n"},
		{"a chunk size of sixteen hex digits stops the tracking",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000001\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n",
			"PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0000000000000001\r\na\r\n0\r\n\r\nGET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n\r\n"},
		{"a head over MaxHeadBytes is passed through",
			"GET / HTTP/1.1\r\nX-\xc3\xa9: " + strings.Repeat("v", 5000) + "\r\n\r\n",
			"GET / HTTP/1.1\r\nX-\xc3\xa9: " + strings.Repeat("v", 5000) + "\r\n\r\n"},
		{"a head cut by the end of the connection is delivered unchanged",
			"GET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n",
			"GET / HTTP/1.1\r\nX-\xc3\xa9: 1\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// every way of splitting the input and several read sizes give the same bytes
			for _, seg := range []int{1, 2, 3, 7, 64, 1 << 20} {
				for _, rs := range []int{1, 5, 16, 4096} {
					var segs []int
					for range len(tt.in) {
						segs = append(segs, seg)
					}
					got, _ := through(t, tt.in, segs, rs)
					if got != tt.want {
						t.Fatalf("segments %d, reads %d:\n got %q\nwant %q", seg, rs, got, tt.want)
					}
				}
			}
		})
	}
}

func TestRecordsDescribeEachHead(t *testing.T) {
	in := "GET /a HTTP/1.1\r\nHost: x\r\nX-\xc3\xa9%: 12345\r\n\r\n" +
		"PUT /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc" +
		"REPLICATE /c HTTP/1.1\r\nTransfer-Encoding: Chunked \r\n\r\n1\r\nz\r\n0\r\n\r\n" +
		"POST /d HTTP/1.1\r\nContent-Length: 2\r\n\r\nxy" +
		"GET / HTTP/1.1\r\n\r\n"
	_, c := through(t, in, nil, 4096)
	want := []Framing{
		{RequestNum: 1, Method: "GET", ContentLength: -2, RequestLineBytes: 17, HeaderLines: 2, LongestHeaderLine: 14, HeaderBytes: 9 + 14 + 2, HeadBytes: 17 + 25, EscapedNameBytes: 3},
		{RequestNum: 2, Method: "PUT", ContentLength: 3, RequestLineBytes: 17, HeaderLines: 1, LongestHeaderLine: 19, HeaderBytes: 21, HeadBytes: 38},
		{RequestNum: 3, Method: "REPLICATE", ContentLength: -1, RequestLineBytes: 23, HeaderLines: 1, LongestHeaderLine: 29, HeaderBytes: 31, HeadBytes: 54},
		{RequestNum: 4, Method: "POST", ContentLength: 2, Passthrough: true, Reason: reasonUnreadBody, RequestLineBytes: 18, HeaderLines: 1, LongestHeaderLine: 19, HeaderBytes: 21, HeadBytes: 39},
		{RequestNum: 5, ContentLength: -2, Passthrough: true, Reason: reasonAfterPassthrough},
	}
	for _, w := range want {
		got, ok := c.Framing(w.RequestNum)
		if !ok || got != w {
			t.Errorf("request %d:\n got %+v %v\nwant %+v", w.RequestNum, got, ok, w)
		}
	}
	if _, ok := c.Framing(0); ok {
		t.Error("request 0 has a record")
	}
}

func TestDecodeNameRestoresEscapedNames(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a name without percent is the same slice", "X-Object-Meta-A", "X-Object-Meta-A"},
		{"uppercase hex decodes", "X-K%C3%A9", "X-K\xc3\xa9"},
		{"lowercase hex from fasthttp's normalizing decodes", "X-K%c3%a9", "X-K\xc3\xa9"},
		{"an escaped percent decodes to a percent", "X-%2541", "X-%41"},
		{"a percent without two hex digits stays", "X-%4", "X-%4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := []byte(tt.in)
			got := DecodeName(in)
			if string(got) != tt.want {
				t.Fatalf("got %q want %q", got, tt.want)
			}
			if !bytes.Contains(in, []byte("%")) && &got[0] != &in[0] {
				t.Fatal("a name without percent was copied")
			}
		})
	}
	if n := testing.AllocsPerRun(100, func() { DecodeName([]byte("X-Object-Meta-A")) }); n != 0 {
		t.Fatalf("%v allocations for a plain name", n)
	}
}
