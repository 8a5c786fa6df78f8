package radosengine

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// object is one opened version.
type object struct {
	e          *Engine
	ref        diskfile.ObjectRef
	head       string
	st         *headState
	meta       map[string]string
	prefetched []byte // the first bytes of inline data, read with the metadata
}

func (o *object) Metadata() map[string]string    { return o.meta }
func (o *object) DataTimestamp() swift.Timestamp { return o.st.ts }
func (o *object) Timestamp() swift.Timestamp     { return o.st.newest() }
func (o *object) ContentLength() int64           { return o.st.record.Size }
func (o *object) ETag() string                   { return o.st.record.ETag }

// errVersionChanged: the head was overwritten while an inline object was being read.
var errVersionChanged = errors.New("object was overwritten while being read")

// Reader streams [offset, offset+length) chunk by chunk; for objects in tails, up to
// Parallel stripes are fetched ahead in parallel.
func (o *object) Reader(ctx context.Context, offset, length int64) (io.ReadCloser, error) {
	size := o.st.record.Size
	if offset < 0 || length < 0 || offset+length > size {
		return nil, fmt.Errorf("range %d+%d outside object of %d bytes", offset, length, size)
	}
	r := &reader{ctx: ctx, o: o, next: offset, end: offset + length}
	if offset == 0 && length == size && !o.e.cfg.SkipReadVerify {
		r.md5 = md5.New()
	}
	span := length // bytes to fetch from RADOS: an inline object's prefetch is in memory
	if o.st.record.Upload == "" {
		span = max(0, offset+length-max(offset, int64(len(o.prefetched))))
	}
	req := o.e.downloadRequest(span)
	reserved, err := o.e.budget.reserve(ctx, req)
	if err != nil {
		return nil, err
	}
	r.reserved = reserved
	r.piece = o.e.cfg.StripeSize
	if reserved < req.floor {
		r.piece = req.least // the budget was short for too long: small pieces, one at a time
	}
	r.ahead = make(chan chan chunk, max(reserved/max(r.piece, 1), 1))
	return r, nil
}

type chunk struct {
	data   []byte
	pooled []byte // the pooled stripe buffer data lives in, if any: returned once consumed
	err    error
}

type reader struct {
	ctx      context.Context
	o        *object
	next     int64 // offset of the next chunk to fetch
	end      int64
	cur      []byte
	pooled   []byte          // cur's pooled buffer, returned to the engine once cur is consumed
	ahead    chan chan chunk // fetches in flight, in order
	inflight int
	md5      hash.Hash // set for whole-object reads, which are verified
	verified bool
	err      error
	reserved int64 // this download's share of the engine's memory budget, until Close
	piece    int64 // the largest chunk the share allows (chunks never cross a stripe)
}

func (r *reader) Read(p []byte) (int, error) {
	for len(r.cur) == 0 {
		r.release()
		if r.err != nil {
			return 0, r.err
		}
		r.fill()
		if r.inflight == 0 {
			r.err = r.finish()
			r.releaseReservation()
			return 0, r.err
		}
		result := <-<-r.ahead
		r.inflight--
		if result.err != nil {
			r.err = result.err
			return 0, r.err
		}
		r.cur, r.pooled = result.data, result.pooled
		if r.md5 != nil {
			r.md5.Write(r.cur)
		}
	}
	n := copy(p, r.cur)
	r.cur = r.cur[n:]
	return n, nil
}

// fill starts fetches until Parallel are in flight or the range is covered.
func (r *reader) fill() {
	for r.inflight < cap(r.ahead) && r.next < r.end {
		if err := ctxErr(r.ctx); err != nil {
			done := make(chan chunk, 1)
			done <- chunk{err: err}
			r.ahead <- done
			r.inflight++
			r.next = r.end
			return
		}
		stripe := r.o.e.cfg.StripeSize
		if r.o.st.record.Stripe > 0 {
			stripe = r.o.st.record.Stripe
		}
		off := r.next
		n := min(stripe-off%stripe, r.end-off, r.piece)
		if pre := int64(len(r.o.prefetched)); r.o.st.record.Upload == "" && off < pre {
			// What the open already read is served from memory; the rest of an
			// inline object is fetched from where the prefetch ended, not again from 0.
			n = min(n, pre-off)
		}
		r.next += n
		done := make(chan chunk, 1)
		r.ahead <- done
		r.inflight++
		if data, ok := r.fromPrefetch(off, n); ok {
			done <- chunk{data: data}
			continue
		}
		go func() { done <- r.fetch(off, n, stripe) }()
	}
}

