// Package diskfiletest is the conformance suite every diskfile engine passes: the
// contract of diskfile.Engine, written once, run against each engine.
package diskfiletest

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/internal/swift"
)

// Suite describes the engine under test.
type Suite struct {
	Engine diskfile.Engine
	Policy int
	// Stripe is the engine's unit of large-object layout, so the sizes tested straddle it.
	Stripe int64
}

var seq atomic.Int64

// clock hands out increasing timestamps, a second apart, starting in the past.
type clock struct{ next swift.Timestamp }

func newClock() *clock {
	return &clock{next: swift.FromTime(time.Now().Add(-time.Hour))}
}

func (c *clock) tick() swift.Timestamp {
	c.next.Ticks += 100000
	return c.next
}

func (s Suite) ref(t *testing.T) diskfile.ObjectRef {
	return diskfile.ObjectRef{Policy: s.Policy, Account: "AUTH_test", Container: "conformance",
		Object: fmt.Sprintf("%s/%d-%d", t.Name(), time.Now().UnixNano(), seq.Add(1))}
}

// Payload returns deterministic pseudo-random bytes.
func Payload(size int64, seed int64) []byte {
	b := make([]byte, size)
	rand.New(rand.NewSource(seed)).Read(b)
	return b
}

// MD5 is the hex MD5 of b.
func MD5(b []byte) string {
	sum := md5.Sum(b)
	return hex.EncodeToString(sum[:])
}

// Put writes data as a new version and commits it.
func Put(t testing.TB, e diskfile.Engine, ref diskfile.ObjectRef, ts swift.Timestamp, data []byte, meta map[string]string) error {
	t.Helper()
	w, err := e.Create(context.Background(), ref, int64(len(data)))
	require.NoError(t, err)
	// Odd-sized writes exercise buffering across stripe boundaries.
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 100003)
		_, err := w.Write(rest[:n])
		require.NoError(t, err)
		rest = rest[n:]
	}
	return w.Commit(context.Background(), ts, MD5(data), meta)
}

// ReadAll opens ref and reads the whole object, verified.
func ReadAll(t testing.TB, e diskfile.Engine, ref diskfile.ObjectRef) (diskfile.Object, []byte, error) {
	t.Helper()
	obj, err := e.Open(context.Background(), ref)
	if err != nil {
		return nil, nil, err
	}
	r, err := obj.Reader(context.Background(), 0, obj.ContentLength())
	require.NoError(t, err)
	defer r.Close()
	data, err := io.ReadAll(r)
	return obj, data, err
}

// Run runs the whole suite.
func (s Suite) Run(t *testing.T) {
	t.Run("data and metadata round-trip at sizes around the stripe", s.testSizes)
	t.Run("byte ranges read the right bytes", s.testRanges)
	t.Run("an older or equal PUT is a conflict carrying the stored timestamp", s.testPutConflict)
	t.Run("a tombstone keeps its timestamp and blocks older PUTs", s.testTombstone)
	t.Run("POST replaces user metadata and keeps sysmeta", s.testPost)
	t.Run("POST rules: older is a conflict, missing and deleted are not found", s.testPostRules)
	t.Run("a newer PUT drops older POST metadata", s.testPutAfterPost)
	t.Run("an object past X-Delete-At reads as expired", s.testExpiry)
	t.Run("an ETag mismatch leaves the old version", s.testETagMismatch)
	t.Run("an aborted upload leaves the old version", s.testAbort)
	t.Run("a quarantined object is not served and is counted", s.testQuarantine)
	t.Run("a writer reports its length and ETag after commit", s.testWriterAfterCommit)
}

func (s Suite) sizes() []int64 {
	return []int64{0, 1, 4096, s.Stripe - 1, s.Stripe, s.Stripe + 1, 3*s.Stripe + 12345}
}

