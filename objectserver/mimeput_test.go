package objectserver

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// mimeTestBoundary looks like the proxy's: "%.64x" of a random 256-bit number.
const mimeTestBoundary = "6f1c0e55a3b2d4c7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9a0b1c2d3e4f5"

// mimeJSON is Python's json.dumps of ordered pairs: ", " and ": " separators.
func mimeJSON(pairs ...string) string {
	var b strings.Builder
	b.WriteString("{")
	for i := 0; i < len(pairs); i += 2 {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q: %q", pairs[i], pairs[i+1])
	}
	b.WriteString("}")
	return b.String()
}

func mimeMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// mimeProxyHead is what MIMEPutter._start_object_data sends before the object data.
func mimeProxyHead(boundary string) string {
	return "--" + boundary + "\r\nX-Document: object body\r\n\r\n"
}

// mimeProxyTail is what MIMEPutter.end_of_object_data sends after the object data,
// followed, with a multiphase commit, by what send_commit_confirmation sends.
func mimeProxyTail(boundary, footerJSON string, multiphase bool) string {
	tail := "--" + boundary
	if !multiphase {
		tail += "--"
	}
	s := "\r\n--" + boundary + "\r\n" +
		"X-Document: object metadata\r\n" +
		"Content-MD5: " + mimeMD5(footerJSON) + "\r\n" +
		"\r\n" +
		footerJSON + "\r\n" +
		tail + "\r\n"
	if multiphase {
		s += "X-Document: put commit\r\n" +
			"\r\n" +
			"put_commit_confirmation\r\n" +
			"--" + boundary + "--"
	}
	return s
}

// mimeProxyBody is the whole request body the Swift proxy sends.
func mimeProxyBody(boundary, data, footerJSON string, multiphase bool) string {
	return mimeProxyHead(boundary) + data + mimeProxyTail(boundary, footerJSON, multiphase)
}

// mimeChunkReader returns reads of random sizes from 1 to max bytes.
type mimeChunkReader struct {
	src io.Reader
	rng *rand.Rand
	max int
}

func (c *mimeChunkReader) Read(p []byte) (int, error) {
	if n := 1 + c.rng.IntN(c.max); n < len(p) {
		p = p[:n]
	}
	return c.src.Read(p)
}

// mimeReaderKinds deliver the same body in different read sizes.
var mimeReaderKinds = []struct {
	name string
	wrap func(io.Reader) io.Reader
}{
	{"in one read", func(r io.Reader) io.Reader { return r }},
	{"one byte at a time", iotest.OneByteReader},
	{"with the last data and EOF together", iotest.DataErrReader},
	{"in random chunks up to 7 bytes", func(r io.Reader) io.Reader {
		return &mimeChunkReader{r, rand.New(rand.NewPCG(1, 2)), 7}
	}},
	{"in random chunks up to 100 bytes", func(r io.Reader) io.Reader {
		return &mimeChunkReader{r, rand.New(rand.NewPCG(3, 4)), 100}
	}},
	{"in random chunks up to 70000 bytes", func(r io.Reader) io.Reader {
		return &mimeChunkReader{r, rand.New(rand.NewPCG(5, 6)), 70000}
	}},
}

