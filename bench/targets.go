package bench

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/radosswift/radosswift/internal/swift"
	"github.com/radosswift/radosswift/radosconn"
)

// Target names.
const (
	ObjectServerTargetName = "object-server"
	ProxyTargetName        = "proxy"
	SwiftPyTargetName      = "swift-py"
	LoopbackTargetName     = "harness-ceiling"
)

// streamOver is the size above which PUT bodies are streamed from the shared base
// instead of copied into a worker's own buffer.
const streamOver = 4 * MiB

// httpTarget speaks HTTP to one server with fasthttp's client: keep-alive connections,
// as many as requests in flight. In backend mode it is Swift's backend protocol (what
// the proxy sends an object server); otherwise the Swift API with a token.
type httpTarget struct {
	name    string
	client  *fasthttp.HostClient
	path    string // prefix of every object's path, without the trailing slash
	backend bool
	token   string
}

func newHostClient(addr string) *fasthttp.HostClient {
	return &fasthttp.HostClient{
		Addr:                     addr,
		MaxConns:                 4096,
		ReadTimeout:              120 * time.Second,
		WriteTimeout:             120 * time.Second,
		MaxIdleConnDuration:      time.Minute,
		StreamResponseBody:       true,
		ReadBufferSize:           64 * KiB,
		WriteBufferSize:          64 * KiB,
		NoDefaultUserAgentHeader: true,
	}
}

// NewBackendTarget is an object server (radosswift's or Swift's) spoken to over Swift's
// backend protocol: /device/partition/account/container/object with X-Timestamp,
// Content-Type and X-Backend-Storage-Policy-Index: 0, and no X-Container-Host (so no
// container updates). base is like http://127.0.0.1:6200.
func NewBackendTarget(name, base, device string, partition int) (Target, error) {
	u, err := url.Parse(base)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("bench: %s: want http://host:port, got %q", name, base)
	}
	return &httpTarget{name: name, client: newHostClient(u.Host), backend: true,
		path: fmt.Sprintf("/%s/%d/AUTH_bench/bench", device, partition)}, nil
}

// NewProxyTarget authenticates with tempauth (v1.0: X-Auth-User, X-Auth-Key at
// authURL), creates the container and speaks the Swift API through the proxy.
func NewProxyTarget(ctx context.Context, authURL, user, key, container string) (Target, error) {
	u, err := url.Parse(authURL)
	if err != nil || u.Scheme != "http" || u.Host == "" {
		return nil, fmt.Errorf("bench: proxy: want http://host:port/auth/v1.0, got %q", authURL)
	}
	c := newHostClient(u.Host)
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetRequestURI(authURL)
	req.Header.Set("X-Auth-User", user)
	req.Header.Set("X-Auth-Key", key)
	if err := c.DoTimeout(req, resp, 30*time.Second); err != nil {
		return nil, fmt.Errorf("bench: proxy auth at %s: %w", authURL, err)
	}
	if resp.StatusCode()/100 != 2 {
		return nil, fmt.Errorf("bench: proxy auth at %s as %s: status %d", authURL, user, resp.StatusCode())
	}
	storage, token := string(resp.Header.Peek("X-Storage-Url")), string(resp.Header.Peek("X-Auth-Token"))
	resp.CloseBodyStream()
	su, err := url.Parse(storage)
	if err != nil || token == "" || su.Host == "" {
		return nil, fmt.Errorf("bench: proxy auth: storage URL %q, token %q", storage, token)
	}
	t := &httpTarget{name: ProxyTargetName, client: newHostClient(su.Host), token: token,
		path: strings.TrimSuffix(su.Path, "/") + "/" + container}
	req.Reset()
	resp.Reset()
	req.Header.SetMethod(fasthttp.MethodPut)
	req.SetRequestURI("http://" + su.Host + t.path)
	req.Header.Set("X-Auth-Token", token)
	if err := t.client.DoTimeout(req, resp, 30*time.Second); err != nil {
		return nil, fmt.Errorf("bench: proxy: creating container %s: %w", container, err)
	}
	resp.CloseBodyStream()
	if resp.StatusCode()/100 != 2 {
		return nil, fmt.Errorf("bench: proxy: creating container %s: status %d", container, resp.StatusCode())
	}
	return t, nil
}

