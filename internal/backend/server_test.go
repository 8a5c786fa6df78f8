package backend

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"
)

// serve runs a backend server whose app answers 200 with the body length it read, on a
// loopback listener, and returns its address.
func serve(t *testing.T, opts Options) string {
	t.Helper()
	if opts.App == nil {
		opts.App = func(ctx *fasthttp.RequestCtx) {
			n := len(ctx.Request.Body())
			if s := ctx.RequestBodyStream(); s != nil && opts.StreamBodies {
				m, _ := io.Copy(io.Discard, s)
				n = int(m)
			}
			ctx.SetStatusCode(http.StatusOK)
			ctx.SetBodyString(fmt.Sprintf("read %d", n))
		}
	}
	if opts.Kind == "" {
		opts.Kind = ContainerServer
	}
	if opts.ClientTimeout == 0 {
		opts.ClientTimeout = 30 * time.Second
	}
	s := NewServer(opts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go s.Serve(ln)
	t.Cleanup(func() { s.Shutdown(t.Context()) })
	return ln.Addr().String()
}

// exchange writes raw on conn and reads one response within 2 s.
func exchange(t *testing.T, conn net.Conn, br *bufio.Reader, method, raw string) *http.Response {
	t.Helper()
	require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
	_, err := io.WriteString(conn, raw)
	require.NoError(t, err)
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	require.NoError(t, err, "no answer within 2 s to %q", firstLine(raw))
	_, err = io.Copy(io.Discard, resp.Body)
	require.NoError(t, err)
	resp.Body.Close()
	return resp
}

func firstLine(raw string) string { line, _, _ := strings.Cut(raw, "\r\n"); return line }

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	return conn, bufio.NewReader(conn)
}

func TestBodiesAnnouncedButNotSentAreNotWaitedForAndTheConnectionStaysUsable(t *testing.T) {
	addr := serve(t, Options{BodyMethods: []string{"PUT"}})
	for _, method := range []string{"HEAD", "GET", "DELETE", "POST"} {
		for _, framing := range []string{"Content-Length: 193", "Transfer-Encoding: chunked"} {
			t.Run(method+" with "+framing, func(t *testing.T) {
				conn, br := dial(t, addr)
				resp := exchange(t, conn, br, method, method+" /sdb1/1/AUTH_test/c HTTP/1.1\r\nHost: x\r\n"+framing+"\r\n\r\n")
				require.Equal(t, http.StatusOK, resp.StatusCode)
				require.False(t, resp.Close, "the connection must stay open")
				resp = exchange(t, conn, br, "GET", "GET /sdb1/1/AUTH_test/c HTTP/1.1\r\nHost: x\r\n\r\n")
				require.Equal(t, http.StatusOK, resp.StatusCode, "the next request on the same connection")
			})
		}
	}
}

func TestBodiesOfBodyMethodsAreRead(t *testing.T) {
	for _, stream := range []bool{false, true} {
		addr := serve(t, Options{BodyMethods: []string{"PUT"}, StreamBodies: stream, MaxBodySize: 1 << 20})
		conn, br := dial(t, addr)
		resp := exchange(t, conn, br, "PUT", "PUT /d/1/a/c/o HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
		body := readAll(t, addr, "PUT /d/1/a/c/o HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, "read 3", body, "stream=%v", stream)
	}
}

// readAll sends raw on a new connection and returns the response's body.
func readAll(t *testing.T, addr, raw string) string {
	conn, br := dial(t, addr)
	require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
	_, err := io.WriteString(conn, raw)
	require.NoError(t, err)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

// headers returns n header lines of about size bytes each.
func headers(n, size int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "X-Object-Meta-H%03d: %s\r\n", i, strings.Repeat("v", max(size-22, 1)))
	}
	return b.String()
}

func TestRequestHeadsAreLimitedAsSwiftLimitsThem(t *testing.T) {
	addr := serve(t, Options{BodyMethods: []string{"PUT"}})
	cases := []struct {
		name    string
		headers string
		status  int
	}{
		{"a 20 KiB head of 90 headers (encrypted metadata grows to this) is served", headers(90, 230), 200},
		{"a header line just under 8 KiB is served", headers(1, 8188), 200},
		{"a header line of 8 KiB is 400", headers(1, 8192), 400},
		{"header lines over 64 KiB in all are 400", headers(20, 3500), 400},
		{"a head larger than the read buffer is 400", headers(40, 3500), 400},
		{"200 header lines are served", headers(199, 40), 200},
		{"201 header lines are 431", headers(200, 40), 431},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			conn, br := dial(t, addr)
			resp := exchange(t, conn, br, "GET", "GET /d/1/a/c/o HTTP/1.1\r\nHost: x\r\n"+c.headers+"\r\n")
			require.Equal(t, c.status, resp.StatusCode)
		})
	}
}