func TestMIMEPutReaderYieldsExactlyTheObjectDataThenTheFootersOfAProxyBody(t *testing.T) {
	b := mimeTestBoundary
	binary := make([]byte, 3*256)
	for i := range binary {
		binary[i] = byte(i)
	}
	long := strings.Repeat("0123456789\r\n--"+b[:63]+"\r\n-", 20000) // ~1.6 MiB
	cases := []struct {
		name string
		data string
	}{
		{"empty data", ""},
		{"short data", "obj data"},
		{"data that is a CRLF", "\r\n"},
		{"data that is two CRLFs", "\r\n\r\n"},
		{"data ending in CRLF", "line one\r\nline two\r\n"},
		{"data ending in the start of the delimiter", "abc\r\n--" + b[:63]},
		{"data ending in CRLF dash dash", "abc\r\n--"},
		{"data holding the boundary without its CRLF", "x--" + b + "--" + b + "--\r\n" + "y"},
		{"data holding the boundary after a bare LF", "x\n--" + b + "\r\n"},
		{"data holding the delimiter but one byte, many times", strings.Repeat("\r\n--"+b[:63]+"\r", 50)},
		{"data holding a delimiter of a longer boundary prefix", "\r\n--" + b[:32] + "zz"},
		{"data holding every byte value", string(binary)},
		{"data of 1.6 MiB holding near-delimiters", long},
	}
	for _, tc := range cases {
		for _, kind := range mimeReaderKinds {
			for _, multiphase := range []bool{false, true} {
				t.Run(fmt.Sprintf("%s %s multiphase=%v", tc.name, kind.name, multiphase), func(t *testing.T) {
					json := mimeJSON("Etag", mimeMD5(tc.data), "X-Object-Sysmeta-Crypto-Body-Meta", `{"iv": "abc="}`)
					body := mimeProxyBody(b, tc.data, json, multiphase)
					r := NewMIMEPutReader(kind.wrap(strings.NewReader(body)), b)

					got, err := io.ReadAll(r)
					require.NoError(t, err)
					require.True(t, string(got) == tc.data, "object data differs (%d bytes read, %d sent)", len(got), len(tc.data))
					n, err := r.Read(make([]byte, 10))
					require.Equal(t, 0, n)
					require.Equal(t, io.EOF, err, "Read stays at EOF")

					meta, err := r.Footers()
					require.NoError(t, err)
					require.Equal(t, map[string]string{
						"Etag":                              mimeMD5(tc.data),
						"X-Object-Sysmeta-Crypto-Body-Meta": `{"iv": "abc="}`,
					}, meta)
					if multiphase {
						ok, err := r.CommitConfirmation()
						require.NoError(t, err)
						require.True(t, ok)
					}
					require.NoError(t, r.Drain())
					require.NoError(t, r.Drain(), "draining again finds nothing")
				})
			}
		}
	}
}

func TestMIMEPutReaderReadsTheBodiesOfSwiftsOwnUnitTests(t *testing.T) {
	// b"\r\n".join(...) bodies from test/unit/obj/test_server.py: documents
	// without headers, and no CRLF after the closing boundary.
	etagJSON := mimeJSON("Etag", mimeMD5("obj data"))
	mintJSON := mimeJSON("X-Object-Meta-Mint", "pepper")
	ecJSON := mimeJSON("X-Object-Sysmeta-Ec-Frag-Index", "7", "Etag", mimeMD5("obj data"))
	join := func(lines ...string) string { return strings.Join(lines, "\r\n") }
	cases := []struct {
		name       string
		boundary   string
		body       string
		wantMeta   map[string]string
		wantCommit bool
	}{
		{
			name:     "test_PUT_etag_in_footer",
			boundary: "boundary",
			body: join("--boundary", "", "obj data",
				"--boundary", "Content-MD5: "+mimeMD5(etagJSON), "", etagJSON,
				"--boundary--"),
			wantMeta: map[string]string{"Etag": mimeMD5("obj data")},
		},
		{
			name:     "test_PUT_extra_mime_docs_ignored",
			boundary: "boundary",
			body: join("--boundary", "", "obj data",
				"--boundary", "Content-MD5: "+mimeMD5(mintJSON), "", mintJSON,
				"--boundary", "This-Document-Is-Useless: yes", "", "blah blah I take up space",
				"--boundary--"),
			wantMeta: map[string]string{"X-Object-Meta-Mint": "pepper"},
		},
		{
			name:     "test_multiphase_put_draining",
			boundary: "boundary123",
			body: join("--boundary123", "X-Document: object body", "", "obj data",
				"--boundary123", "X-Document: object metadata", "Content-MD5: "+mimeMD5(ecJSON), "", ecJSON,
				"--boundary123", "X-Document: put commit", "", "commit_confirmation",
				"--boundary123", "X-Document: we got cleverer", "", "stuff stuff meaningless stuuuuuuuuuuff",
				"--boundary123", "X-Document: we got even cleverer; can you believe it?",
				"Waneshaft: ambifacient lunar", "Casing: malleable logarithmic", "",
				"potato potato potato potato potato potato potato",
				"--boundary123--"),
			wantMeta:   map[string]string{"X-Object-Sysmeta-Ec-Frag-Index": "7", "Etag": mimeMD5("obj data")},
			wantCommit: true,
		},
	}
	for _, tc := range cases {
		for _, kind := range mimeReaderKinds {
			t.Run(tc.name+" "+kind.name, func(t *testing.T) {
				r := NewMIMEPutReader(kind.wrap(strings.NewReader(tc.body)), tc.boundary)
				data, err := io.ReadAll(r)
				require.NoError(t, err)
				require.Equal(t, "obj data", string(data))
				meta, err := r.Footers()
				require.NoError(t, err)
				require.Equal(t, tc.wantMeta, meta)
				if tc.wantCommit {
					ok, err := r.CommitConfirmation()
					require.NoError(t, err)
					require.True(t, ok)
				}
				require.NoError(t, r.Drain())
			})
		}
	}
}

