package headconn

import (
	"net"

	"github.com/valyala/fasthttp"
)

// Framing is what the Conn derived from one request head, for the handler to check
// against what fasthttp parsed: the two must agree or the byte stream was split
// differently, and the connection has to be closed.
type Framing struct {
	RequestNum uint64 // 1 for a connection's first head, as fasthttp's ConnRequestNum
	Method     string
	// ContentLength uses fasthttp's convention: >= 0 a Content-Length body, -1
	// chunked, -2 no Content-Length nor Transfer-Encoding.
	ContentLength int64
	// Passthrough: the Conn stopped tracking at or before this head (Reason says why);
	// from then on it passes bytes unchanged, names are not escaped, and the fields
	// below may be partial.
	Passthrough bool
	Reason      string

	RequestLineBytes  int // request line with its CRLF: eventlet answers 414 at 8192
	HeaderLines       int // header lines, without the blank line
	LongestHeaderLine int // raw bytes with CRLF: eventlet answers 400 at 8192
	HeaderBytes       int // header lines and the blank line: eventlet answers 400 over 65536
	HeadBytes         int // everything from the head's first byte (leading CRLFs too) to the blank line
	EscapedNameBytes  int // name bytes rewritten as %XX: 0 means no name needs DecodeName
}

// Agrees tells whether fasthttp parsed the head as the Conn framed it. It allows
// for what fasthttp changes after parsing: a missing length becomes 0 once the
// body is read, and an empty chunked body read whole becomes 0. A passthrough
// record never agrees: the caller cannot know the framing was the same.
func (f Framing) Agrees(h *fasthttp.RequestHeader) bool {
	if f.Passthrough || string(h.Method()) != f.Method {
		return false
	}
	got := int64(h.ContentLength())
	switch f.ContentLength {
	case -2:
		return got == -2 || got == 0
	case -1:
		return got == -1 || got == 0
	}
	return got == f.ContentLength
}

// FramingOf returns the record of request n on c, the connection fasthttp gives a
// handler (ctx.Conn(), ctx.ConnRequestNum()). false: c is not a Conn (fasthttp's
// MaxConnsPerIP wraps it) or the record was overwritten by later pipelined heads.
func FramingOf(c net.Conn, n uint64) (Framing, bool) {
	hc, ok := c.(*Conn)
	if !ok {
		return Framing{}, false
	}
	return hc.Framing(n)
}

// records keeps the last heads' framing: fasthttp runs request n's handler after
// reading at most a couple of heads beyond it, since a Read delivers at most one.
const records = 8

// Framing returns the record of request n (see FramingOf).
func (c *Conn) Framing(n uint64) (Framing, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.passFrom != 0 && n > c.passFrom {
		return Framing{RequestNum: n, Method: "", ContentLength: -2, Passthrough: true, Reason: reasonAfterPassthrough}, true
	}
	f := c.ring[n%records]
	if n == 0 || f.RequestNum != n {
		return Framing{}, false
	}
	return f, true
}

func (c *Conn) record(f Framing) {
	c.mu.Lock()
	c.ring[f.RequestNum%records] = f
	if f.Passthrough && c.passFrom == 0 {
		c.passFrom = f.RequestNum
	}
	c.mu.Unlock()
}

// passAfter marks every request after n untracked (a body the Conn could not follow).
func (c *Conn) passAfter(n uint64) {
	c.mu.Lock()
	if c.passFrom == 0 {
		c.passFrom = n
	}
	c.mu.Unlock()
}
