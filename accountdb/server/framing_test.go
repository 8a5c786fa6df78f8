package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The Swift proxy's s3api sends HEAD of a bucket's container with the client's
// Content-Length and no body; a server that waited for that body made every S3 upload
// time out. Every method that has no body in Swift's protocol, on both servers, with a
// length or chunked framing announced and nothing sent, is answered at once and the
// connection serves the next request.
func TestBodiesAnnouncedAndNotSentAreAnsweredAtOnceOnBothServers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		h.createAccount(h.ns)
		require.Equal(t, 201, h.createContainer(h.ns, "c", nil).status)
		for _, target := range []struct{ host, path string }{
			{h.container, h.containerPath(h.ns, "c")},
			{h.account, h.accountPath(h.ns)},
		} {
			conn, err := net.Dial("tcp", target.host)
			require.NoError(t, err)
			defer conn.Close()
			br := bufio.NewReader(conn)
			for _, method := range []string{"HEAD", "GET", "DELETE", "POST"} {
				for _, framing := range []string{"Content-Length: 193", "Transfer-Encoding: chunked"} {
					require.NoError(t, conn.SetDeadline(time.Now().Add(2*time.Second)))
					// DELETE and POST without X-Timestamp are refused (400): nothing changes.
					fmt.Fprintf(conn, "%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n", method, target.path, framing)
					resp, err := http.ReadResponse(br, &http.Request{Method: method})
					require.NoError(t, err, "%s %s with %s: no answer within 2 s", method, target.path, framing)
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if method == "HEAD" || method == "GET" {
						require.Less(t, resp.StatusCode, 300, "%s %s", method, target.path)
					} else {
						require.Equal(t, 400, resp.StatusCode, "%s %s", method, target.path)
					}
					require.False(t, resp.Close, "%s %s with %s closed the connection", method, target.path, framing)
				}
			}
		}
	})
}

// UTF-8 in a metadata name (fasthttp alone refuses it) is stored by both servers, as
// Swift's are.
func TestUTF8MetadataNamesAreStoredByBothServers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		h.createAccount(h.ns)
		require.Equal(t, 201, h.createContainer(h.ns, "c", nil).status)
		for _, target := range []struct{ host, path, prefix string }{
			{h.container, h.containerPath(h.ns, "c"), "X-Container-Meta-"},
			{h.account, h.accountPath(h.ns), "X-Account-Meta-"},
		} {
			conn, err := net.Dial("tcp", target.host)
			require.NoError(t, err)
			defer conn.Close()
			require.NoError(t, conn.SetDeadline(time.Now().Add(5*time.Second)))
			br := bufio.NewReader(conn)
			fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\n%sKé: vé\r\n\r\n", target.path, ts(), target.prefix)
			resp, err := http.ReadResponse(br, &http.Request{Method: "POST"})
			require.NoError(t, err)
			io.Copy(io.Discard, resp.Body)
			require.Equal(t, 204, resp.StatusCode, target.path)
			// Go's HTTP client refuses such a name in a response: the head is read by hand.
			fmt.Fprintf(conn, "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", target.path)
			var lines []string
			for {
				line, err := br.ReadString('\n')
				require.NoError(t, err)
				if line == "\r\n" {
					break
				}
				lines = append(lines, strings.TrimRight(line, "\r\n"))
			}
			require.Contains(t, lines, target.prefix+"Ké: vé", target.path)
		}
	})
}

// The methods that carry a body in Swift's protocol get it read: the proxy's UPDATE of
// the expirer queue (async deletes) sends its items as JSON. A body left unread there
// once made every such UPDATE a 400.
func TestUPDATEItsItemsAreReadFromTheBody(t *testing.T) {
	forEachBackend(t, func(t *testing.T, h *harness) {
		h.createAccount(h.ns)
		require.Equal(t, 201, h.createContainer(h.ns, "q", nil).status)
		now := ts()
		body := []byte(`[{"name": "1796342338-a/c/o", "created_at": "` + now + `", "size": 0, "content_type": "text/plain", ` +
			`"etag": "d41d8cd98f00b204e9800998ecf8427e", "deleted": 0, "storage_policy_index": 0}]`)
		r := do(t, h.container, "UPDATE", h.containerPath(h.ns, "q"), H{"X-Timestamp": now, "Content-Type": "application/json"}, body)
		require.Equal(t, 202, r.status, r.body)
		r = h.c("GET", h.containerPath(h.ns, "q"), nil)
		require.Equal(t, 200, r.status)
		require.Equal(t, "1796342338-a/c/o\n", r.body)
	})
}
