package radosengine

import "sync"

// dataBuffers recycles the buffers that hold object data on its way to and from RADOS,
// in capacity classes from 64 KiB doubling up to one stripe. Without them every 1 MiB
// PUT or GET left 1 MiB of garbage, and at 64 requests in flight the heap (live plus
// garbage awaiting the collector) was most of the server's resident memory.
type dataBuffers struct {
	classes []int // capacities, ascending; the last is the stripe size
	pools   []sync.Pool
}

const smallestDataBuffer = 64 << 10

func newDataBuffers(stripe int64) *dataBuffers {
	d := &dataBuffers{}
	for c := int64(smallestDataBuffer); c < stripe; c *= 2 {
		d.classes = append(d.classes, int(c))
	}
	d.classes = append(d.classes, int(stripe))
	d.pools = make([]sync.Pool, len(d.classes))
	return d
}

// get returns an empty buffer whose capacity is at least n (n at most one stripe).
func (d *dataBuffers) get(n int64) []byte {
	for i, c := range d.classes {
		if int64(c) >= n {
			if b, ok := d.pools[i].Get().(*[]byte); ok {
				return (*b)[:0]
			}
			return make([]byte, 0, c)
		}
	}
	return make([]byte, 0, n)
}

// put takes a buffer back once nothing refers to it; buffers of other capacities (grown
// by append, or larger than a stripe) are left to the garbage collector.
func (d *dataBuffers) put(b []byte) {
	for i, c := range d.classes {
		if cap(b) == c {
			b = b[:0]
			d.pools[i].Put(&b)
			return
		}
	}
}
