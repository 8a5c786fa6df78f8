// Package differential sends one corpus of raw HTTP requests (valid, edge and bad ones)
// to Debian's Swift 2.30.1 object, container and account servers and to radosswift's,
// and compares what the proxy would read from each: statuses, the headers it uses,
// bodies, and whether a keep-alive connection still serves a second request.
// The corpus is here; the servers, the exchange and the comparison are in the tests.
package differential

import (
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// rawRequest is a request exactly as sent: the head (request line, headers, blank line)
// and the body. Framing is whatever the corpus wrote, wrong on purpose where it says so.
type rawRequest struct {
	head, body string
	expect100  bool // send the head, and the body only once a 100 Continue came
}

func (r rawRequest) method() string {
	m, _, _ := strings.Cut(r.head, " ")
	return m
}

// entry is one request of the corpus, for one server kind, after setup requests that
// both implementations get too (their answers are compared as well).
type entry struct {
	name    string
	server  string // "object", "container" or "account"
	setup   []rawRequest
	request rawRequest
}

const (
	account   = "AUTH_diff"
	objBase   = "/d1/0/" + account + "/c/"  // objects of policy 0
	obj1Base  = "/d1/0/" + account + "/c1/" // objects of policy 1
	fixture   = objBase + "fixture"
	fixtureCT = "text/plain"
)

// fixtureBody is the object every read test reads: 36 bytes, so ranges are easy to
// reason about.
var fixtureBody = "0123456789abcdefghijklmnopqrstuvwxyz"

func etagOf(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// noLength in a header list keeps request() from adding a Content-Length.
const noLength = "\x00no-length"

// request builds a raw HTTP/1.1 request. A PUT or POST, and any request with a body,
// gets a Content-Length unless the headers have one, a Transfer-Encoding, or noLength.
func request(method, path, body string, headers ...string) rawRequest {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n", method, path)
	framed, expect := false, false
	for _, h := range headers {
		lower := strings.ToLower(h)
		switch {
		case h == noLength:
			framed = true
			continue
		case strings.HasPrefix(lower, "content-length:"), strings.HasPrefix(lower, "transfer-encoding:"):
			framed = true
		case lower == "expect: 100-continue":
			expect = true
		}
		b.WriteString(h + "\r\n")
	}
	if !framed && (body != "" || method == "PUT" || method == "POST") {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	return rawRequest{head: b.String(), body: body, expect100: expect}
}

// corpus builds the entries in the order they run; timestamps come from one clock
// that starts about a day in the past and ticks one second per use, so both
// implementations see the very same X-Timestamp values.
type corpus struct {
	entries []entry
	clock   int64 // seconds
	now     time.Time
}

func (c *corpus) ts() string {
	c.clock++
	return fmt.Sprintf("%d.00000", c.clock)
}

// future is an X-Delete-At that is still ahead when the corpus runs.
func (c *corpus) future(days int) string {
	return fmt.Sprint(c.now.Add(time.Duration(days) * 24 * time.Hour).Unix())
}

// addAfter adds an entry whose request is built after its setup request, so that the
// request's timestamps are the newer ones.
func (c *corpus) addAfter(server, name string, setup rawRequest, build func() rawRequest) {
	c.add(server, name, build(), setup)
}

func (c *corpus) add(server, name string, req rawRequest, setup ...rawRequest) {
	c.entries = append(c.entries, entry{name: server + ": " + name, server: server, setup: setup, request: req})
}

// objPut is a well-formed object PUT of body at path, with extra headers.
func (c *corpus) objPut(path, body string, headers ...string) rawRequest {
	h := append([]string{"X-Timestamp: " + c.ts(), "Content-Type: " + fixtureCT, "X-Backend-Storage-Policy-Index: 0"}, headers...)
	return request("PUT", path, body, h...)
}

func policy(index int) string { return fmt.Sprintf("X-Backend-Storage-Policy-Index: %d", index) }

// followUps are the requests sent again on each connection after the answer: a HEAD
// of something that exists, to see that a keep-alive connection still works.
var followUps = map[string]string{
	"object":    "HEAD " + fixture + " HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Backend-Storage-Policy-Index: 0\r\n\r\n",
	"container": "HEAD /d1/0/" + account + "/c HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
	"account":   "HEAD /d1/0/" + account + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
}

// buildCorpus is every entry, in order: the fixtures first, then per server kind.
func buildCorpus(now time.Time) []entry {
	c := &corpus{clock: now.Unix() - 100000, now: now}
	c.fixtures()
	c.objectPaths()
	c.objectHeaders()
	c.objectBodies()
	c.bodilessWithLength()
	c.objectReads()
	c.objectWrites()
	c.methods()
	c.containers()
	c.accounts()
	return c.entries
}

// fixtures: the account, two containers (one per policy), the objects read later, the
// container rows and account rows the listings list.
func (c *corpus) fixtures() {
	c.add("account", "PUT the account", request("PUT", "/d1/0/"+account, "", "X-Timestamp: "+c.ts()))
	c.add("account", "PUT an account to delete later", request("PUT", "/d1/0/AUTH_gone", "", "X-Timestamp: "+c.ts()))
	c.add("container", "PUT container c on policy 0", request("PUT", "/d1/0/"+account+"/c", "", "X-Timestamp: "+c.ts(), policy(0)))
	c.add("container", "PUT container c1 on policy 1", request("PUT", "/d1/0/"+account+"/c1", "", "X-Timestamp: "+c.ts(), policy(1)))
	c.add("object", "PUT the fixture object", c.objPut(fixture, fixtureBody,
		"X-Object-Meta-Color: blue", "X-Object-Sysmeta-Alt-Etag: alt-etag", "Content-Disposition: inline",
		"Content-Encoding: identity", "X-Object-Meta-Mixed-Case: Value With Spaces"))
	c.add("object", "PUT a policy-1 object", request("PUT", obj1Base+"fixture", fixtureBody,
		"X-Timestamp: "+c.ts(), "Content-Type: "+fixtureCT, policy(1)))
	rows := []struct {
		name string
		size int
	}{{"a", 1}, {"a/b", 22}, {"a/b/c", 333}, {"a-b", 0}, {"b", 700}, {"b/", 3}, {"c<&>", 4},
		{"d\u00e9j\u00e0/vu", 5}, {"\u65e5\u672c", 6}, {"zz", 9}}
	for i, row := range rows {
		c.add("container", "PUT object row "+row.name, request("PUT", "/d1/0/"+account+"/c/"+quote(row.name), "",
			"X-Timestamp: "+c.ts(), fmt.Sprintf("X-Size: %d", row.size), "X-Content-Type: text/plain",
			fmt.Sprintf("X-Etag: %032x", i), policy(0)))
	}
	for i, name := range []string{"c", "c1", "cx", "d/1", "d/2", "e\u00e9"} {
		c.add("account", "PUT container row "+name, request("PUT", "/d1/0/"+account+"/"+quote(name), "",
			"X-Put-Timestamp: "+c.ts(), "X-Delete-Timestamp: 0", fmt.Sprintf("X-Object-Count: %d", i),
			fmt.Sprintf("X-Bytes-Used: %d", i*100), policy(i%2), "X-Timestamp: "+c.ts()))
	}
}

// quote %-encodes what a path must not carry raw (as the proxy sends names).
func quote(s string) string {
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.~/", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func (c *corpus) objectPaths() {
	get := func(path string) rawRequest { return request("GET", path, "", policy(0)) }
	for _, p := range []struct{ name, path string }{
		{"GET the fixture", fixture},
		{"GET with too few segments (container)", "/d1/0/" + account + "/c"},
		{"GET with too few segments (account)", "/d1/0/" + account},
		{"GET with too few segments (partition)", "/d1/0"},
		{"GET /", "/"},
		{"GET an object name with slashes", objBase + "a/b/c"},
		{"GET an object name with //", objBase + "a//b"},
		{"GET an object name starting with /", objBase + "/fixture"},
		{"GET an empty account", "/d1/0//c/fixture"},
		{"GET an empty container", "/d1/0/" + account + "//fixture"},
		{"GET an empty partition", "/d1//" + account + "/c/fixture"},
		{"GET an empty device", "//0/" + account + "/c/fixture"},
		{"GET a partition that is not a number", "/d1/x/" + account + "/c/fixture"},
		{"GET a device that does not exist", "/nodev/0/" + account + "/c/fixture"},
		{"GET the fixture %-encoded", objBase + "fix%74ure"},
		{"GET %2F in the object name", objBase + "a%2Fb"},
		{"GET a broken %-escape", objBase + "%zz"},
		{"GET a truncated %-escape", objBase + "ab%4"},
		{"GET invalid UTF-8 %FF", objBase + "%FF"},
		{"GET raw invalid UTF-8 byte", objBase + "\xff"},
		{"GET a NUL byte %00", objBase + "a%00b"},
		{"GET a raw space in the path", objBase + "a b"},
		{"GET with a query string", fixture + "?multipart-manifest=get"},
		{"GET a fragment", fixture + "#frag"},
		{"GET an absolute URI", "http://127.0.0.1" + fixture},
		{"GET a path without leading slash", "d1/0/" + account + "/c/fixture"},
		{"GET a hidden account", "/d1/0/.hidden/c/o"},
	} {
		c.add("object", p.name, get(p.path))
	}
	put := func(name, path string) { c.add("object", name, c.objPut(path, "x")) }
	put("PUT a NUL byte in the object name", objBase+"nul%00byte")
	put("PUT a NUL byte in the container name", "/d1/0/"+account+"/c%00x/o")
	put("PUT invalid UTF-8 in the object name", objBase+"bad%FFutf8")
	put("PUT an object name of 1024 ASCII characters", objBase+strings.Repeat("a", 1024))
	put("PUT an object name of 1025 ASCII characters", objBase+strings.Repeat("b", 1025))
	put("PUT an object name of 1024 x é (2048 bytes)", objBase+strings.Repeat("%C3%A9", 1024))
	put("PUT an object name of 1025 x é", objBase+strings.Repeat("%C3%A9", 1025))
	put("PUT an object name of 512 x é (1024 bytes)", objBase+strings.Repeat("%C3%A9", 512))
	put("PUT an object name of 513 x é (1026 bytes)", objBase+strings.Repeat("%C3%A9", 513))
	put("PUT an object name of 256 x U+1F600 (1024 bytes)", objBase+strings.Repeat("%F0%9F%98%80", 256))
	put("PUT a container name of 256 characters", "/d1/0/"+account+"/"+strings.Repeat("c", 256)+"/o")
	put("PUT a container name of 257 characters", "/d1/0/"+account+"/"+strings.Repeat("c", 257)+"/o")
	put("PUT an account name of 257 characters", "/d1/0/"+strings.Repeat("A", 257)+"/c/o")
	put("PUT an object name with a trailing slash", objBase+"dir/")
	put("PUT an object named .", objBase+".")
	put("PUT an object named ..", objBase+"..")
	put("PUT into the reserved namespace", objBase+"%00reserved")
}

func (c *corpus) objectHeaders() {
	o := func(n string) string { return objBase + "hdr-" + n }
	ct := "Content-Type: " + fixtureCT
	p0 := policy(0)
	for _, tc := range []struct{ name, ts string }{
		{"garbage", "not-a-timestamp"}, {"empty", ""}, {"negative", "-1"}, {"zero", "0"},
		{"far future", "9999999999.99999"}, {"over ten digits", "99999999999.00000"},
		{"with an offset", fmt.Sprintf("%d.00000_000000000000000a", c.clock+1)},
		{"with a bad offset", fmt.Sprintf("%d.00000_zz", c.clock+1)},
		{"with six decimals", fmt.Sprintf("%d.123456", c.clock+1)},
		{"ISO date", "2020-01-01T00:00:00"},
	} {
		// No space in the path: a raw space would make the request line malformed and
		// the entry would test eventlet's parser instead of the timestamp check.
		c.add("object", "PUT X-Timestamp "+tc.name, request("PUT", o("ts-"+strings.ReplaceAll(tc.name, " ", "-")), "x", "X-Timestamp: "+tc.ts, ct, p0))
	}
	c.clock += 2
	c.add("object", "PUT without X-Timestamp", request("PUT", o("nots"), "x", ct, p0))
	c.add("object", "PUT without Content-Type", request("PUT", o("noct"), "x", "X-Timestamp: "+c.ts(), p0))
	c.add("object", "PUT with an empty Content-Type", request("PUT", o("emptyct"), "x", "X-Timestamp: "+c.ts(), "Content-Type:", p0))
	c.add("object", "PUT Content-Type with swift_bytes", request("PUT", o("swiftbytes"), "x", "X-Timestamp: "+c.ts(),
		"Content-Type: text/plain;swift_bytes=12345", p0))
	for _, idx := range []string{"x", "-1", "7", "1.0", ""} {
		c.add("object", "PUT policy index "+quoteName(idx), request("PUT", o("pol"), "x", "X-Timestamp: "+c.ts(), ct,
			"X-Backend-Storage-Policy-Index: "+idx))
		c.add("object", "GET policy index "+quoteName(idx), request("GET", fixture, "", "X-Backend-Storage-Policy-Index: "+idx))
	}
	c.add("object", "GET without a policy index", request("GET", fixture, ""))
	c.add("object", "GET the policy-1 object as policy 0", request("GET", obj1Base+"fixture", "", policy(0)))
	c.add("object", "GET the policy-1 object as policy 1", request("GET", obj1Base+"fixture", "", policy(1)))

	meta := func(name string, headers ...string) {
		c.add("object", "PUT metadata: "+name, c.objPut(o("meta"), "x", headers...))
	}
	meta("name of 128", "X-Object-Meta-"+strings.Repeat("n", 128)+": v")
	meta("name of 129", "X-Object-Meta-"+strings.Repeat("n", 129)+": v")
	meta("value of 256", "X-Object-Meta-Long: "+strings.Repeat("v", 256))
	meta("value of 257", "X-Object-Meta-Long: "+strings.Repeat("v", 257))
	meta("value of 128 x é (256 bytes)", "X-Object-Meta-Long: "+strings.Repeat("é", 128))
	meta("value of 129 x é (258 bytes)", "X-Object-Meta-Long: "+strings.Repeat("é", 129))
	meta("empty name", "X-Object-Meta-: v")
	meta("empty value", "X-Object-Meta-Empty:")
	meta("UTF-8 in the name (X-Object-Meta-ké)", "X-Object-Meta-ké: v")
	meta("UTF-8 in the value", "X-Object-Meta-Word: déjà vu")
	meta("invalid UTF-8 in the value", "X-Object-Meta-Word: \xff\xfe")
	meta("underscore in the name", "X-Object-Meta-Under_score: v")
	meta("sysmeta of 300 bytes (not limited)", "X-Object-Sysmeta-Big: "+strings.Repeat("s", 300))
	meta("transient sysmeta", "X-Object-Transient-Sysmeta-Crypto: t")
	meta("count 90", metaHeaders(90, 1, 1)...)
	meta("count 91", metaHeaders(91, 1, 1)...)
	// Overall size counts name (after X-Object-Meta-) plus value: 4096 = 32 x (28 + 100).
	meta("overall 4096", metaHeaders(32, 26, 100)...)
	meta("overall 4097", append(metaHeaders(31, 26, 100), "X-Object-Meta-Zz-last-header-twenty-eight: "+strings.Repeat("v", 101))...)
	meta("duplicate name", "X-Object-Meta-Dup: one", "X-Object-Meta-Dup: two")
	meta("allowed headers", "Content-Language: fr", "Cache-Control: no-cache", "Expires: 0", "X-Robots-Tag: none",
		"Content-Disposition: attachment", "Content-Encoding: gzip")
	meta("X-Static-Large-Object", "X-Static-Large-Object: True")
	meta("X-Object-Manifest", "X-Object-Manifest: c/segments-")
	c.add("object", "HEAD the metadata object", request("HEAD", o("meta"), "", p0))

	// Header framing limits: a block over 16 KiB of ordinary headers, one line over 8 KiB,
	// and 126 against 127 header lines (Swift: max_meta_count + 36).
	c.add("object", "GET with a 20 KiB header block", request("GET", fixture, "", append([]string{p0}, filler(40, 500)...)...))
	c.add("object", "GET with a 64 KiB header block", request("GET", fixture, "", append([]string{p0}, filler(100, 650)...)...))
	c.add("object", "GET with one header line of 8180 bytes", request("GET", fixture, "", p0, "X-Filler: "+strings.Repeat("f", 8170)))
	c.add("object", "GET with one header line of 8300 bytes", request("GET", fixture, "", p0, "X-Filler: "+strings.Repeat("f", 8290)))
	c.add("object", "GET with 126 header lines", request("GET", fixture, "", append([]string{p0}, filler(124, 10)...)...))
	c.add("object", "GET with 127 header lines", request("GET", fixture, "", append([]string{p0}, filler(125, 10)...)...))
	// Swift's servers import bufferedhttp, which sets http.client's _MAXHEADERS to 1.6 x
	// MAX_HEADER_COUNT for the whole process: 200 header lines pass, 201 get 431.
	c.add("object", "GET with 200 header lines", request("GET", fixture, "", append([]string{p0}, filler(198, 10)...)...))
	c.add("object", "GET with 201 header lines", request("GET", fixture, "", append([]string{p0}, filler(199, 10)...)...))
	c.add("object", "GET with a request line of 9000 bytes", request("GET", fixture+"?q="+strings.Repeat("q", 9000), "", p0))
	c.add("object", "GET with a header without colon", request("GET", fixture, "", p0, "NoColonHere"))
	c.add("object", "GET with a space before the colon", request("GET", fixture, "", p0, "X-Foo : bar"))
	c.add("object", "GET with a folded header line", request("GET", fixture, "", p0, "X-Foo: bar", " continued"))
	c.add("object", "GET with a NUL in a header value", request("GET", fixture, "", p0, "X-Foo: a\x00b"))
	c.add("object", "GET with LF-only line ends", rawRequest{head: "GET " + fixture + " HTTP/1.1\nHost: 127.0.0.1\n" + p0 + "\n\n"})
	c.add("object", "HTTP/1.0 GET", rawRequest{head: "GET " + fixture + " HTTP/1.0\r\n" + p0 + "\r\n\r\n"})
	c.add("object", "HTTP/1.0 GET with keep-alive", rawRequest{head: "GET " + fixture + " HTTP/1.0\r\nConnection: keep-alive\r\n" + p0 + "\r\n\r\n"})
	c.add("object", "GET with Connection: close", request("GET", fixture, "", p0, "Connection: close"))
	c.add("object", "GET without Host", rawRequest{head: "GET " + fixture + " HTTP/1.1\r\n" + p0 + "\r\n\r\n"})
	c.add("object", "HTTP/2.0 request line", rawRequest{head: "GET " + fixture + " HTTP/2.0\r\nHost: x\r\n\r\n"})
	c.add("object", "garbage request line", rawRequest{head: "HELLO\r\n\r\n"})
	c.add("object", "lower-case method", request("get", fixture, "", p0))
}

func quoteName(s string) string { return fmt.Sprintf("%q", s) }

// metaHeaders are n X-Object-Meta-* headers whose names (after the prefix) are nameLen
// bytes and values valueLen bytes.
func metaHeaders(n, nameLen, valueLen int) []string {
	var hs []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("m%03d", i)
		name += strings.Repeat("n", max(nameLen-len(name), 0))
		hs = append(hs, "X-Object-Meta-"+name+": "+strings.Repeat("v", valueLen))
	}
	return hs
}

// filler are n ordinary headers that no server reads, of about size bytes each.
func filler(n, size int) []string {
	var hs []string
	for i := 0; i < n; i++ {
		hs = append(hs, fmt.Sprintf("X-Filler-%03d: %s", i, strings.Repeat("f", size)))
	}
	return hs
}

func (c *corpus) objectBodies() {
	o := func(n string) string { return objBase + "body-" + n }
	base := func() []string { return []string{"X-Timestamp: " + c.ts(), "Content-Type: " + fixtureCT, policy(0)} }
	with := func(extra ...string) []string { return append(base(), extra...) }
	c.add("object", "PUT Content-Length matching", request("PUT", o("cl"), "hello", with()...))
	c.add("object", "PUT empty body", request("PUT", o("empty"), "", with()...))
	c.add("object", "PUT body shorter than Content-Length", request("PUT", o("short"), "hello", with("Content-Length: 10")...))
	c.add("object", "PUT body longer than Content-Length", request("PUT", o("long"), "hello world", with("Content-Length: 5")...))
	c.add("object", "PUT Content-Length negative", request("PUT", o("neg"), "", with("Content-Length: -1")...))
	c.add("object", "PUT Content-Length not a number", request("PUT", o("nan"), "", with("Content-Length: abc")...))
	c.add("object", "PUT two different Content-Lengths", request("PUT", o("twocl"), "hello", with("Content-Length: 5", "Content-Length: 6")...))
	c.add("object", "PUT Content-Length over 5 GiB", request("PUT", o("huge"), "", with("Content-Length: 5368709123")...))
	c.add("object", "PUT Content-Length over 5 GiB with Expect", request("PUT", o("huge100"), "", with("Content-Length: 5368709123", "Expect: 100-continue")...))
	c.add("object", "PUT chunked", request("PUT", o("chunked"), "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", with("Transfer-Encoding: chunked")...))
	c.add("object", "PUT chunked with an extension", request("PUT", o("chunkext"), "5;name=v\r\nhello\r\n0\r\n\r\n", with("Transfer-Encoding: chunked")...))
	c.add("object", "PUT chunked with a trailer", request("PUT", o("chunktrailer"), "5\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n", with("Transfer-Encoding: chunked")...))
	c.add("object", "PUT chunked upper-case hex", request("PUT", o("chunkhex"), "A\r\n0123456789\r\n0\r\n\r\n", with("Transfer-Encoding: chunked")...))
	c.add("object", "PUT chunked with a bad size", request("PUT", o("chunkbad"), "zz\r\nhello\r\n0\r\n\r\n", with("Transfer-Encoding: chunked")...))
	c.add("object", "PUT chunked with a chunk longer than its size", request("PUT", o("chunklong"), "3\r\nhello\r\n0\r\n\r\n", with("Transfer-Encoding: chunked")...))
	c.add("object", "PUT chunked without the last chunk", request("PUT", o("chunkopen"), "5\r\nhello\r\n", with("Transfer-Encoding: chunked")...))
	c.add("object", "PUT chunked and Content-Length", request("PUT", o("chunkcl"), "5\r\nhello\r\n0\r\n\r\n", with("Transfer-Encoding: chunked", "Content-Length: 15")...))
	c.add("object", "PUT Transfer-Encoding gzip", request("PUT", o("gzip"), "hello", with("Transfer-Encoding: gzip")...))
	c.add("object", "PUT Transfer-Encoding gzip, chunked", request("PUT", o("gzipchunked"), "5\r\nhello\r\n0\r\n\r\n", with("Transfer-Encoding: gzip, chunked")...))
	c.add("object", "PUT no Content-Length nor Transfer-Encoding", request("PUT", o("nolength"), "", with(noLength)...))
	c.add("object", "PUT ETag matching", request("PUT", o("etag"), "hello", with("ETag: "+etagOf("hello"))...))
	c.add("object", "PUT ETag quoted", request("PUT", o("etagq"), "hello", with(`ETag: "`+etagOf("hello")+`"`)...))
	c.add("object", "PUT ETag mismatching", request("PUT", o("etagbad"), "hello", with("ETag: "+etagOf("other"))...))
	c.add("object", "PUT ETag upper-case", request("PUT", o("etagupper"), "hello", with("ETag: "+strings.ToUpper(etagOf("hello")))...))
	c.add("object", "PUT Expect 100-continue, valid", request("PUT", o("expect"), "hello", with("Expect: 100-continue")...))
	c.add("object", "PUT Expect 100-continue, chunked", request("PUT", o("expectchunked"), "5\r\nhello\r\n0\r\n\r\n", with("Expect: 100-continue", "Transfer-Encoding: chunked")...))
	c.add("object", "PUT Expect 100-continue, no X-Timestamp", request("PUT", o("expectnots"), "hello",
		"Content-Type: "+fixtureCT, policy(0), "Expect: 100-continue"))
	c.add("object", "PUT Expect 100-continue, no Content-Type", request("PUT", o("expectnoct"), "hello",
		"X-Timestamp: "+c.ts(), policy(0), "Expect: 100-continue"))
	c.add("object", "PUT Expect 100-continue, metadata name too long", request("PUT", o("expectmeta"), "hello",
		with("Expect: 100-continue", "X-Object-Meta-"+strings.Repeat("n", 129)+": v")...))
	c.add("object", "PUT Expect 100-continue, object name too long", request("PUT", objBase+strings.Repeat("x", 1025), "hello",
		with("Expect: 100-continue")...))
	c.add("object", "PUT Expect 100-continue, unknown policy", request("PUT", o("expectpolicy"), "hello",
		"X-Timestamp: "+c.ts(), "Content-Type: "+fixtureCT, policy(7), "Expect: 100-continue"))
	c.add("object", "PUT Expect 100-continue, X-Delete-At in the past", request("PUT", o("expectdelat"), "hello",
		with("Expect: 100-continue", "X-Delete-At: 1000")...))
	c.addAfter("object", "PUT Expect 100-continue, If-None-Match * on an existing object", c.objPut(o("expectinm"), "x"), func() rawRequest {
		return request("PUT", o("expectinm"), "hello",
			with("Expect: 100-continue", "If-None-Match: *")...)
	})
	older := c.ts()
	c.clock += 5
	c.add("object", "PUT Expect 100-continue, older than the stored object", request("PUT", o("expectold"), "hello",
		"X-Timestamp: "+older, "Content-Type: "+fixtureCT, policy(0), "Expect: 100-continue"),
		c.objPut(o("expectold"), "newer"))
	c.add("object", "PUT Expect 100-continue, no body length", request("PUT", o("expectnolen"), "",
		with("Expect: 100-continue", noLength)...))
	c.add("object", "PUT Expect 100-CONTINUE upper-case", request("PUT", o("expectupper"), "hello", with("Expect: 100-CONTINUE")...))
	c.add("object", "PUT Expect something else", request("PUT", o("expectother"), "hello", with("Expect: 200-ok")...))
	c.add("object", "PUT If-None-Match * on a new object", request("PUT", o("inm-new"), "hello", with("If-None-Match: *")...))
	c.addAfter("object", "PUT If-None-Match * on an existing object", c.objPut(o("inm-old"), "x"), func() rawRequest {
		return request("PUT", o("inm-old"), "hello", with("If-None-Match: *")...)
	})
	c.add("object", "PUT If-None-Match with an etag", request("PUT", o("inm-etag"), "hello", with(`If-None-Match: "abc"`)...))
	c.add("object", "PUT X-Delete-At in the future", request("PUT", o("delat"), "hello", with("X-Delete-At: "+c.future(30))...))
	c.add("object", "PUT X-Delete-At in the past", request("PUT", o("delatpast"), "hello", with("X-Delete-At: 1000")...))
	c.add("object", "PUT X-Delete-At garbage", request("PUT", o("delatbad"), "hello", with("X-Delete-At: soon")...))
	c.add("object", "PUT X-Delete-After (the proxy's, ignored here)", request("PUT", o("delafter"), "hello", with("X-Delete-After: 100")...))
}

// bodilessWithLength: requests that carry no body but announce one; a server must
// answer at once (they have no body to wait for) and keep the connection usable.
func (c *corpus) bodilessWithLength() {
	paths := map[string]string{"object": fixture, "container": "/d1/0/" + account + "/c", "account": "/d1/0/" + account}
	for _, server := range serverKindsInOrder {
		for _, method := range []string{"HEAD", "GET", "DELETE", "POST", "OPTIONS"} {
			if method == "DELETE" && server != "object" {
				continue // would delete the fixtures; the object one fails its timestamp check
			}
			for _, framing := range []string{"Content-Length: 10", "Transfer-Encoding: chunked", "Content-Length: 0"} {
				headers := []string{framing, policy(0)}
				if method == "POST" {
					headers = append(headers, "X-Timestamp: not-a-timestamp") // must fail, leaving the fixtures alone
				}
				if method == "DELETE" {
					headers = append(headers, "X-Timestamp: 1000.00000")
				}
				c.add(server, method+" with "+framing+" and no body", request(method, paths[server], "", headers...))
			}
		}
	}
}

var serverKindsInOrder = []string{"object", "container", "account"}

func (c *corpus) objectReads() {
	p0 := policy(0)
	get := func(name string, headers ...string) {
		c.add("object", "GET "+name, request("GET", fixture, "", append([]string{p0}, headers...)...))
	}
	for _, r := range []string{
		"bytes=0-9", "bytes=10-", "bytes=-5", "bytes=0-0", "bytes=35-35", "bytes=35-100", "bytes=36-40", "bytes=100-",
		"bytes=-0", "bytes=-100", "bytes=5-2", "bytes=abc", "bytes=", "items=0-1", "bytes=0-1,5-6", "bytes=0-1,40-50",
		"bytes=40-50,60-70", "bytes=0-9,5-14", "bytes=0-1, 3-4", "bytes= 0-1", "bytes=-5,0-1", "bytes=0-1,-1",
		"Bytes=0-1", "bytes=1-2-3", "bytes=0-0,1-1,2-2,3-3,4-4,5-5,6-6,7-7,8-8,9-9",
		"bytes=" + strings.TrimSuffix(strings.Repeat("0-0,", 101), ","),
	} {
		get("Range "+r, "Range: "+r)
	}
	c.add("object", "HEAD Range bytes=0-9", request("HEAD", fixture, "", p0, "Range: bytes=0-9"))
	c.add("object", "HEAD Range bytes=36-40", request("HEAD", fixture, "", p0, "Range: bytes=36-40"))
	et := etagOf(fixtureBody)
	modified := time.Unix(c.clock, 0).UTC() // the fixtures are older than this
	past := modified.Add(-10 * 24 * time.Hour).Format(time.RFC1123)
	future := modified.Add(10 * 24 * time.Hour).Format(time.RFC1123)
	for _, cond := range []string{
		`If-Match: "` + et + `"`, "If-Match: " + et, `If-Match: "other"`, "If-Match: *", `If-Match: "other", "` + et + `"`,
		`If-None-Match: "` + et + `"`, "If-None-Match: *", `If-None-Match: "other"`,
		"If-Modified-Since: " + future, "If-Modified-Since: " + past, "If-Modified-Since: garbage",
		"If-Unmodified-Since: " + past, "If-Unmodified-Since: " + future, "If-Unmodified-Since: garbage",
	} {
		get(cond, cond)
		c.add("object", "HEAD "+cond, request("HEAD", fixture, "", p0, cond))
	}
	get("If-None-Match and Range", `If-None-Match: "`+et+`"`, "Range: bytes=0-1")
	get("If-Match failing and Range", `If-Match: "other"`, "Range: bytes=0-1")
	get("If-Range with the etag", `If-Range: "`+et+`"`, "Range: bytes=0-1")
	get("If-Range with another etag", `If-Range: "other"`, "Range: bytes=0-1")
	etagAt := "X-Backend-Etag-Is-At: X-Object-Sysmeta-Alt-Etag"
	get("Etag-Is-At, If-Match the alternate", etagAt, `If-Match: "alt-etag"`)
	get("Etag-Is-At, If-Match the real etag", etagAt, `If-Match: "`+et+`"`)
	get("Etag-Is-At, If-None-Match the alternate", etagAt, `If-None-Match: "alt-etag"`)
	get("Etag-Is-At a missing header, If-Match the real etag", "X-Backend-Etag-Is-At: X-Object-Sysmeta-Missing", `If-Match: "`+et+`"`)
	get("Etag-Is-At a list, If-Match the alternate", "X-Backend-Etag-Is-At: X-Object-Sysmeta-Missing, X-Object-Sysmeta-Alt-Etag", `If-Match: "alt-etag"`)
	c.add("object", "GET a missing object", request("GET", objBase+"missing", "", p0))
	c.add("object", "HEAD a missing object", request("HEAD", objBase+"missing", "", p0))
	c.add("object", "GET a missing object If-Match *", request("GET", objBase+"missing", "", p0, "If-Match: *"))
	c.add("object", "GET a missing object If-None-Match *", request("GET", objBase+"missing", "", p0, "If-None-Match: *"))
}

func (c *corpus) objectWrites() {
	o := func(n string) string { return objBase + "w-" + n }
	p0 := policy(0)
	ct := "Content-Type: " + fixtureCT
	// Newest timestamp wins: an older or equal PUT after a newer one.
	older := c.ts()
	c.add("object", "PUT older after newer", request("PUT", o("older"), "old", "X-Timestamp: "+older, ct, p0), c.objPut(o("older"), "new"))
	same := c.ts()
	c.add("object", "PUT same timestamp again", request("PUT", o("same"), "two", "X-Timestamp: "+same, ct, p0),
		request("PUT", o("same"), "one", "X-Timestamp: "+same, ct, p0))
	c.add("object", "GET after older PUT", request("GET", o("older"), "", p0))
	// POST: its own timestamp.
	// Each POST has an object of its own: one refused by one side only must not change
	// what later entries read.
	// "{ts}" in a header is a timestamp after the setup PUT's.
	postTo := func(name, obj string, headers ...string) {
		setup := c.objPut(o(obj), "x", "X-Object-Meta-Color: blue")
		post := []string{p0}
		for _, h := range headers {
			post = append(post, strings.ReplaceAll(h, "{ts}", c.ts()))
		}
		c.add("object", name, request("POST", o(obj), "", post...), setup)
	}
	postTo("POST newer", "post", "X-Timestamp: {ts}", "X-Object-Meta-Color: red", "X-Object-Sysmeta-Alt-Etag: alt-etag",
		"Content-Disposition: inline", "Content-Encoding: identity")
	c.add("object", "HEAD after POST", request("HEAD", o("post"), "", p0))
	c.add("object", "GET after POST", request("GET", o("post"), "", p0))
	postTo("POST older than the data", "postold", "X-Timestamp: 1000.00000", "X-Object-Meta-Color: old")
	c.add("object", "POST a missing object", request("POST", objBase+"missing", "", "X-Timestamp: {ts}", p0))
	postTo("POST without X-Timestamp", "postnots")
	postTo("POST metadata name too long", "postlong", "X-Timestamp: {ts}", "X-Object-Meta-"+strings.Repeat("n", 129)+": v")
	postTo("POST metadata count 91", "post91", append([]string{"X-Timestamp: {ts}"}, metaHeaders(91, 1, 1)...)...)
	postTo("POST X-Delete-At in the past", "postdelatpast", "X-Timestamp: {ts}", "X-Delete-At: 1000")
	postTo("POST X-Delete-At garbage", "postdelatbad", "X-Timestamp: {ts}", "X-Delete-At: soon")
	postTo("POST UTF-8 in a metadata name", "postutf8", "X-Timestamp: {ts}", "X-Object-Meta-ké: v")
	c.addAfter("object", "POST with a Content-Type", c.objPut(o("postct"), "x"), func() rawRequest {
		return request("POST", o("postct"), "", "X-Timestamp: "+c.ts(), p0, "Content-Type: image/png")
	})
	c.add("object", "HEAD after POST with a Content-Type", request("HEAD", o("postct"), "", p0))
	c.addAfter("object", "POST with X-Delete-At", c.objPut(o("postdelat"), "x"), func() rawRequest {
		return request("POST", o("postdelat"), "", "X-Timestamp: "+c.ts(), p0, "X-Delete-At: "+c.future(20))
	})
	c.add("object", "HEAD after POST with X-Delete-At", request("HEAD", o("postdelat"), "", p0))
	// DELETE
	c.addAfter("object", "DELETE an existing object", c.objPut(o("del"), "x"), func() rawRequest {
		return request("DELETE", o("del"), "", "X-Timestamp: "+c.ts(), p0)
	})
	c.add("object", "GET a deleted object", request("GET", o("del"), "", p0))
	c.add("object", "HEAD a deleted object", request("HEAD", o("del"), "", p0))
	c.add("object", "DELETE a deleted object", request("DELETE", o("del"), "", "X-Timestamp: "+c.ts(), p0))
	c.add("object", "PUT over a newer tombstone", request("PUT", o("del"), "x", "X-Timestamp: 1000.00000", ct, p0))
	same = c.ts()
	c.add("object", "DELETE at the timestamp of the PUT", request("DELETE", o("delsame"), "", "X-Timestamp: "+same, p0),
		request("PUT", o("delsame"), "x", "X-Timestamp: "+same, ct, p0))
	c.add("object", "DELETE a missing object", request("DELETE", o("never"), "", "X-Timestamp: "+c.ts(), p0))
	c.add("object", "DELETE older than the object", request("DELETE", o("delold"), "", "X-Timestamp: 1000.00000", p0), c.objPut(o("delold"), "x"))
	c.add("object", "DELETE without X-Timestamp", request("DELETE", o("delold"), "", p0))
	delAt := c.future(10)
	c.addAfter("object", "DELETE X-If-Delete-At matching", c.objPut(o("ifdel"), "x", "X-Delete-At: "+delAt), func() rawRequest {
		return request("DELETE", o("ifdel"), "", "X-Timestamp: "+c.ts(), p0, "X-If-Delete-At: "+delAt)
	})
	c.addAfter("object", "DELETE X-If-Delete-At not matching", c.objPut(o("ifdel2"), "x", "X-Delete-At: "+delAt), func() rawRequest {
		return request("DELETE", o("ifdel2"), "", "X-Timestamp: "+c.ts(), p0, "X-If-Delete-At: 12345")
	})
	c.addAfter("object", "DELETE X-If-Delete-At without X-Delete-At", c.objPut(o("ifdel3"), "x"), func() rawRequest {
		return request("DELETE", o("ifdel3"), "", "X-Timestamp: "+c.ts(), p0, "X-If-Delete-At: "+delAt)
	})
	c.add("object", "DELETE X-If-Delete-At garbage", request("DELETE", o("ifdel2"), "", "X-Timestamp: "+c.ts(), p0, "X-If-Delete-At: soon"))
	c.add("object", "DELETE X-If-Delete-At on a missing object", request("DELETE", o("ifdel-missing"), "", "X-Timestamp: "+c.ts(), p0, "X-If-Delete-At: "+delAt))
}

func (c *corpus) methods() {
	paths := map[string]string{"object": fixture, "container": "/d1/0/" + account + "/c", "account": "/d1/0/" + account}
	for _, server := range serverKindsInOrder {
		for _, m := range []string{"OPTIONS", "FOO", "PATCH", "TRACE", "CONNECT", "REPLICATE", "UPDATE"} {
			req := request(m, paths[server], "", policy(0))
			if m == "REPLICATE" || m == "UPDATE" {
				// On these paths both are refused before any work: a bad path for REPLICATE,
				// an object path for UPDATE.
				req = request(m, paths[server]+"/x/y/z", "", policy(0))
			}
			c.add(server, m, req)
		}
		c.add(server, "OPTIONS *", request("OPTIONS", "*", ""))
	}
}

func (c *corpus) containers() {
	cpath := func(name string) string { return "/d1/0/" + account + "/" + name }
	ts := func() string { return "X-Timestamp: " + c.ts() }
	put := func(name, container string, headers ...string) {
		c.add("container", name, request("PUT", cpath(container), "", append([]string{ts()}, headers...)...))
	}
	put("PUT a container", "k1", policy(0))
	put("PUT it again, same policy", "k1", policy(0))
	put("PUT it again, no policy", "k1")
	put("PUT it again, other policy", "k1", policy(1))
	c.add("container", "HEAD after a policy conflict", request("HEAD", cpath("k1"), ""))
	put("PUT unknown policy", "k2", policy(7))
	put("PUT policy garbage", "k3", "X-Backend-Storage-Policy-Index: x")
	put("PUT X-Backend-Storage-Policy-Default", "k4", "X-Backend-Storage-Policy-Default: 1")
	c.add("container", "HEAD a container created by default policy 1", request("HEAD", cpath("k4"), ""))
	c.add("container", "PUT without X-Timestamp", request("PUT", cpath("k5"), "", policy(0)))
	c.add("container", "PUT X-Timestamp garbage", request("PUT", cpath("k5"), "", "X-Timestamp: garbage", policy(0)))
	put("PUT a name of 256 characters", strings.Repeat("k", 256), policy(0))
	put("PUT a name of 257 characters", strings.Repeat("k", 257), policy(0))
	put("PUT a name of 256 x é", strings.Repeat("%C3%A9", 256), policy(0))
	put("PUT a name of 128 x é (256 bytes)", strings.Repeat("%C3%A9", 128), policy(0))
	put("PUT a name of 129 x é (258 bytes)", strings.Repeat("%C3%A9", 129), policy(0))
	put("PUT a name with a NUL", "k%00nul", policy(0))
	put("PUT a name with invalid UTF-8", "k%FF", policy(0))
	put("PUT with metadata", "kmeta", policy(0), "X-Container-Meta-Color: blue", "X-Container-Read: .r:*",
		"X-Container-Write: a:b", "X-Container-Sysmeta-Thing: s")
	put("PUT with UTF-8 in a metadata name", "kutf8", policy(0), "X-Container-Meta-ké: v")
	c.add("container", "HEAD the container with UTF-8 metadata", request("HEAD", cpath("kutf8"), ""))
	c.add("container", "HEAD the container with metadata", request("HEAD", cpath("kmeta"), ""))
	c.add("container", "GET the container with metadata", request("GET", cpath("kmeta")+"?format=json", ""))
	post := func(name string, headers ...string) {
		c.add("container", "POST "+name, request("POST", cpath("kmeta"), "", append([]string{ts()}, headers...)...))
	}
	post("metadata", "X-Container-Meta-Color: red", "X-Container-Meta-New: n")
	post("metadata name of 128", "X-Container-Meta-"+strings.Repeat("n", 128)+": v")
	post("metadata name of 129", "X-Container-Meta-"+strings.Repeat("n", 129)+": v")
	post("metadata value of 257", "X-Container-Meta-Long: "+strings.Repeat("v", 257))
	post("metadata count 91", containerMeta(91)...)
	post("metadata removal", "X-Container-Meta-New:")
	post("X-Container-Sync-To", "X-Container-Sync-To: http://127.0.0.1/v1/a/c", "X-Container-Sync-Key: k")
	c.add("container", "POST without X-Timestamp", request("POST", cpath("kmeta"), "", "X-Container-Meta-A: b"))
	c.add("container", "POST a missing container", request("POST", cpath("kmissing"), "", ts(), "X-Container-Meta-A: b"))
	c.add("container", "POST with a policy index", request("POST", cpath("kmeta"), "", ts(), policy(1)))
	c.add("container", "HEAD after POSTs", request("HEAD", cpath("kmeta"), ""))
	c.add("container", "HEAD the listing container", request("HEAD", cpath("c"), ""))
	c.add("container", "HEAD the policy-1 container", request("HEAD", cpath("c1"), ""))
	c.add("container", "HEAD a missing container", request("HEAD", cpath("kmissing"), ""))
	c.add("container", "GET a missing container", request("GET", cpath("kmissing"), ""))
	c.add("container", "HEAD with too few segments", request("HEAD", "/d1/0/"+account, ""))
	c.add("container", "HEAD with a NUL in the container name", request("HEAD", cpath("c%00x"), ""))
	c.add("container", "HEAD with invalid UTF-8", request("HEAD", cpath("c%FF"), ""))
	c.add("container", "HEAD a device that does not exist", request("HEAD", "/nodev/0/"+account+"/c", ""))

	for _, q := range []string{
		"", "?format=json", "?format=xml", "?format=plain", "?format=bogus", "?format=JSON",
		"?prefix=a", "?prefix=a/", "?delimiter=/", "?prefix=a/&delimiter=/", "?delimiter=-", "?delimiter=%2F%2F",
		"?marker=b", "?end_marker=b", "?marker=a&end_marker=c", "?limit=1", "?limit=3&reverse=true", "?reverse=1",
		"?reverse=on&delimiter=/", "?reverse=yes&marker=c&end_marker=a", "?limit=0", "?limit=10000", "?limit=10001",
		"?limit=-1", "?limit=x", "?marker=zzz", "?prefix=nothing", "?path=a", "?path=", "?prefix=%E6%97%A5",
		"?prefix=%FF", "?marker=%FF", "?delimiter=ab", "?format=json&prefix=d%C3%A9", "?format=xml&delimiter=/",
		"?format=json&reverse=true&limit=2", "?states=listing", "?format=json&states=updating",
		"?end_marker=a", "?format=json&includes=a", "?prefix=a&limit=1&marker=a",
	} {
		c.add("container", "GET listing "+q, request("GET", cpath("c")+q, ""))
	}
	for _, accept := range []string{"application/json", "application/xml", "text/xml", "text/plain", "*/*", "image/png", "application/json;q=0.1, text/xml"} {
		c.add("container", "GET listing Accept: "+accept, request("GET", cpath("c"), "", "Accept: "+accept))
	}
	c.add("container", "HEAD listing ?format=json", request("HEAD", cpath("c")+"?format=json", ""))

	row := func(name, path string, headers ...string) {
		c.add("container", name, request("PUT", path, "", headers...))
	}
	rowHeaders := func() []string {
		return []string{ts(), "X-Size: 5", "X-Content-Type: text/plain", "X-Etag: " + etagOf("hello"), policy(0)}
	}
	row("PUT an object row", cpath("c")+"/row1", rowHeaders()...)
	// Rows Swift refuses with a 500 go to a container of their own, so that the
	// listings and counts of c stay comparable.
	put("PUT a container for malformed rows", "kbad", policy(0))
	row("PUT an object row without X-Size", cpath("kbad")+"/row2", ts(), "X-Content-Type: text/plain", "X-Etag: x", policy(0))
	row("PUT an object row without X-Content-Type", cpath("kbad")+"/row3", ts(), "X-Size: 1", "X-Etag: x", policy(0))
	row("PUT an object row without X-Etag", cpath("kbad")+"/row4", ts(), "X-Size: 1", "X-Content-Type: text/plain", policy(0))
	row("PUT an object row without X-Timestamp", cpath("c")+"/row5", "X-Size: 1", "X-Content-Type: text/plain", "X-Etag: x", policy(0))
	row("PUT an object row with the other policy", cpath("c")+"/row6", append(rowHeaders()[:4], policy(1))...)
	row("PUT an object row into a missing container", cpath("kmissing")+"/row", rowHeaders()...)
	row("PUT an object row of 1024 x é", cpath("c")+"/"+strings.Repeat("%C3%A9", 1024), rowHeaders()...)
	row("PUT an object row of 1025 characters", cpath("c")+"/"+strings.Repeat("r", 1025), rowHeaders()...)
	row("PUT an object row with a NUL", cpath("c")+"/nul%00row", rowHeaders()...)
	row("PUT an object row with X-Size garbage", cpath("kbad")+"/row7", ts(), "X-Size: big", "X-Content-Type: text/plain", "X-Etag: x", policy(0))
	// Newest timestamp wins in the databases too, but an older update is no error there.
	put("PUT a container for older updates", "kold", policy(0))
	c.add("container", "PUT an object row older than the stored one", request("PUT", cpath("kold")+"/older", "",
		"X-Timestamp: 1000.00000", "X-Size: 1", "X-Content-Type: text/plain", "X-Etag: x", policy(0)),
		request("PUT", cpath("kold")+"/older", "", rowHeaders()...))
	c.add("container", "DELETE an object row older than the stored one", request("DELETE", cpath("kold")+"/older", "",
		"X-Timestamp: 1000.00000", policy(0)))
	c.add("container", "PUT a container older than the stored one", request("PUT", cpath("kold"), "", "X-Timestamp: 1000.00000", policy(0)))
	c.add("container", "GET the rows after older updates", request("GET", cpath("kold")+"?format=json", ""))
	c.add("container", "HEAD after the object rows", request("HEAD", cpath("c"), ""))
	c.add("container", "DELETE an object row", request("DELETE", cpath("c")+"/row1", "", ts(), policy(0)))
	c.add("container", "DELETE an object row without X-Timestamp", request("DELETE", cpath("c")+"/row1", "", policy(0)))
	c.add("container", "DELETE a row of a missing container", request("DELETE", cpath("kmissing")+"/row1", "", ts(), policy(0)))
	c.add("container", "DELETE a non-empty container", request("DELETE", cpath("c"), "", ts()))
	c.add("container", "DELETE an empty container", request("DELETE", cpath("k1"), "", ts()))
	c.add("container", "HEAD a deleted container", request("HEAD", cpath("k1"), ""))
	c.add("container", "GET a deleted container", request("GET", cpath("k1")+"?format=json", ""))
	c.add("container", "DELETE a deleted container", request("DELETE", cpath("k1"), "", ts()))
	c.add("container", "DELETE a missing container", request("DELETE", cpath("kmissing"), "", ts()))
	c.add("container", "DELETE without X-Timestamp", request("DELETE", cpath("kmeta"), ""))
	c.add("container", "PUT a deleted container again", request("PUT", cpath("k1"), "", ts(), policy(1)))
	c.add("container", "HEAD a recreated container", request("HEAD", cpath("k1"), ""))
}

func containerMeta(n int) []string {
	var hs []string
	for i := 0; i < n; i++ {
		hs = append(hs, fmt.Sprintf("X-Container-Meta-M%03d: v", i))
	}
	return hs
}

func (c *corpus) accounts() {
	apath := "/d1/0/" + account
	ts := func() string { return "X-Timestamp: " + c.ts() }
	c.add("account", "PUT the account again", request("PUT", apath, "", ts()))
	c.add("account", "PUT without X-Timestamp", request("PUT", "/d1/0/AUTH_nots", ""))
	c.add("account", "PUT a name of 256 characters", request("PUT", "/d1/0/"+strings.Repeat("A", 256), "", ts()))
	c.add("account", "PUT a name of 257 characters", request("PUT", "/d1/0/"+strings.Repeat("A", 257), "", ts()))
	c.add("account", "PUT a name of 256 x é", request("PUT", "/d1/0/"+strings.Repeat("%C3%A9", 256), "", ts()))
	c.add("account", "PUT a name with a NUL", request("PUT", "/d1/0/AUTH_%00nul", "", ts()))
	c.add("account", "PUT a name with invalid UTF-8", request("PUT", "/d1/0/AUTH_%FF", "", ts()))
	c.add("account", "HEAD the account", request("HEAD", apath, ""))
	c.add("account", "HEAD a missing account", request("HEAD", "/d1/0/AUTH_missing", ""))
	c.add("account", "GET a missing account", request("GET", "/d1/0/AUTH_missing", ""))
	c.add("account", "GET a missing account ?format=json", request("GET", "/d1/0/AUTH_missing?format=json", ""))
	c.add("account", "HEAD with too few segments", request("HEAD", "/d1/0", ""))
	c.add("account", "HEAD with too many segments", request("HEAD", apath+"/c/o", ""))
	for _, q := range []string{
		"", "?format=json", "?format=xml", "?format=plain", "?format=bogus", "?prefix=d", "?prefix=d/", "?delimiter=/",
		"?prefix=d/&delimiter=/", "?marker=c1", "?end_marker=cx", "?limit=2", "?limit=0", "?limit=10000", "?limit=10001",
		"?limit=x", "?reverse=true", "?reverse=true&limit=2&marker=e", "?format=json&delimiter=/", "?format=xml&prefix=e",
		"?prefix=%FF", "?prefix=e%C3%A9",
	} {
		c.add("account", "GET listing "+q, request("GET", apath+q, ""))
	}
	c.add("account", "GET listing Accept: application/json", request("GET", apath, "", "Accept: application/json"))
	post := func(name string, headers ...string) {
		c.add("account", "POST "+name, request("POST", apath, "", append([]string{ts()}, headers...)...))
	}
	post("metadata", "X-Account-Meta-Color: blue", "X-Account-Sysmeta-S: s")
	post("metadata name of 129", "X-Account-Meta-"+strings.Repeat("n", 129)+": v")
	post("metadata value of 257", "X-Account-Meta-Long: "+strings.Repeat("v", 257))
	post("X-Account-Access-Control", `X-Account-Access-Control: {"admin":["a:b"]}`)
	c.add("account", "POST UTF-8 in a metadata name", request("POST", "/d1/0/AUTH_gone", "", ts(), "X-Account-Meta-ké: v"))
	c.add("account", "POST without X-Timestamp", request("POST", apath, "", "X-Account-Meta-A: b"))
	c.add("account", "POST a missing account", request("POST", "/d1/0/AUTH_missing", "", ts()))
	c.add("account", "HEAD after POSTs", request("HEAD", apath, ""))

	row := func(name, path string, headers ...string) {
		c.add("account", name, request("PUT", path, "", headers...))
	}
	rowHeaders := func() []string {
		return []string{"X-Put-Timestamp: " + c.ts(), "X-Delete-Timestamp: 0", "X-Object-Count: 3", "X-Bytes-Used: 30", policy(0), ts()}
	}
	row("PUT a container row into a missing account", "/d1/0/AUTH_missing/c", rowHeaders()...)
	row("PUT a container row into a missing auto-created account", "/d1/0/.expiring_objects/c", rowHeaders()...)
	row("PUT a container row without X-Put-Timestamp", apath+"/r1", "X-Delete-Timestamp: 0", "X-Object-Count: 0", "X-Bytes-Used: 0", policy(0), ts())
	row("PUT a container row without counts", apath+"/r2", "X-Put-Timestamp: "+c.ts(), "X-Delete-Timestamp: 0", policy(0), ts())
	// An account of its own: Swift stores the garbage index, and every later request to
	// that account fails (500).
	polx := request("PUT", "/d1/0/AUTH_polx", "", ts())
	c.add("account", "PUT a container row with a policy index garbage",
		request("PUT", "/d1/0/AUTH_polx/r3", "", append(rowHeaders()[:4], "X-Backend-Storage-Policy-Index: x", ts())...), polx)
	row("PUT a container row of 256 x é", apath+"/"+strings.Repeat("%C3%A9", 256), rowHeaders()...)
	row("PUT a container row of 257 characters", apath+"/"+strings.Repeat("r", 257), rowHeaders()...)
	row("PUT a container row with a NUL", apath+"/r%00nul", rowHeaders()...)
	deleted := c.ts()
	row("PUT a deleted container row", apath+"/cx", "X-Put-Timestamp: 0", "X-Delete-Timestamp: "+deleted, "X-Object-Count: 0",
		"X-Bytes-Used: 0", policy(0), ts())
	row("PUT a container row older than the stored one", apath+"/cx", "X-Put-Timestamp: 1000.00000", "X-Delete-Timestamp: 0",
		"X-Object-Count: 7", "X-Bytes-Used: 7", policy(0), "X-Timestamp: 1000.00000")
	c.add("account", "PUT the account with an older timestamp", request("PUT", apath, "", "X-Timestamp: 1000.00000"))
	c.add("account", "HEAD after the container rows", request("HEAD", apath, ""))
	c.add("account", "GET listing after the container rows", request("GET", apath+"?format=json", ""))
	c.add("account", "DELETE a container row (not allowed)", request("DELETE", apath+"/c", "", ts()))
	c.add("account", "DELETE an account", request("DELETE", "/d1/0/AUTH_gone", "", ts()))
	c.add("account", "HEAD a deleted account", request("HEAD", "/d1/0/AUTH_gone", ""))
	c.add("account", "GET a deleted account", request("GET", "/d1/0/AUTH_gone?format=json", ""))
	c.add("account", "PUT a container row into a deleted account", request("PUT", "/d1/0/AUTH_gone/c", "", rowHeaders()...))
	c.add("account", "DELETE a deleted account", request("DELETE", "/d1/0/AUTH_gone", "", ts()))
	c.add("account", "DELETE a missing account", request("DELETE", "/d1/0/AUTH_missing", "", ts()))
	c.add("account", "DELETE without X-Timestamp", request("DELETE", "/d1/0/AUTH_gone", ""))
	c.add("account", "PUT a deleted account again", request("PUT", "/d1/0/AUTH_gone", "", ts()))
	c.add("account", "HEAD a recreated account", request("HEAD", "/d1/0/AUTH_gone", ""))
}
