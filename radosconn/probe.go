package radosconn

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/ceph/go-ceph/rados"
)

// ProbeResult is what one round trip through a pool measured.
type ProbeResult struct {
	Object string
	Write  time.Duration // one write op: data and metadata together
	Read   time.Duration // one read op: data and metadata together
	Remove time.Duration
}

// Probe proves that this identity can use the pool: it writes an object's data and a
// metadata key in one write op, reads both back in one read op, compares, and removes
// the object. Operators run it through `radosswift probe`.
func Probe(ioctx *rados.IOContext) (ProbeResult, error) {
	var res ProbeResult
	token := make([]byte, 16)
	if _, err := rand.Read(token); err != nil {
		return res, err
	}
	res.Object = "radosswift-probe-" + hex.EncodeToString(token)
	data := []byte("radosswift probe " + hex.EncodeToString(token))
	meta := map[string][]byte{"probe": token}

	start := time.Now()
	w := rados.CreateWriteOp()
	w.WriteFull(data)
	w.SetOmap(meta)
	err := w.Operate(ioctx, res.Object, rados.OperationNoFlag)
	w.Release()
	res.Write = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("probe write of %s: %w", res.Object, err)
	}

	start = time.Now()
	buf := make([]byte, len(data)+1)
	r := rados.CreateReadOp()
	readStep := r.Read(0, buf)
	omapStep := r.GetOmapValuesByKeys([]string{"probe"})
	err = r.Operate(ioctx, res.Object, rados.OperationNoFlag)
	var gotMeta []byte
	if err == nil {
		kv, nextErr := omapStep.Next()
		if nextErr != nil {
			err = nextErr
		} else if kv != nil {
			gotMeta = kv.Value
		}
	}
	r.Release()
	res.Read = time.Since(start)
	if err != nil {
		return res, fmt.Errorf("probe read of %s: %w", res.Object, err)
	}
	if got := buf[:readStep.BytesRead]; !bytes.Equal(got, data) {
		return res, fmt.Errorf("probe read of %s: data %q differs from what was written", res.Object, got)
	}
	if !bytes.Equal(gotMeta, token) {
		return res, fmt.Errorf("probe read of %s: metadata %x differs from %x", res.Object, gotMeta, token)
	}

	start = time.Now()
	if err := ioctx.Delete(res.Object); err != nil {
		return res, fmt.Errorf("probe remove of %s: %w", res.Object, err)
	}
	res.Remove = time.Since(start)
	return res, nil
}
