package objectserver

// The multipart MIME body of a backend PUT (swift/obj/server.py, 2.30.1).
//
// When the proxy sends X-Backend-Obj-Metadata-Footer: yes and/or
// X-Backend-Obj-Multiphase-Commit: yes, the request body (always chunked) is a
// multipart MIME document whose boundary is X-Backend-Obj-Multipart-Mime-Boundary.
// MIMEPutter in swift/proxy/controllers/obj.py writes it as:
//
//	--B\r\n
//	X-Document: object body\r\n
//	\r\n
//	<object data>\r\n
//	--B\r\n
//	X-Document: object metadata\r\n
//	Content-MD5: <hex MD5 of the JSON>\r\n
//	\r\n
//	<JSON object of footer metadata>\r\n
//	--B--\r\n                              (no multiphase commit: the end)
//
// or, with a multiphase commit, "--B\r\n" after the footer JSON, and once the
// object server has sent its second 100 Continue:
//
//	X-Document: put commit\r\n
//	\r\n
//	put_commit_confirmation\r\n
//	--B--
//
// The footers carry what middleware only knows once the whole body has passed
// through it: the encryption middleware's ciphertext Etag and its
// X-Object-Sysmeta-Crypto-* values, the EC fragment index and etags.

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"unicode/utf8"
)

// MIMEError is a failure of a multipart MIME PUT body. Status is what the object
// server answers and Reason the body Swift sends with it. Every error returned by
// MIMEPutReader is, or wraps, one of the ErrMIME* values below; MIMEErrorStatus
// gives the status of any error.
type MIMEError struct {
	Status int
	Reason string
}

func (e *MIMEError) Error() string { return "MIME PUT body: " + e.Reason }

// The errors of a multipart MIME PUT body, with the status Swift's object server
// answers for each.
var (
	// ErrMIMENoBoundary: the request asks for footers or a multiphase commit but
	// has no X-Backend-Obj-Multipart-Mime-Boundary ("no MIME boundary", 400).
	ErrMIMENoBoundary = &MIMEError{Status: http.StatusBadRequest, Reason: "no MIME boundary"}
	// ErrMIMEInvalid: the body is not the multipart MIME document announced: no
	// starting boundary, a boundary followed by something other than CRLF or "--",
	// a malformed or oversized header section. Swift raises MimeInvalid here, which
	// its object server does not catch (a 500); radosswift answers 400.
	ErrMIMEInvalid = &MIMEError{Status: http.StatusBadRequest, Reason: "invalid MIME document"}
	// ErrMIMEClientDisconnect: the body ended (or reading it failed) before the
	// closing boundary: Swift's ChunkReadError, answered 499.
	ErrMIMEClientDisconnect = &MIMEError{Status: 499, Reason: "client disconnected"}
	// ErrMIMETimeout: reading the body timed out: Swift's ChunkReadTimeout, 408.
	ErrMIMETimeout = &MIMEError{Status: http.StatusRequestTimeout, Reason: "request timeout"}
	// ErrMIMENoFooter: the document ended before a footer document (400).
	ErrMIMENoFooter = &MIMEError{Status: http.StatusBadRequest, Reason: "couldn't find footer MIME doc"}
	// ErrMIMENoCommit: the document ended before a commit document (400).
	ErrMIMENoCommit = &MIMEError{Status: http.StatusBadRequest, Reason: "couldn't find PUT commit MIME doc"}
	// ErrMIMEFooterNoMD5: the footer document has no Content-MD5 header (400).
	ErrMIMEFooterNoMD5 = &MIMEError{Status: http.StatusBadRequest, Reason: "no Content-MD5 in footer"}
	// ErrMIMEFooterMD5Mismatch: the footer's Content-MD5 is not the MD5 of its body (422).
	ErrMIMEFooterMD5Mismatch = &MIMEError{Status: http.StatusUnprocessableEntity, Reason: "footer MD5 mismatch"}
	// ErrMIMEFooterJSON: the footer body is not a JSON object of header values (400).
	ErrMIMEFooterJSON = &MIMEError{Status: http.StatusBadRequest, Reason: "invalid JSON for footer doc"}
	// ErrMIMEFooterTooLarge: the footer body is over MIMEMaxFooterSize (400). Swift
	// reads footers without a limit.
	ErrMIMEFooterTooLarge = &MIMEError{Status: http.StatusBadRequest, Reason: "footer doc too large"}
)