// mimePatternReader yields n bytes cycling through block, without allocating.
type mimePatternReader struct {
	block []byte
	off   int
	left  int
}

func (p *mimePatternReader) Read(b []byte) (int, error) {
	if p.left == 0 {
		return 0, io.EOF
	}
	b = b[:min(len(b), p.left)]
	n := 0
	for n < len(b) {
		c := copy(b[n:], p.block[p.off:])
		n += c
		p.off = (p.off + c) % len(p.block)
	}
	p.left -= n
	return n, nil
}

// mimeNearDelimiterBlock is 1009 bytes (a prime, so that it lines up differently
// with every buffer) full of beginnings of the delimiter; it starts with a byte the
// boundary does not end with, so that repeating it never makes the delimiter.
func mimeNearDelimiterBlock(boundary string) []byte {
	var b []byte
	b = append(b, "\x00"...)
	for len(b) < 1009 {
		b = append(b, "\r\n--"+boundary[:len(boundary)-1]+"\r\n-"...)
		b = append(b, "--"+boundary...)
		b = append(b, byte(len(b)), '\r')
	}
	return b[:1009]
}

func TestMIMEPutReaderStreamsLargeDataWithoutAllocatingInProportionToIt(t *testing.T) {
	const size = 16 << 20
	b := mimeTestBoundary
	block := mimeNearDelimiterBlock(b)
	require.NotContains(t, string(block)+string(block), "\r\n--"+b)

	want := md5.New()
	_, err := io.Copy(want, &mimePatternReader{block: block, left: size})
	require.NoError(t, err)
	etag := hex.EncodeToString(want.Sum(nil))
	footer := mimeJSON("Etag", etag)

	src := &mimeChunkReader{
		src: io.MultiReader(
			strings.NewReader(mimeProxyHead(b)),
			&mimePatternReader{block: block, left: size},
			strings.NewReader(mimeProxyTail(b, footer, true))),
		rng: rand.New(rand.NewPCG(7, 8)),
		max: 10000,
	}
	got := md5.New()
	buf := make([]byte, 3000)
	var total int

	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := NewMIMEPutReader(src, b)
	for {
		n, err := r.Read(buf)
		got.Write(buf[:n])
		total += n
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	meta, ferr := r.Footers()
	ok, cerr := r.CommitConfirmation()
	derr := r.Drain()
	runtime.ReadMemStats(&after)

	require.NoError(t, ferr)
	require.NoError(t, cerr)
	require.NoError(t, derr)
	require.True(t, ok)
	require.Equal(t, size, total)
	require.Equal(t, etag, hex.EncodeToString(got.Sum(nil)))
	require.Equal(t, etag, meta["Etag"])
	allocated := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d bytes allocated to stream %d bytes", allocated, size)
	require.Less(t, allocated, uint64(size/16), "the reader buffers a bounded amount")
}

func TestMIMEPutReaderAllocatesAsOftenForAMiBAsForTenBytes(t *testing.T) {
	b := mimeTestBoundary
	allocs := func(data string) float64 {
		body := []byte(mimeProxyBody(b, data, mimeJSON("Etag", mimeMD5(data)), true))
		src := bytes.NewReader(body)
		buf := make([]byte, 4096)
		return testing.AllocsPerRun(20, func() {
			src.Reset(body)
			r := NewMIMEPutReader(src, b)
			for {
				if _, err := r.Read(buf); err != nil {
					break
				}
			}
			if _, err := r.Footers(); err != nil {
				panic(err)
			}
			if _, err := r.CommitConfirmation(); err != nil {
				panic(err)
			}
			if err := r.Drain(); err != nil {
				panic(err)
			}
		})
	}
	small := allocs("0123456789")
	large := allocs(strings.Repeat("\r\n--"+b[:40]+"abcdefgh", 1<<20/50))
	t.Logf("allocations per body: %v with 10 bytes of data, %v with 1 MiB", small, large)
	require.LessOrEqual(t, large, small)
}

// mimeTimeoutError is a read deadline passing, as net.Conn reports it.
type mimeTimeoutError struct{}

func (mimeTimeoutError) Error() string { return "i/o timeout" }
func (mimeTimeoutError) Timeout() bool { return true }

// mimeFailingReader returns body, then err.
func mimeFailingReader(body string, err error) io.Reader {
	return io.MultiReader(strings.NewReader(body), iotest.ErrReader(err))
}

func TestMIMEPutReaderFailuresCarryTheStatusSwiftAnswers(t *testing.T) {
	b := "B"
	data := "obj data"
	good := mimeJSON("Etag", mimeMD5(data))
	footerDoc := func(headers, json string) string {
		return mimeProxyHead(b) + data + "\r\n--B\r\n" + headers + "\r\n" + json + "\r\n--B--\r\n"
	}
	full := mimeProxyBody(b, data, good, true)
	broken := errors.New("connection reset by peer")
	const (
		atData = iota
		atFooters
		atCommit
		atDrain
	)
	cases := []struct {
		name     string
		boundary string
		body     io.Reader
		failsAt  int
		want     error
		status   int
	}{
		{"an empty boundary is refused", "", strings.NewReader(full), atData, ErrMIMENoBoundary, 400},
		{"an empty body has no boundary", b, strings.NewReader(""), atData, ErrMIMEInvalid, 400},
		{"a body without the boundary is invalid", b, strings.NewReader("obj data"), atData, ErrMIMEInvalid, 400},
		{"a body starting with another boundary is invalid", b, strings.NewReader("--C\r\n\r\nobj data\r\n--C--"), atData, ErrMIMEInvalid, 400},
		{"a body starting with a longer boundary is invalid", b, strings.NewReader("--BB\r\n\r\nobj data\r\n--BB--"), atData, ErrMIMEInvalid, 400},
		{"a body starting with the closing boundary is invalid", b, strings.NewReader("--B--\r\n"), atData, ErrMIMEInvalid, 400},
		{"a first line longer than the boundary is invalid", b, strings.NewReader("--B" + strings.Repeat("x", 500)), atData, ErrMIMEInvalid, 400},
		{"a boundary followed by other bytes is invalid", b, strings.NewReader("--B\r\n\r\nobj data\r\n--Bx\r\n"), atData, ErrMIMEInvalid, 400},
		{"a header line without a colon is invalid", b, strings.NewReader("--B\r\nX-Document object body\r\n\r\nobj data\r\n--B--"), atData, ErrMIMEInvalid, 400},
		{"a header name with a space is invalid", b, strings.NewReader("--B\r\nX Document: object body\r\n\r\nobj data\r\n--B--"), atData, ErrMIMEInvalid, 400},
		{"a folded first header line is invalid", b, strings.NewReader("--B\r\n folded\r\n\r\nobj data\r\n--B--"), atData, ErrMIMEInvalid, 400},
		{"headers over 64 KiB are invalid", b, strings.NewReader("--B\r\n" + strings.Repeat("X-Pad: "+strings.Repeat("p", 1000)+"\r\n", 70)), atData, ErrMIMEInvalid, 400},
		{"a header line over the buffer is invalid", b, strings.NewReader("--B\r\nX-Pad: " + strings.Repeat("p", 100000)), atData, ErrMIMEInvalid, 400},

		{"a body cut in the first boundary line is a disconnect", b, strings.NewReader("--"), atData, ErrMIMEClientDisconnect, 499},
		{"a body cut after the first boundary is a disconnect", b, strings.NewReader("--B\r\n"), atData, ErrMIMEClientDisconnect, 499},
		{"a body cut in the headers is a disconnect", b, strings.NewReader("--B\r\nX-Document: obj"), atData, ErrMIMEClientDisconnect, 499},
		{"a body cut in the data is a disconnect", b, strings.NewReader(mimeProxyHead(b) + "obj da"), atData, ErrMIMEClientDisconnect, 499},
		{"a body cut in the data's delimiter is a disconnect", b, strings.NewReader(mimeProxyHead(b) + data + "\r\n-"), atData, ErrMIMEClientDisconnect, 499},
		{"a body cut right after the data's delimiter is a disconnect", b, strings.NewReader(mimeProxyHead(b) + data + "\r\n--B"), atData, ErrMIMEClientDisconnect, 499},
		{"a failed read in the data is a disconnect", b, mimeFailingReader(mimeProxyHead(b)+"obj", broken), atData, broken, 499},
		{"a timed out read in the data is a timeout", b, mimeFailingReader(mimeProxyHead(b)+"obj", mimeTimeoutError{}), atData, ErrMIMETimeout, 408},
		{"a body cut in the footer is a disconnect", b, strings.NewReader(full[:strings.Index(full, "Content-MD5")+20]), atFooters, ErrMIMEClientDisconnect, 499},
		{"a failed read in the footer is a disconnect", b, mimeFailingReader(full[:strings.Index(full, "Content-MD5")], broken), atFooters, ErrMIMEClientDisconnect, 499},
		{"a body cut before the commit document is a disconnect", b, strings.NewReader(full[:strings.Index(full, "X-Document: put commit")]), atCommit, ErrMIMEClientDisconnect, 499},
		{"a body cut in the commit's closing boundary is a disconnect", b, strings.NewReader(full[:len(full)-1]), atCommit, ErrMIMEClientDisconnect, 499},
		{"a body cut in an extra document is a disconnect", b, strings.NewReader(strings.TrimSuffix(full, "--") + "\r\nX-Document: more\r\n\r\nmo"), atDrain, ErrMIMEClientDisconnect, 499},

		{"a footer with a wrong Content-MD5 is unprocessable", b, strings.NewReader(footerDoc("Content-MD5: "+mimeMD5(good+"bad")+"\r\n", good)), atFooters, ErrMIMEFooterMD5Mismatch, 422},
		{"a footer with an upper-case Content-MD5 is unprocessable, as in Swift", b, strings.NewReader(footerDoc("Content-MD5: "+strings.ToUpper(mimeMD5(good))+"\r\n", good)), atFooters, ErrMIMEFooterMD5Mismatch, 422},
		{"a footer without Content-MD5 is a bad request", b, strings.NewReader(footerDoc("X-Document: object metadata\r\n", good)), atFooters, ErrMIMEFooterNoMD5, 400},
		{"a footer with an empty Content-MD5 is a bad request", b, strings.NewReader(footerDoc("Content-MD5:\r\n", good)), atFooters, ErrMIMEFooterNoMD5, 400},
		{"a footer that is not JSON is a bad request", b, strings.NewReader(footerDoc("Content-MD5: "+mimeMD5("{{{[[{{[{[[")+"\r\n", "{{{[[{{[{[[")), atFooters, ErrMIMEFooterJSON, 400},
		{"an empty footer is a bad request", b, strings.NewReader(footerDoc("Content-MD5: "+mimeMD5("")+"\r\n", "")), atFooters, ErrMIMEFooterJSON, 400},
		{"a footer that is a JSON array is a bad request", b, strings.NewReader(footerDoc("Content-MD5: "+mimeMD5(`["a"]`)+"\r\n", `["a"]`)), atFooters, ErrMIMEFooterJSON, 400},
		{"a footer with an object value is a bad request", b, strings.NewReader(footerDoc("Content-MD5: "+mimeMD5(`{"a": {}}`)+"\r\n", `{"a": {}}`)), atFooters, ErrMIMEFooterJSON, 400},
		{"a footer with data after the JSON is a bad request", b, strings.NewReader(footerDoc("Content-MD5: "+mimeMD5(`{} {}`)+"\r\n", `{} {}`)), atFooters, ErrMIMEFooterJSON, 400},
		{"a footer name beyond Latin-1 is a bad request", b, strings.NewReader(footerDoc("Content-MD5: "+mimeMD5(`{"X-Object-Meta-\u4e2d": "v"}`)+"\r\n", `{"X-Object-Meta-\u4e2d": "v"}`)), atFooters, ErrMIMEFooterJSON, 400},
		{"a footer over 1 MiB is a bad request", b, strings.NewReader(footerDoc("Content-MD5: x\r\n", strings.Repeat(" ", MIMEMaxFooterSize+1))), atFooters, ErrMIMEFooterTooLarge, 400},
		{"a body that ends after the data has no footer", b, strings.NewReader(mimeProxyHead(b) + data + "\r\n--B--\r\n"), atFooters, ErrMIMENoFooter, 400},
		{"a body that ends after the footer has no commit", b, strings.NewReader(mimeProxyBody(b, data, good, false)), atCommit, ErrMIMENoCommit, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewMIMEPutReader(tc.body, tc.boundary)
			step, err := func() (int, error) {
				if _, err := io.ReadAll(r); err != nil {
					return atData, err
				}
				if _, err := r.Footers(); err != nil {
					return atFooters, err
				}
				if _, err := r.CommitConfirmation(); err != nil {
					return atCommit, err
				}
				return atDrain, r.Drain()
			}()
			require.Error(t, err)
			require.Equal(t, tc.failsAt, step, "failing step; error: %v", err)
			require.ErrorIs(t, err, tc.want)
			require.Equal(t, tc.status, MIMEErrorStatus(err))
		})
	}
}