func (t *httpTarget) Name() string   { return t.name }
func (t *httpTarget) MaxSize() int64 { return 0 }

func (t *httpTarget) Close() error {
	if t.token != "" { // the proxy's container, emptied by the run: best effort
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		defer fasthttp.ReleaseRequest(req)
		defer fasthttp.ReleaseResponse(resp)
		req.Header.SetMethod(fasthttp.MethodDelete)
		req.SetRequestURI("http://" + t.client.Addr + t.path)
		req.Header.Set("X-Auth-Token", t.token)
		if err := t.client.DoTimeout(req, resp, 10*time.Second); err == nil {
			resp.CloseBodyStream()
		}
	}
	t.client.CloseIdleConnections()
	return nil
}

func (t *httpTarget) request(method, key string) (*fasthttp.Request, *fasthttp.Response) {
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.Header.SetMethod(method)
	req.SetRequestURI("http://" + t.client.Addr + t.path + "/" + key)
	if t.backend {
		req.Header.Set("X-Timestamp", swift.Now().Normal())
		req.Header.Set("X-Backend-Storage-Policy-Index", "0")
	}
	if t.token != "" {
		req.Header.Set("X-Auth-Token", t.token)
	}
	return req, resp
}

func release(req *fasthttp.Request, resp *fasthttp.Response) {
	resp.CloseBodyStream()
	fasthttp.ReleaseRequest(req)
	fasthttp.ReleaseResponse(resp)
}

// drain reads a streamed or buffered response body into h (may be nil), returning its
// length.
func drain(resp *fasthttp.Response, w *worker, h io.Writer) (int64, error) {
	if h == nil {
		h = io.Discard
	}
	if s := resp.BodyStream(); s != nil {
		if w.read == nil {
			w.read = make([]byte, 64*KiB)
		}
		return io.CopyBuffer(h, s, w.read)
	}
	b := resp.Body()
	h.Write(b)
	return int64(len(b)), nil
}

func statusErr(method string, resp *fasthttp.Response, w *worker) error {
	body, _ := io.ReadAll(io.LimitReader(bytes.NewReader(resp.Body()), 200))
	if s := resp.BodyStream(); s != nil {
		body, _ = io.ReadAll(io.LimitReader(s, 200))
	}
	return fmt.Errorf("%s: status %d %s", method, resp.StatusCode(), bytes.TrimSpace(body))
}

func (t *httpTarget) Put(_ context.Context, w *worker, key string, obj *object) error {
	req, resp := t.request(fasthttp.MethodPut, key)
	defer release(req, resp)
	req.Header.SetContentType("application/octet-stream")
	req.Header.Set("Etag", hex.EncodeToString(obj.sum[:]))
	if obj.size() > streamOver {
		req.SetBodyStream(obj.reader(), int(obj.size()))
	} else {
		if int64(len(w.payload)) != obj.size() {
			w.payload = append([]byte(nil), obj.base...)
		}
		obj.fill(w.payload)
		req.SetBodyRaw(w.payload)
	}
	if err := t.client.Do(req, resp); err != nil {
		return err
	}
	if resp.StatusCode() != fasthttp.StatusCreated {
		return statusErr("PUT", resp, w)
	}
	_, err := drain(resp, w, nil)
	return err
}

func (t *httpTarget) Get(_ context.Context, w *worker, key string, obj *object) error {
	req, resp := t.request(fasthttp.MethodGet, key)
	defer release(req, resp)
	if err := t.client.Do(req, resp); err != nil {
		return err
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return statusErr("GET", resp, w)
	}
	if w.md5 == nil {
		w.md5 = md5.New()
	}
	w.md5.Reset()
	n, err := drain(resp, w, w.md5)
	if err != nil {
		return err
	}
	if n != obj.size() {
		return fmt.Errorf("GET: %d bytes, want %d", n, obj.size())
	}
	var sum [md5.Size]byte
	if w.md5.Sum(sum[:0]); sum != obj.sum {
		return fmt.Errorf("GET: body md5 %x, want %x", sum, obj.sum)
	}
	return nil
}

