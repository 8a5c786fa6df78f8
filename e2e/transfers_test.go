package e2e

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"net"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Large transfers through the real proxy at the object server's default memory budget
// (16 MiB): the proxy's copy middleware reads the source and writes the copy at once,
// a GET may come while a slow PUT streams, and an SLO's segments are read one after
// another. Each used to wait for memory that a transfer blocked on the proxy held.

type transfersAPI struct {
	t       *testing.T
	storage string
	token   string
	client  *http.Client
}

func newTransfersAPI(t *testing.T) *transfersAPI {
	auth := newSwiftAPI(t) // the same tempauth token
	// Every request has a deadline: a transfer stalled on memory fails the test instead
	// of hanging it (the proxy's own node_timeout is 10 s).
	return &transfersAPI{t: t, storage: auth.storage, token: auth.token, client: &http.Client{Timeout: 90 * time.Second}}
}

// do sends one request; body may be nil. It returns the status, headers and the MD5 and
// length of the response body (bodies of these tests are megabytes).
func (a *transfersAPI) do(method, path string, body io.Reader, size int64, headers map[string]string) (int, http.Header, string, int64, error) {
	req, err := http.NewRequest(method, a.storage+path, body)
	if err != nil {
		return 0, nil, "", 0, err
	}
	if body != nil {
		req.ContentLength = size
	}
	req.Header.Set("X-Auth-Token", a.token)
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, "", 0, err
	}
	defer resp.Body.Close()
	h := md5.New()
	n, err := io.Copy(h, resp.Body)
	return resp.StatusCode, resp.Header, hex.EncodeToString(h.Sum(nil)), n, err
}

func (a *transfersAPI) mustDo(method, path string, body []byte, headers map[string]string, want int) http.Header {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	status, h, _, _, err := a.do(method, path, rd, int64(len(body)), headers)
	require.NoError(a.t, err, "%s %s", method, path)
	require.Equal(a.t, want, status, "%s %s", method, path)
	return h
}

// requireObject GETs path within the client's deadline and checks its bytes.
func (a *transfersAPI) requireObject(path string, size int64, md5sum string) {
	a.t.Helper()
	start := time.Now()
	status, _, got, n, err := a.do("GET", path, nil, 0, nil)
	require.NoError(a.t, err, "GET %s after %v", path, time.Since(start))
	require.Equal(a.t, 200, status, "GET %s", path)
	require.Equal(a.t, size, n, "GET %s: length", path)
	require.Equal(a.t, md5sum, got, "GET %s: MD5", path)
}

func randomBytes(size int64, seed int64) ([]byte, string) {
	data := make([]byte, size)
	rand.New(rand.NewSource(seed)).Read(data)
	sum := md5.Sum(data)
	return data, hex.EncodeToString(sum[:])
}

func newTransfersContainer(a *transfersAPI, name string) string {
	c := fmt.Sprintf("/%s-%d", name, time.Now().UnixNano())
	a.mustDo("PUT", c, nil, nil, 201)
	return c
}

func TestTransfersServerSideCopiesOfLargeObjectsComplete(t *testing.T) {
	api := newTransfersAPI(t)
	c := newTransfersContainer(api, "copies")
	const size, copies = 16 << 20, 3
	sums := make([]string, copies)
	for i := range copies {
		data, sum := randomBytes(size, int64(i))
		sums[i] = sum
		api.mustDo("PUT", fmt.Sprintf("%s/src%d", c, i), data, nil, 201)
	}
	errs := make(chan error, copies)
	for i := range copies {
		go func() {
			start := time.Now()
			status, _, _, _, err := api.do("PUT", fmt.Sprintf("%s/copy%d", c, i), strings.NewReader(""), 0,
				map[string]string{"X-Copy-From": fmt.Sprintf("%s/src%d", c[1:], i)})
			if err == nil && status != 201 {
				err = fmt.Errorf("copy %d: status %d after %v", i, status, time.Since(start))
			}
			errs <- err
		}()
	}
	for range copies {
		require.NoError(t, <-errs)
	}
	for i := range copies {
		api.requireObject(fmt.Sprintf("%s/copy%d", c, i), size, sums[i])
	}
}