func TestMIMEPutReaderFailuresReadingTheBodyAreSticky(t *testing.T) {
	r := NewMIMEPutReader(strings.NewReader(mimeProxyHead("B")+"obj"), "B")
	_, err := io.ReadAll(r)
	require.ErrorIs(t, err, ErrMIMEClientDisconnect)
	require.ErrorIs(t, err, io.ErrUnexpectedEOF)
	_, err = r.Read(make([]byte, 1))
	require.ErrorIs(t, err, ErrMIMEClientDisconnect)
	_, err = r.Footers()
	require.ErrorIs(t, err, ErrMIMEClientDisconnect)
	_, err = r.CommitConfirmation()
	require.ErrorIs(t, err, ErrMIMEClientDisconnect)
	require.ErrorIs(t, r.Drain(), ErrMIMEClientDisconnect)
}

func TestMIMEErrorStatusIsFiveHundredForOtherErrors(t *testing.T) {
	require.Equal(t, http.StatusInternalServerError, MIMEErrorStatus(errors.New("boom")))
	require.Equal(t, 422, MIMEErrorStatus(fmt.Errorf("put: %w", ErrMIMEFooterMD5Mismatch)))
}

func TestMIMEFootersAreWhatSwiftsHeaderKeyDictMakesOfTheJSON(t *testing.T) {
	cases := []struct {
		name string
		json string
		want map[string]string
	}{
		{"names are title-cased like Python's str.title",
			`{"x-object-meta-a1b": "v", "X-OBJECT-SYSMETA-CRYPTO-ETAG-MAC": "m"}`,
			map[string]string{"X-Object-Meta-A1B": "v", "X-Object-Sysmeta-Crypto-Etag-Mac": "m"}},
		{"the Etag is lower-cased", `{"ETAG": "ABCDEF"}`, map[string]string{"Etag": "abcdef"}},
		{"an empty Etag is dropped", `{"Etag": ""}`, map[string]string{}},
		{"null drops the name", `{"X-Object-Meta-A": "1", "x-object-meta-a": null}`, map[string]string{}},
		{"numbers keep their text and booleans read as Python's",
			`{"X-Object-Sysmeta-Ec-Frag-Index": 7, "X-Object-Meta-T": true, "X-Object-Meta-F": false}`,
			map[string]string{"X-Object-Sysmeta-Ec-Frag-Index": "7", "X-Object-Meta-T": "True", "X-Object-Meta-F": "False"}},
		{"Latin-1 characters become the bytes of the WSGI string",
			`{"X-Object-Meta-Caf\u00c3\u00a9": "\u00c3\u00a9t\u00c3\u00a9"}`,
			map[string]string{"X-Object-Meta-Café": "été"}},
		{"a repeated name keeps the last value", `{"X-Object-Meta-A": "1", "X-Object-Meta-A": "2"}`,
			map[string]string{"X-Object-Meta-A": "2"}},
		{"names equal once title-cased keep the later one", `{"x-object-meta-a": "1", "X-Object-Meta-A": "2"}`,
			map[string]string{"X-Object-Meta-A": "2"}},
		{"an empty object is no footers", `{}`, map[string]string{}},
		{"null is no footers", `null`, map[string]string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := mimeProxyBody("B", "x", tc.json, false)
			r := NewMIMEPutReader(strings.NewReader(body), "B")
			_, err := io.ReadAll(r)
			require.NoError(t, err)
			meta, err := r.Footers()
			require.NoError(t, err)
			require.Equal(t, tc.want, meta)
		})
	}
}