func (s Suite) testSizes(t *testing.T) {
	c := newClock()
	for i, size := range s.sizes() {
		ref := s.ref(t)
		data := Payload(size, int64(i))
		ts := c.tick()
		meta := map[string]string{"Content-Type": "application/x-test", "X-Object-Meta-Size": strconv.FormatInt(size, 10)}
		require.NoError(t, Put(t, s.Engine, ref, ts, data, meta), "size %d", size)
		obj, got, err := ReadAll(t, s.Engine, ref)
		require.NoError(t, err, "size %d", size)
		require.True(t, bytes.Equal(data, got), "size %d: data differs", size)
		require.Equal(t, size, obj.ContentLength())
		require.Equal(t, MD5(data), obj.ETag())
		require.Equal(t, ts, obj.DataTimestamp())
		md := obj.Metadata()
		require.Equal(t, "application/x-test", md["Content-Type"])
		require.Equal(t, strconv.FormatInt(size, 10), md["X-Object-Meta-Size"])
		require.Equal(t, strconv.FormatInt(size, 10), md["Content-Length"])
		require.Equal(t, MD5(data), md["ETag"])
		require.Equal(t, ts.Internal(), md["X-Timestamp"])
	}
}

func (s Suite) testRanges(t *testing.T) {
	ref := s.ref(t)
	size := 2*s.Stripe + 777
	data := Payload(size, 7)
	require.NoError(t, Put(t, s.Engine, ref, newClock().tick(), data, nil))
	obj, err := s.Engine.Open(context.Background(), ref)
	require.NoError(t, err)
	for _, rg := range [][2]int64{{0, 1}, {0, 0}, {size - 1, 1}, {s.Stripe - 10, 20}, {1, size - 2}, {s.Stripe, s.Stripe}, {0, size}} {
		r, err := obj.Reader(context.Background(), rg[0], rg[1])
		require.NoError(t, err)
		got, err := io.ReadAll(r)
		r.Close()
		require.NoError(t, err, "range %v", rg)
		require.True(t, bytes.Equal(data[rg[0]:rg[0]+rg[1]], got), "range %v", rg)
	}
	_, err = obj.Reader(context.Background(), size-1, 2)
	require.Error(t, err, "a range past the end is refused")
}

func requireConflict(t *testing.T, err error, stored swift.Timestamp) {
	t.Helper()
	var conflict *diskfile.ConflictError
	require.ErrorAs(t, err, &conflict)
	require.Equal(t, stored, conflict.Stored)
}

func (s Suite) testPutConflict(t *testing.T) {
	c := newClock()
	ref := s.ref(t)
	older, newer := c.tick(), c.tick()
	require.NoError(t, Put(t, s.Engine, ref, newer, []byte("newer"), nil))
	requireConflict(t, Put(t, s.Engine, ref, older, []byte("older"), nil), newer)
	requireConflict(t, Put(t, s.Engine, ref, newer, []byte("same time"), nil), newer)
	big := Payload(s.Stripe*2+1, 3)
	requireConflict(t, Put(t, s.Engine, ref, older, big, nil), newer)
	_, got, err := ReadAll(t, s.Engine, ref)
	require.NoError(t, err)
	require.Equal(t, "newer", string(got))
}

func (s Suite) testTombstone(t *testing.T) {
	c := newClock()
	ref := s.ref(t)
	_, err := s.Engine.Open(context.Background(), ref)
	var nf *diskfile.NotFoundError
	require.ErrorAs(t, err, &nf)

	t1, t2, t3, t4 := c.tick(), c.tick(), c.tick(), c.tick()
	require.NoError(t, Put(t, s.Engine, ref, t2, Payload(s.Stripe+5, 1), nil))
	requireConflict(t, s.Engine.Delete(context.Background(), ref, t1), t2)
	require.NoError(t, s.Engine.Delete(context.Background(), ref, t3))
	_, err = s.Engine.Open(context.Background(), ref)
	var del *diskfile.DeletedError
	require.ErrorAs(t, err, &del)
	require.Equal(t, t3, del.Timestamp)
	require.True(t, diskfile.IsNotFound(err))

	requireConflict(t, Put(t, s.Engine, ref, t2, []byte("resurrect?"), nil), t3)
	requireConflict(t, s.Engine.Delete(context.Background(), ref, t3), t3)
	require.NoError(t, Put(t, s.Engine, ref, t4, []byte("new life"), nil))
	_, got, err := ReadAll(t, s.Engine, ref)
	require.NoError(t, err)
	require.Equal(t, "new life", string(got))

	// Deleting what was never there leaves a tombstone too (Swift does).
	never := s.ref(t)
	require.NoError(t, s.Engine.Delete(context.Background(), never, t1))
	_, err = s.Engine.Open(context.Background(), never)
	require.ErrorAs(t, err, &del)
	require.Equal(t, t1, del.Timestamp)
}

