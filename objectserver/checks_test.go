package objectserver_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/internal/swift"
)

// A PUT that Swift's checks refuse from its head is answered at once: the server does
// not wait for a body it would not store, and does not invite it with 100 Continue.
func TestPUTChecksAnswerBeforeTheBody(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	many := strings.Builder{}
	for i := range 91 {
		fmt.Fprintf(&many, "X-Object-Meta-M%d: v\r\n", i)
	}
	cases := []struct {
		name, headers string
		status        int
	}{
		{"a PUT announcing more than 5 GiB is 413", "Content-Length: 6442450944\r\n", 413},
		{"91 metadata items are 400", "Content-Length: 1000000\r\n" + many.String(), 400},
		{"a PUT without Content-Type is 400", "Content-Length: 1000000\r\nX-No-Type: 1\r\n", 400},
		{"an object name longer than 1024 characters is 400", "Content-Length: 1000000\r\n", 400},
	}
	for _, c := range cases {
		for _, expect100 := range []string{"", "Expect: 100-continue\r\n"} {
			t.Run(c.name+" "+expect100, func(t *testing.T) {
				path, contentType := obj, "Content-Type: text/plain\r\n"
				if strings.Contains(c.name, "1024 characters") {
					path = "/sda1/p/a/c/" + strings.Repeat("%C3%A9", 1025)
				}
				if strings.Contains(c.name, "Content-Type") {
					contentType = ""
				}
				conn, br := h.raw()
				conn.SetDeadline(time.Now().Add(3 * time.Second))
				fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\n%s%s%s\r\n",
					path, h.ts().Internal(), contentType, c.headers, expect100)
				r := readResponse(t, br, "PUT") // a 100 Continue would fail this
				require.Equal(t, c.status, r.Status, "%s", r)
			})
		}
	}
	require.Equal(t, 0, h.count(t), "nothing was stored")
}

// Swift limits object names in characters: 600 × "é" (1 200 bytes) is a valid name.
func TestObjectNamesAreLimitedInCharacters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	name := strings.Repeat("%C3%A9", 1024)
	h.put("/sda1/p/a/c/"+name, []byte("accented"), nil)
	g := h.do("GET", "/sda1/p/a/c/"+name, nil, nil)
	expect(t, g, 200, nil)
	require.Equal(t, "accented", string(g.Body))
	r := h.do("PUT", "/sda1/p/a/c/"+name+"x", H{"X-Timestamp": h.ts().Internal(), "Content-Type": "text/plain"}, []byte("x"))
	expect(t, r, 400, nil)
	require.Equal(t, "Object name length of 1025 longer than 1024", string(r.Body))
}

// The encryption middleware rewrites metadata into longer headers: a head of 90
// metadata items with encrypted values (over 16 KiB in all) is served, as Swift's is.
func TestLargeRequestHeadsWithinSwiftsLimitsAreServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	meta := H{}
	for i := range 90 {
		meta[fmt.Sprintf("X-Object-Meta-M%02d", i)] = strings.Repeat("v", 40)
		meta[fmt.Sprintf("X-Object-Transient-Sysmeta-Crypto-Meta-M%02d", i)] = strings.Repeat("c", 160)
	}
	h.put(obj, []byte("encrypted"), meta)
	post := H{"X-Timestamp": h.ts().Internal()}
	for k, v := range meta {
		post[k] = v
	}
	expect(t, h.do("POST", obj, post, nil), 202, nil)
	expect(t, h.do("HEAD", obj, nil, nil), 200, H{"X-Object-Meta-M89": strings.Repeat("v", 40)})
}