func TestMIMECommitConfirmationNeedsTheExactPutCommitDocument(t *testing.T) {
	head := mimeProxyHead("B") + "x" + "\r\n--B\r\n"
	cases := []struct {
		name string
		rest string
		want bool
	}{
		{"the proxy's commit document confirms", "X-Document: put commit\r\n\r\nput_commit_confirmation\r\n--B--", true},
		{"any body confirms", "X-Document: put commit\r\n\r\n\r\n--B--\r\n", true},
		{"the header name is case-insensitive", "x-document: put commit\r\n\r\nyes\r\n--B--", true},
		{"a document with headers and no body confirms", "X-Document: put commit\r\n--B--", true},
		{"another document does not confirm", "X-Document: object metadata\r\n\r\n{}\r\n--B--", false},
		{"another value does not confirm", "X-Document: Put Commit\r\n\r\nput_commit_confirmation\r\n--B--", false},
		{"a document without headers does not confirm", "\r\nput_commit_confirmation\r\n--B--", false},
		{"the first of repeated headers counts, as in Swift", "X-Document: put commit\r\nX-Document: other\r\n\r\n\r\n--B--", true},
	}
	for _, tc := range cases {
		for _, kind := range mimeReaderKinds {
			t.Run(tc.name+" "+kind.name, func(t *testing.T) {
				r := NewMIMEPutReader(kind.wrap(strings.NewReader(head+tc.rest)), "B")
				_, err := io.ReadAll(r)
				require.NoError(t, err)
				ok, err := r.CommitConfirmation()
				require.NoError(t, err)
				require.Equal(t, tc.want, ok)
				require.NoError(t, r.Drain())
			})
		}
	}
}

