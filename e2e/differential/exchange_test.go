package differential

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// answerTimeout bounds every read: a server that has not answered by then "hangs",
// which is a difference like any other. 6 s leaves Debian's Python servers room on a
// loaded machine; DIFFERENTIAL_TIMEOUT (a Go duration) sets another.
var answerTimeout = func() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("DIFFERENTIAL_TIMEOUT")); err == nil && d > 0 {
		return d
	}
	return 6 * time.Second
}()

// answer is what one implementation did with one request.
type answer struct {
	failure string // "" or why there is no status: "no answer within 4s", "connection closed", ...
	status  int
	interim int // 100 when a 100 Continue came before the final answer
	header  http.Header
	body    []byte
	bodyErr string // the body could not be read whole (framing)
	follow  string // the follow-up request on the same connection: its status, or why none
}

func (a answer) String() string {
	if a.failure != "" {
		return a.failure
	}
	return fmt.Sprint(a.status)
}

// exchange sends one raw request to addr and reads the answer; with an expect100
// request the head goes first and the body only after a 100 Continue. Then, on the same
// connection, the follow-up request, if any.
func exchange(addr string, req rawRequest, followUp string) answer {
	conn, err := net.DialTimeout("tcp", addr, answerTimeout)
	if err != nil {
		return answer{failure: "cannot connect: " + err.Error()}
	}
	defer conn.Close()
	r := bufio.NewReader(conn)
	method := req.method()
	head, body := req.head, req.body
	if !req.expect100 {
		head, body = head+body, ""
	}
	conn.SetWriteDeadline(time.Now().Add(answerTimeout))
	if _, err := io.WriteString(conn, head); err != nil {
		return answer{failure: "cannot send: " + err.Error()}
	}
	a := readAnswer(conn, r, method)
	if a.failure == "" && a.status == http.StatusContinue {
		conn.SetWriteDeadline(time.Now().Add(answerTimeout))
		if _, err := io.WriteString(conn, body); err != nil {
			return answer{failure: "100 Continue, then the body could not be sent: " + err.Error()}
		}
		a = readAnswer(conn, r, method)
		a.interim = http.StatusContinue
	}
	if a.failure != "" || followUp == "" {
		return a
	}
	conn.SetWriteDeadline(time.Now().Add(answerTimeout))
	if _, err := io.WriteString(conn, followUp); err != nil {
		// The same as reading EOF after the write: which of the two a closed connection
		// gives depends on whether the peer's RST has come back yet.
		a.follow = "connection closed"
		return a
	}
	f := readAnswer(conn, r, "HEAD")
	a.follow = f.String()
	return a
}

// readAnswer reads one response leniently: header names are taken as sent (Swift
// echoes metadata names with any byte in them, which net/http would refuse), and the
// body is framed as an HTTP/1.1 client frames it.
func readAnswer(conn net.Conn, r *bufio.Reader, method string) answer {
	conn.SetReadDeadline(time.Now().Add(answerTimeout))
	line, err := r.ReadString('\n')
	if err != nil {
		return answer{failure: describe(err)}
	}
	proto, rest, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
	code, _, _ := strings.Cut(rest, " ")
	status, err := strconv.Atoi(code)
	if !strings.HasPrefix(proto, "HTTP/1.") || err != nil {
		return answer{failure: fmt.Sprintf("unreadable status line %q", line)}
	}
	a := answer{status: status, header: http.Header{}}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return answer{failure: describe(err)}
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			break
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok {
			return answer{failure: fmt.Sprintf("unreadable header line %q", line)}
		}
		a.header.Add(textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(name)), strings.TrimSpace(value))
	}
	var body io.Reader
	switch {
	case method == "HEAD" || status/100 == 1 || status == 204 || status == 304:
		return a
	case strings.EqualFold(a.header.Get("Transfer-Encoding"), "chunked"):
		body = httputil.NewChunkedReader(r)
	case a.header.Get("Content-Length") != "":
		n, err := strconv.ParseInt(a.header.Get("Content-Length"), 10, 64)
		if err != nil {
			a.bodyErr = "bad Content-Length"
			return a
		}
		a.body, err = io.ReadAll(io.LimitReader(r, n))
		if err != nil {
			a.bodyErr = describe(err)
		} else if int64(len(a.body)) < n {
			a.bodyErr = "body shorter than its Content-Length"
		}
		return a
	default:
		body = r // to the end of the connection
	}
	a.body, err = io.ReadAll(body)
	if err != nil {
		a.bodyErr = describe(err)
	}
	return a
}

