package objectserver_test

// The harness serves the whole object server in-process, as cmd/radosswift wires it:
// objectserver.New on a 127.0.0.1:0 listener, an engine per storage policy, an Updater
// with an async-pending queue, and a fake container server that records the updates it
// receives.
//
// The engines are the RADOS engine's (each in a namespace of its own, fresh for every
// test, the queue the real asyncpending.Queue in the same pool) when a Ceph test bed is
// configured, and the memory engine's (diskfile/memengine, with a queue in memory)
// otherwise, so that the protocol tests need no Ceph. RADOSSWIFT_TEST_ENGINE=memory or
// rados chooses; `make test` runs this package on both.

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/valyala/fasthttp"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/memengine"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/internal/testbed"
	"github.com/radosswift/radosswift/objectserver"
	"github.com/radosswift/radosswift/objectserver/asyncpending"
	"github.com/radosswift/radosswift/radosconn"
)

// testHash is the hash path prefix and suffix every harness uses.
var testHash = swift.HashConf{Prefix: "p", Suffix: "s"}

// harnessConf is the object server config file the harness loads with LoadConfig.
const harnessConf = `# written by harness_test.go
[DEFAULT]
bind_ip = 127.0.0.1
bind_port = 0
log_level = WARN

[pipeline:main]
pipeline = object-server

[app:object-server]
use = egg:swift#object
client_timeout = 10
node_timeout = 3
conn_timeout = 1
container_update_timeout = 3
max_upload_time = 60
expiring_objects_container_divisor = 86400
allowed_headers = Content-Disposition, Content-Encoding, X-Delete-At, X-Object-Manifest, X-Static-Large-Object, Cache-Control, Content-Language, Expires, X-Robots-Tag
`

// The policy-1 engine has small stripes, so ranges and large bodies cross tail objects.
const policy1Stripe = 64 << 10

// H is a set of request headers.
type H map[string]string

// absent, as an expected header value, means the header must not be there.
const absent = "\x00absent"

// handled is one request the server finished, as the harness middleware saw it.
type handled struct {
	Method, URI string
	Status      int
}

// pendingQueue is the async-pending queue as the tests see it.
type pendingQueue interface {
	objectserver.AsyncQueue
	Count(ctx context.Context) (int, error)
}

type harness struct {
	t        *testing.T
	addr     string // host:port of the object server
	base     string // http://addr
	ns       string // the RADOS namespace of policy 0 (RADOS engine only)
	cfg      objectserver.Config
	engines  map[int]diskfile.Engine
	queue    pendingQueue
	rados    *asyncpending.Queue // the queue, when it is the RADOS one
	updater  *objectserver.Updater
	cont     *fakeContainer
	client   *http.Client
	clock    atomic.Int64 // ticks of the next timestamp
	handledM sync.Mutex
	handledL []handled
	handledC *sync.Cond
}

var (
	clusterOnce sync.Once
	cluster     *radosconn.Cluster
	clusterErr  error
	nsSeq       atomic.Int64
)

// sharedCluster is one connection for the whole test binary (connecting per test
// would cost more than most tests).
func sharedCluster(t *testing.T) (*radosconn.Cluster, testbed.Bed) {
	t.Helper()
	bed := testbed.Require(t)
	clusterOnce.Do(func() { cluster, clusterErr = radosconn.Connect(bed.User) })
	require.NoError(t, clusterErr, "connecting to the test bed")
	return cluster, bed
}

// testEngine is the engine the harness runs on: RADOSSWIFT_TEST_ENGINE, or rados when
// a test bed is configured (or required), memory otherwise.
func testEngine(t *testing.T) string {
	t.Helper()
	switch name := os.Getenv("RADOSSWIFT_TEST_ENGINE"); name {
	case "memory", "rados":
		return name
	case "":
		if testbed.Configured() {
			return "rados"
		}
		return "memory"
	default:
		t.Fatalf("RADOSSWIFT_TEST_ENGINE = %q: want memory or rados", name)
		return ""
	}
}