// MIMEErrorStatus is the HTTP status for err: the Status of the MIMEError it is or
// wraps, 500 for anything else (as Swift answers unexpected exceptions).
func MIMEErrorStatus(err error) int {
	var me *MIMEError
	if errors.As(err, &me) {
		return me.Status
	}
	return http.StatusInternalServerError
}

const (
	// MIMEMaxFooterSize bounds the footer JSON read into memory.
	MIMEMaxFooterSize = 1 << 20
	// mimeMaxHeaderBytes bounds one document's header section.
	mimeMaxHeaderBytes = 64 << 10
	// mimeBufferSize is the read buffer: Swift's network_chunk_size.
	mimeBufferSize = 64 << 10
	// mimeMaxBoundaryLinePadding is how much whitespace may pad the first boundary line.
	mimeMaxBoundaryLinePadding = 64
)

type mimeState int

const (
	mimeAtStart   mimeState = iota // before the first boundary line
	mimeInHeaders                  // at the start of a document's header section
	mimeInBody                     // inside a document's body
	mimeAtEnd                      // the closing boundary has been read
)

// errMIMENoMoreDocs: the closing boundary was read; no document follows.
var errMIMENoMoreDocs = errors.New("no more MIME documents")

// errMIMEBufferFull: the read buffer is full of unconsumed bytes.
var errMIMEBufferFull = errors.New("MIME read buffer full")

// MIMEPutReader reads a multipart MIME PUT body (see the top of this file) with a
// fixed buffer: Read yields the object data, the first document's body; then
// Footers, CommitConfirmation and Drain read the documents after it, in the order
// Swift's object server does. It is not safe for concurrent use.
type MIMEPutReader struct {
	src    io.Reader
	dash   []byte // "--" + boundary: the first line
	delim  []byte // "\r\n--" + boundary: ends every document
	buf    []byte
	r, w   int   // unread bytes are buf[r:w]
	clean  int   // buf[r:clean] is body data known not to hold a delimiter
	srcErr error // the first error src returned (io.EOF included)

	state    mimeState
	docs     int   // documents begun; the object data is document 1
	dataDone bool  // Read has returned io.EOF
	err      error // sticky failure
}

// NewMIMEPutReader reads the multipart MIME document in body whose boundary is
// boundary (the X-Backend-Obj-Multipart-Mime-Boundary value, without the leading
// dashes). An empty boundary makes every method fail with ErrMIMENoBoundary.
func NewMIMEPutReader(body io.Reader, boundary string) *MIMEPutReader {
	m := &MIMEPutReader{src: body}
	if boundary == "" {
		m.err = ErrMIMENoBoundary
		return m
	}
	m.delim = []byte("\r\n--" + boundary)
	m.dash = m.delim[2:]
	size := mimeBufferSize
	if n := 4 * (len(m.delim) + mimeMaxBoundaryLinePadding); n > size {
		size = n
	}
	m.buf = make([]byte, size)
	return m
}

// Read reads the object data: the body of the first document. It returns io.EOF
// at the boundary that ends it, and a MIMEError (wrapped) if the body is malformed
// or ends early.
func (m *MIMEPutReader) Read(p []byte) (int, error) {
	if m.err != nil {
		return 0, m.err
	}
	if m.docs == 0 {
		if _, err := m.nextDoc(); err != nil {
			return 0, m.fail(err)
		}
	}
	if m.dataDone || m.docs > 1 {
		return 0, io.EOF
	}
	if len(p) == 0 {
		return 0, nil
	}
	n, err := m.readBody(p)
	if err == io.EOF {
		m.dataDone = true
	} else if err != nil {
		return n, m.fail(err)
	}
	return n, err
}

