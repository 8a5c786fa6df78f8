// Package headconn is the listener under the fasthttp servers that makes them read
// requests as Swift's eventlet servers do: it follows HTTP/1.1 request framing on
// the raw byte stream, escapes the header-name bytes fasthttp refuses (UTF-8) as
// %XX for DecodeName to restore, bounds the time to read a whole request head, and
// records each head's framing so a handler can check fasthttp read it the same way.
// Heads with bare LF line ends (which Swift reads and fasthttp waits on for ever) are
// delivered with CRLF line ends.
//
// Anything the tracker does not follow exactly as fasthttp does (a lone CR, duplicate
// or invalid Content-Length, a body of a method whose bodies are not tracked, a
// malformed chunk...) turns the connection to passthrough: from there bytes pass
// unchanged with per-read deadlines only. Passthrough is always safe: the one way
// to corrupt a request is to take body bytes for a head, and the tracker only
// leaves head state once it knows where fasthttp ends the head.
//
// Deadlines: every Read's deadline is the earliest of now+ReadTimeout (Swift's
// per-chunk client_timeout), the deadline the caller last set with SetReadDeadline
// or SetDeadline (fasthttp's IdleTimeout before a keep-alive request, cleared once
// it starts), and, while a head is incomplete, HeadTimeout after its first byte was
// seen. A head is delivered to fasthttp only once whole, so the caller's deadline
// holds for the whole head too: HeadTimeout should not exceed IdleTimeout. Writes
// get the earliest of now+WriteTimeout and the caller's write deadline.
package headconn