func (t *httpTarget) Head(_ context.Context, w *worker, key string, obj *object) error {
	req, resp := t.request(fasthttp.MethodHead, key)
	defer release(req, resp)
	if err := t.client.Do(req, resp); err != nil {
		return err
	}
	if resp.StatusCode() != fasthttp.StatusOK {
		return fmt.Errorf("HEAD: status %d", resp.StatusCode())
	}
	if cl := resp.Header.ContentLength(); int64(cl) != obj.size() {
		return fmt.Errorf("HEAD: Content-Length %d, want %d", cl, obj.size())
	}
	if etag := strings.Trim(string(resp.Header.Peek("Etag")), `"`); etag != hex.EncodeToString(obj.sum[:]) {
		return fmt.Errorf("HEAD: Etag %q, want %x", etag, obj.sum)
	}
	return nil
}

func (t *httpTarget) Delete(_ context.Context, w *worker, key string) error {
	req, resp := t.request(fasthttp.MethodDelete, key)
	defer release(req, resp)
	if err := t.client.Do(req, resp); err != nil {
		return err
	}
	if resp.StatusCode() != fasthttp.StatusNoContent {
		return statusErr("DELETE", resp, w)
	}
	_, err := drain(resp, w, nil)
	return err
}

// rawTarget is raw librados through go-ceph on a pool (rawStore: one op per request),
// in a namespace of its own that it empties when closed.
type rawTarget struct {
	cluster *radosconn.Cluster
	pool    string
	ns      string
	store   rawStore
}

// NewRawTarget opens pool in a fresh, empty namespace.
func NewRawTarget(cluster *radosconn.Cluster, pool string) (Target, error) {
	ns, err := claimNamespace(cluster, pool, "")
	if err != nil {
		return nil, err
	}
	ioctx, err := cluster.OpenPool(pool)
	if err != nil {
		return nil, err
	}
	ioctx.SetNamespace(ns)
	return &rawTarget{cluster: cluster, pool: pool, ns: ns, store: rawStore{ioctx}}, nil
}

func (t *rawTarget) Name() string { return RawTargetName }

// MaxSize: one RADOS op carries the whole object.
func (t *rawTarget) MaxSize() int64 { return 64 * MiB }

func (t *rawTarget) Close() error {
	t.store.ioctx.Destroy()
	_, err := sweep(t.cluster, t.pool, t.ns, "")
	return err
}

func (t *rawTarget) Put(_ context.Context, w *worker, key string, obj *object) error {
	if int64(len(w.payload)) != obj.size() {
		w.payload = append([]byte(nil), obj.base...)
	}
	obj.fill(w.payload)
	if w.md5 == nil {
		w.md5 = md5.New()
	}
	return t.store.put(key, w.payload, w.md5)
}

func (t *rawTarget) Get(_ context.Context, w *worker, key string, obj *object) error {
	if int64(len(w.read)) != obj.size()+1 {
		w.read = make([]byte, obj.size()+1)
	}
	if w.md5 == nil {
		w.md5 = md5.New()
	}
	data, err := t.store.get(key, obj.size(), w.read, w.md5)
	if err != nil {
		return err
	}
	if !bytes.Equal(data[len(data)-8:], obj.stamp[:]) {
		return errors.New("GET: another object's data")
	}
	return nil
}

func (t *rawTarget) Head(_ context.Context, w *worker, key string, obj *object) error {
	etag, err := t.store.head(key)
	if err != nil {
		return err
	}
	if string(etag) != hex.EncodeToString(obj.sum[:]) {
		return fmt.Errorf("HEAD: etag %q, want %x", etag, obj.sum)
	}
	return nil
}

