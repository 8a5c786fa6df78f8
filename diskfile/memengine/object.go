package memengine

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"strconv"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// object is one opened version; it holds the version itself, so a commit after the
// open does not change what it reads.
type object struct {
	e      *Engine
	ref    diskfile.ObjectRef
	v      *version
	newest swift.Timestamp
	meta   map[string]string
}

func (o *object) Metadata() map[string]string    { return o.meta }
func (o *object) DataTimestamp() swift.Timestamp { return o.v.ts }
func (o *object) Timestamp() swift.Timestamp     { return o.newest }
func (o *object) ContentLength() int64           { return int64(len(o.v.data)) }
func (o *object) ETag() string                   { return o.v.etag }

// Reader streams [offset, offset+length); a whole-object read checks the MD5 at the end.
func (o *object) Reader(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
	size := int64(len(o.v.data))
	if offset < 0 || length < 0 || offset+length > size {
		return nil, fmt.Errorf("range %d+%d outside object of %d bytes", offset, length, size)
	}
	r := &reader{ctx: ctx, o: o, rest: o.v.data[offset : offset+length]}
	if offset == 0 && length == size && !o.e.cfg.SkipReadVerify {
		r.md5 = md5.New()
	}
	return r, nil
}

// readChunk is the most one Read hands out, so that a reader of a large object checks
// its context as often as the RADOS engine's does between stripes.
const readChunk = 64 << 10

type reader struct {
	ctx  context.Context
	o    *object
	rest []byte
	md5  hash.Hash // set for whole-object reads, which are verified
	err  error
}

func (r *reader) Read(p []byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	if err := r.ctx.Err(); err != nil {
		r.err = fmt.Errorf("request abandoned: %w", err)
		return 0, r.err
	}
	if len(r.rest) == 0 {
		r.err = r.finish()
		return 0, r.err
	}
	n := copy(p, r.rest[:min(len(r.rest), readChunk)])
	if r.md5 != nil {
		r.md5.Write(p[:n])
	}
	r.rest = r.rest[n:]
	return n, nil
}

// finish checks a whole-object read against the stored ETag; a mismatch quarantines
// the version.
func (r *reader) finish() error {
	if r.md5 == nil {
		return io.EOF
	}
	got := hex.EncodeToString(r.md5.Sum(nil))
	r.md5 = nil
	if got == r.o.v.etag {
		return io.EOF
	}
	reason := fmt.Sprintf("md5 %s differs from etag %s", got, r.o.v.etag)
	return diskfile.Quarantined(reason, r.o.e.Quarantine(context.Background(), r.o.ref, r.o.v.ts, reason))
}

func (r *reader) Close() error {
	if r.err == nil {
		r.err = errors.New("read after close")
	}
	r.rest = nil
	return nil
}

// writer gathers an upload's bytes; nothing is visible before Commit.
type writer struct {
	e    *Engine
	ref  diskfile.ObjectRef
	buf  bytes.Buffer
	n    int64 // bytes written: the buffer is handed over at commit, the count stays
	md5  hash.Hash
	done bool
}

func newWriter(e *Engine, ref diskfile.ObjectRef) *writer {
	return &writer{e: e, ref: ref, md5: md5.New()}
}

func (w *writer) ETag() string   { return hex.EncodeToString(w.md5.Sum(nil)) }
func (w *writer) Written() int64 { return w.n }

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("write after commit or abort")
	}
	w.md5.Write(p)
	w.n += int64(len(p))
	return w.buf.Write(p)
}

// Commit makes the data the current version in one guarded swap, or leaves everything
// as it was (conflict, ETag mismatch, no space).
func (w *writer) Commit(ctx context.Context, ts swift.Timestamp, expectETag string, meta map[string]string) error {
	if w.done {
		return errors.New("commit after commit or abort")
	}
	w.done = true
	// The buffer's bytes become the version's own (the writer is done with them), never
	// written again.
	data := w.buf.Bytes()
	w.buf = bytes.Buffer{}
	etag := w.ETag()
	if expectETag != "" && expectETag != etag {
		return diskfile.ErrETagMismatch
	}
	next := &version{ts: ts, meta: maps.Clone(meta), etag: etag}
	if next.meta == nil {
		next.meta = map[string]string{}
	}
	next.data = data
	if next.data == nil {
		next.data = []byte{}
	}
	next.meta[diskfile.KeyTimestamp] = ts.Internal()
	next.meta[diskfile.KeyETag] = etag
	next.meta[diskfile.KeyContentLength] = strconv.Itoa(len(next.data))
	return w.e.commit(ctx, w.ref, ts, next)
}

// Abort discards what was written.
func (w *writer) Abort() {
	w.done = true
	w.buf = bytes.Buffer{}
}
