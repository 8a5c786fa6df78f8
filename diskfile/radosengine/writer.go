package radosengine

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"maps"
	"strconv"
	"sync"
	"time"

	"github.com/ceph/go-ceph/rados"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// Create starts an upload. Data up to one stripe is kept in memory and written with the
// metadata in one op at commit; beyond that, stripes go to tail objects as they fill,
// up to Parallel at a time, and the head is written last.
func (e *Engine) Create(ctx context.Context, ref diskfile.ObjectRef, size int64) (diskfile.Writer, error) {
	if err := ctxErr(ctx); err != nil {
		return nil, err
	}
	w := &writer{e: e, ref: ref, head: headObjectName(ref), md5: md5.New()}
	if size < 0 {
		// Unknown size: nothing is reserved until the data outgrows a small buffer.
		return w, nil
	}
	if err := w.reserve(ctx, e.uploadRequest(size)); err != nil {
		return nil, err
	}
	if size <= e.cfg.StripeSize {
		w.buf = e.buffers.get(size)
	}
	return w, nil
}

type writer struct {
	e      *Engine
	ref    diskfile.ObjectRef
	head   string
	md5    hash.Hash
	n      int64
	buf    []byte
	upload string // set once the data outgrows one stripe
	intent gcEntry
	tails  int           // stripes handed to writeTail so far
	slots  chan struct{} // tails in flight; none: each tail is written before more is taken
	// reserved is this upload's share of the engine's memory budget, taken once
	// (budgeted) and given back when the upload ends: it decides how many tails may
	// be in flight.
	reserved int64
	budgeted bool
	wg       sync.WaitGroup
	mu       sync.Mutex
	err      error // first tail failure
	done     bool
}

func (w *writer) ETag() string   { return hex.EncodeToString(w.md5.Sum(nil)) }
func (w *writer) Written() int64 { return w.n }

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("write after commit or abort")
	}
	if err := w.failed(); err != nil {
		return 0, err
	}
	if !w.budgeted && w.n+int64(len(p)) > min(smallestDataBuffer, w.e.cfg.StripeSize) {
		// An upload of unknown size past its first 64 KiB takes its one reservation:
		// a stripe being filled and, if the budget allows, one in flight.
		stripe := w.e.cfg.StripeSize
		if err := w.reserve(context.Background(), budgetRequest{floor: stripe, least: stripe, extra: stripe}); err != nil {
			return 0, err
		}
	}
	w.md5.Write(p)
	w.n += int64(len(p))
	stripe := int(w.e.cfg.StripeSize)
	for rest := p; len(rest) > 0; {
		if len(w.buf) == stripe {
			// More data after a full stripe: this object needs tails.
			if err := w.flushStripe(); err != nil {
				return 0, err
			}
		}
		if w.buf == nil || cap(w.buf) < stripe && len(w.buf)+len(rest) > cap(w.buf) {
			w.grow(len(rest))
		}
		take := min(len(rest), stripe-len(w.buf))
		w.buf = append(w.buf, rest[:take]...)
		rest = rest[take:]
	}
	return len(p), nil
}

// grow makes room in a buffer that started small (unknown or small size hint),
// doubling up to one stripe.
func (w *writer) grow(more int) {
	stripe := int(w.e.cfg.StripeSize)
	want := min(max(2*cap(w.buf), len(w.buf)+more, 64<<10), stripe)
	nb := make([]byte, len(w.buf), want)
	copy(nb, w.buf)
	w.buf = nb
}

// reserve takes the upload's one share of the memory budget: a stripe being filled,
// and as many tails in flight as the rest of the share holds.
func (w *writer) reserve(ctx context.Context, req budgetRequest) error {
	reserved, err := w.e.budget.reserve(ctx, req)
	if err != nil {
		return err
	}
	w.reserved, w.budgeted = reserved, true
	w.slots = make(chan struct{}, max(reserved/w.e.cfg.StripeSize-1, 0))
	return nil
}

func (w *writer) failed() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.err
}

// flushStripe hands the full buffer to a tail writer, waiting for a free slot; with a
// share of one stripe, it writes the tail itself and refills the same buffer.
func (w *writer) flushStripe() error {
	if w.upload == "" {
		if err := w.startUpload(); err != nil {
			return err
		}
	}
	if cap(w.slots) == 0 {
		index := w.tails
		w.tails++
		if err := w.e.writeFull(w.e.data, tailObjectName(w.upload, index), w.buf); err != nil {
			w.mu.Lock()
			w.err = fmt.Errorf("writing tail %d: %w", index, err)
			w.mu.Unlock()
			return w.err
		}
		w.buf = w.buf[:0]
		return nil
	}
	w.slots <- struct{}{}
	if err := w.failed(); err != nil {
		<-w.slots
		return err
	}
	data, index := w.buf, w.tails
	w.tails++
	w.buf = w.e.buffers.get(w.e.cfg.StripeSize)
	w.wg.Add(1)
	go func() {
		defer w.wg.Done()
		defer func() { <-w.slots }()
		defer w.e.buffers.put(data)
		if err := w.e.writeFull(w.e.data, tailObjectName(w.upload, index), data); err != nil {
			w.mu.Lock()
			if w.err == nil {
				w.err = fmt.Errorf("writing tail %d: %w", index, err)
			}
			w.mu.Unlock()
		}
	}()
	return nil
}