func (r *reader) fromPrefetch(off, n int64) ([]byte, bool) {
	pre := r.o.prefetched
	if r.o.st.record.Upload != "" || off+n > int64(len(pre)) {
		return nil, false
	}
	return pre[off : off+n], true
}

// fetch reads one chunk: from a tail (immutable, so no guard is needed), or from the head
// guarded on the version's timestamp so an overwrite in between is an error, not a mix.
func (r *reader) fetch(off, n, stripe int64) chunk {
	e := r.o.e
	if upload := r.o.st.record.Upload; upload != "" {
		buf, pooled := e.readBuffer(n)
		tail := tailObjectName(upload, int(off/stripe))
		got, err := e.readAt(e.data, tail, buf, uint64(off%stripe))
		if err != nil {
			e.buffers.put(pooled)
			return chunk{err: fmt.Errorf("reading %s: %w", tail, err)}
		}
		if int64(got) != n {
			e.buffers.put(pooled)
			return chunk{err: r.corrupt(fmt.Sprintf("tail %s is short: %d of %d bytes at %d", tail, got, n, off%stripe))}
		}
		return chunk{data: buf, pooled: pooled}
	}
	buf, pooled := e.readBuffer(n)
	op := rados.CreateReadOp()
	defer op.Release()
	op.Exec(cmpomapClass, "cmp_vals", guardEqual(map[string]string{keyTS: r.o.st.ts.Internal()}))
	step := op.Read(uint64(off), buf)
	if err := e.operateRead(e.data, r.o.head, op); err != nil {
		e.buffers.put(pooled)
		if errors.Is(err, errGuard) || errors.Is(err, errNoObject) {
			return chunk{err: errVersionChanged}
		}
		return chunk{err: err}
	}
	if step.BytesRead != n {
		e.buffers.put(pooled)
		return chunk{err: r.corrupt(fmt.Sprintf("head data is short: %d of %d bytes at %d", step.BytesRead, n, off))}
	}
	return chunk{data: buf, pooled: pooled}
}

// readBuffer holds n bytes read from RADOS, in a pooled data buffer that the reader
// returns once the caller has consumed it: a large download reuses Parallel+1 buffers,
// and a GET of a mid-sized inline object leaves no garbage.
func (e *Engine) readBuffer(n int64) (buf, pooled []byte) {
	pooled = e.buffers.get(n)
	return pooled[:n], pooled
}

// release returns the consumed chunk's pooled buffer.
func (r *reader) release() {
	if r.pooled != nil {
		r.o.e.buffers.put(r.pooled)
		r.pooled = nil
	}
}

// finish checks a whole-object read: the MD5 of the bytes must be the stored ETag.
func (r *reader) finish() error {
	if r.md5 == nil || r.verified {
		return io.EOF
	}
	r.verified = true
	if got := hex.EncodeToString(r.md5.Sum(nil)); got != r.o.st.record.ETag {
		return r.corrupt(fmt.Sprintf("md5 %s differs from etag %s", got, r.o.st.record.ETag))
	}
	return io.EOF
}

// corrupt quarantines the version being read and returns ErrQuarantined.
func (r *reader) corrupt(reason string) error {
	return diskfile.Quarantined(reason, r.o.e.Quarantine(context.Background(), r.o.ref, r.o.st.ts, reason))
}

// Close abandons fetches in flight: the download's share of the budget is given back
// once they have landed (within the op timeout), so their buffers stay counted, and
// the buffers go back to the pool. Bytes not yet read are dropped: their buffer may
// serve another reader now.
func (r *reader) Close() error {
	if r.err == nil {
		r.err = errors.New("read after close")
	}
	r.cur = nil
	r.release()
	if r.inflight > 0 {
		e, ahead, inflight, reserved := r.o.e, r.ahead, r.inflight, r.reserved
		r.inflight, r.reserved = 0, 0
		go func() {
			for range inflight {
				e.buffers.put((<-<-ahead).pooled)
			}
			e.budget.release(reserved)
		}()
		return nil
	}
	r.releaseReservation()
	return nil
}

// releaseReservation gives the download's share of the memory budget back: at its end
// (EOF or an error) or at Close, whichever comes first.
func (r *reader) releaseReservation() {
	r.o.e.budget.release(r.reserved)
	r.reserved = 0
}