func TestMIMEPutReaderToleratesEmptyLinesPaddingEpiloguesAndFoldedHeaders(t *testing.T) {
	footer := mimeJSON("Etag", mimeMD5("obj data"))
	footerDoc := "Content-MD5: " + mimeMD5(footer) + "\r\n\r\n" + footer
	cases := []struct {
		name string
		body string
	}{
		{"empty lines before the first boundary", "\r\n\r\n--B\r\n\r\nobj data\r\n--B\r\n" + footerDoc + "\r\n--B--"},
		{"whitespace around the first boundary", "  --B \t\r\n\r\nobj data\r\n--B\r\n" + footerDoc + "\r\n--B--"},
		{"a first boundary line ending in a bare LF", "--B\n\r\nobj data\r\n--B\r\n" + footerDoc + "\r\n--B--"},
		{"an epilogue after the closing boundary", "--B\r\n\r\nobj data\r\n--B\r\n" + footerDoc + "\r\n--B--\r\nthe epilogue\r\n--B\r\n"},
		{"folded and repeated headers", "--B\r\nX-Document: object\r\n body\r\nX-Document: again\r\n\tfolded\r\n\r\nobj data\r\n--B\r\n" + footerDoc + "\r\n--B--"},
		{"headers with odd spacing", "--B\r\nX-Document:object body  \r\n\r\nobj data\r\n--B\r\nContent-MD5:   " + mimeMD5(footer) + "\t\r\n\r\n" + footer + "\r\n--B--"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := NewMIMEPutReader(strings.NewReader(tc.body), "B")
			data, err := io.ReadAll(r)
			require.NoError(t, err)
			require.Equal(t, "obj data", string(data))
			meta, err := r.Footers()
			require.NoError(t, err)
			require.Equal(t, mimeMD5("obj data"), meta["Etag"])
			require.NoError(t, r.Drain())
		})
	}
}