func describe(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no answer within %s", answerTimeout)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, os.ErrClosed),
		strings.Contains(err.Error(), "connection reset"), strings.Contains(err.Error(), "broken pipe"):
		return "connection closed"
	}
	return "unreadable answer: " + err.Error()
}

// comparedHeaders are the response headers Swift's proxy reads from a storage node;
// comparedPrefixes the families of them.
var comparedHeaders = []string{
	"X-Backend-Timestamp", "X-Backend-Data-Timestamp", "X-Backend-Durable-Timestamp", "X-Timestamp",
	"Content-Length", "Content-Type", "Etag", "Content-Range", "Accept-Ranges", "Last-Modified",
	"X-Backend-Storage-Policy-Index", "X-Delete-At", "X-Static-Large-Object", "X-Object-Manifest",
	"X-Put-Timestamp", "X-Backend-Put-Timestamp", "X-Backend-Delete-Timestamp", "X-Backend-Sharding-State",
	"Content-Encoding", "Content-Disposition", "Allow", "Connection",
}
var comparedPrefixes = []string{
	"X-Object-Meta-", "X-Object-Sysmeta-", "X-Object-Transient-Sysmeta-", "X-Container-", "X-Account-",
	"X-Backend-Recheck-",
}

// variesByServer are headers whose value on the container and account servers is the
// server's own clock (a database's created_at): both must send one, of the same form.
var variesByServer = map[string]*regexp.Regexp{
	"X-Timestamp":         regexp.MustCompile(`^\d{10}\.\d{5}$`),
	"X-Backend-Timestamp": regexp.MustCompile(`^\d{10}\.\d{5}$`),
}

// difference is one field the two implementations disagree on.
type difference struct {
	field       string // "status", "header Etag", "body", "follow-up", ...
	swift, ours string
}

// compare lists the differences between Swift's answer and ours to one request.
func compare(server string, swift, ours answer) []difference {
	var diffs []difference
	add := func(field, s, o string) {
		if s != o {
			diffs = append(diffs, difference{field, s, o})
		}
	}
	add("status", swift.String(), ours.String())
	if swift.failure != "" || ours.failure != "" {
		return diffs
	}
	add("100 Continue", fmt.Sprint(swift.interim == 100), fmt.Sprint(ours.interim == 100))
	for _, name := range headerNames(swift.header, ours.header) {
		s, o := strings.Join(swift.header.Values(name), ", "), strings.Join(ours.header.Values(name), ", ")
		if re, ok := variesByServer[name]; ok && server != "object" {
			s, o = shape(s, re), shape(o, re)
		}
		if name == "Content-Type" {
			s, o = boundaryParam.ReplaceAllString(s, "boundary=BOUNDARY"), boundaryParam.ReplaceAllString(o, "boundary=BOUNDARY")
		}
		if name == "Connection" {
			// Only a closing connection matters to the proxy; keep-alive is the default.
			s, o = closing(s), closing(o)
		}
		add("header "+name, s, o)
	}
	add("body framing", swift.bodyErr, ours.bodyErr)
	if swift.status/100 == 2 {
		add("body", normalizeBody(swift), normalizeBody(ours))
	} else {
		add("error body", string(swift.body), string(ours.body))
	}
	add("follow-up", swift.follow, ours.follow)
	return diffs
}

func headerNames(hs ...http.Header) []string {
	seen := map[string]bool{}
	for _, h := range hs {
		for name := range h {
			if isCompared(name) {
				seen[name] = true
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func isCompared(name string) bool {
	for _, n := range comparedHeaders {
		if http.CanonicalHeaderKey(n) == name {
			return true
		}
	}
	for _, p := range comparedPrefixes {
		if strings.HasPrefix(name, http.CanonicalHeaderKey(p)) || strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

func shape(v string, re *regexp.Regexp) string {
	switch {
	case v == "":
		return ""
	case re.MatchString(v):
		return "<a timestamp>"
	}
	return v
}

func closing(v string) string {
	if strings.EqualFold(strings.TrimSpace(v), "close") {
		return "close"
	}
	return ""
}

var boundaryParam = regexp.MustCompile(`boundary=([0-9A-Za-z'()+_,./:=?-]+)`)

// normalizeBody replaces a multipart answer's boundary (random on both sides) with a
// fixed word, so that the parts themselves are compared.
func normalizeBody(a answer) string {
	body := a.body
	if m := boundaryParam.FindStringSubmatch(a.header.Get("Content-Type")); m != nil {
		body = bytes.ReplaceAll(body, []byte(m[1]), []byte("BOUNDARY"))
	}
	return string(body)
}
