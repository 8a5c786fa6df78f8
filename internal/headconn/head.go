package headconn

import "bytes"

// Reasons the Conn stops tracking; constants so that a record costs no allocation.
const (
	reasonBareLF           = "LF without CR in a head"
	reasonLoneCR           = "CR without LF in a head"
	reasonHeadTooLarge     = "head larger than MaxHeadBytes"
	reasonMethod           = "request method not a short token"
	reasonProtocol         = "request not HTTP/1.1"
	reasonFolded           = "header line starting with space or tab"
	reasonNoName           = "header line without a name and colon"
	reasonSpaceInName      = "space or tab in a header name"
	reasonContentLength    = "invalid Content-Length"
	reasonDupContentLength = "duplicate Content-Length"
	reasonTransferEncoding = "Transfer-Encoding other than chunked"
	reasonDupTE            = "duplicate Transfer-Encoding"
	reasonBothLengths      = "both Content-Length and Transfer-Encoding"
	reasonUnreadBody       = "body announced by a method whose body is not tracked"
	reasonEndInHead        = "connection ended inside a head"
	reasonChunkSize        = "malformed chunk size line"
	reasonChunkData        = "chunk data not followed by CRLF"
	reasonTrailer          = "malformed or oversized trailer"
	reasonAfterPassthrough = "an earlier request stopped the tracking"
)

// maxMethod bounds the method copied into a record; Swift's verbs are all shorter.
const maxMethod = 16

// headScan follows one request head line by line as its bytes arrive; offsets are
// relative to the head's first byte, so the buffer holding it may move or grow.
type headScan struct {
	scan      int // bytes already searched for LF
	lineStart int
	reqDone   bool
	reqEnd    int // end of the request line's CRLF: names start after it

	method    [maxMethod]byte
	methodLen int
	cl        int64 // -2 none, else the Content-Length value
	clSeen    bool
	teSeen    bool

	reqLineBytes, lines, longest, headerBytes, escapes int
	bareLFs                                            int // lines ended by LF alone: delivered as CRLF
	reason                                             string
}

// extra is how much longer the head is delivered than it came: each escaped name byte
// becomes three, each bare LF a CRLF.
func (h *headScan) extra() int { return 2*h.escapes + h.bareLFs }

func (h *headScan) reset() { *h = headScan{cl: -2} }

// feed scans buf (the head from its first byte, maybe more) from where it stopped.
// done with reason == "": the head is whole and ends at end; done with a reason:
// fasthttp could read this head differently, so the Conn must stop tracking.
func (h *headScan) feed(buf []byte, maxHead int) (end int, done bool) {
	for {
		i := bytes.IndexByte(buf[h.scan:], '\n')
		if i < 0 {
			h.scan = len(buf)
			if len(buf) >= maxHead {
				h.reason = reasonHeadTooLarge
				return 0, true
			}
			return 0, false
		}
		nl := h.scan + i
		h.scan = nl + 1
		if nl+1 > maxHead {
			h.reason = reasonHeadTooLarge
			return 0, true
		}
		// fasthttp splits lines on LF but ends the head only at a CRLFCRLF, and waits
		// for ever on a head of bare LFs, which Swift (Python) reads: a line ended by LF
		// alone is delivered ended by CRLF. With every LF after a CR and no other CR,
		// both readings are the same.
		lineEnd := nl - 1
		if nl == h.lineStart || buf[nl-1] != '\r' {
			lineEnd = nl
			h.bareLFs++
		}
		line := buf[h.lineStart:lineEnd]
		if bytes.IndexByte(line, '\r') >= 0 {
			h.reason = reasonLoneCR
			return 0, true
		}
		raw := nl + 1 - h.lineStart
		h.lineStart = nl + 1
		if !h.reqDone {
			if len(line) == 0 {
				continue // fasthttp skips empty lines before the request line
			}
			h.reqDone = true
			h.reqEnd = nl + 1
			h.reqLineBytes = raw
			if !h.requestLine(line) {
				return 0, true
			}
			continue
		}
		h.headerBytes += raw
		if len(line) == 0 {
			if h.clSeen && h.teSeen {
				h.reason = reasonBothLengths
			}
			return nl + 1, true
		}
		h.lines++
		h.longest = max(h.longest, raw)
		if !h.headerLine(line) {
			return 0, true
		}
	}
}

