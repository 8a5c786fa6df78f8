package headconn

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// perReadDeadlineConn is the wrapper the servers used before this package: a deadline
// set on every read and write, nothing else (the baseline headconn's cost is read against).
type perReadDeadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c perReadDeadlineConn) Read(p []byte) (int, error) {
	c.Conn.SetReadDeadline(time.Now().Add(c.timeout))
	return c.Conn.Read(p)
}

func (c perReadDeadlineConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(c.timeout))
	return c.Conn.Write(p)
}

// replayConn plays one request n times, each as its own segment as a client's
// write would arrive, and discards the responses.
type replayConn struct {
	net.Conn
	req       []byte
	off, left int
}

func (c *replayConn) Read(p []byte) (int, error) {
	if c.off == len(c.req) {
		if c.left == 0 {
			return 0, io.EOF
		}
		c.left--
		c.off = 0
	}
	n := copy(p, c.req[c.off:])
	c.off += n
	return n, nil
}
func (c *replayConn) Write(p []byte) (int, error)        { return len(p), nil }
func (c *replayConn) Close() error                       { return nil }
func (c *replayConn) LocalAddr() net.Addr                { return &net.TCPAddr{} }
func (c *replayConn) RemoteAddr() net.Addr               { return &net.TCPAddr{} }
func (c *replayConn) SetDeadline(t time.Time) error      { return nil }
func (c *replayConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *replayConn) SetWriteDeadline(t time.Time) error { return nil }

// BenchmarkKeepAlive serves a keep-alive stream of 4 KiB PUTs, GETs and 1 MiB PUTs
// through fasthttp: over a plain conn, over per-read deadlines only (the servers'
// earlier wrapper) and through the Conn.
func BenchmarkKeepAlive(b *testing.B) {
	head := "%s /sda1/123/AUTH_test/c/o HTTP/1.1\r\nHost: 127.0.0.1:6200\r\nUser-Agent: proxy-server 1234\r\n" +
		"X-Timestamp: 1700000000.00000\r\nX-Backend-Storage-Policy-Index: 0\r\nX-Trans-Id: tx0123456789abcdef-0065\r\n" +
		"Content-Type: application/octet-stream\r\nX-Object-Meta-Color: blue\r\n"
	put := func(size int) []byte {
		return append([]byte(fmt.Sprintf(head, "PUT")+fmt.Sprintf("Content-Length: %d\r\n\r\n", size)), bytes.Repeat([]byte("x"), size)...)
	}
	streams := []struct {
		name string
		req  []byte
	}{
		{"PUT 4 KiB", put(4 << 10)},
		{"GET", []byte(fmt.Sprintf(head, "GET") + "\r\n")},
		{"PUT 1 MiB", put(1 << 20)},
	}
	buf := make([]byte, 64<<10)
	handler := func(ctx *fasthttp.RequestCtx) {
		if st := ctx.RequestBodyStream(); st != nil {
			for {
				if _, err := st.Read(buf); err != nil {
					break
				}
			}
		}
		ctx.SetStatusCode(201)
	}
	cfg := &Config{ReadTimeout: time.Minute, HeadTimeout: 10 * time.Second, MaxHeadBytes: DefaultMaxHeadBytes, BodyMethods: DefaultBodyMethods}
	for _, s := range streams {
		for _, wrapper := range []string{"plain", "deadlines", "headconn"} {
			b.Run(s.name+"/"+wrapper, func(b *testing.B) {
				srv := &fasthttp.Server{Handler: handler, StreamRequestBody: true, DisablePreParseMultipartForm: true,
					ReadBufferSize: 16 << 10, WriteBufferSize: 64 << 10, NoDefaultDate: true}
				rc := &replayConn{req: s.req, off: len(s.req), left: b.N}
				var c net.Conn = rc
				switch wrapper {
				case "deadlines":
					c = perReadDeadlineConn{Conn: rc, timeout: time.Minute}
				case "headconn":
					c = newConn(rc, cfg)
				}
				b.SetBytes(int64(len(s.req)))
				b.ReportAllocs()
				b.ResetTimer()
				if err := srv.ServeConn(c); err != nil {
					b.Fatal(err)
				}
			})
		}
	}
}