// Footers reads the next document as the metadata footer, as Swift's
// _read_metadata_footer and _read_mime_footers_metadata do: its Content-MD5 header
// must be the hex MD5 of its body (ErrMIMEFooterNoMD5, ErrMIMEFooterMD5Mismatch),
// and the body a JSON object (ErrMIMEFooterJSON). Call it after Read returned
// io.EOF; any unread object data is discarded. The X-Document header is not checked.
//
// The map is what Swift's HeaderKeyDict makes of the JSON: names title-cased the
// way Python's str.title does ("x-object-meta-a1b" becomes "X-Object-Meta-A1B"),
// string values as raw bytes (each character of the JSON string, U+0000 to U+00FF,
// is one byte, as WSGI strings are), numbers as written, true and false as "True"
// and "False", null dropping the name. The Etag footer, if not empty, is
// lower-cased and kept under "Etag"; an empty one is removed.
func (m *MIMEPutReader) Footers() (map[string]string, error) {
	if m.err != nil {
		return nil, m.err
	}
	hdrs, err := m.nextDoc()
	if err == errMIMENoMoreDocs {
		return nil, ErrMIMENoFooter
	}
	if err != nil {
		return nil, m.fail(err)
	}
	body, err := m.readDocBody(MIMEMaxFooterSize)
	if err != nil {
		if err != ErrMIMEFooterTooLarge {
			err = m.fail(err)
		}
		return nil, err
	}
	want := hdrs["content-md5"]
	if want == "" {
		return nil, ErrMIMEFooterNoMD5
	}
	sum := md5.Sum(body)
	if want != hex.EncodeToString(sum[:]) {
		return nil, ErrMIMEFooterMD5Mismatch
	}
	meta, err := mimeFooterMetadata(body)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMIMEFooterJSON, err)
	}
	etag, ok := meta["Etag"]
	delete(meta, "Etag")
	if ok && etag != "" {
		meta["Etag"] = mimeLatin1Lower(etag)
	}
	return meta, nil
}

// CommitConfirmation reads the next document as the multiphase commit
// confirmation, as Swift's _read_put_commit_message does: it reports whether its
// X-Document header is exactly "put commit" (Swift then commits; otherwise it
// answers 500) and discards its body, whatever it holds (the proxy sends
// "put_commit_confirmation"). With no document left it fails with ErrMIMENoCommit.
func (m *MIMEPutReader) CommitConfirmation() (bool, error) {
	if m.err != nil {
		return false, m.err
	}
	hdrs, err := m.nextDoc()
	if err == errMIMENoMoreDocs {
		return false, ErrMIMENoCommit
	}
	if err != nil {
		return false, m.fail(err)
	}
	if err := m.discardBody(); err != nil {
		return false, m.fail(err)
	}
	return hdrs["x-document"] == "put commit", nil
}

// Drain reads and discards every remaining document up to the closing boundary, as
// Swift's _drain_mime_request does. Bytes after the closing boundary (the MIME
// epilogue) are not read.
func (m *MIMEPutReader) Drain() error {
	if m.err != nil {
		return m.err
	}
	for {
		_, err := m.nextDoc()
		if err == errMIMENoMoreDocs {
			return nil
		}
		if err != nil {
			return m.fail(err)
		}
	}
}

// fail makes err sticky.
func (m *MIMEPutReader) fail(err error) error {
	m.err = err
	return err
}

