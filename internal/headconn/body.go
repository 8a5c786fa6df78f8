package headconn

// state is where the Conn is in the request stream.
type state uint8

const (
	stHead        state = iota // a request head (maybe not begun)
	stBodyLength               // left bytes of a Content-Length body
	stChunkSize                // hex digits of a chunk-size line
	stChunkExt                 // after the digits, until CR: fasthttp skips any extension
	stChunkSizeLF              // CR of a chunk-size line seen
	stChunkData                // left bytes of chunk data
	stChunkDataCR              // CRLF after chunk data
	stChunkDataLF
	stTrailerStart // start of a trailer line, or of the blank line ending the body
	stTrailerLine
	stTrailerLF
	stTrailerEndLF
	stPassthrough // bytes pass unchanged until the connection ends
)

// Bounds on what fasthttp reads byte by byte; beyond them fasthttp's reading
// (hex number too large, trailer larger than its buffer) is not worth following.
const (
	maxChunkDigits = 15 // fasthttp's maxHexIntChars on 64-bit
	maxChunkExt    = 4096
)

// body follows the body bytes at the start of b and returns how many belong to it:
// all of b, or fewer when the body ends inside b and a head follows. Length and
// chunk data cost O(1) per call; only chunk-size lines and trailers are scanned.
func (c *Conn) body(b []byte) int {
	i := 0
	for i < len(b) {
		switch c.st {
		case stBodyLength, stChunkData:
			k := len(b) - i
			if int64(k) > c.left {
				k = int(c.left)
			}
			c.left -= int64(k)
			i += k
			if c.left == 0 {
				if c.st == stBodyLength {
					c.startHead()
					return i
				}
				c.st = stChunkDataCR
			}
		case stChunkSize:
			ch := b[i]
			if v := unhex(ch); v >= 0 {
				if c.digits == maxChunkDigits {
					return c.bodyPassthrough(reasonChunkSize, len(b))
				}
				c.left = c.left<<4 | int64(v)
				c.digits++
				i++
				continue
			}
			if c.digits == 0 || ch == '\n' {
				return c.bodyPassthrough(reasonChunkSize, len(b))
			}
			c.ext = 0
			c.st = stChunkExt
			if ch == '\r' {
				c.st = stChunkSizeLF
			}
			i++
		case stChunkExt:
			for i < len(b) && c.st == stChunkExt {
				switch b[i] {
				case '\r':
					c.st = stChunkSizeLF
				case '\n':
					return c.bodyPassthrough(reasonChunkSize, len(b))
				default:
					if c.ext++; c.ext > maxChunkExt {
						return c.bodyPassthrough(reasonChunkSize, len(b))
					}
				}
				i++
			}
		case stChunkSizeLF:
			if b[i] != '\n' {
				return c.bodyPassthrough(reasonChunkSize, len(b))
			}
			i++
			c.digits = 0
			if c.left == 0 {
				c.st, c.trailer = stTrailerStart, 0
			} else {
				c.st = stChunkData
			}
		case stChunkDataCR:
			if b[i] != '\r' {
				return c.bodyPassthrough(reasonChunkData, len(b))
			}
			i++
			c.st = stChunkDataLF
		case stChunkDataLF:
			if b[i] != '\n' {
				return c.bodyPassthrough(reasonChunkData, len(b))
			}
			i++
			c.st, c.left = stChunkSize, 0
		case stTrailerStart:
			// A line must start with a letter: fasthttp folds lines starting with
			// space or tab and skips three bytes of a trailer starting with '0'.
			ch := b[i]
			switch {
			case ch == '\r':
				c.st = stTrailerEndLF
			case ch|0x20 >= 'a' && ch|0x20 <= 'z':
				c.st = stTrailerLine
			default:
				return c.bodyPassthrough(reasonTrailer, len(b))
			}
			i++
			c.trailer++
		case stTrailerLine:
			for i < len(b) && c.st == stTrailerLine {
				switch b[i] {
				case '\r':
					c.st = stTrailerLF
				case '\n':
					return c.bodyPassthrough(reasonTrailer, len(b))
				}
				i++
				if c.trailer++; c.trailer > c.maxHead {
					return c.bodyPassthrough(reasonTrailer, len(b))
				}
			}
		case stTrailerLF:
			if b[i] != '\n' {
				return c.bodyPassthrough(reasonTrailer, len(b))
			}
			i++
			c.trailer++
			c.st = stTrailerStart
		case stTrailerEndLF:
			if b[i] != '\n' {
				return c.bodyPassthrough(reasonTrailer, len(b))
			}
			c.startHead()
			return i + 1
		case stPassthrough:
			return len(b)
		default:
			panic("headconn: body called in head state")
		}
	}
	return i
}

// bodyPassthrough gives up on a body fasthttp will fail to read as well: the request
// already has its record, the requests after it have none.
func (c *Conn) bodyPassthrough(reason string, n int) int {
	c.st = stPassthrough
	c.passReason = reason
	c.passAfter(c.reqNum)
	return n
}