func TestTransfersAGetCompletesWhileAnUploadStreamsSlowly(t *testing.T) {
	api := newTransfersAPI(t)
	c := newTransfersContainer(api, "slowput")
	const size = 8 << 20
	other, otherSum := randomBytes(size, 10)
	api.mustDo("PUT", c+"/other", other, nil, 201)

	data, sum := randomBytes(size, 11)
	pr, pw := io.Pipe()
	t.Cleanup(func() { pw.CloseWithError(io.ErrUnexpectedEOF) }) // a failed test abandons the upload
	put := make(chan error, 1)
	go func() {
		status, _, _, _, err := api.do("PUT", c+"/slow", pr, size, nil)
		if err == nil && status != 201 {
			err = fmt.Errorf("slow PUT: status %d", status)
		}
		put <- err
	}()
	// The first MiB, then nothing until the GET is done: the upload holds its share
	// on the object server while its client is slow.
	_, err := pw.Write(data[:1<<20])
	require.NoError(t, err)
	time.Sleep(500 * time.Millisecond) // the proxy has connected the PUT to the object server
	api.requireObject(c+"/other", size, otherSum)
	for off := int64(1 << 20); off < size; off += 1 << 20 {
		_, err = pw.Write(data[off : off+1<<20])
		require.NoError(t, err)
		time.Sleep(50 * time.Millisecond)
	}
	pw.Close()
	require.NoError(t, <-put)
	api.requireObject(c+"/slow", size, sum)
}

// One client reads the SLO and stops after its first MiB (the object server's GET of a
// segment is then blocked on the proxy, holding its share); another reads the whole SLO
// meanwhile. Before, the second one's segment GET waited for that share until the proxy
// answered 503. The segments are larger than what loopback's socket buffers take in
// (tcp_rmem allows 32 MiB here): a smaller segment is written whole into them and its
// GET ends although nobody reads it.
func TestTransfersAnSLOReadsWhileAnotherReaderOfItStalls(t *testing.T) {
	api := newTransfersAPI(t)
	c := newTransfersContainer(api, "slo")
	const segSize, segments = 40 << 20, 3
	whole := md5.New()
	var manifest []map[string]any
	for i := range segments {
		data, sum := randomBytes(segSize, int64(20+i))
		whole.Write(data)
		path := fmt.Sprintf("%s/seg%d", c, i)
		api.mustDo("PUT", path, data, nil, 201)
		manifest = append(manifest, map[string]any{"path": path, "etag": sum, "size_bytes": segSize})
	}
	sum := hex.EncodeToString(whole.Sum(nil))
	body, err := json.Marshal(manifest)
	require.NoError(t, err)
	api.mustDo("PUT", c+"/big?multipart-manifest=put", body, nil, 201)

	req, err := http.NewRequest("GET", api.storage+c+"/big", nil)
	require.NoError(t, err)
	req.Header.Set("X-Auth-Token", api.token)
	// A small receive buffer, as a slow client over a real network has.
	dialer := &net.Dialer{Control: func(_, _ string, c syscall.RawConn) error {
		var serr error
		err := c.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 64<<10) })
		return errors.Join(err, serr)
	}}
	slow := &http.Client{Timeout: 90 * time.Second, Transport: &http.Transport{DialContext: dialer.DialContext}}
	resp, err := slow.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, 200, resp.StatusCode)
	stalled := md5.New()
	_, err = io.CopyN(stalled, resp.Body, 1<<20)
	require.NoError(t, err)
	time.Sleep(2 * time.Second) // the proxy has filled the socket buffers and waits for this client
	start := time.Now()
	api.requireObject(c+"/big", segSize*segments, sum)
	t.Logf("read beside a stalled reader in %v", time.Since(start))

	n, err := io.Copy(stalled, resp.Body)
	require.NoError(t, err, "the stalled reader goes on")
	require.Equal(t, int64(segSize*segments-1<<20), n)
	require.Equal(t, sum, hex.EncodeToString(stalled.Sum(nil)))
}