func (s Suite) testPost(t *testing.T) {
	c := newClock()
	ref := s.ref(t)
	put, post := c.tick(), c.tick()
	require.NoError(t, Put(t, s.Engine, ref, put, []byte("body"), map[string]string{
		"Content-Type": "text/plain", "X-Object-Meta-Color": "red", "X-Object-Sysmeta-Crypto": "kept",
		"X-Static-Large-Object": "True"}))
	require.NoError(t, s.Engine.Post(context.Background(), ref, post, map[string]string{"X-Object-Meta-Shape": "round"}))
	obj, got, err := ReadAll(t, s.Engine, ref)
	require.NoError(t, err)
	require.Equal(t, "body", string(got), "POST does not touch data")
	md := obj.Metadata()
	require.Equal(t, "round", md["X-Object-Meta-Shape"])
	require.NotContains(t, md, "X-Object-Meta-Color", "POST replaces user metadata")
	require.Equal(t, "kept", md["X-Object-Sysmeta-Crypto"])
	require.Equal(t, "True", md["X-Static-Large-Object"])
	require.Equal(t, "text/plain", md["Content-Type"], "the data's content type stays without a newer one")
	require.Equal(t, post.Internal(), md["X-Timestamp"])
	require.Equal(t, post, obj.Timestamp())
	require.Equal(t, put, obj.DataTimestamp())

	// A content-type update carries its own timestamp and survives a later POST without one.
	ct := c.tick()
	require.NoError(t, s.Engine.Post(context.Background(), ref, ct, map[string]string{
		"Content-Type": "image/png", "Content-Type-Timestamp": ct.Internal()}))
	require.NoError(t, s.Engine.Post(context.Background(), ref, c.tick(), map[string]string{"X-Object-Meta-Later": "1"}))
	obj, err = s.Engine.Open(context.Background(), ref)
	require.NoError(t, err)
	require.Equal(t, "image/png", obj.Metadata()["Content-Type"])
	require.Equal(t, "1", obj.Metadata()["X-Object-Meta-Later"])
}

func (s Suite) testPostRules(t *testing.T) {
	c := newClock()
	ref := s.ref(t)
	old, put, post := c.tick(), c.tick(), c.tick()
	var nf *diskfile.NotFoundError
	require.ErrorAs(t, s.Engine.Post(context.Background(), ref, post, nil), &nf)

	require.NoError(t, Put(t, s.Engine, ref, put, []byte("x"), nil))
	requireConflict(t, s.Engine.Post(context.Background(), ref, old, nil), put)
	requireConflict(t, s.Engine.Post(context.Background(), ref, put, nil), put)
	require.NoError(t, s.Engine.Post(context.Background(), ref, post, nil))
	requireConflict(t, s.Engine.Post(context.Background(), ref, post, nil), post)

	del := c.tick()
	require.NoError(t, s.Engine.Delete(context.Background(), ref, del))
	var deleted *diskfile.DeletedError
	require.ErrorAs(t, s.Engine.Post(context.Background(), ref, c.tick(), nil), &deleted)
	require.Equal(t, del, deleted.Timestamp)
}

func (s Suite) testPutAfterPost(t *testing.T) {
	c := newClock()
	ref := s.ref(t)
	require.NoError(t, Put(t, s.Engine, ref, c.tick(), []byte("v1"), nil))
	require.NoError(t, s.Engine.Post(context.Background(), ref, c.tick(), map[string]string{"X-Object-Meta-Old": "1"}))
	put := c.tick()
	require.NoError(t, Put(t, s.Engine, ref, put, []byte("v2"), map[string]string{"X-Object-Meta-New": "1"}))
	obj, err := s.Engine.Open(context.Background(), ref)
	require.NoError(t, err)
	require.NotContains(t, obj.Metadata(), "X-Object-Meta-Old")
	require.Equal(t, "1", obj.Metadata()["X-Object-Meta-New"])
	require.Equal(t, put, obj.Timestamp())
}

