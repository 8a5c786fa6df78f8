package headconn

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"net"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// wanted is what the generator sent in one request.
type wanted struct {
	method        string
	names, values []string
	body          []byte
	contentLength int64
}

const nameBytes = "abcxyzABCXYZ0189-_!#$&'*+.^`|~%"

func genName(r *rand.Rand) []byte {
	name := []byte("X-F")
	for range r.IntN(12) {
		if r.IntN(3) == 0 {
			name = append(name, byte(0x80+r.IntN(0x80)))
		} else {
			name = append(name, nameBytes[r.IntN(len(nameBytes))])
		}
	}
	return name
}

// normalized is the name as fasthttp's normalizeHeaderKey leaves it, decoded:
// letters upper after '-' and at the start, lower elsewhere.
func normalized(name []byte) string {
	out := make([]byte, len(name))
	upper := true
	for i, ch := range name {
		switch {
		case upper && ch >= 'a' && ch <= 'z':
			ch -= 'a' - 'A'
		case !upper && ch >= 'A' && ch <= 'Z':
			ch += 'a' - 'A'
		}
		out[i] = ch
		upper = ch == '-'
	}
	return string(out)
}

func genValue(r *rand.Rand) []byte {
	v := []byte{'v'}
	for range r.IntN(20) {
		if r.IntN(4) == 0 {
			v = append(v, byte(0x80+r.IntN(0x80)))
		} else {
			v = append(v, byte(0x21+r.IntN(0x7e-0x21)))
		}
	}
	return v
}

func genBody(r *rand.Rand) []byte {
	pieces := []string{"X-Object-Meta-\xc3\xa9: v\r\n", "\r\n\r\n", "GET / HTTP/1.1\r\n", "0\r\n\r\n", "\x80\xff"}
	var b []byte
	for len(b) < r.IntN(3000) {
		if r.IntN(3) == 0 {
			b = append(b, pieces[r.IntN(len(pieces))]...)
		} else {
			b = append(b, byte(r.IntN(256)))
		}
	}
	return b
}

// genStream writes a sequence of valid requests and what the handler must see.
func genStream(r *rand.Rand) ([]byte, []wanted) {
	var raw bytes.Buffer
	var ws []wanted
	for range 1 + r.IntN(8) {
		w := wanted{method: []string{"GET", "HEAD", "PUT", "DELETE", "POST", "REPLICATE", "SSYNC", "OPTIONS"}[r.IntN(8)], contentLength: -2}
		if r.IntN(8) == 0 {
			raw.WriteString("\r\n")
		}
		fmt.Fprintf(&raw, "%s /v1/a/c/o%d HTTP/1.1\r\nHost: x\r\n", w.method, r.IntN(100))
		for range r.IntN(6) {
			name, value := genName(r), genValue(r)
			w.names = append(w.names, normalized(name))
			w.values = append(w.values, string(value))
			fmt.Fprintf(&raw, "%s:%s%s\r\n", name, []string{"", " ", "  "}[r.IntN(3)], value)
		}
		hasBody := w.method == "PUT" || w.method == "REPLICATE" || w.method == "SSYNC"
		switch {
		case hasBody && r.IntN(2) == 0:
			w.body, w.contentLength = genBody(r), -1
			if r.IntN(4) == 0 {
				raw.WriteString("Expect: 100-continue\r\n")
			}
			raw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
			for rest := w.body; len(rest) > 0; {
				n := 1 + r.IntN(len(rest))
				fmt.Fprintf(&raw, "%x%s\r\n%s\r\n", n, []string{"", ";a=b", "; x=\xc3\xa9"}[r.IntN(3)], rest[:n])
				rest = rest[n:]
			}
			raw.WriteString("0\r\n")
			if r.IntN(3) == 0 {
				raw.WriteString("Xtr-Sum: 1\r\n")
			}
			raw.WriteString("\r\n")
		case hasBody:
			w.body = genBody(r)
			w.contentLength = int64(len(w.body))
			fmt.Fprintf(&raw, "Content-Length: %d\r\n\r\n%s", len(w.body), w.body)
		case r.IntN(4) == 0:
			w.contentLength = 0
			raw.WriteString("Content-Length: 0\r\n\r\n")
		default:
			raw.WriteString("\r\n")
		}
		if w.body == nil {
			w.body = []byte{}
		}
		ws = append(ws, w)
	}
	return raw.Bytes(), ws
}

// chopConn caps each Read at a random size, so that the Conn sees any split.
type chopConn struct {
	net.Conn
	r *rand.Rand
}

func (c *chopConn) Read(p []byte) (int, error) {
	n := len(p)
	if c.r.IntN(2) == 0 {
		n = min(n, 16) // small reads leave every boundary at every offset
	}
	return c.Conn.Read(p[:1+c.r.IntN(n)])
}

func FuzzStreamsOfValidRequests(f *testing.F) {
	for seed := range uint64(64) {
		f.Add(seed, seed%2 == 0)
	}
	f.Fuzz(func(t *testing.T, seed uint64, stream bool) {
		r := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
		raw, want := genStream(r)
		client, server := net.Pipe()
		defer client.Close()
		rec := &recorder{rnd: rand.New(rand.NewPCG(seed, 1))}
		srv := newServer(rec, stream)
		cfg := &Config{MaxHeadBytes: DefaultMaxHeadBytes, BodyMethods: DefaultBodyMethods}
		done := make(chan error, 1)
		go func() { done <- srv.ServeConn(newConn(&chopConn{server, rand.New(rand.NewPCG(seed, 2))}, cfg)) }()
		client.SetDeadline(time.Now().Add(3 * time.Second))
		wr := rand.New(rand.NewPCG(seed, 3))
		go func() {
			for rest := raw; len(rest) > 0; {
				n := 1 + wr.IntN(len(rest))
				if _, err := client.Write(rest[:n]); err != nil {
					return
				}
				rest = rest[n:]
			}
		}()
		br := bufio.NewReader(client)
		for i, w := range want {
			resp := &fasthttp.Response{SkipBody: w.method == "HEAD"}
			if err := resp.Read(br); err != nil || resp.StatusCode() != 200 {
				t.Fatalf("request %d %s: status %d %v\n%q", i+1, w.method, resp.StatusCode(), err, raw)
			}
		}
		client.Close()
		<-done
		got := rec.seen()
		if len(got) != len(want) {
			t.Fatalf("%d requests seen, want %d", len(got), len(want))
		}
		for i, w := range want {
			g := got[i]
			if g.method != w.method || fmt.Sprint(g.names) != fmt.Sprint(w.names) || fmt.Sprint(g.values) != fmt.Sprint(w.values) {
				t.Fatalf("request %d: got %s %q %q, want %s %q %q", i+1, g.method, g.names, g.values, w.method, w.names, w.values)
			}
			if !bytes.Equal(g.body, w.body) || g.bodyErr != nil {
				t.Fatalf("request %d %s: body %d bytes %v, want %d", i+1, w.method, len(g.body), g.bodyErr, len(w.body))
			}
			f := g.framing
			if !g.found || f.Passthrough || !g.agrees || f.Method != w.method || f.ContentLength != w.contentLength || f.RequestNum != uint64(i+1) {
				t.Fatalf("request %d: framing %+v found %v agrees %v, want %s length %d", i+1, f, g.found, g.agrees, w.method, w.contentLength)
			}
		}
	})
}