// more compacts the buffer and reads from src once. It fails only when nothing
// was added: with errMIMEBufferFull, or a MIMEError for the source's error.
func (m *MIMEPutReader) more() error {
	if m.r > 0 {
		copy(m.buf, m.buf[m.r:m.w])
		m.w -= m.r
		m.clean -= m.r
		if m.clean < 0 {
			m.clean = 0
		}
		m.r = 0
	}
	if m.w == len(m.buf) {
		return errMIMEBufferFull
	}
	for range 100 {
		if m.srcErr != nil {
			return mimeSourceError(m.srcErr)
		}
		n, err := m.src.Read(m.buf[m.w:])
		m.w += n
		if err != nil {
			m.srcErr = err
		}
		if n > 0 {
			return nil
		}
	}
	return mimeSourceError(io.ErrNoProgress)
}

// mimeSourceError is the MIMEError for an error reading the body: a timeout is
// ErrMIMETimeout, anything else (the end of the body included: it came before the
// closing boundary) ErrMIMEClientDisconnect.
func mimeSourceError(err error) error {
	if err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	var timeout interface{ Timeout() bool }
	if errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &timeout) && timeout.Timeout()) {
		return fmt.Errorf("%w: %w", ErrMIMETimeout, err)
	}
	return fmt.Errorf("%w: %w", ErrMIMEClientDisconnect, err)
}

func mimeInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMIMEInvalid}, args...)...)
}

// nextDoc discards the rest of the current document and reads the next one's
// headers (names lower-cased), leaving the reader at the start of its body. After
// the closing boundary it returns errMIMENoMoreDocs.
func (m *MIMEPutReader) nextDoc() (map[string]string, error) {
	switch m.state {
	case mimeAtStart:
		if err := m.readFirstBoundary(); err != nil {
			return nil, err
		}
	case mimeInBody:
		if err := m.discardBody(); err != nil {
			return nil, err
		}
	}
	if m.state == mimeAtEnd {
		return nil, errMIMENoMoreDocs
	}
	hdrs, err := m.readHeaders()
	if err != nil {
		return nil, err
	}
	m.docs++
	return hdrs, nil
}

// readFirstBoundary skips empty lines and reads the line "--" + boundary, as
// Swift's iter_multipart_mime_documents does (whitespace around it is ignored).
func (m *MIMEPutReader) readFirstBoundary() error {
	limit := len(m.dash) + mimeMaxBoundaryLinePadding
	for {
		data := m.buf[m.r:m.w]
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			if len(data) > limit {
				return mimeInvalid("invalid starting boundary: wanted %q, got %q", m.dash, data[:limit])
			}
			if err := m.more(); err != nil {
				// A body that ends inside the boundary line was cut short; one
				// that ends on anything else was never this MIME document.
				t := bytes.TrimSpace(data)
				cut := len(t) > 0 && (bytes.HasPrefix(m.dash, t) || bytes.HasPrefix(t, m.dash))
				if errors.Is(err, io.ErrUnexpectedEOF) && !cut {
					return mimeInvalid("invalid starting boundary: wanted %q, got %q", m.dash, data)
				}
				return err
			}
			continue
		}
		line := data[:i+1]
		m.r += i + 1
		if string(line) == "\r\n" {
			continue
		}
		if !bytes.Equal(bytes.TrimSpace(line), m.dash) {
			return mimeInvalid("invalid starting boundary: wanted %q, got %q", m.dash, line)
		}
		m.state = mimeInHeaders
		return nil
	}
}

