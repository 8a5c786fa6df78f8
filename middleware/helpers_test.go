package middleware

import (
	"errors"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttputil"
)

// fakeSource is a ReconSource with fixed answers.
type fakeSource struct {
	asyncPending    int
	asyncErr        error
	quarantined     map[int]int
	quarantineErr   error
	size, used      int64
	avail           int64
	poolErr         error
	version         string
	swiftDir        string
	swiftConf       string
	updaterSweep    float64
	asyncCalls      int
	quarantineCalls int
}

func (s *fakeSource) AsyncPending() (int, error) {
	s.asyncCalls++
	return s.asyncPending, s.asyncErr
}

func (s *fakeSource) Quarantined() (map[int]int, error) {
	s.quarantineCalls++
	return s.quarantined, s.quarantineErr
}

func (s *fakeSource) PoolUsage() (int64, int64, int64, error) {
	return s.size, s.used, s.avail, s.poolErr
}

func (s *fakeSource) Version() string   { return s.version }
func (s *fakeSource) SwiftDir() string  { return s.swiftDir }
func (s *fakeSource) SwiftConf() string { return s.swiftConf }
func (s *fakeSource) UpdaterSweep() float64 {
	return s.updaterSweep
}

var errBackend = errors.New("backend unavailable")

// app is the stand-in for the object server: it answers 200 "app" and records that it ran.
type app struct{ calls int }

func (a *app) handle(ctx *fasthttp.RequestCtx) {
	a.calls++
	ctx.SetStatusCode(fasthttp.StatusOK)
	ctx.SetBodyString("app")
}

// do runs h on a request built by prepare, from remote address 10.1.2.3, and returns
// the context for its response.
func do(h fasthttp.RequestHandler, method, uri string, prepare ...func(*fasthttp.Request)) *fasthttp.RequestCtx {
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(uri)
	for _, p := range prepare {
		p(&req)
	}
	ctx := &fasthttp.RequestCtx{}
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 40000}, nil)
	h(ctx)
	return ctx
}

func withHeader(name, value string) func(*fasthttp.Request) {
	return func(r *fasthttp.Request) { r.Header.Set(name, value) }
}

// serveInMemory serves h on an in-memory listener for the test's life and returns a
// client that reaches it.
func serveInMemory(t *testing.T, h fasthttp.RequestHandler) *fasthttp.Client {
	t.Helper()
	ln := fasthttputil.NewInmemoryListener()
	server := &fasthttp.Server{Handler: h, StreamRequestBody: true}
	done := make(chan error, 1)
	go func() { done <- server.Serve(ln) }()
	t.Cleanup(func() {
		server.Shutdown()
		ln.Close()
		<-done
	})
	return &fasthttp.Client{
		Dial:         func(string) (net.Conn, error) { return ln.Dial() },
		ReadTimeout:  5 * time.Second,
		WriteTimeout: 5 * time.Second,
	}
}

// get sends one request through client and returns status and body.
func get(t *testing.T, client *fasthttp.Client, method, path string) (int, string) {
	t.Helper()
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.Header.SetMethod(method)
	req.SetRequestURI("http://object-server" + path)
	if err := client.Do(req, resp); err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode(), string(resp.Body())
}
