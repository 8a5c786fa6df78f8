package radosengine_test

import (
	"strings"
	"testing"

	"github.com/ceph/go-ceph/rados"
	"github.com/stretchr/testify/require"
)

// rawIO reads and damages objects behind the engine's back.
type rawIO struct {
	t     *testing.T
	ioctx *rados.IOContext
	seen  map[string]bool
}

func (r *rawIO) names(prefix string) []string {
	iter, err := r.ioctx.Iter()
	require.NoError(r.t, err)
	defer iter.Close()
	var out []string
	for iter.Next() {
		if strings.HasPrefix(iter.Value(), prefix) {
			out = append(out, iter.Value())
		}
	}
	require.NoError(r.t, iter.Err())
	return out
}

// clear remembers what exists now, so newest and onlyObject see what comes after.
func (r *rawIO) clear() {
	r.seen = map[string]bool{}
	for _, n := range r.names("") {
		r.seen[n] = true
	}
}

func (r *rawIO) fresh(prefix string) []string {
	var out []string
	for _, n := range r.names(prefix) {
		if !r.seen[n] {
			out = append(out, n)
		}
	}
	return out
}

func (r *rawIO) onlyObject(prefix string) string {
	names := r.fresh(prefix)
	require.Len(r.t, names, 1, "objects %v", names)
	return names[0]
}

func (r *rawIO) newest(prefix string) string {
	names := r.fresh(prefix)
	require.NotEmpty(r.t, names)
	return names[0]
}

func (r *rawIO) flipByte(name string, off uint64) {
	b := make([]byte, 1)
	n, err := r.ioctx.Read(name, b, off)
	require.NoError(r.t, err)
	require.Equal(r.t, 1, n)
	b[0] ^= 0xff
	require.NoError(r.t, r.ioctx.Write(name, b, off))
}