// A PUT whose body was still streaming when a newer version landed is a success, as
// in Swift (it compares timestamps when a PUT begins); the newer version is what reads
// see. A PUT that begins after the newer version landed is 409.
func TestAnOlderPUTFinishingAfterANewerOneIs201AndTheNewerWins(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	older := swift.Timestamp{Ticks: time.Now().UnixNano() / 10000}
	conn, br := h.raw()
	// fasthttp reads up to 8 KiB of a body before the handler runs: the PUT begins then.
	body, begun := strings.Repeat("o", 100000), 9000
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n\r\n%s",
		obj, older.Internal(), len(body), body[:begun])
	time.Sleep(100 * time.Millisecond) // the older PUT has begun
	newer := swift.Timestamp{Ticks: time.Now().UnixNano() / 10000}
	r := h.do("PUT", obj, H{"X-Timestamp": newer.Internal(), "Content-Type": "text/plain"}, []byte("newer"))
	expect(t, r, 201, nil)
	fmt.Fprint(conn, body[begun:])
	expect(t, readResponse(t, br, "PUT"), 201, nil)
	g := h.do("GET", obj, nil, nil)
	expect(t, g, 200, H{"X-Timestamp": newer.Normal()})
	require.Equal(t, "newer", string(g.Body))
	// begun after the newer version landed: 409 with its timestamp
	r = h.do("PUT", obj, H{"X-Timestamp": older.Internal(), "Content-Type": "text/plain"}, []byte("late"))
	expect(t, r, http.StatusConflict, H{"X-Backend-Timestamp": newer.Internal()})
}

// Swift compares a PUT's ETag header as sent (normalize_etag only unquotes): an MD5 in
// capitals does not match, and nothing is stored.
func TestAnETagInCapitalsDoesNotMatch(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := []byte("etag case")
	r := h.do("PUT", obj, H{"X-Timestamp": h.ts().Internal(), "Content-Type": "text/plain",
		"ETag": strings.ToUpper(md5hex(body))}, body)
	expect(t, r, 422, nil)
	expect(t, h.do("HEAD", obj, nil, nil), 404, nil)
	h.put(obj, body, H{"ETag": `"` + md5hex(body) + `"`})
}

// Swift takes UTF-8 in metadata names (fasthttp alone refuses any byte over 127 in a
// header name): the metadata is stored and served under the name as sent.
func TestUTF8MetadataNamesAreStored(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	conn, br := h.raw()
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\nContent-Type: text/plain\r\nX-Object-Meta-Ké: vé\r\nX-Object-Meta-100%%: pct\r\nContent-Length: 2\r\n\r\nok",
		obj, h.ts().Internal())
	expect(t, readResponse(t, br, "PUT"), 201, nil)
	// Go's HTTP client refuses such a name in a response, so the head is read by hand.
	fmt.Fprintf(conn, "HEAD %s HTTP/1.1\r\nHost: x\r\n\r\n", obj)
	status, err := br.ReadString('\n')
	require.NoError(t, err)
	require.Equal(t, "HTTP/1.1 200 OK\r\n", status)
	found := map[string]string{}
	for {
		line, err := br.ReadString('\n')
		require.NoError(t, err)
		if line == "\r\n" {
			break
		}
		k, v, _ := strings.Cut(strings.TrimRight(line, "\r\n"), ": ")
		if strings.HasPrefix(strings.ToLower(k), "x-object-meta-") {
			found[strings.ToLower(k)] = v
		}
	}
	require.Equal(t, map[string]string{"x-object-meta-ké": "vé", "x-object-meta-100%": "pct"}, found)
	o, err := h.open(0, "a", "c", "o")
	require.NoError(t, err)
	require.Equal(t, "vé", o.Metadata()["X-Object-Meta-Ké"])
}

// Names that are not RFC 7230 tokens reach Swift's servers through the proxy (s3api
// stores "X-Amz-Meta-Foo_Bar" as "X-Object-Meta-Foo=5Fbar"); they are stored under
// the name Swift's WSGI reading gives them ("_" is "-", title case).
func TestMetadataNamesThatAreNotTokensAreStoredAsSwiftNamesThem(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	conn, br := h.raw()
	fmt.Fprintf(conn, "PUT %s HTTP/1.1\r\nHost: x\r\nX-Timestamp: %s\r\nContent-Type: text/plain\r\n"+
		"X-Object-Meta-Foo=5fbar: s3\r\nX-Object-Meta-a\"b: quote\r\nX-Object-Meta-under_score: u\r\nContent-Length: 2\r\n\r\nok",
		obj, h.ts().Internal())
	expect(t, readResponse(t, br, "PUT"), 201, nil)
	o, err := h.open(0, "a", "c", "o")
	require.NoError(t, err)
	meta := o.Metadata()
	require.Equal(t, "s3", meta["X-Object-Meta-Foo=5Fbar"], "%v", meta)
	require.Equal(t, "quote", meta[`X-Object-Meta-A"B`], "%v", meta)
	require.Equal(t, "u", meta["X-Object-Meta-Under-Score"], "%v", meta)
}
