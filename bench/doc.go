// Package bench measures the hot object path against the floor under it. Numbers are
// printed, never asserted: the tests only check that a run is sane (every op counted,
// no errors, every read MD5-verified, nothing left behind).
//
// RunEngine (radosswift bench-engine) puts and gets small objects through the diskfile
// RADOS engine and, on the same pool, with the same sizes and concurrency, through raw
// go-ceph compound ops that do the least a Swift object needs (data and one metadata
// key in one write op; data and that key in one read op), and reports the ratio. Both
// sides hash the data with MD5 on PUT and verify it on GET, as the engine must, so the
// ratio is the cost of the engine's protocol (timestamp guard, JSON record, prefetch,
// extra ops) and not of hashing.
//
// RunLarge (radosswift bench-engine --large SIZE) streams one large object through the
// engine and back, sampling the process's resident memory, to show that the engine's
// memory stays bounded whatever the object size; then deletes it and runs one collector
// pass to reclaim its tails.
//
// A run works in a RADOS namespace of its own (a fresh one unless given, and it must be
// empty), and removes everything it wrote there before it returns.
package bench