func (t *rawTarget) Delete(_ context.Context, w *worker, key string) error {
	return t.store.remove(key)
}

// Loopback is a trivial in-process fasthttp server that measures the harness itself:
// a PUT reads the body and keeps only its size and last 8 bytes (the stamp), a GET
// regenerates the object from them, a HEAD answers its length and MD5, a DELETE forgets
// it. Whatever the harness reaches against it is its own ceiling on this machine.
type Loopback struct {
	ln      net.Listener
	srv     *fasthttp.Server
	corrupt bool

	mu      sync.Mutex
	objects map[string]loopObject
}

type loopObject struct {
	size  int64
	stamp [8]byte
}

// NewLoopback starts the server on a free port of 127.0.0.1. With corrupt, every GET
// answers a body with one byte changed (for tests of the MD5 verification).
func NewLoopback(corrupt bool) (*Loopback, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	l := &Loopback{ln: ln, corrupt: corrupt, objects: map[string]loopObject{}}
	l.srv = &fasthttp.Server{Handler: l.handle, MaxRequestBodySize: 1 << 40, StreamRequestBody: true,
		ReadBufferSize: 64 * KiB, WriteBufferSize: 64 * KiB, NoDefaultServerHeader: true, NoDefaultDate: true}
	go l.srv.Serve(ln)
	return l, nil
}

// URL is the server's base URL.
func (l *Loopback) URL() string { return "http://" + l.ln.Addr().String() }

// Target is a backend-protocol target on the server.
func (l *Loopback) Target() Target {
	t, _ := NewBackendTarget(LoopbackTargetName, l.URL(), "d1", 0)
	return t
}

// Close stops the server.
func (l *Loopback) Close() error { return l.srv.Shutdown() }

// Len is the number of objects the server holds.
func (l *Loopback) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.objects)
}

func (l *Loopback) handle(ctx *fasthttp.RequestCtx) {
	key := string(ctx.Path())
	switch string(ctx.Method()) {
	case fasthttp.MethodPut:
		var o loopObject
		var tail [8]byte
		buf := make([]byte, 64*KiB)
		r := ctx.RequestBodyStream()
		for {
			n, err := r.Read(buf)
			if n > 0 {
				o.size += int64(n)
				if n >= 8 {
					copy(tail[:], buf[n-8:n])
				} else {
					copy(tail[:], append(tail[n:], buf[:n]...))
				}
			}
			if err == io.EOF {
				break
			}
			if err != nil {
				ctx.SetStatusCode(fasthttp.StatusBadRequest)
				return
			}
		}
		o.stamp = tail
		l.mu.Lock()
		l.objects[key] = o
		l.mu.Unlock()
		ctx.SetStatusCode(fasthttp.StatusCreated)
	case fasthttp.MethodGet, fasthttp.MethodHead:
		l.mu.Lock()
		o, ok := l.objects[key]
		l.mu.Unlock()
		if !ok {
			ctx.SetStatusCode(fasthttp.StatusNotFound)
			return
		}
		obj := baseFor(o.size).object(stampIndex(o.stamp))
		if string(ctx.Method()) == fasthttp.MethodHead {
			ctx.Response.Header.Set("Etag", hex.EncodeToString(obj.sum[:]))
			ctx.Response.Header.SetContentLength(int(o.size))
			ctx.Response.SkipBody = true
			return
		}
		var r io.Reader = obj.reader()
		if l.corrupt {
			r = io.MultiReader(strings.NewReader("X"), io.LimitReader(obj.reader(), o.size-1))
		}
		ctx.Response.SetBodyStream(r, int(o.size))
	case fasthttp.MethodDelete:
		l.mu.Lock()
		_, ok := l.objects[key]
		delete(l.objects, key)
		l.mu.Unlock()
		if !ok {
			ctx.SetStatusCode(fasthttp.StatusNotFound)
			return
		}
		ctx.SetStatusCode(fasthttp.StatusNoContent)
	default:
		ctx.SetStatusCode(fasthttp.StatusMethodNotAllowed)
	}
}