import (
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config is the listener's knobs; zero durations disable their bound.
type Config struct {
	ReadTimeout  time.Duration // per Read: Swift's client_timeout
	WriteTimeout time.Duration // per Write
	HeadTimeout  time.Duration // a head's first byte to its blank line
	MaxHeadBytes int           // raw head size past which tracking stops; 0: DefaultMaxHeadBytes
	// BodyMethods are the methods whose bodies the server reads, so the tracker
	// follows them; nil: DefaultBodyMethods. Another method announcing a body
	// turns the connection to passthrough (the servers close it after the request).
	BodyMethods []string
	// UnsentBodies: a body announced by any other method is taken as never sent (the
	// servers answer such requests at once and read the next request right after the
	// head: the Swift proxy copies Content-Length onto bodiless subrequests), so the
	// head that follows is tracked; otherwise the connection turns to passthrough.
	UnsentBodies bool
}

// DefaultMaxHeadBytes is above eventlet's limits (8 KiB request line, 64 KiB of
// header lines), so that the handler can answer them as Swift does from the record.
const DefaultMaxHeadBytes = 80 << 10

// DefaultBodyMethods are the methods whose bodies the object server reads.
var DefaultBodyMethods = []string{"PUT", "REPLICATE", "SSYNC"}

// Listen wraps ln: each accepted connection is a *Conn.
func Listen(ln net.Listener, cfg Config) net.Listener {
	if cfg.MaxHeadBytes <= 0 {
		cfg.MaxHeadBytes = DefaultMaxHeadBytes
	}
	if cfg.BodyMethods == nil {
		cfg.BodyMethods = DefaultBodyMethods
	}
	return &listener{Listener: ln, cfg: cfg}
}

type listener struct {
	net.Listener
	cfg Config
}

func (l *listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	if tcp, ok := c.(*net.TCPConn); ok {
		tcp.SetNoDelay(true) // small responses must not wait for Nagle
	}
	return newConn(c, &l.cfg), nil
}

// Conn is one accepted connection seen through the framing tracker.
type Conn struct {
	net.Conn
	cfg     *Config
	maxHead int

	// in holds bytes read from the socket and not yet delivered (a head being
	// assembled, or what followed one); out holds an escaped head being delivered.
	in, out       []byte
	inOff, outOff int
	inBuf, outBuf *[]byte // pooled backing arrays, returned when drained
	err           error   // the socket's error, returned once pending bytes are out

	st         state
	h          headScan
	left       int64 // bytes left of a Content-Length body or of chunk data
	digits     int
	ext        int
	trailer    int
	headDue    time.Time // zero unless a head has begun and is not whole
	reqNum     uint64
	passReason string

	readDue, writeDue atomic.Int64 // caller's deadlines, UnixNano, 0 none

	mu       sync.Mutex // the records are read by the handler
	ring     [records]Framing
	passFrom uint64
}

func newConn(c net.Conn, cfg *Config) *Conn {
	hc := &Conn{Conn: c, cfg: cfg, maxHead: cfg.MaxHeadBytes}
	hc.h.reset()
	return hc
}

// SetReadDeadline records the caller's deadline, composed with the Conn's own at
// every Read, and applies it now for a Read already waiting.
func (c *Conn) SetReadDeadline(t time.Time) error {
	c.readDue.Store(unixNano(t))
	return c.Conn.SetReadDeadline(t)
}

// SetWriteDeadline is SetReadDeadline's twin for writes.
func (c *Conn) SetWriteDeadline(t time.Time) error {
	c.writeDue.Store(unixNano(t))
	return c.Conn.SetWriteDeadline(t)
}

// SetDeadline sets both, as net.Conn's.
func (c *Conn) SetDeadline(t time.Time) error {
	c.readDue.Store(unixNano(t))
	c.writeDue.Store(unixNano(t))
	return c.Conn.SetDeadline(t)
}

// SetKeepAlive lets fasthttp's TCPKeepalive reach the TCP socket under the wrapper.
func (c *Conn) SetKeepAlive(on bool) error {
	if tcp, ok := c.Conn.(*net.TCPConn); ok {
		return tcp.SetKeepAlive(on)
	}
	return nil
}

// SetKeepAlivePeriod is SetKeepAlive's companion.
func (c *Conn) SetKeepAlivePeriod(d time.Duration) error {
	if tcp, ok := c.Conn.(*net.TCPConn); ok {
		return tcp.SetKeepAlivePeriod(d)
	}
	return nil
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// armRead sets the socket deadline for the Read about to happen.
func (c *Conn) armRead() {
	var due int64
	if c.cfg.ReadTimeout > 0 {
		due = time.Now().Add(c.cfg.ReadTimeout).UnixNano()
	}
	if !c.headDue.IsZero() {
		due = earliest(due, c.headDue.UnixNano())
	}
	due = earliest(due, c.readDue.Load())
	if due == 0 {
		c.Conn.SetReadDeadline(time.Time{})
		return
	}
	c.Conn.SetReadDeadline(time.Unix(0, due))
}

func earliest(a, b int64) int64 {
	if a == 0 || (b != 0 && b < a) {
		return b
	}
	return a
}

func (c *Conn) Write(p []byte) (int, error) {
	var due int64
	if c.cfg.WriteTimeout > 0 {
		due = time.Now().Add(c.cfg.WriteTimeout).UnixNano()
	}
	if due = earliest(due, c.writeDue.Load()); due != 0 {
		c.Conn.SetWriteDeadline(time.Unix(0, due))
	}
	return c.Conn.Write(p)
}

// Read delivers the stream with heads escaped. One Read delivers at most one head,
// so a handler finds its record among the last few.
func (c *Conn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	if c.outOff < len(c.out) {
		return c.deliverOut(p), nil
	}
	if c.inOff < len(c.in) {
		return c.readBuffered(p)
	}
	if c.err != nil {
		return 0, c.err
	}
	switch c.st {
	case stPassthrough:
		c.armRead()
		return c.Conn.Read(p)
	case stHead:
		return c.readHead(p)
	}
	c.armRead()
	n, err := c.Conn.Read(p)
	if n > 0 {
		if k := c.body(p[:n]); k < n && c.st != stPassthrough {
			n = c.keep(p[:n], k, err)
			err = nil
		}
	}
	return n, err
}

// keep stashes b[k:] (the start of the next head) for later Reads and returns k.
func (c *Conn) keep(b []byte, k int, err error) int {
	c.stash(b[k:])
	if err != nil {
		c.err = err
	}
	return k
}

// readHead reads a head straight into p: when it is whole there and needs no
// escape, it is delivered in place with the body bytes after it.
func (c *Conn) readHead(p []byte) (int, error) {
	c.armRead()
	n, err := c.Conn.Read(p)
	if n == 0 {
		return 0, err
	}
	end, done := c.h.feed(p[:n], c.maxHead)
	if !done {
		c.headBegun()
		c.keep(p[:n], 0, err)
		return c.readBuffered(p)
	}
	if c.h.reason != "" {
		c.headPassthrough()
		return n, err
	}
	extra, reqEnd := c.headDone()
	if extra > 0 {
		c.out = appendEscapedHead(c.takeOut(end+extra), p[:end], reqEnd)
		c.keep(p[:n], end, err)
		return c.deliverOut(p), nil
	}
	k := end
	if k < n && c.st != stHead {
		k += c.body(p[k:n])
	}
	if k < n && c.st != stPassthrough {
		return c.keep(p[:n], k, err), nil
	}
	return n, err
}

// readBuffered delivers from in: body bytes as they are, a head once whole.
func (c *Conn) readBuffered(p []byte) (int, error) {
	for {
		b := c.in[c.inOff:]
		switch c.st {
		case stPassthrough:
			return c.deliver(p, b, len(b)), nil
		case stHead:
		default:
			if len(b) > len(p) {
				b = b[:len(p)]
			}
			return c.deliver(p, b, c.body(b)), nil
		}
		end, done := c.h.feed(b, c.maxHead)
		if !done {
			if c.err != nil {
				c.h.reason = reasonEndInHead
				c.headPassthrough()
				continue
			}
			c.headBegun()
			c.fill()
			continue
		}
		if c.h.reason != "" {
			c.headPassthrough()
			continue
		}
		extra, reqEnd := c.headDone()
		head := b[:end]
		if extra == 0 && end <= len(p) {
			return c.deliver(p, head, end), nil
		}
		c.out = c.takeOut(end + extra)
		if extra == 0 {
			c.out = append(c.out, head...)
		} else {
			c.out = appendEscapedHead(c.out, head, reqEnd)
		}
		c.inOff += end
		c.releaseInIfDrained()
		return c.deliverOut(p), nil
	}
}

// deliver copies the first k bytes of b (a prefix of in) to p.
func (c *Conn) deliver(p, b []byte, k int) int {
	n := copy(p, b[:k])
	c.inOff += n
	c.releaseInIfDrained()
	return n
}

// deliverOut copies what it can of an escaped head to p.
func (c *Conn) deliverOut(p []byte) int {
	n := copy(p, c.out[c.outOff:])
	c.outOff += n
	if c.outOff == len(c.out) {
		c.releaseOut()
	}
	return n
}

// fill reads more of an incomplete head into in.
func (c *Conn) fill() {
	if c.inOff > 0 {
		n := copy(c.in, c.in[c.inOff:])
		c.in, c.inOff = c.in[:n], 0
	}
	if len(c.in) == cap(c.in) {
		grown := make([]byte, len(c.in), 2*cap(c.in))
		copy(grown, c.in)
		c.in = grown // the pooled array goes back to the pool when in drains
	}
	c.armRead()
	n, err := c.Conn.Read(c.in[len(c.in):cap(c.in)])
	c.in = c.in[:len(c.in)+n]
	if err != nil {
		c.err = err
	}
}

// headBegun starts the head's clock when the tracker first finds it incomplete (a
// head read whole at once costs no clock reading).
func (c *Conn) headBegun() {
	if c.headDue.IsZero() && c.cfg.HeadTimeout > 0 {
		c.headDue = time.Now().Add(c.cfg.HeadTimeout)
	}
}

// headDone records a whole head and moves to its body; it returns what delivering
// the head needs from the scanner, which may be reset for the next head.
func (c *Conn) headDone() (extra, reqEnd int) {
	h := &c.h
	extra, reqEnd = h.extra(), h.reqEnd
	c.reqNum++
	f := Framing{
		RequestNum:        c.reqNum,
		Method:            methodString(h.method[:h.methodLen]),
		ContentLength:     h.cl,
		RequestLineBytes:  h.reqLineBytes,
		HeaderLines:       h.lines,
		LongestHeaderLine: h.longest,
		HeaderBytes:       h.headerBytes,
		HeadBytes:         h.scan,
		EscapedNameBytes:  h.escapes,
	}
	if h.teSeen {
		f.ContentLength = -1
	}
	c.headDue = time.Time{}
	switch {
	case f.ContentLength == 0 || f.ContentLength == -2:
		c.startHead()
	case !c.readsBody(h.method[:h.methodLen]) && c.cfg.UnsentBodies:
		// The server takes such a body as never sent (fasthttp is told a length of 0)
		// and reads the next request right after this head.
		f.ContentLength = 0
		c.startHead()
	case !c.readsBody(h.method[:h.methodLen]):
		f.Passthrough, f.Reason = true, reasonUnreadBody
		c.st, c.passReason = stPassthrough, reasonUnreadBody
	case f.ContentLength == -1:
		c.st, c.left, c.digits = stChunkSize, 0, 0
	default:
		c.st, c.left = stBodyLength, f.ContentLength
	}
	c.record(f)
	return extra, reqEnd
}

// headPassthrough gives up on a head: it and all after it pass unchanged.
func (c *Conn) headPassthrough() {
	h := &c.h
	c.reqNum++
	c.record(Framing{
		RequestNum: c.reqNum, Method: methodString(h.method[:h.methodLen]), ContentLength: -2,
		Passthrough: true, Reason: h.reason, RequestLineBytes: h.reqLineBytes, HeaderLines: h.lines,
		LongestHeaderLine: h.longest, HeaderBytes: h.headerBytes, HeadBytes: h.scan,
	})
	c.st, c.passReason, c.headDue = stPassthrough, h.reason, time.Time{}
}

func (c *Conn) startHead() {
	c.st = stHead
	c.h.reset()
}

func (c *Conn) readsBody(method []byte) bool {
	for _, m := range c.cfg.BodyMethods {
		if string(method) == m {
			return true
		}
	}
	return false
}

// Pools keep a connection's buffers only while it has bytes pending in them.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 16<<10); return &b }}

func (c *Conn) stash(b []byte) {
	if len(b) == 0 {
		return
	}
	if c.inBuf == nil {
		c.inBuf = bufPool.Get().(*[]byte)
		c.in, c.inOff = (*c.inBuf)[:0], 0
	}
	c.in = append(c.in, b...)
}

func (c *Conn) releaseInIfDrained() {
	if c.inOff < len(c.in) || c.inBuf == nil {
		return
	}
	*c.inBuf = (*c.inBuf)[:0]
	bufPool.Put(c.inBuf)
	c.inBuf, c.in, c.inOff = nil, nil, 0
}

func (c *Conn) takeOut(n int) []byte {
	if c.outBuf == nil {
		c.outBuf = bufPool.Get().(*[]byte)
	}
	if cap(*c.outBuf) < n {
		*c.outBuf = make([]byte, 0, n)
	}
	return (*c.outBuf)[:0]
}

func (c *Conn) releaseOut() {
	if c.outBuf != nil {
		bufPool.Put(c.outBuf)
	}
	c.outBuf, c.out, c.outOff = nil, nil, 0
}