func TestMIMEPutReaderSkipsUnreadDataWhenAskedForTheFooters(t *testing.T) {
	footer := mimeJSON("X-Object-Meta-Color", "blue")
	body := mimeProxyBody("B", strings.Repeat("data\r\n", 100000), footer, false)
	r := NewMIMEPutReader(iotest.HalfReader(strings.NewReader(body)), "B")
	p := make([]byte, 10)
	_, err := io.ReadFull(r, p)
	require.NoError(t, err)
	require.Equal(t, "data\r\ndata", string(p))
	meta, err := r.Footers()
	require.NoError(t, err)
	require.Equal(t, map[string]string{"X-Object-Meta-Color": "blue"}, meta)
	n, err := r.Read(p)
	require.Equal(t, 0, n)
	require.Equal(t, io.EOF, err, "the data is over once the footers are read")
	require.NoError(t, r.Drain())
}

func TestMIMEPutReaderDrainsEveryDocumentWithoutReadingTheData(t *testing.T) {
	body := mimeProxyBody("B", "obj data", mimeJSON(), true) + "\r\nthe epilogue"
	src := strings.NewReader(body)
	r := NewMIMEPutReader(src, "B")
	require.NoError(t, r.Drain())
	_, err := r.Footers()
	require.ErrorIs(t, err, ErrMIMENoFooter, "nothing is left after draining")
	n, err := r.Read(make([]byte, 1))
	require.Equal(t, 0, n)
	require.Equal(t, io.EOF, err)
}