func TestAPutItsHeadChecksRefuseIsAnsweredAtOnceWithout100Continue(t *testing.T) {
	addr := serve(t, Options{
		BodyMethods:  []string{"PUT"},
		StreamBodies: true,
		Responder:    Responder{Kind: ObjectServer},
		CheckHead: func(h *fasthttp.RequestHeader) error {
			if h.ContentLength() > 5<<30 {
				return Plain(http.StatusRequestEntityTooLarge, "Your request is too large.")
			}
			return nil
		},
	})
	for _, expect := range []string{"", "Expect: 100-continue\r\n"} {
		conn, br := dial(t, addr)
		require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
		_, err := io.WriteString(conn, "PUT /d/1/a/c/o HTTP/1.1\r\nHost: x\r\nContent-Length: 6442450944\r\n"+expect+"\r\n")
		require.NoError(t, err)
		status, err := br.ReadString('\n')
		require.NoError(t, err, "no answer within 2 s")
		require.Equal(t, "HTTP/1.1 413 Request Entity Too Large\r\n", status, "with %q", expect)
	}
	// A PUT the checks accept gets its 100 Continue and its body read.
	conn, br := dial(t, addr)
	require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
	_, err := io.WriteString(conn, "PUT /d/1/a/c/o HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
	require.NoError(t, err)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
	for line != "\r\n" {
		line, err = br.ReadString('\n')
		require.NoError(t, err)
	}
	_, err = io.WriteString(conn, "ok")
	require.NoError(t, err)
	resp, err := http.ReadResponse(br, nil)
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	require.Equal(t, "read 2", string(body))
}

func TestErrorsAreAnsweredAsSwobAnswersThem(t *testing.T) {
	cases := []struct {
		name        string
		head        bool
		err         error
		status      int
		contentType string
		body        string
		length      int
	}{
		{"a status without a body gets swob's page", false, Status(404), 404, "text/html; charset=UTF-8",
			"<html><h1>Not Found</h1><p>The resource could not be found.</p></html>", 70},
		{"a HEAD of a standard page has no body and length 0", true, Status(404), 404, "text/html; charset=UTF-8", "", 0},
		{"a plain reason is text/plain", false, BadRequest("Missing X-Timestamp header"), 400, "text/plain",
			"Missing X-Timestamp header", 26},
		{"a HEAD of a given body has its length", true, BadRequest("Missing X-Timestamp header"), 400, "text/plain", "", 26},
		{"an unknown error is a 500", false, io.ErrUnexpectedEOF, 500, "text/html; charset=UTF-8",
			"<html><h1>Internal Error</h1><p>The server has either erred or is incapable of performing the requested operation.</p></html>", 125},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			if c.head {
				ctx.Request.Header.SetMethod("HEAD")
			}
			Responder{Kind: ObjectServer}.Respond(&ctx, c.err)
			require.Equal(t, c.status, ctx.Response.StatusCode())
			require.Equal(t, c.contentType, string(ctx.Response.Header.ContentType()))
			require.Equal(t, c.body, string(ctx.Response.Body()))
			if c.head {
				require.Equal(t, c.length, ctx.Response.Header.ContentLength())
			} else {
				require.Equal(t, c.length, len(ctx.Response.Body()))
			}
		})
	}
}

func TestOptionsAndUnknownMethodsAreAnsweredAlike(t *testing.T) {
	methods := Methods{"GET", "HEAD", "OPTIONS"}
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("OPTIONS")
	require.True(t, AnswerOptionsOr405(&ctx, AccountServer, methods))
	require.Equal(t, 200, ctx.Response.StatusCode())
	require.Equal(t, "GET, HEAD, OPTIONS", string(ctx.Response.Header.Peek("Allow")))
	require.True(t, strings.HasPrefix(string(ctx.Response.Header.Peek("Server")), "account-server/"))

	var other fasthttp.RequestCtx
	other.Request.Header.SetMethod("PATCH")
	require.True(t, AnswerOptionsOr405(&other, AccountServer, methods))
	require.Equal(t, 405, other.Response.StatusCode())
	require.Equal(t, "GET, HEAD, OPTIONS", string(other.Response.Header.Peek("Allow")))

	var get fasthttp.RequestCtx
	get.Request.Header.SetMethod("GET")
	require.False(t, AnswerOptionsOr405(&get, AccountServer, methods))
}

func TestSplitPathIsSwiftsSplitPath(t *testing.T) {
	cases := []struct {
		path         string
		minS, maxS   int
		rest         bool
		want         []string
		wantErrMatch string
	}{
		{"/d/1/a/c/o/x//y", 5, 5, true, []string{"d", "1", "a", "c", "o/x//y"}, ""},
		{"/d/1/a", 3, 4, false, []string{"d", "1", "a", ""}, ""},
		{"/d/1/a/c/", 5, 5, true, nil, "Invalid path"},
		{"/d/1/a/c/o/", 4, 4, false, nil, "Invalid path"},
		{"/./1/a/c", 4, 4, false, nil, "Invalid device"},
		{"/d/../a/c", 4, 4, false, nil, "Invalid partition"},
		{"/d/1/a/%zz", 4, 4, false, nil, "Invalid path"},
		{"/d/1/a/c%2Fo%2Fp", 4, 5, true, []string{"d", "1", "a", "c", "o/p"}, ""},
	}
	for _, c := range cases {
		got, err := SplitPath(c.path, c.minS, c.maxS, c.rest)
		if c.wantErrMatch != "" {
			require.ErrorContains(t, err, c.wantErrMatch, c.path)
			continue
		}
		require.NoError(t, err, c.path)
		require.Equal(t, c.want, got, c.path)
	}
}