// newHarness starts an object server for one test; everything stops when it ends.
// extraConf lines are added to [app:object-server].
func newHarness(t *testing.T, extraConf ...string) *harness {
	t.Helper()
	h := &harness{t: t, engines: map[int]diskfile.Engine{}}
	h.handledC = sync.NewCond(&h.handledM)
	h.ns = fmt.Sprintf("objsrv-%d-%d", time.Now().UnixNano(), nsSeq.Add(1))
	// Timestamps start a minute ago and move 10 ms per request: always in the past
	// (expiry is judged by the wall clock) and always increasing.
	h.clock.Store(swift.FromTime(time.Now().Add(-time.Minute)).Ticks)

	// A conf.d: the test's lines in a later file override the harness's (one file may
	// not repeat a key).
	confPath := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(confPath, "00-harness.conf"), []byte(harnessConf), 0o600))
	extra := "[app:object-server]\n" + strings.Join(extraConf, "\n") + "\n"
	require.NoError(t, os.WriteFile(filepath.Join(confPath, "10-test.conf"), []byte(extra), 0o600))
	cfg, err := objectserver.LoadConfig(confPath)
	require.NoError(t, err)
	h.cfg = cfg

	if testEngine(t) == "rados" {
		h.openRADOS()
	} else {
		h.engines[0] = memengine.New(memengine.Config{})
		h.engines[1] = memengine.New(memengine.Config{})
		h.queue = newMemoryQueue()
	}

	h.cont = newFakeContainer(t)
	log := zaptest.NewLogger(t, zaptest.Level(zap.ErrorLevel))
	h.updater = objectserver.NewUpdater(cfg, testHash, h.queue, log)
	policies := diskfile.Policies{0: h.engines[0], 1: h.engines[1]}
	srv := objectserver.New(cfg, policies, h.updater, log, h.record)

	plain, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ln := &countingListener{Listener: plain}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ln.waitClosed(2 * time.Second)
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, srv.Shutdown(ctx))
		// A test that ends at once (a skip) may shut down before Serve has begun, which
		// Shutdown does not see; closing the listener ends that Serve too.
		ln.Close()
		<-served
		h.updater.Wait()
	})
	h.addr = ln.Addr().String()
	h.base = "http://" + h.addr
	h.client = &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4},
	}
	t.Cleanup(h.client.CloseIdleConnections)
	return h
}

// countingListener counts the connections the server has accepted and not closed yet.
// fasthttp's Shutdown polls every 100 ms while any is open, and the server notices a
// client's close a moment after it: waiting for that first saves every test 100 ms.
type countingListener struct {
	net.Listener
	open atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.open.Add(1)
	return &countedConn{Conn: c, l: l}, nil
}

// waitClosed waits until the server has closed every connection, at most for limit.
func (l *countingListener) waitClosed(limit time.Duration) {
	for deadline := time.Now().Add(limit); l.open.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(time.Millisecond)
	}
}

type countedConn struct {
	net.Conn
	l    *countingListener
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.l.open.Add(-1) })
	return c.Conn.Close()
}

// openRADOS opens the RADOS engines and queue in namespaces of this harness's own.
func (h *harness) openRADOS() {
	t := h.t
	conn, bed := sharedCluster(t)
	for idx, tune := range map[int]func(*radosengine.Config){
		0: func(c *radosengine.Config) { c.Namespace = h.ns },
		1: func(c *radosengine.Config) { c.Namespace = h.ns + "-gold"; c.StripeSize = policy1Stripe },
	} {
		ecfg := radosengine.DefaultConfig(bed.Pool)
		tune(&ecfg)
		e, err := radosengine.New(conn, ecfg)
		require.NoError(t, err)
		t.Cleanup(func() { e.Close() })
		h.engines[idx] = e
	}
	queue, err := asyncpending.Open(conn, bed.Pool, h.ns)
	require.NoError(t, err)
	t.Cleanup(queue.Close)
	h.queue, h.rados = queue, queue
}

// radosQueue is the RADOS async-pending queue, for tests of what reads it back (the
// object updater); on the memory engine they skip.
func (h *harness) radosQueue() *asyncpending.Queue {
	h.t.Helper()
	if h.rados == nil {
		h.t.Skip("the object updater works on the RADOS queue: needs a Ceph test bed")
	}
	return h.rados
}

// corrupt damages the stored bytes of an object of policy 0 without its metadata
// knowing, as bit rot would: the first byte of its data.
func (h *harness) corrupt(account, container, object string) {
	t := h.t
	t.Helper()
	ref := diskfile.ObjectRef{Account: account, Container: container, Object: object}
	if mem, ok := h.engines[0].(*memengine.Engine); ok {
		require.NoError(t, mem.Corrupt(ref, 0))
		return
	}
	conn, bed := sharedCluster(t)
	ioctx, err := conn.OpenPool(bed.Pool)
	require.NoError(t, err)
	defer ioctx.Destroy()
	ioctx.SetNamespace(h.ns)
	var heads []string
	require.NoError(t, ioctx.ListObjects(func(name string) {
		if strings.HasPrefix(name, "o.") {
			heads = append(heads, name)
		}
	}))
	require.Len(t, heads, 1, "the test's namespace holds one object")
	first := make([]byte, 1)
	_, err = ioctx.Read(heads[0], first, 0)
	require.NoError(t, err)
	require.NoError(t, ioctx.Write(heads[0], []byte{first[0] ^ 0xff}, 0))
}

