package objectserver_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A request fasthttp hands over without a body stream once crashed the whole process
// (fasthttp does not recover panics): the server must answer and keep serving.
func TestServerSurvivesAPUTWithNeitherLengthNorChunking(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for i := 0; i < 3; i++ {
		conn, br := h.raw()
		fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\nContent-Type: text/plain\r\n\r\n", obj, h.ts().Internal())
		expect(t, readResponse(t, br, "PUT"), 411, nil)
		// the same connection goes on serving
		fmt.Fprintf(conn, "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", obj)
		expect(t, readResponse(t, br, "HEAD"), 404, nil)
	}
	h.put(obj, []byte("still here"), nil)
	// an explicit Content-Length: 0 is a zero-byte object, not a missing length
	conn, br := h.raw()
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n", obj, h.ts().Internal())
	expect(t, readResponse(t, br, "PUT"), 201, nil)
	expect(t, h.do("HEAD", obj, nil, nil), 200, H{"Content-Length": "0"})
}

// Connections are reused (a new connection per GET once cost the server a third of its
// CPU), also after a request that announced a body the server does not read.
func TestServerKeepsConnectionsAlsoWhenABodyWasAnnouncedAndNotSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.put(obj, []byte("kept alive"), nil)
	conn, br := h.raw()
	for _, method := range []string{"GET", "HEAD", "GET", "DELETE"} {
		ts := ""
		if method == "DELETE" {
			ts = "X-Timestamp: " + h.ts().Internal() + "\r\n"
		}
		fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n", method, obj, ts)
		r := readResponse(t, br, method)
		require.False(t, r.Close, method)
		require.Less(t, r.Status, 300, method)
	}
	// s3api's HEAD carries the client's Content-Length and no body: answered at once,
	// and the connection serves the next request.
	conn, br = h.raw()
	for _, framing := range []string{"Content-Length: 5", "Transfer-Encoding: chunked"} {
		fmt.Fprintf(conn, "HEAD %s HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n", obj, framing)
		expect(t, readResponse(t, br, "HEAD"), 404, nil)
		fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", obj)
		expect(t, readResponse(t, br, "GET"), 404, nil)
	}
}

// The server keeps serving many requests on one connection and many connections at once.
func TestServerHandlesConcurrentClients(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	errs := make(chan error, 16)
	for c := 0; c < 16; c++ {
		go func() {
			var err error
			defer func() { errs <- err }()
			for i := 0; i < 10; i++ {
				path := fmt.Sprintf("/sda1/p/a/c/client-%d/%d", c, i)
				data := []byte(strings.Repeat(fmt.Sprint(c, i), 100))
				r := h.do("PUT", path, H{"X-Timestamp": h.ts().Internal(), "Content-Type": "text/plain"}, data)
				if r.Status != 201 {
					err = fmt.Errorf("PUT %s: %s", path, r)
					return
				}
				g := h.do("GET", path, nil, nil)
				if g.Status != 200 || string(g.Body) != string(data) {
					err = fmt.Errorf("GET %s: %s", path, g)
					return
				}
			}
		}()
	}
	for c := 0; c < 16; c++ {
		require.NoError(t, <-errs)
	}
}

// A small body is checked against its ETag before the response leaves: a corrupt object
// is quarantined and answered 404, never served as a 200 with bad bytes.
func TestServerAnswers404ForACorruptSmallObjectAndQuarantinesIt(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.put(obj, []byte("pristine bytes"), nil)
	h.corrupt("a", "c", "o")

	r := h.do("GET", obj, nil, nil)
	expect(t, r, 404, nil)
	require.NotContains(t, string(r.Body), "ristine")
	expect(t, h.do("GET", obj, nil, nil), 404, nil)
	count, err := h.engines[0].QuarantineCount(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, count)
}
