package headconn

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// seen is what a handler observed of one request.
type seen struct {
	method  string
	names   []string // decoded names of the X-F headers, in order
	values  []string
	body    []byte
	framing Framing
	found   bool
	agrees  bool
	bodyErr error
}

type recorder struct {
	mu   sync.Mutex
	reqs []seen
	rnd  *rand.Rand // body read sizes; only serveConn's goroutine uses it
}

func (r *recorder) handle(ctx *fasthttp.RequestCtx) {
	s := seen{method: string(ctx.Method())}
	for k, v := range ctx.Request.Header.All() {
		if d := DecodeName(k); bytes.HasPrefix(d, []byte("X-F")) {
			s.names = append(s.names, string(d))
			s.values = append(s.values, string(v))
		}
	}
	s.framing, s.found = FramingOf(ctx.Conn(), ctx.ConnRequestNum())
	s.agrees = s.framing.Agrees(&ctx.Request.Header)
	if st := ctx.RequestBodyStream(); st != nil {
		buf := make([]byte, 1+r.size(9000))
		for {
			n, err := st.Read(buf[:1+r.size(len(buf)-1)])
			s.body = append(s.body, buf[:n]...)
			if err != nil {
				if err != io.EOF {
					s.bodyErr = err
				}
				break
			}
		}
	} else {
		s.body = append([]byte(nil), ctx.Request.Body()...)
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, s)
	r.mu.Unlock()
	ctx.Response.Header.Set("X-Request", fmt.Sprint(ctx.ConnRequestNum()))
}

func (r *recorder) size(n int) int {
	if r.rnd == nil || n <= 0 {
		return n
	}
	return r.rnd.IntN(n + 1)
}

func (r *recorder) seen() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]seen(nil), r.reqs...)
}

// ignoreBodiesNotSent stands in for the servers' rule (internal/backend): a body announced by a method
// whose bodies it does not read is not read, and the connection is closed.
func ignoreBodiesNotSent(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	if cl := h.ContentLength(); cl > 0 || cl == -1 {
		switch string(h.Method()) {
		case "PUT", "REPLICATE", "SSYNC":
		default:
			h.SetContentLength(0)
			h.SetConnectionClose()
		}
	}
	return fasthttp.RequestConfig{}
}

func newServer(r *recorder, stream bool) *fasthttp.Server {
	return &fasthttp.Server{
		Handler: r.handle, StreamRequestBody: stream, DisablePreParseMultipartForm: true,
		ReadBufferSize: 16 << 10, NoDefaultContentType: true, HeaderReceived: ignoreBodiesNotSent,
		Logger: discardLogger{},
	}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}

// serve runs a fasthttp server over Listen on loopback.
func serve(t *testing.T, cfg Config, stream bool) (string, *recorder) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &recorder{}
	srv := newServer(r, stream)
	srv.IdleTimeout = cfg.ReadTimeout
	go srv.Serve(Listen(ln, cfg))
	t.Cleanup(func() { srv.Shutdown() })
	return ln.Addr().String(), r
}

// exchange writes raw requests on one connection and reads n responses.
func exchange(t *testing.T, addr, raw string, n int) []*fasthttp.Response {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	go c.Write([]byte(raw))
	br := bufio.NewReader(c)
	var out []*fasthttp.Response
	for range n {
		resp := &fasthttp.Response{}
		if err := resp.Read(br); err != nil {
			t.Fatalf("response %d: %v", len(out)+1, err)
		}
		out = append(out, resp)
	}
	return out
}