// readHeaders reads a document's header section up to the empty line that ends it
// or, for a document without a body, the delimiter that ends the document. Names
// are lower-cased; the first of repeated names wins (as with Swift's
// HeaderKeyDict(email.message)); folded lines are joined with a space.
func (m *MIMEPutReader) readHeaders() (map[string]string, error) {
	hdrs := map[string]string{}
	last := "" // the name a folded line continues; "" when it continues an ignored repeat
	total := 0
	for {
		data := m.buf[m.r:m.w]
		i := bytes.Index(data, []byte("\r\n"))
		if i < 0 || (len(data)-i < len(m.delim) && bytes.HasPrefix(m.delim, data[i:])) {
			// no line yet, or its CRLF may begin the delimiter
			if err := m.more(); err != nil {
				if err == errMIMEBufferFull {
					return nil, mimeInvalid("MIME header line too long")
				}
				return nil, err
			}
			continue
		}
		atDelim := bytes.HasPrefix(data[i:], m.delim)
		line := data[:i]
		total += i + 2
		if total > mimeMaxHeaderBytes {
			return nil, mimeInvalid("MIME headers over %d bytes", mimeMaxHeaderBytes)
		}
		if len(line) > 0 {
			if line[0] == ' ' || line[0] == '\t' {
				if len(hdrs) == 0 {
					return nil, mimeInvalid("MIME header continuation without a header: %q", line)
				}
				if last != "" {
					hdrs[last] = string(bytes.TrimSpace([]byte(hdrs[last] + " " + string(bytes.Trim(line, " \t")))))
				}
			} else {
				colon := bytes.IndexByte(line, ':')
				if colon <= 0 || !mimeTokenName(line[:colon]) {
					return nil, mimeInvalid("malformed MIME header line %q", line)
				}
				last = string(bytes.ToLower(line[:colon]))
				if _, repeated := hdrs[last]; repeated {
					last = ""
				} else {
					hdrs[last] = string(bytes.Trim(line[colon+1:], " \t"))
				}
			}
		}
		if atDelim {
			// the document ends without a body
			m.r += i
			break
		}
		m.r += i + 2
		if len(line) == 0 {
			break
		}
	}
	m.clean = m.r
	m.state = mimeInBody
	return hdrs, nil
}

// mimeTokenName reports whether name is a header name the way Python's email
// parser sees one: printable ASCII without spaces or colons.
func mimeTokenName(name []byte) bool {
	for _, c := range name {
		if c < 0x21 || c > 0x7e || c == ':' {
			return false
		}
	}
	return true
}

// readBody copies body bytes of the current document into p (len(p) > 0). At the
// delimiter that ends the document it consumes it and returns io.EOF.
func (m *MIMEPutReader) readBody(p []byte) (int, error) {
	for {
		if m.clean > m.r {
			n := copy(p, m.buf[m.r:m.clean])
			m.r += n
			return n, nil
		}
		if err := m.scanBody(); err != nil {
			return 0, err
		}
	}
}

// discardBody skips the rest of the current document's body and its delimiter.
func (m *MIMEPutReader) discardBody() error {
	for {
		m.r = max(m.r, m.clean)
		if err := m.scanBody(); err == io.EOF {
			return nil
		} else if err != nil {
			return err
		}
	}
}

// readDocBody reads the rest of the current document's body, up to limit bytes
// (ErrMIMEFooterTooLarge beyond, the rest of the document left unread).
func (m *MIMEPutReader) readDocBody(limit int) ([]byte, error) {
	var out []byte
	for {
		if m.clean > m.r {
			n := m.clean - m.r
			if len(out)+n > limit {
				return nil, ErrMIMEFooterTooLarge
			}
			out = append(out, m.buf[m.r:m.clean]...)
			m.r = m.clean
		}
		if err := m.scanBody(); err == io.EOF {
			return out, nil
		} else if err != nil {
			return nil, err
		}
	}
}

// scanBody is called with no known-clean bytes (m.clean <= m.r). It either finds
// more body bytes (advancing m.clean), or consumes the delimiter at m.r and the
// two bytes after it and returns io.EOF, or fails.
func (m *MIMEPutReader) scanBody() error {
	m.clean = m.r
	for {
		data := m.buf[m.r:m.w]
		i := bytes.Index(data, m.delim)
		switch {
		case i > 0:
			m.clean = m.r + i
			return nil
		case i == 0:
			return m.endDoc()
		}
		// Everything but a tail that could begin the delimiter is body data.
		if safe := len(data) - (len(m.delim) - 1); safe > 0 {
			m.clean = m.r + safe
			return nil
		}
		if err := m.more(); err != nil {
			return err
		}
	}
}

