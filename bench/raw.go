package bench

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"

	"github.com/ceph/go-ceph/rados"
)

// rawETagKey is the one metadata key of the raw baseline's objects.
const rawETagKey = "etag"

// rawStore is the raw go-ceph baseline: the least a Swift object needs, in one RADOS op
// per request. A PUT is one write op (WriteFull of the data and SetOmap of its MD5, which
// it computes, as a server must); a GET one read op (Read and that omap key), the data
// MD5-verified against the key; a HEAD one read op of the key; a DELETE one remove.
// bench-engine (RunEngine) and the raw target of bench (Run) both use it.
type rawStore struct {
	ioctx *rados.IOContext
}

// put writes payload as object name, with its MD5 (computed with h) as the metadata key.
func (r rawStore) put(name string, payload []byte, h hash.Hash) error {
	h.Reset()
	h.Write(payload)
	op := rados.CreateWriteOp()
	defer op.Release()
	op.WriteFull(payload)
	op.SetOmap(map[string][]byte{rawETagKey: hex.AppendEncode(nil, h.Sum(nil))})
	return op.Operate(r.ioctx, name, rados.OperationNoFlag)
}

// get reads object name, which must hold size bytes, into buf (at least size+1 bytes
// long) and verifies its MD5 (computed with h) against the stored key; it returns the
// data.
func (r rawStore) get(name string, size int64, buf []byte, h hash.Hash) ([]byte, error) {
	if int64(len(buf)) <= size {
		return nil, fmt.Errorf("read buffer of %d bytes for a %d-byte object", len(buf), size)
	}
	buf = buf[:size+1] // one byte more, to see an object longer than expected
	op := rados.CreateReadOp()
	defer op.Release()
	data := op.Read(0, buf)
	omap := op.GetOmapValuesByKeys([]string{rawETagKey})
	if err := op.Operate(r.ioctx, name, rados.OperationNoFlag); err != nil {
		return nil, err
	}
	etag, err := rawETag(omap)
	if err != nil {
		return nil, err
	}
	if data.BytesRead != size {
		return nil, fmt.Errorf("read %d bytes, want %d", data.BytesRead, size)
	}
	h.Reset()
	h.Write(buf[:size])
	if sum := hex.AppendEncode(nil, h.Sum(nil)); !bytes.Equal(sum, etag) {
		return nil, fmt.Errorf("md5 %s differs from stored %q", sum, etag)
	}
	return buf[:size], nil
}

// head reads object name's metadata key (the MD5) in one read op.
func (r rawStore) head(name string) ([]byte, error) {
	op := rados.CreateReadOp()
	defer op.Release()
	omap := op.GetOmapValuesByKeys([]string{rawETagKey})
	if err := op.Operate(r.ioctx, name, rados.OperationNoFlag); err != nil {
		return nil, err
	}
	return rawETag(omap)
}

// remove deletes object name.
func (r rawStore) remove(name string) error {
	return r.ioctx.Delete(name)
}

func rawETag(omap *rados.ReadOpOmapGetValsByKeysStep) ([]byte, error) {
	var etag []byte
	for {
		kv, err := omap.Next()
		if err != nil {
			return nil, err
		}
		if kv == nil {
			break
		}
		if kv.Key == rawETagKey {
			etag = kv.Value
		}
	}
	if etag == nil {
		return nil, errors.New("no etag key")
	}
	return etag, nil
}