// startUpload picks the upload id and records the intent before the first tail exists,
// so the collector finds the tails of an upload that never commits.
func (w *writer) startUpload() error {
	id := make([]byte, 16)
	if _, err := rand.Read(id); err != nil {
		return err
	}
	w.upload = hex.EncodeToString(id)
	w.intent = gcEntry{Head: w.head, Created: time.Now().UnixNano()}
	return w.e.putGCEntry(uploadKey(w.upload), w.intent)
}

// Commit writes the head last, in one op guarded on the OSD: the new version appears
// whole, or (conflict, ETag mismatch, failure) not at all, its tails removed.
func (w *writer) Commit(ctx context.Context, ts swift.Timestamp, expectETag string, meta map[string]string) error {
	if w.done {
		return errors.New("commit after commit or abort")
	}
	w.done = true
	err := w.commit(ctx, ts, expectETag, meta)
	if err != nil {
		w.discard()
	}
	w.releaseReservation()
	return err
}

func (w *writer) commit(ctx context.Context, ts swift.Timestamp, expectETag string, meta map[string]string) error {
	if w.upload != "" && len(w.buf) > 0 {
		if err := w.flushStripe(); err != nil {
			return err
		}
	}
	w.wg.Wait()
	if err := w.failed(); err != nil {
		return err
	}
	if err := ctxErr(ctx); err != nil {
		return err
	}
	etag := w.ETag()
	if expectETag != "" && expectETag != etag {
		return diskfile.ErrETagMismatch
	}
	rec := dataRecord{Path: w.ref.Path(), Meta: maps.Clone(meta), Size: w.n, ETag: etag}
	if rec.Meta == nil {
		rec.Meta = map[string]string{}
	}
	rec.Meta[diskfile.KeyTimestamp] = ts.Internal()
	rec.Meta[diskfile.KeyETag] = etag
	rec.Meta[diskfile.KeyContentLength] = strconv.FormatInt(w.n, 10)
	data := w.buf
	if w.upload != "" {
		rec.Upload, rec.Stripe = w.upload, w.e.cfg.StripeSize
		data = nil
	}
	if len(data) == 0 {
		data = pad
	}
	op := rados.CreateWriteOp()
	defer op.Release()
	op.Exec(cmpomapClass, "cmp_vals", guardNewer(map[string]string{keyTS: ts.Internal()}))
	op.WriteFull(data)
	op.SetOmap(map[string][]byte{keyTS: []byte(ts.Internal()), keyData: mustJSON(rec), keyLive: []byte("1")})
	// The new data supersedes older POSTs and content types (Swift's hash cleanup).
	op.Exec(cmpomapClass, "cmp_rm_keys", removeIfOlder(map[string]string{keyPost: ts.Internal(), keyCtype: ts.Internal()}))
	err := w.e.operateWrite(w.e.data, w.head, op)
	if errors.Is(err, errGuard) {
		stored, readErr := w.e.storedTimestamp(w.head)
		if readErr != nil {
			return readErr
		}
		return &diskfile.ConflictError{Stored: stored}
	}
	if err != nil {
		return err
	}
	w.releaseBuffer()
	if w.upload != "" {
		// Tell the collector the upload is live; if this is lost, the collector still
		// sees the head pointing at the upload and keeps it.
		w.intent.Committed = true
		_ = w.e.putGCEntry(uploadKey(w.upload), w.intent)
	}
	return nil
}

// releaseBuffer returns the data buffer once the op that wrote it has completed
// (librados copies the bytes when the op is built).
func (w *writer) releaseBuffer() {
	if w.buf != nil {
		w.e.buffers.put(w.buf)
		w.buf = nil
	}
}

// Abort discards what was written.
func (w *writer) Abort() {
	if w.done {
		return
	}
	w.done = true
	w.discard()
	w.releaseReservation()
}

// releaseReservation gives the upload's share of the memory budget back, once its
// tails are written (commit and discard wait for them).
func (w *writer) releaseReservation() {
	w.e.budget.release(w.reserved)
	w.reserved = 0
}

// discard removes the upload's tails and intent; what a failure here leaves, the
// collector reclaims after UploadTimeout.
func (w *writer) discard() {
	w.wg.Wait()
	w.releaseBuffer()
	if w.upload == "" {
		return
	}
	if w.e.removeTails(w.upload, w.tails, false) == nil {
		w.e.deleteGCEntries(uploadKey(w.upload))
	}
}
