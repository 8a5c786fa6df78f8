package headconn

import "bytes"

// upperHex spells escaped name bytes; fasthttp may lowercase the letters afterwards.
const upperHex = "0123456789ABCDEF"

// needsEscape reports the name bytes fasthttp would refuse (>= 0x80, and ASCII that
// is not an RFC 7230 token character: s3api stores "X-Amz-Meta-Foo_Bar" as
// "X-Object-Meta-Foo=5Fbar", and the proxy passes clients' odd names on) and '%',
// which must be escaped too so that DecodeName can tell an escape from a literal '%'.
// Space and tab are not escaped: a name holding them turns the head to passthrough.
func needsEscape(ch byte) bool {
	return ch == '%' || ch != ' ' && ch != '\t' && !tokenByte[ch]
}

// tokenByte are the bytes fasthttp takes in a header name (RFC 7230's tchar).
var tokenByte = func() (t [256]bool) {
	for _, c := range []byte("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
		t[c] = true
	}
	return t
}()

// unhex is -1 for a byte that is not a hex digit, as fasthttp's hex2intTable.
func unhex(ch byte) int {
	switch {
	case ch >= '0' && ch <= '9':
		return int(ch - '0')
	case ch >= 'a' && ch <= 'f':
		return int(ch-'a') + 10
	case ch >= 'A' && ch <= 'F':
		return int(ch-'A') + 10
	}
	return -1
}

// DecodeName gives back the bytes a client sent in a header name that the Conn
// escaped (%XX, hex in either case since fasthttp normalizes a name's letters). A
// name without '%' is returned as it is, without allocating. Only names of heads
// whose Framing is not Passthrough were escaped: a passthrough head's '%' are literal.
func DecodeName(name []byte) []byte {
	if bytes.IndexByte(name, '%') < 0 {
		return name
	}
	return AppendDecodedName(make([]byte, 0, len(name)), name)
}

// AppendDecodedName appends the decoded name to dst, for callers that reuse a buffer.
func AppendDecodedName(dst, name []byte) []byte {
	for i := 0; i < len(name); i++ {
		ch := name[i]
		if ch == '%' && i+2 < len(name) {
			hi, lo := unhex(name[i+1]), unhex(name[i+2])
			if hi >= 0 && lo >= 0 {
				dst = append(dst, byte(hi<<4|lo))
				i += 2
				continue
			}
		}
		dst = append(dst, ch)
	}
	return dst
}
