package radosengine_test

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"io"
	"math/rand"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/radosswift/radosswift/diskfile"
	"github.com/radosswift/radosswift/diskfile/radosengine"
	"github.com/radosswift/radosswift/internal/swift"
)

// Swift's largest object, 5 GiB, far beyond RADOS's 128 MiB object limit, written and
// read as streams (the memory this takes is measured by `radosswift bench-engine
// --large`, not asserted here).
func TestAFiveGiBObjectRoundTripsAsAStream(t *testing.T) {
	if testing.Short() {
		t.Skip("5 GiB through the test bed takes about a minute")
	}
	const size = 5 << 30
	e := newEngine(t, func(c *radosengine.Config) { c.GCGrace, c.UploadTimeout, c.ReclaimAge = 0, 0, 0 })
	ref := diskfile.ObjectRef{Account: "AUTH_big", Container: "c", Object: "five-gib"}
	w, err := e.Create(context.Background(), ref, size)
	require.NoError(t, err)
	sum := md5.New()
	n, err := io.Copy(io.MultiWriter(w, sum), io.LimitReader(rand.New(rand.NewSource(5)), size))
	require.NoError(t, err)
	require.Equal(t, int64(size), n)
	etag := hex.EncodeToString(sum.Sum(nil))
	require.NoError(t, w.Commit(context.Background(), swift.Now(), etag, nil))

	obj, err := e.Open(context.Background(), ref)
	require.NoError(t, err)
	require.Equal(t, int64(size), obj.ContentLength())
	r, err := obj.Reader(context.Background(), 0, size)
	require.NoError(t, err)
	back := md5.New()
	n, err = io.Copy(back, r)
	r.Close()
	require.NoError(t, err, "a whole read verifies length and MD5")
	require.Equal(t, int64(size), n)
	require.Equal(t, etag, hex.EncodeToString(back.Sum(nil)))

	require.NoError(t, e.Delete(context.Background(), ref, swift.Now()))
	rep, err := e.CollectGarbage(context.Background())
	require.NoError(t, err)
	require.Equal(t, 1, rep.UploadsReclaimed, "its 1280 tails are reclaimed")
}