func TestPipelinedRequestsReachFasthttpIntact(t *testing.T) {
	body := []byte("X-Object-Meta-\xc3\xa9: v\r\n\r\nGET / HTTP/1.1\r\n")
	for i := 0x80; i <= 0xff; i++ {
		body = append(body, byte(i))
	}
	chunked := fmt.Sprintf("%x;name=\xc3\xa9;x\r\n%s\r\n%X\r\n%s\r\n0;end\r\nXtr-Sum: 1\r\n\r\n",
		20, body[:20], len(body)-20, body[20:])
	raw := "GET /a HTTP/1.1\r\nHost: x\r\nX-F-Plain: 1\r\n\r\n" +
		"PUT /b HTTP/1.1\r\nHost: x\r\nX-F-Meta-K\xc3\xa9: \xc3\xa9\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n" + string(body) +
		"PUT /c HTTP/1.1\r\nHost: x\r\nX-F-100%: %41\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked +
		"\r\nDELETE /d HTTP/1.1\r\nHost: x\r\nX-F-\xff\xfe: v\r\n\r\n"
	want := []seen{
		{method: "GET", names: []string{"X-F-Plain"}, values: []string{"1"}},
		{method: "PUT", names: []string{"X-F-Meta-K\xc3\xa9"}, values: []string{"\xc3\xa9"}, body: body},
		{method: "PUT", names: []string{"X-F-100%"}, values: []string{"%41"}, body: body},
		{method: "DELETE", names: []string{"X-F-\xff\xfe"}, values: []string{"v"}},
	}
	for _, stream := range []bool{true, false} {
		t.Run(fmt.Sprintf("streaming %v", stream), func(t *testing.T) {
			addr, r := serve(t, Config{ReadTimeout: 5 * time.Second, HeadTimeout: 5 * time.Second}, stream)
			for _, resp := range exchange(t, addr, raw, len(want)) {
				if resp.StatusCode() != 200 {
					t.Fatalf("status %d", resp.StatusCode())
				}
			}
			got := r.seen()
			if len(got) != len(want) {
				t.Fatalf("%d requests seen, want %d", len(got), len(want))
			}
			for i, w := range want {
				g := got[i]
				if g.method != w.method || fmt.Sprint(g.names) != fmt.Sprint(w.names) ||
					fmt.Sprint(g.values) != fmt.Sprint(w.values) || !bytes.Equal(g.body, w.body) || g.bodyErr != nil {
					t.Errorf("request %d: got %q %q %q body %q %v", i+1, g.method, g.names, g.values, g.body, g.bodyErr)
				}
				if !g.found || !g.agrees {
					t.Errorf("request %d: framing %+v found %v agrees %v", i+1, g.framing, g.found, g.agrees)
				}
			}
		})
	}
}

func TestPassthroughRequestsAreLeftToFasthttp(t *testing.T) {
	tests := []struct {
		name, raw string
		status    int
		reason    string
	}{
		{"a GET with a body is served and its connection closed", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nX-\xc3\xa9:", 200, reasonUnreadBody},
		{"a bad Content-Length is refused by fasthttp", "PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 5x\r\n\r\nabcde", 400, ""},
		{"a DELETE with a body is served and its connection closed", "DELETE / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nX", 200, reasonUnreadBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, r := serve(t, Config{ReadTimeout: 5 * time.Second}, true)
			resp := exchange(t, addr, tt.raw, 1)[0]
			if resp.StatusCode() != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode(), tt.status)
			}
			if tt.status != 200 {
				return
			}
			if !resp.ConnectionClose() {
				t.Error("connection kept open after a body that was not read")
			}
			g := r.seen()[0]
			if !g.found || !g.framing.Passthrough || g.framing.Reason != tt.reason || g.agrees {
				t.Errorf("framing %+v found %v agrees %v", g.framing, g.found, g.agrees)
			}
		})
	}
}

func TestAHeadMustArriveWithinHeadTimeout(t *testing.T) {
	addr, r := serve(t, Config{ReadTimeout: time.Second, HeadTimeout: time.Second}, true)
	trickle := func(c net.Conn, s string, stop chan struct{}) {
		for i := range len(s) {
			select {
			case <-stop:
				return
			case <-time.After(200 * time.Millisecond):
			}
			if _, err := c.Write([]byte{s[i]}); err != nil {
				return
			}
		}
	}
	t.Run("a head sent a byte every 200 ms is cut after about a second", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		stop := make(chan struct{})
		defer close(stop)
		c.Write([]byte("G"))
		start := time.Now()
		go trickle(c, "ET / HTTP/1.1\r\nHost: x\r\nX-Long: "+strings.Repeat("v", 40)+"\r\n\r\n", stop)
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		io.Copy(io.Discard, c) // the server's answer, if any, then its close
		if d := time.Since(start); d < 900*time.Millisecond || d > 1600*time.Millisecond {
			t.Fatalf("connection closed after %v, want about 1 s", d)
		}
	})
	t.Run("a body sent a byte every 200 ms keeps going past the head timeout", func(t *testing.T) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		stop := make(chan struct{})
		defer close(stop)
		const body = "0123456789\xc3\xa9"
		c.Write([]byte("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 12\r\n\r\n"))
		go trickle(c, body, stop)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		resp := &fasthttp.Response{}
		if err := resp.Read(bufio.NewReader(c)); err != nil || resp.StatusCode() != 200 {
			t.Fatalf("response %v %v", resp.StatusCode(), err)
		}
		var got []byte
		for _, s := range r.seen() {
			if s.method == "PUT" {
				got = s.body
			}
		}
		if string(got) != body {
			t.Fatalf("body %q", got)
		}
	})
}
