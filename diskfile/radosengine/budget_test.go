package radosengine_test

import (
	"context"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/diskfiletest"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/swift"
)

// The transfers the proxy makes of large objects, at the default budget (16 MiB, four
// stripes): each used to wait for memory held by a transfer that was itself waiting for
// it, through the proxy.

// putObject stores size bytes of payload under name and returns its ref and data.
func putObject(t *testing.T, e *radosengine.Engine, name string, size int64) (diskfile.ObjectRef, []byte) {
	ref := testRef(t)
	ref.Object += "-" + name
	data := diskfiletest.Payload(size, size+int64(len(name)))
	require.NoError(t, diskfiletest.Put(t, e, ref, swift.Now(), data, nil))
	return ref, data
}

// within fails the test if done does not deliver within d (a transfer stalled on memory).
func within(t *testing.T, d time.Duration, what string, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		require.NoError(t, err, what)
	case <-time.After(d):
		t.Fatalf("%s: stalled for %v", what, d)
	}
}

func readBack(t *testing.T, e *radosengine.Engine, ref diskfile.ObjectRef, want []byte) {
	t.Helper()
	_, got, err := diskfiletest.ReadAll(t, e, ref)
	require.NoError(t, err)
	require.Equal(t, diskfiletest.MD5(want), diskfiletest.MD5(got), "%s read back", ref.Object)
}

// A server-side copy reads the source and writes the destination at once, the read
// going only as fast as the write takes the bytes (the proxy between them); several
// copies of 16 MiB objects run side by side.
func TestServerSideCopiesOfLargeObjectsRunSideBySide(t *testing.T) {
	e := newEngine(t, nil)
	const size, copies = 16 << 20, 3
	done := make(chan error, copies)
	var srcs, dsts []diskfile.ObjectRef
	var datas [][]byte
	for i := range copies {
		src, data := putObject(t, e, fmt.Sprintf("src%d", i), size)
		dst := src
		dst.Object += "-copy"
		srcs, dsts, datas = append(srcs, src), append(dsts, dst), append(datas, data)
	}
	for i := range copies {
		go func() {
			done <- func() error {
				obj, err := e.Open(context.Background(), srcs[i])
				if err != nil {
					return err
				}
				r, err := obj.Reader(context.Background(), 0, size)
				if err != nil {
					return err
				}
				defer r.Close()
				head := make([]byte, 64<<10) // the proxy reads the first chunk before it connects the PUT
				if _, err := io.ReadFull(r, head); err != nil {
					return err
				}
				w, err := e.Create(context.Background(), dsts[i], size)
				if err != nil {
					return err
				}
				if _, err := w.Write(head); err != nil {
					return err
				}
				if _, err := io.Copy(w, r); err != nil {
					w.Abort()
					return err
				}
				return w.Commit(context.Background(), swift.Now(), diskfiletest.MD5(datas[i]), nil)
			}()
		}()
	}
	for range copies {
		within(t, time.Minute, "copy", done)
	}
	for i := range copies {
		readBack(t, e, dsts[i], datas[i])
	}
	require.Zero(t, e.BufferedBytes(), "every share given back")
}

// An 8 MiB PUT that holds its share while its client is slow (here: until the GET is
// done, the strongest form of "slow") does not hold a GET back.
func TestAGetCompletesWhileASlowUploadHoldsItsShare(t *testing.T) {
	e := newEngine(t, nil)
	const size = 8 << 20
	other, otherData := putObject(t, e, "other", size)
	ref := testRef(t)
	data := diskfiletest.Payload(size, 8)

	w, err := e.Create(context.Background(), ref, size)
	require.NoError(t, err)
	_, err = w.Write(data[:1<<20])
	require.NoError(t, err)

	got := make(chan error, 1)
	go func() { readBack(t, e, other, otherData); got <- nil }()
	within(t, 30*time.Second, "GET beside a stalled PUT", got)

	for off := int64(1 << 20); off < size; off += 1 << 20 {
		_, err = w.Write(data[off : off+1<<20])
		require.NoError(t, err)
	}
	require.NoError(t, w.Commit(context.Background(), swift.Now(), diskfiletest.MD5(data), nil))
	readBack(t, e, ref, data)
	require.Zero(t, e.BufferedBytes())
}

// An SLO's segments are read by the proxy as its clients consume them: a client that
// stops reading leaves its segment's GET blocked, holding its share. Reads of several
// multi-MiB segments, each left open and unfinished while the next is read, all complete.
func TestReadsOfSegmentsHeldOpenOneAfterAnotherComplete(t *testing.T) {
	e := newEngine(t, nil)
	const size, segments = 6 << 20, 4
	var open []io.Closer
	defer func() {
		for _, c := range open {
			c.Close()
		}
	}()
	for i := range segments {
		ref, data := putObject(t, e, fmt.Sprintf("seg%d", i), size)
		done := make(chan error, 1)
		go func() {
			done <- func() error {
				obj, err := e.Open(context.Background(), ref)
				if err != nil {
					return err
				}
				r, err := obj.Reader(context.Background(), 0, size)
				if err != nil {
					return err
				}
				open = append(open, r)
				// All but the last byte: the reader has not seen its end, its share is held.
				got := make([]byte, size-1)
				if _, err := io.ReadFull(r, got); err != nil {
					return err
				}
				if diskfiletest.MD5(got) != diskfiletest.MD5(data[:size-1]) {
					return fmt.Errorf("segment %d differs", i)
				}
				return nil
			}()
		}()
		within(t, 30*time.Second, fmt.Sprintf("segment %d with %d held open", i, i), done)
	}
	require.NotZero(t, e.Memory().Overdrafts, "the held segments took the whole budget")
	for _, c := range open {
		c.Close()
	}
	open = nil
	require.Eventually(t, func() bool { return e.BufferedBytes() == 0 }, 10*time.Second, 10*time.Millisecond)
}