func TestReservedNamesStayInTheirNamespace(t *testing.T) {
	cases := []struct {
		account, container, object string
		ok                         bool
	}{
		{"a", "c", "o", true},
		{"a", "\x00versions", "\x00o", true},
		{"a", "c", "o\x00x", false},
		{"a", "c", "\x00o", false},
		{"a", "\x00versions", "o", false},
		{"a", "c\x00", "", false},
		{".expiring_objects", "123", "o\x00x", true},
	}
	for _, c := range cases {
		err := ValidateInternalNames(c.account, c.container, c.object, AutoCreateAccountPrefix)
		require.Equal(t, c.ok, err == nil, "%q %q %q: %v", c.account, c.container, c.object, err)
		if err != nil {
			require.Equal(t, 400, Responder{}.StatusOf(err))
		}
	}
}

func TestEvery5xxIsLoggedWithItsCauseAnd4xxAreNot(t *testing.T) {
	core, logs := observer.New(zap.InfoLevel)
	r := Responder{Kind: ObjectServer, Log: zap.New(core)}
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("PUT")
	ctx.Request.SetRequestURI("/sda1/p/a/c/o")
	ctx.Request.Header.Set("X-Trans-Id", "tx123")
	r.Respond(&ctx, &Error{Status: http.StatusServiceUnavailable, Cause: errors.New("rados: ETIMEDOUT")})
	r.Respond(&ctx, io.ErrUnexpectedEOF)
	r.Respond(&ctx, BadRequest("Missing X-Timestamp header"))
	r.Respond(&ctx, Status(StatusClientDisconnect))
	entries := logs.All()
	require.Len(t, entries, 2)
	fields := entries[0].ContextMap()
	require.Equal(t, int64(503), fields["status"])
	require.Equal(t, "rados: ETIMEDOUT", fields["cause"])
	require.Equal(t, "tx123", fields["txn"])
	require.Equal(t, "/sda1/p/a/c/o", fields["path"])
	require.Equal(t, int64(500), entries[1].ContextMap()["status"])
	require.Equal(t, io.ErrUnexpectedEOF.Error(), entries[1].ContextMap()["cause"])
}

func TestExpect100ContinueIsHonouredInAnyCase(t *testing.T) {
	addr := serve(t, Options{BodyMethods: []string{"PUT"}, StreamBodies: true})
	conn, br := dial(t, addr)
	require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
	_, err := io.WriteString(conn, "PUT /d/1/a/c/o HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-CONTINUE\r\n\r\n")
	require.NoError(t, err)
	line, err := br.ReadString('\n')
	require.NoError(t, err, "no 100 Continue within 2 s")
	require.Equal(t, "HTTP/1.1 100 Continue\r\n", line)
}

// A client that trickles its request head holds a connection slot no longer than
// HeadTimeout, though each byte comes well within client_timeout.
func TestATrickledHeadIsCutOffAfterHeadTimeout(t *testing.T) {
	addr := serve(t, Options{BodyMethods: []string{"PUT"}, ClientTimeout: 30 * time.Second, HeadTimeout: time.Second})
	conn, _ := dial(t, addr)
	start := time.Now()
	head := "GET /d/1/a/c/o HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 40) + "\r\n\r\n"
	var err error
	for i := 0; i < len(head) && err == nil; i++ {
		_, err = conn.Write([]byte{head[i]})
		time.Sleep(100 * time.Millisecond)
	}
	elapsed := time.Since(start)
	require.Error(t, err, "the server still read the head after %s", elapsed)
	require.Less(t, elapsed, 3*time.Second)
}

func TestHeaderNamesReadAsSwiftReadsThem(t *testing.T) {
	for sent, swift := range map[string]string{
		"x-object-meta-color":     "X-Object-Meta-Color",
		"X-OBJECT-META-COLOR":     "X-Object-Meta-Color",
		"x-object-meta-foo_bar":   "X-Object-Meta-Foo-Bar",
		"X-Object-Meta-Foo=5fbar": "X-Object-Meta-Foo=5Fbar",
		"X-Object-Meta-k\xc3\xa9": "X-Object-Meta-K\xc3\xa9",
		"x-object-meta-1a":        "X-Object-Meta-1A",
	} {
		require.Equal(t, swift, SwiftHeaderName([]byte(sent)), sent)
	}
}