// memoryQueue keeps pending updates in memory, keyed as asyncpending.Queue keys them
// (the same update twice is one entry).
type memoryQueue struct {
	mu      sync.Mutex
	entries map[string]objectserver.PendingUpdate
}

func newMemoryQueue() *memoryQueue {
	return &memoryQueue{entries: map[string]objectserver.PendingUpdate{}}
}

func (q *memoryQueue) Enqueue(ctx context.Context, p objectserver.PendingUpdate) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.entries[p.Account+"/"+p.Container+"/"+p.Object+"."+p.Timestamp()] = p
	return nil
}

func (q *memoryQueue) Count(context.Context) (int, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.entries), nil
}

// record is the middleware (objectserver.New's wrap) that notes every finished request.
func (h *harness) record(next fasthttp.RequestHandler) fasthttp.RequestHandler {
	return func(ctx *fasthttp.RequestCtx) {
		next(ctx)
		h.handledM.Lock()
		h.handledL = append(h.handledL, handled{string(ctx.Method()), string(ctx.RequestURI()), ctx.Response.StatusCode()})
		h.handledM.Unlock()
		h.handledC.Broadcast()
	}
}

// waitHandled waits until the server has finished a request with this method and
// URI, and returns its status.
func (h *harness) waitHandled(method, uri string) int {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	timer := time.AfterFunc(20*time.Second, h.handledC.Broadcast)
	defer timer.Stop()
	h.handledM.Lock()
	defer h.handledM.Unlock()
	for {
		for _, r := range h.handledL {
			if r.Method == method && r.URI == uri {
				return r.Status
			}
		}
		if time.Now().After(deadline) {
			h.t.Fatalf("the server never finished %s %s", method, uri)
		}
		h.handledC.Wait()
	}
}

// ts hands out the next timestamp.
func (h *harness) ts() swift.Timestamp {
	return swift.Timestamp{Ticks: h.clock.Add(1000) - 1000}
}

// resp is a response read whole.
type resp struct {
	Status int
	Header http.Header
	Body   []byte
	Close  bool // the server said "Connection: close" (net/http takes it out of Header)
}

func (r *resp) String() string {
	return fmt.Sprintf("%d %v %q", r.Status, r.Header, r.Body)
}

// do sends one request; path is sent exactly as given (already quoted).
func (h *harness) do(method, path string, headers H, body []byte) *resp {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, h.base+path, rd)
	require.NoError(h.t, err)
	for k, v := range headers {
		if strings.EqualFold(k, "Content-Length") {
			n, err := strconv.ParseInt(v, 10, 64)
			require.NoError(h.t, err)
			req.ContentLength = n
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := h.client.Do(req)
	require.NoError(h.t, err, "%s %s", method, path)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(h.t, err, "%s %s: reading the body", method, path)
	return &resp{Status: res.StatusCode, Header: res.Header, Body: data}
}

// put stores an object and requires 201; it returns the timestamp used.
func (h *harness) put(path string, data []byte, headers H) swift.Timestamp {
	h.t.Helper()
	ts := h.ts()
	hdr := H{"X-Timestamp": ts.Internal(), "Content-Type": "application/octet-stream"}
	for k, v := range headers {
		hdr[k] = v
	}
	if hdr["X-Timestamp"] != ts.Internal() {
		ts, _ = swift.ParseTimestamp(hdr["X-Timestamp"])
	}
	r := h.do("PUT", path, hdr, data)
	require.Equal(h.t, http.StatusCreated, r.Status, "PUT %s: %s", path, r)
	return ts
}

// expect checks the status and headers of a response (absent: must not be there).
func expect(t *testing.T, r *resp, status int, headers H) {
	t.Helper()
	require.Equal(t, status, r.Status, "status of %s", r)
	for k, want := range headers {
		got, ok := r.Header[http.CanonicalHeaderKey(k)]
		if want == absent {
			require.False(t, ok, "header %s should be absent, is %q", k, got)
			continue
		}
		require.True(t, ok, "header %s missing from %s", k, r)
		require.Equal(t, want, got[0], "header %s", k)
	}
}

// open reads the engine's state of an object directly.
func (h *harness) open(policy int, account, container, object string) (diskfile.Object, error) {
	return h.engines[policy].Open(context.Background(),
		diskfile.ObjectRef{Policy: policy, Account: account, Container: container, Object: object})
}

// raw opens a plain TCP connection to the server, for what net/http will not send.
func (h *harness) raw() (net.Conn, *bufio.Reader) {
	h.t.Helper()
	c, err := net.DialTimeout("tcp", h.addr, 5*time.Second)
	require.NoError(h.t, err)
	h.t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(30 * time.Second))
	return c, bufio.NewReader(c)
}