// endDoc consumes the delimiter at m.r and what follows it: "--" (the closing
// boundary) or CRLF (another document follows).
func (m *MIMEPutReader) endDoc() error {
	for m.w-m.r < len(m.delim)+2 {
		if err := m.more(); err != nil {
			return err
		}
	}
	tail := m.buf[m.r+len(m.delim) : m.r+len(m.delim)+2]
	switch string(tail) {
	case "--":
		m.state = mimeAtEnd
	case "\r\n":
		m.state = mimeInHeaders
	default:
		return mimeInvalid("MIME boundary followed by %q", tail)
	}
	m.r += len(m.delim) + 2
	m.clean = m.r
	return io.EOF
}

// mimeFooterMetadata decodes the footer JSON into the map Swift's
// HeaderKeyDict(json.loads(body)) holds.
func mimeFooterMetadata(body []byte) (map[string]string, error) {
	if !utf8.Valid(body) {
		return nil, errors.New("not UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	meta := map[string]string{}
	if tok == nil { // json.loads("null") is None: HeaderKeyDict(None) is empty
		return meta, mimeJSONEnd(dec)
	}
	if tok != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object: %v", tok)
	}
	// Python's dict keeps a repeated name at its first place with its last value.
	type item struct {
		key string
		val any
	}
	var items []item
	index := map[string]int{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key := tok.(string)
		var val any
		if err := dec.Decode(&val); err != nil {
			return nil, err
		}
		if i, ok := index[key]; ok {
			items[i].val = val
			continue
		}
		index[key] = len(items)
		items = append(items, item{key, val})
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return nil, err
	}
	if err := mimeJSONEnd(dec); err != nil {
		return nil, err
	}
	for _, it := range items {
		key, err := mimeLatin1(it.key)
		if err != nil {
			return nil, fmt.Errorf("name %q: %v", it.key, err)
		}
		key = mimeTitle(key)
		var val string
		switch v := it.val.(type) {
		case nil:
			delete(meta, key)
			continue
		case string:
			if val, err = mimeLatin1(v); err != nil {
				return nil, fmt.Errorf("value of %q: %v", it.key, err)
			}
		case json.Number:
			val = v.String()
		case bool:
			val = "False"
			if v {
				val = "True"
			}
		default:
			return nil, fmt.Errorf("value of %q is not a string", it.key)
		}
		meta[key] = val
	}
	return meta, nil
}

// mimeJSONEnd fails if anything but whitespace follows the JSON value.
func mimeJSONEnd(dec *json.Decoder) error {
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("extra data after the JSON value")
	}
	return nil
}

// mimeLatin1 turns a string of characters U+0000 to U+00FF into those bytes: how a
// WSGI string (what the proxy's json.dumps encoded) maps back to the header bytes.
func mimeLatin1(s string) (string, error) {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			ascii = false
			break
		}
	}
	if ascii {
		return s, nil
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			return "", fmt.Errorf("character %U is not Latin-1", r)
		}
		out = append(out, byte(r))
	}
	return string(out), nil
}

// mimeTitle title-cases s as Python's bytes.title does: an ASCII letter is upper
// case after a non-letter, lower case after a letter.
func mimeTitle(s string) string {
	b := []byte(s)
	prevLetter := false
	for i, c := range b {
		switch {
		case 'a' <= c && c <= 'z':
			if !prevLetter {
				b[i] = c - 'a' + 'A'
			}
			prevLetter = true
		case 'A' <= c && c <= 'Z':
			if prevLetter {
				b[i] = c - 'A' + 'a'
			}
			prevLetter = true
		default:
			prevLetter = false
		}
	}
	return string(b)
}

// mimeLatin1Lower lower-cases bytes taken as Latin-1 characters, as Python's
// str.lower does on a WSGI string.
func mimeLatin1Lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if ('A' <= c && c <= 'Z') || (0xc0 <= c && c <= 0xde && c != 0xd7) {
			b[i] = c + 0x20
		}
	}
	return string(b)
}