func (h *headScan) requestLine(line []byte) bool {
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 || sp > maxMethod {
		h.reason = reasonMethod
		return false
	}
	for _, ch := range line[:sp] {
		if !isToken(ch) {
			h.reason = reasonMethod
			return false
		}
	}
	h.methodLen = copy(h.method[:], line[:sp])
	// HTTP/1.0 keeps fasthttp's own close rules; only 1.1 is worth following.
	if len(line) < sp+2+len(" HTTP/1.1") || !bytes.HasSuffix(line, []byte(" HTTP/1.1")) {
		h.reason = reasonProtocol
		return false
	}
	return true
}

func (h *headScan) headerLine(line []byte) bool {
	if line[0] == ' ' || line[0] == '\t' {
		h.reason = reasonFolded
		return false
	}
	colon, esc := -1, 0
	for i, ch := range line {
		if ch == ':' {
			colon = i
			break
		}
		if needsEscape(ch) {
			esc++
		} else if ch == ' ' || ch == '\t' {
			h.reason = reasonSpaceInName
			return false
		}
	}
	if colon <= 0 {
		h.reason = reasonNoName
		return false
	}
	h.escapes += esc
	name := line[:colon]
	switch {
	case esc > 0:
	case equalFold(name, "content-length"):
		if h.clSeen {
			h.reason = reasonDupContentLength
			return false
		}
		h.clSeen = true
		v, ok := parseLength(trimSpace(line[colon+1:]))
		if !ok {
			h.reason = reasonContentLength
			return false
		}
		h.cl = v
	case equalFold(name, "transfer-encoding"):
		if h.teSeen {
			h.reason = reasonDupTE
			return false
		}
		h.teSeen = true
		if !equalFold(trimSpace(line[colon+1:]), "chunked") {
			h.reason = reasonTransferEncoding
			return false
		}
	}
	return true
}

// parseLength accepts what fasthttp's parseContentLength does, short of overflow.
func parseLength(v []byte) (int64, bool) {
	if len(v) == 0 || len(v) > 18 {
		return 0, false
	}
	var n int64
	for _, ch := range v {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		n = n*10 + int64(ch-'0')
	}
	return n, true
}

// trimSpace is fasthttp's trim of a header value: spaces and tabs on both ends.
func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// equalFold compares ASCII case-insensitively against a lowercase literal.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		ch := b[i]
		if ch >= 'A' && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		if ch != lower[i] {
			return false
		}
	}
	return true
}

// isToken is RFC 9110's tchar, the bytes fasthttp allows in a method.
func isToken(ch byte) bool {
	switch {
	case ch >= 'a' && ch <= 'z', ch >= 'A' && ch <= 'Z', ch >= '0' && ch <= '9':
		return true
	}
	switch ch {
	case '!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~':
		return true
	}
	return false
}

// appendEscapedHead copies a whole head, names rewritten as %XX where needed and bare
// LF line ends as CRLF.
func appendEscapedHead(dst, head []byte, reqEnd int) []byte {
	dst = appendCRLFLines(dst, head[:reqEnd])
	rest := head[reqEnd:]
	for len(rest) > 0 {
		nl := bytes.IndexByte(rest, '\n')
		line := rest[:nl+1]
		rest = rest[nl+1:]
		colon := bytes.IndexByte(line, ':')
		if colon < 0 { // the blank line
			dst = appendCRLFLines(dst, line)
			continue
		}
		for _, ch := range line[:colon] {
			if needsEscape(ch) {
				dst = append(dst, '%', upperHex[ch>>4], upperHex[ch&15])
			} else {
				dst = append(dst, ch)
			}
		}
		dst = appendCRLFLines(dst, line[colon:])
	}
	return dst
}

// appendCRLFLines copies b, whose lines end in LF or CRLF, with every line ending in CRLF.
func appendCRLFLines(dst, b []byte) []byte {
	for len(b) > 0 {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			return append(dst, b...)
		}
		if nl == 0 || b[nl-1] != '\r' {
			dst = append(append(dst, b[:nl]...), '\r', '\n')
		} else {
			dst = append(dst, b[:nl+1]...)
		}
		b = b[nl+1:]
	}
	return dst
}

// knownMethods lets a record name the usual verbs without allocating.
var knownMethods = [...]string{"GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "REPLICATE", "SSYNC", "UPDATE", "COPY"}

func methodString(b []byte) string {
	for _, m := range knownMethods {
		if string(b) == m {
			return m
		}
	}
	return string(b)
}