// readResponse reads one response from a raw connection.
func readResponse(t *testing.T, br *bufio.Reader, method string) *resp {
	t.Helper()
	res, err := http.ReadResponse(br, &http.Request{Method: method})
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return &resp{Status: res.StatusCode, Header: res.Header, Body: data, Close: res.Close}
}

// chunked encodes body in HTTP/1.1 chunks of at most size bytes.
func chunked(body []byte, size int) []byte {
	var b bytes.Buffer
	for len(body) > 0 {
		n := min(size, len(body))
		fmt.Fprintf(&b, "%x\r\n", n)
		b.Write(body[:n])
		b.WriteString("\r\n")
		body = body[n:]
	}
	b.WriteString("0\r\n\r\n")
	return b.Bytes()
}

func md5hex(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// payload is deterministic bytes.
func payload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + (i*7+i/251)%26)
	}
	return b
}

// containerRequest is one update the fake container server received.
type containerRequest struct {
	Method string
	URI    string // the raw request URI
	Path   string // decoded
	Header http.Header
}

// fakeContainer records container (and expirer) updates; it answers 201, or what
// failWith says.
type fakeContainer struct {
	srv    *httptest.Server
	status atomic.Int32
	delay  atomic.Int64 // answer after this long
	mu     sync.Mutex
	got    []containerRequest
}

func newFakeContainer(t *testing.T) *fakeContainer {
	f := &fakeContainer{}
	f.status.Store(http.StatusCreated)
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		time.Sleep(time.Duration(f.delay.Load()))
		status := int(f.status.Load())
		if status < 300 {
			f.mu.Lock()
			f.got = append(f.got, containerRequest{r.Method, r.RequestURI, r.URL.Path, r.Header.Clone()})
			f.mu.Unlock()
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

// host is the fake's "ip:port", as X-Container-Host names it.
func (f *fakeContainer) host() string { return f.srv.Listener.Addr().String() }

func (f *fakeContainer) port() int { return f.srv.Listener.Addr().(*net.TCPAddr).Port }

// failWith makes every update fail with status (0: succeed again with 201).
func (f *fakeContainer) failWith(status int) {
	if status == 0 {
		status = http.StatusCreated
	}
	f.status.Store(int32(status))
}

// close stops the fake: updates then fail to connect.
func (f *fakeContainer) close() { f.srv.Close() }

// waitRequests waits until n updates have arrived, and returns them all.
func (f *fakeContainer) waitRequests(t *testing.T, n int) []containerRequest {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		f.mu.Lock()
		got := len(f.got)
		f.mu.Unlock()
		if got >= n {
			return f.requests()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d updates arrived, want %d", got, n)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// requests returns the updates received so far and forgets them.
func (f *fakeContainer) requests() []containerRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	got := f.got
	f.got = nil
	return got
}

// ringBuilder finds swift-ring-builder, or skips the test.
func ringBuilder(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"swift-ring-builder", "/usr/bin/swift-ring-builder"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Skip("swift-ring-builder is not installed")
	return ""
}

// buildContainerRing builds a one-replica container ring whose only device is
// 127.0.0.1:port/sdb, with swift-ring-builder, and loads it.
func buildContainerRing(t *testing.T, port int) *swift.Ring {
	t.Helper()
	builder := ringBuilder(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "container.builder")
	for _, step := range [][]string{
		{"create", "4", "1", "0"},
		{"add", fmt.Sprintf("r1z1-127.0.0.1:%d/sdb", port), "100"},
		{"rebalance"},
	} {
		cmd := exec.Command(builder, append([]string{file}, step...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "EVENTLET_NO_GREENDNS=yes")
		out, err := cmd.CombinedOutput()
		if exit, ok := err.(*exec.ExitError); ok && step[0] == "rebalance" && exit.ExitCode() == 1 {
			err = nil // a warning only
		}
		require.NoError(t, err, "swift-ring-builder %v: %s", step, out)
	}
	ring, err := swift.LoadRing(filepath.Join(dir, "container.ring.gz"))
	require.NoError(t, err)
	return ring
}