func (s Suite) testExpiry(t *testing.T) {
	c := newClock()
	ref := s.ref(t)
	past := strconv.FormatInt(time.Now().Add(-time.Minute).Unix(), 10)
	future := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	require.NoError(t, Put(t, s.Engine, ref, c.tick(), []byte("x"), map[string]string{"X-Delete-At": future}))
	_, err := s.Engine.Open(context.Background(), ref)
	require.NoError(t, err)
	ts := c.tick()
	require.NoError(t, Put(t, s.Engine, ref, ts, []byte("x"), map[string]string{"X-Delete-At": past}))
	_, err = s.Engine.Open(context.Background(), ref)
	var exp *diskfile.ExpiredError
	require.ErrorAs(t, err, &exp)
	require.Equal(t, ts, exp.Timestamp)
	require.Equal(t, past, exp.Metadata["X-Delete-At"])
}

func (s Suite) testETagMismatch(t *testing.T) {
	c := newClock()
	for _, size := range []int64{10, 2*s.Stripe + 3} {
		ref := s.ref(t)
		require.NoError(t, Put(t, s.Engine, ref, c.tick(), []byte("original"), nil))
		w, err := s.Engine.Create(context.Background(), ref, size)
		require.NoError(t, err)
		_, err = w.Write(Payload(size, 9))
		require.NoError(t, err)
		err = w.Commit(context.Background(), c.tick(), "0123456789abcdef0123456789abcdef", nil)
		require.ErrorIs(t, err, diskfile.ErrETagMismatch)
		_, got, err := ReadAll(t, s.Engine, ref)
		require.NoError(t, err)
		require.Equal(t, "original", string(got))
	}
}

func (s Suite) testAbort(t *testing.T) {
	c := newClock()
	ref := s.ref(t)
	require.NoError(t, Put(t, s.Engine, ref, c.tick(), []byte("original"), nil))
	w, err := s.Engine.Create(context.Background(), ref, -1)
	require.NoError(t, err)
	_, err = w.Write(Payload(2*s.Stripe+3, 4))
	require.NoError(t, err)
	w.Abort()
	require.Error(t, w.Commit(context.Background(), c.tick(), "", nil), "commit after abort")
	_, got, err := ReadAll(t, s.Engine, ref)
	require.NoError(t, err)
	require.Equal(t, "original", string(got))
}

func (s Suite) testQuarantine(t *testing.T) {
	ref := s.ref(t)
	ts := newClock().tick()
	require.NoError(t, Put(t, s.Engine, ref, ts, []byte("suspect"), nil))
	before, err := s.Engine.QuarantineCount(context.Background())
	require.NoError(t, err)
	require.NoError(t, s.Engine.Quarantine(context.Background(), ref, ts, "test"))
	_, err = s.Engine.Open(context.Background(), ref)
	require.True(t, diskfile.IsNotFound(err), "got %v", err)
	after, err := s.Engine.QuarantineCount(context.Background())
	require.NoError(t, err)
	require.Equal(t, before+1, after)
	require.False(t, errors.Is(err, diskfile.ErrQuarantined))
}

// The server reads Written and ETag after Commit, for the container update.
func (s Suite) testWriterAfterCommit(t *testing.T) {
	for i, size := range []int64{6, s.Stripe + 1} {
		data := Payload(size, int64(i))
		w, err := s.Engine.Create(context.Background(), s.ref(t), -1)
		require.NoError(t, err)
		_, err = w.Write(data)
		require.NoError(t, err)
		require.NoError(t, w.Commit(context.Background(), newClock().tick(), "", nil))
		require.Equal(t, size, w.Written())
		require.Equal(t, MD5(data), w.ETag())
	}
}
